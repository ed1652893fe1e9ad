// The local stack: builds the Temporal dev server and FerretDB from Go modules once, then runs them as
// child processes. Plain Node ESM with no dependencies at import time, so it works before `npm ci`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Absolute path of the repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The project's Temporal search attributes, name → type, registered on every dev server we start. */
export const SEARCH_ATTRIBUTES = Object.freeze(
  JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'search-attributes.json'), 'utf8')),
);

const LOCAL_BIN = path.join(ROOT, '.local', 'bin');
const BUILD_LOG_DIR = path.join(ROOT, '.local', 'logs');
const FERRETDB_SOURCE = path.join(ROOT, 'tools', 'ferretdb');
const FERRETDB_BIN = path.join(LOCAL_BIN, 'sluice-ferretdb');
const TEMPORAL_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const PROGRESS_EVERY_MS = 15_000;
const POLL_MS = 250;
// Go's message when the checksum database cannot be reached (never a checksum mismatch, which must fail).
const SUMDB_UNREACHABLE = /(sum\.golang\.org|GOSUMDB)[^\n]*(dial tcp|no such host|i\/o timeout|connection refused|connection reset|TLS handshake|Client\.Timeout|proxyconnect|40[34] )/i;

/** Writes one JSON line per event to stdout: {"level","msg","time",...fields}. */
export const logger = Object.freeze({
  info: (msg, fields) => writeLogLine('info', msg, fields),
  warn: (msg, fields) => writeLogLine('warn', msg, fields),
  error: (msg, fields) => writeLogLine('error', msg, fields),
});

function writeLogLine(level, msg, fields = {}) {
  process.stdout.write(`${JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields })}\n`);
}

/** Thrown when a port the stack needs is taken; `port` and `role` say which. */
export class PortInUseError extends Error {
  constructor(port, role) {
    super(`port ${port} (${role}) on 127.0.0.1 is already in use (\`ss -ltnp 'sport = :${port}'\` shows by what)`);
    this.name = 'PortInUseError';
    this.port = port;
    this.role = role;
  }
}

/** Makes sure the server binaries exist (building them with Go when missing or stale) and returns their paths. */
export async function ensureBinaries({ log = logger } = {}) {
  const binaries = { temporal: undefined, ferretdb: undefined };
  if (!process.env.TEMPORAL_ADDRESS) binaries.temporal = await ensureTemporal(log);
  if (!process.env.MONGODB_URI) binaries.ferretdb = await ensureFerretDB(log);
  return binaries;
}

/** Path of the Temporal CLI we run: `temporal` on PATH, else the one built into .local/bin. */
export function temporalBinary() {
  return findOnPath('temporal') ?? path.join(LOCAL_BIN, 'temporal');
}

async function ensureTemporal(log) {
  const existing = temporalBinary();
  if (isExecutable(existing)) return existing;
  const go = requireGo('the Temporal dev server (the `temporal` CLI)', 'TEMPORAL_ADDRESS', 'a running Temporal server, e.g. 127.0.0.1:7233');
  log.info('building the Temporal CLI once into .local/bin; this downloads ~240 Go modules and takes several minutes', { module: TEMPORAL_MODULE });
  await runGo(go, ['install', TEMPORAL_MODULE], {
    cwd: ROOT,
    env: { GOBIN: LOCAL_BIN },
    label: 'temporal CLI',
    logFile: path.join(BUILD_LOG_DIR, 'temporal-build.log'),
    log,
  });
  return existing;
}

/**
 * FerretDB v1.24's SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` but queries, updates and deletes
 * by `_ferretdb_sjson->'$._id'`. SQLite matches index expressions by their text, so no `_id` lookup ever uses
 * the index: each one reads the whole table (18 ms at 1,000 executions, growing with the collection). The
 * build copies the module out of Go's module cache into .local/, replaces that one constant with `->'_id'`
 * (the same JSON path: SQLite reads a bare label X as `$.X`), and builds tools/ferretdb against the copy
 * through a `-modfile` with a `replace`; tools/ferretdb itself stays as it is. Bump FERRETDB_PATCH when the
 * patch changes.
 */
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_PATCH = 'id-index-1';
const FERRETDB_PATCH_FILE = path.join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go');
const FERRETDB_ID_COLUMN = { from: `IDColumn = DefaultColumn + "->'$._id'"`, to: `IDColumn = DefaultColumn + "->'_id'"` };

