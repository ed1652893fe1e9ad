// Long-running child processes and the ports they listen on: spawning with output to a log file, the set
// of live children and the exit hook that kills them, stopping, free ports, and waiting for a child to be ready.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, lastLines, logger, readTail, seconds } from './log.mjs';

const POLL_MS = 250;

/** Thrown when a port the stack needs is taken; `port` and `role` say which. */
export class PortInUseError extends Error {
  constructor(port, role) {
    super(`port ${port} (${role}) on 127.0.0.1 is already in use (\`ss -ltnp 'sport = :${port}'\` shows by what)`);
    this.name = 'PortInUseError';
    this.port = port;
    this.role = role;
  }
}

const live = new Set();
// Safety net: whatever way this process ends, no child of ours outlives it.
process.on('exit', () => {
  for (const handle of live) handle.child.kill('SIGKILL');
});

/** Spawns a long-running child with its output appended to logFile (and echoed to ours when echo is set). */
export function spawnChild({ name, command, args, env = process.env, logFile, echo = false, detached = false, cwd = ROOT }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env, detached, stdio: echo ? ['ignore', 'pipe', 'pipe'] : ['ignore', out, out] });
  if (echo) {
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      fs.writeSync(out, chunk);
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      fs.writeSync(out, chunk);
    });
  }
  const handle = {
    name,
    child,
    logFile,
    exited: new Promise((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('close', (code, signal) => resolve({ code, signal }));
    }),
  };
  live.add(handle);
  void handle.exited.then(() => {
    live.delete(handle);
    fs.closeSync(out);
  });
  return handle;
}

/** Children spawned by spawnChild that are still running, oldest first. */
export function liveChildren() {
  return [...live];
}

/** Stops the children one after the other, in the order given: SIGTERM, then SIGKILL after timeoutMs. */
export async function stopAll(children, { timeoutMs = 15_000, log = logger } = {}) {
  for (const handle of children) {
    if (!live.has(handle)) continue;
    const started = Date.now();
    handle.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      log.warn(`${handle.name} did not stop within ${timeoutMs / 1000} s of SIGTERM; killing it`, { pid: handle.child.pid });
      handle.child.kill('SIGKILL');
    }, timeoutMs);
    const { code, signal } = await handle.exited;
    clearTimeout(timer);
    log.info(`${handle.name} stopped`, { code, signal, seconds: seconds(started) });
  }
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Throws PortInUseError when something already listens on 127.0.0.1:port. */
export async function assertPortFree(port, role) {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', (err) => reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new PortInUseError(port, role) : err));
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}

/** Polls check() until it returns true; fails early, with the end of its log, when the child exits. */
export async function waitUntil(check, { handle, timeoutMs, what }) {
  const deadline = Date.now() + timeoutMs;
  let exit;
  void handle.exited.then((result) => {
    exit = result;
  });
  for (;;) {
    if (exit) {
      const how = exit.error ? `could not be started (${exit.error.message})` : `exited with ${exit.signal ?? `code ${exit.code}`}`;
      throw new Error(`${handle.name} ${how} while waiting for ${what}; last lines of ${handle.logFile}:\n${lastLines(readTail(handle.logFile), 20)}`);
    }
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; see ${handle.logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Resolves once host:port accepts TCP connections; rejects when the child in handle exits first or on timeout. */
export function waitForPort({ port, host = '127.0.0.1', handle, timeoutMs = 60_000, what = `${handle.name} to listen on ${host}:${port}` }) {
  return waitUntil(() => canConnect(port, host), { handle, timeoutMs, what });
}

function canConnect(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
