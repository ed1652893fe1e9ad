// The servers of the stack: the Temporal dev server and FerretDB, each started as a child and awaited until
// usable, and the throwaway stack (both on free ports) that tests and benchmarks run against.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, logger, seconds } from './log.mjs';
import { FERRETDB_BIN, temporalBinary } from './go-builds.mjs';
import { assertPortFree, freePort, spawnChild, stopAll, waitForPort, waitUntil } from './children.mjs';

/** The project's Temporal search attributes, name → type, registered on every dev server we start. */
export const SEARCH_ATTRIBUTES = Object.freeze(
  JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'search-attributes.json'), 'utf8')),
);

/**
 * Starts `temporal server start-dev` (in memory unless dbFile) and resolves once its namespace answers. With
 * uiCodecEndpoint, its Web UI decodes payloads through that codec server (it POSTs `<endpoint>/decode`).
 */
export async function startTemporal({
  port,
  uiPort,
  uiCodecEndpoint,
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
    ...(uiPort !== undefined && uiCodecEndpoint ? ['--ui-codec-endpoint', uiCodecEndpoint] : []),
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