/** Copies FerretDB's module, patches its `_id` column expression, and returns the go.mod to build with. */
async function patchedFerretDBModfile(go, log) {
  const dir = await goModuleDir(go, FERRETDB_MODULE, FERRETDB_SOURCE, log);
  const work = path.join(ROOT, '.local', 'ferretdb-patched');
  const copy = path.join(work, 'module');
  fs.rmSync(work, { recursive: true, force: true });
  fs.cpSync(dir, copy, { recursive: true });
  // Files in Go's module cache are read-only, and so are their copies.
  const target = path.join(copy, FERRETDB_PATCH_FILE);
  fs.chmodSync(target, 0o644);
  const text = fs.readFileSync(target, 'utf8');
  if (!text.includes(FERRETDB_ID_COLUMN.from)) {
    throw new Error(`${path.join(dir, FERRETDB_PATCH_FILE)} no longer holds ${FERRETDB_ID_COLUMN.from}: check whether FerretDB fixed its _id index and drop the patch in scripts/stack.mjs`);
  }
  fs.writeFileSync(target, text.replace(FERRETDB_ID_COLUMN.from, FERRETDB_ID_COLUMN.to));
  const modfile = path.join(work, 'go.mod');
  const mod = fs.readFileSync(path.join(FERRETDB_SOURCE, 'go.mod'), 'utf8');
  fs.writeFileSync(modfile, `${mod}\nreplace ${FERRETDB_MODULE} => ${copy}\n`);
  fs.copyFileSync(path.join(FERRETDB_SOURCE, 'go.sum'), path.join(work, 'go.sum'));
  return modfile;
}

/** Where Go keeps a module that `cwd`'s go.mod requires (downloading it if needed). */
async function goModuleDir(go, module, cwd, log) {
  const stdout = await runGo(go, ['mod', 'download', '-json', module], {
    cwd,
    env: {},
    label: `${module} (go mod download)`,
    logFile: path.join(BUILD_LOG_DIR, 'ferretdb-download.log'),
    log,
  });
  return JSON.parse(stdout).Dir;
}

async function ensureFerretDB(log) {
  const sources = fs.readdirSync(FERRETDB_SOURCE)
    .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
    .map((f) => path.join(FERRETDB_SOURCE, f));
  const newestSource = Math.max(...sources.map(mtimeMs));
  const exists = isExecutable(FERRETDB_BIN);
  const stamp = `${FERRETDB_BIN}.patch`;
  const patched = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === FERRETDB_PATCH;
  if (exists && patched && mtimeMs(FERRETDB_BIN) >= newestSource) return FERRETDB_BIN;
  if (exists && !findOnPath('go')) {
    log.warn('tools/ferretdb or its patch changed since .local/bin/sluice-ferretdb was built, but `go` is not on PATH; using the old binary');
    return FERRETDB_BIN;
  }
  const go = requireGo('FerretDB (tools/ferretdb)', 'MONGODB_URI', 'a running MongoDB, e.g. mongodb://127.0.0.1:27017/');
  log.info(exists ? 'rebuilding FerretDB: tools/ferretdb or its patch changed' : 'building FerretDB once into .local/bin');
  const modfile = await patchedFerretDBModfile(go, log);
  await runGo(go, ['build', `-modfile=${modfile}`, '-o', FERRETDB_BIN, './'], {
    cwd: FERRETDB_SOURCE,
    env: {},
    label: 'FerretDB',
    logFile: path.join(BUILD_LOG_DIR, 'ferretdb-build.log'),
    log,
  });
  fs.writeFileSync(stamp, `${FERRETDB_PATCH}\n`);
  return FERRETDB_BIN;
}

function requireGo(what, envVar, example) {
  const go = findOnPath('go');
  if (go) return go;
  throw new Error(
    `Go is not installed (no \`go\` on PATH), and it is needed once to build ${what}. ` +
      `Install Go >= 1.24 (https://go.dev/dl/) and put it on PATH, or set ${envVar} to ${example}.`,
  );
}

// Runs one Go command with its output in logFile and a progress line every 15 s, and returns its stdout;
// when the checksum database cannot be reached it retries once with GOSUMDB=off.
async function runGo(go, args, { cwd, env, label, logFile, log }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  for (const sumdbOff of [false, true]) {
    const started = Date.now();
    const out = fs.openSync(logFile, 'w');
    const child = spawn(go, args, {
      cwd,
      env: { ...process.env, ...env, ...(sumdbOff ? { GOSUMDB: 'off' } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let downloads = 0;
    let tail = '';
    let stdout = '';
    const onData = (chunk) => {
      fs.writeSync(out, chunk);
      const text = chunk.toString();
      downloads += text.split('\n').filter((line) => line.startsWith('go: downloading')).length;
      tail = (tail + text).slice(-20_000);
    };
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      onData(chunk);
    });
    child.stderr.on('data', onData);
    const timer = setInterval(() => {
      log.info(`building ${label}`, { elapsedSeconds: Math.round((Date.now() - started) / 1000), modulesDownloaded: downloads, logFile });
    }, PROGRESS_EVERY_MS);
    const code = await new Promise((resolve) => {
      child.once('error', (err) => {
        tail += String(err);
        resolve(-1);
      });
      child.once('close', resolve);
    });
    clearInterval(timer);
    fs.closeSync(out);
    if (code === 0) {
      log.info(`built ${label}`, { seconds: Math.round((Date.now() - started) / 1000) });
      return stdout;
    }
    if (!sumdbOff && SUMDB_UNREACHABLE.test(tail) && !tail.includes('SECURITY ERROR')) {
      log.warn(`the Go checksum database is unreachable; retrying the ${label} build with GOSUMDB=off`);
      continue;
    }
    throw new Error(`building ${label} failed (\`go ${args.join(' ')}\` exited with ${code}); full output in ${logFile}:\n${lastLines(tail, 15)}`);
  }
}

/** Starts `temporal server start-dev` (in memory unless dbFile) and resolves once its namespace answers. */
export async function startTemporal({
  port,
  uiPort,
  dbFile,
  logFile,
  namespace = 'default',
  bin = temporalBinary(),
  detached = false,
  timeoutMs = 120_000,
  log = logger,
}) {
  await assertPortFree(port, 'Temporal gRPC');
  if (uiPort !== undefined) await assertPortFree(uiPort, 'Temporal UI');
  const address = `127.0.0.1:${port}`;
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(namespace === 'default' ? [] : ['--namespace', namespace]),
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableServerVersionCheck=false',
    // Activities scheduled by a workflow task go straight back to the worker that completed it (one matching
    // round trip less per activity); the SDKs ask for it by default, the server only grants it when enabled.
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  if (dbFile) {
    fs.mkdirSync(path.dirname(dbFile), { recursive: true });
    // One SQLite connection serves the whole server; WAL and no fsync per commit keep it from stalling.
    args.push('--db-filename', dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off');
  }
  const started = Date.now();
  const handle = spawnChild({
    name: 'temporal',
    command: bin,
    args,
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    logFile,
    detached,
  });
  const probeEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_')));
  try {
    await waitForPort({ port, handle, timeoutMs, what: `Temporal to listen on ${address}` });
    await waitUntil(
      () => succeeds(bin, ['operator', 'namespace', 'describe', '--namespace', namespace, '--address', address], probeEnv),
      { handle, timeoutMs: timeoutMs - (Date.now() - started), what: `Temporal namespace "${namespace}" to be usable` },
    );
    if (uiPort !== undefined) {
      await waitUntil(() => httpOk(`http://127.0.0.1:${uiPort}/`), { handle, timeoutMs: timeoutMs - (Date.now() - started), what: 'the Temporal UI' });
    }
  } catch (err) {
    await stopAll([handle], { log });
    throw err;
  }
  const uiUrl = uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`;
  log.info('temporal ready', { address, uiUrl, dbFile: dbFile ?? 'in-memory', seconds: seconds(started), logFile });
  return Object.assign(handle, { address, uiUrl });
}

/**
 * FerretDB's SQLite connections (it adds busy_timeout(10000), journal_mode(wal), auto_vacuum(none)). With WAL,
 * synchronous(normal) syncs at checkpoints instead of on every commit: a crash of any process loses nothing,
 * a power cut may lose the last commits. Override with SLUICE_FERRETDB_SQLITE_PARAMS.
 */
const SQLITE_PARAMS = process.env.SLUICE_FERRETDB_SQLITE_PARAMS ?? '_pragma=synchronous(normal)';

/** Starts FerretDB (SQLite handler, files in dataDir) and resolves once a MongoDB ping succeeds. */
export async function startFerretDB({
  port,
  dataDir,
  logFile,
  bin = FERRETDB_BIN,
  detached = false,
  timeoutMs = 60_000,
  log = logger,
}) {
  await assertPortFree(port, 'FerretDB');
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const handle = spawnChild({
    name: 'ferretdb',
    command: bin,
    args: ['--listen-addr', `127.0.0.1:${port}`, '--handler', 'sqlite', '--sqlite-url', `${pathToFileURL(dir).href}/?${SQLITE_PARAMS}`, '--log-level', 'warn'],
    // FerretDB allocates a lot per request and its heap stays small: a lazier garbage collector trades a few
    // tens of MB for CPU (GOGC=400 unless set).
    env: { ...process.env, GOGC: process.env.GOGC ?? '400' },
    logFile,
    detached,
  });
  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    const { MongoClient } = await import('mongodb');
    await waitUntil(() => mongoPing(MongoClient, uri), { handle, timeoutMs, what: `FerretDB to answer a ping on ${uri}` });
  } catch (err) {
    await stopAll([handle], { log });
    throw err;
  }
  log.info('ferretdb ready', { uri, dataDir: dir, seconds: seconds(started), logFile });
  return Object.assign(handle, { uri });
}

async function mongoPing(MongoClient, uri) {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
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

/**
 * Starts a throwaway stack on free ports (in-memory Temporal, FerretDB in a temp dir) for whichever of
 * TEMPORAL_ADDRESS / MONGODB_URI is not set, and returns the env to hand to the code under test.
 */
export async function startEphemeralStack({ prefix = 'sluice-', detached = false, log = logger } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const logDir = path.join(dir, 'logs');
  const ferretDataDir = path.join(dir, 'ferretdb');
  log.info('throwaway stack starting', { logDir });
  const [temporal, ferretdb] = await Promise.allSettled([
    process.env.TEMPORAL_ADDRESS
      ? undefined
      : freePort().then((port) => startTemporal({ port, logFile: path.join(logDir, 'temporal.log'), detached, log })),
    process.env.MONGODB_URI
      ? undefined
      : freePort().then((port) => startFerretDB({ port, dataDir: ferretDataDir, logFile: path.join(logDir, 'ferretdb.log'), detached, log })),
  ]);
  const handles = [temporal, ferretdb].filter((r) => r.status === 'fulfilled' && r.value).map((r) => r.value);
  const failure = [temporal, ferretdb].find((r) => r.status === 'rejected');
  if (failure) {
    await stopAll(handles, { log });
    throw failure.reason;
  }
  const env = {
    TEMPORAL_ADDRESS: temporal.value?.address ?? process.env.TEMPORAL_ADDRESS,
    MONGODB_URI: ferretdb.value?.uri ?? process.env.MONGODB_URI,
  };
  return { env, handles, logDir, ferretDataDir };
}

/** Stops a stack from startEphemeralStack and deletes its FerretDB data (the logs stay for inspection). */
export async function stopEphemeralStack(stack, { log = logger } = {}) {
  await stopAll(stack.handles, { log });
  fs.rmSync(stack.ferretDataDir, { recursive: true, force: true });
}

// Polls check() until it returns true; fails early, with the end of its log, when the child exits.
async function waitUntil(check, { handle, timeoutMs, what }) {
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

function succeeds(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
}

async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function findOnPath(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function mtimeMs(file) {
  return fs.statSync(file).mtimeMs;
}

function readTail(file) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-20_000);
  } catch {
    return '';
  }
}

function lastLines(text, count) {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function seconds(since) {
  return Math.round((Date.now() - since) / 100) / 10;
}
