// `npm start`, `npm test`, `npm run bench` and `npm run chaos`: make the machine ready (node_modules, server binaries),
// then run Sluice on the local stack, run every check, run the benchmarks on a throwaway stack, or soak the fault suite.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PortInUseError,
  ROOT,
  assertPortFree,
  codecEnv,
  ensureBinaries,
  ensureCodecKey,
  ensureCodecUiToken,
  liveChildren,
  logger as log,
  spawnChild,
  newCodecKey,
  startEphemeralStack,
  startFerretDB,
  startTemporal,
  stopAll,
  stopEphemeralStack,
  waitForPort,
} from './stack.mjs';
import { ensureChromium } from './chromium.mjs';
import { ensureConsoleBuild } from './console-build.mjs';

const DATA_DIR = path.join(ROOT, '.data');
const LOG_DIR = path.join(DATA_DIR, 'logs');
const PORT_ENV = { 'Sluice API': 'PORT', 'Temporal gRPC': 'TEMPORAL_PORT', 'Temporal UI': 'TEMPORAL_UI_PORT', FerretDB: 'FERRETDB_PORT' };
const COMMANDS = { start, test, bench, chaos };

let foreground; // the short-lived command running now (npm ci, a build, a check, a bench)
let stopping;

/** Runs Sluice on the local stack until Ctrl-C / SIGTERM (exit 0) or until one of its processes dies (exit 1). */
async function start() {
  stopOnSignals(0);
  const env = { ...process.env };
  const api = { host: env.HOST || '127.0.0.1', port: intFromEnv('PORT', 8080) };
  const temporal = env.TEMPORAL_ADDRESS ? undefined : { port: intFromEnv('TEMPORAL_PORT', 7233), uiPort: intFromEnv('TEMPORAL_UI_PORT', 8233) };
  const ferretPort = env.MONGODB_URI ? undefined : intFromEnv('FERRETDB_PORT', 27017);
  // Check every port before the slow steps, so a clash is reported at once.
  await assertPortFree(api.port, 'Sluice API');
  if (temporal) {
    await assertPortFree(temporal.port, 'Temporal gRPC');
    await assertPortFree(temporal.uiPort, 'Temporal UI');
  }
  if (ferretPort !== undefined) await assertPortFree(ferretPort, 'FerretDB');

  await ensureDependencies();
  await ensureBinaries();
  const reachableHost = ['0.0.0.0', '::'].includes(api.host) ? '127.0.0.1' : api.host;
  const apiUrl = `http://${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${api.port}`;
  // Payload encryption (README, Payload encryption): the key is generated once into .data, next to temporal.db, unless given.
  if (!env.SLUICE_CODEC_KEY) {
    const key = ensureCodecKey(DATA_DIR);
    Object.assign(env, codecEnv(key));
    log.info(key.created ? 'payload codec key generated; back it up with .data/temporal.db' : 'payload codec key loaded', { keyId: key.id, file: path.relative(ROOT, key.file) });
  }
  let temporalUiUrl;
  if (temporal) {
    // The UI decodes through the API's codec route for it, whose token is in the path (README: Payload encryption).
    env.SLUICE_CODEC_UI_TOKEN ||= ensureCodecUiToken(DATA_DIR).token;
    env.SLUICE_CODEC_CORS_ORIGINS ||= `http://127.0.0.1:${temporal.uiPort},http://localhost:${temporal.uiPort}`;
    const handle = await startTemporal({
      ...temporal,
      uiCodecEndpoint: `${apiUrl}/codec/ui/${env.SLUICE_CODEC_UI_TOKEN}`,
      dbFile: path.join(DATA_DIR, 'temporal.db'),
      logFile: path.join(LOG_DIR, 'temporal.log'),
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      detached: true,
    });
    env.TEMPORAL_ADDRESS = handle.address;
    temporalUiUrl = handle.uiUrl;
    // The review console links executions to the UI.
    env.TEMPORAL_UI_URL ||= handle.uiUrl;
  }
  if (ferretPort !== undefined) {
    const handle = await startFerretDB({
      port: ferretPort,
      dataDir: path.join(DATA_DIR, 'ferretdb'),
      logFile: path.join(LOG_DIR, 'ferretdb.log'),
      detached: true,
    });
    env.MONGODB_URI = handle.uri;
  }
  await mustSucceed('npm', ['run', 'build']);
  for (const entry of ['worker', 'server']) {
    const file = path.join(ROOT, 'dist', 'src', `${entry}.js`);
    if (!fs.existsSync(file)) throw new Error(`\`npm run build\` did not produce ${path.relative(ROOT, file)}; is src/${entry}.ts missing?`);
  }
  spawnChild({ name: 'worker', command: process.execPath, args: ['dist/src/worker.js'], env, logFile: path.join(LOG_DIR, 'worker.log'), echo: true, detached: true });
  const server = spawnChild({ name: 'server', command: process.execPath, args: ['dist/src/server.js'], env, logFile: path.join(LOG_DIR, 'server.log'), echo: true, detached: true });
  await waitForPort({ port: api.port, host: reachableHost, handle: server, timeoutMs: 120_000, what: `the Sluice API to listen on ${reachableHost}:${api.port}` });
  log.info('Sluice is running; Ctrl-C stops everything', {
    api: apiUrl,
    docs: `${apiUrl}/docs`,
    console: `${apiUrl}/console/`,
    temporalUi: temporalUiUrl ?? `not started here: using the Temporal server at ${env.TEMPORAL_ADDRESS}`,
    temporalUiCodec: temporalUiUrl ? `payloads decoded through ${apiUrl}/codec/ui/… (token in .data/codec-ui-token)` : undefined,
    temporalCli: `.local/bin/temporal workflow show --workflow-id <id> --codec-endpoint ${apiUrl}/codec --codec-auth "Bearer $(cat .data/admin-key)"`,
    mongodb: env.MONGODB_URI,
    authentication: `see the API's log line 'admin key', or ${path.join(env.SLUICE_DATA_DIR || '.data', 'admin-key')}`,
    logs: path.relative(ROOT, LOG_DIR),
  });

  const { handle, exit } = await Promise.race(liveChildren().map((h) => h.exited.then((result) => ({ handle: h, exit: result }))));
  if (stopping) return stopping;
  log.error(`${handle.name} exited unexpectedly; stopping everything`, { code: exit.code, signal: exit.signal, logFile: handle.logFile });
  return shutdown(1);
}

/** Type check, lint, then jest (extra arguments go to jest); the exit code is the first failure's. */
async function test(jestArgs) {
  stopOnSignals();
  await ensureDependencies();
  await ensureBinaries();
  // A throwaway payload codec key for the run's processes (the test harness makes one itself when run without this).
  if (!process.env.SLUICE_CODEC_KEY) Object.assign(process.env, codecEnv(newCodecKey()));
  // The browser tests drive the built review console in Debian's Chromium.
  await ensureChromium(log);
  const built = await ensureConsoleBuild();
  if (built !== 0) {
    log.error('the review console did not build', { code: built });
    return built;
  }
  const steps = [
    ['tsc', ['-p', 'tsconfig.json', '--noEmit']],
    ['tsc', ['-p', 'console/tsconfig.json', '--noEmit']],
    ['eslint', ['.']],
    ['jest', ['--ci', ...jestArgs]],
  ];
  for (const [tool, args] of steps) {
    log.info(`running ${tool} ${args.join(' ')}`);
    const code = await runCommand(path.join(ROOT, 'node_modules', '.bin', tool), args);
    if (code !== 0) {
      log.error(`${tool} failed`, { code });
      return code;
    }
  }
  log.info('all checks passed');
  return 0;
}

/** Builds, then runs every dist/bench/*.js in turn against a throwaway stack. */
async function bench() {
  stopOnSignals();
  await ensureDependencies();
  await ensureBinaries();
  await mustSucceed('npm', ['run', 'build']);
  const dir = path.join(ROOT, 'dist', 'bench');
  // `npm run bench -- bulk sync` runs only the named benchmarks; no names runs them all.
  const only = process.argv.slice(3);
  const files = fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((f) => f.endsWith('.js') && (only.length === 0 || only.includes(f.replace(/\.js$/, '')))).sort()
    : [];
  if (files.length === 0) {
    log.info('no benchmarks to run: dist/bench has no .js files');
    return 0;
  }
  const stack = await startEphemeralStack({ prefix: 'sluice-bench-', detached: true });
  // The benchmarks encrypt every payload as production does, with a throwaway key.
  const codec = process.env.SLUICE_CODEC_KEY ? {} : codecEnv(newCodecKey());
  let code = 0;
  for (const file of files) {
    log.info('benchmark starting', { file: `dist/bench/${file}` });
    code = await runCommand(process.execPath, [path.join(dir, file)], { ...process.env, ...stack.env, ...codec });
    if (code !== 0) {
      log.error('benchmark failed', { file: `dist/bench/${file}`, code });
      break;
    }
  }
  await stopEphemeralStack(stack);
  return code;
}

/**
 * The fault soak (test/faults/run.ts): builds, then runs cycles of seeded kill -9 faults against two APIs, two workers,
 * Temporal and FerretDB started from dist/ as `npm start` starts them, checking the invariants after each cycle, for
 * CHAOS_MINUTES (default 20). CHAOS_SEED replays a run, CHAOS_ROUNDS sets the faults per cycle.
 */
async function chaos() {
  stopOnSignals();
  await ensureDependencies();
  await ensureBinaries();
  await mustSucceed('npm', ['run', 'build']);
  const env = { ...process.env, CHAOS_ENTRY: 'dist', CHAOS_MINUTES: process.env.CHAOS_MINUTES || '20' };
  return runCommand(process.execPath, ['-r', path.join(ROOT, 'test', 'support', 'swc-register.js'), path.join(ROOT, 'test', 'faults', 'run.ts')], env);
}

// `npm ci` when node_modules is missing or older than package-lock.json. The lock lists every platform's
// optional packages, so `npm ci` accepts it as committed; a lock out of step with package.json is an
// error to fix (`npm install --package-lock-only`), never silently rewritten here.
async function ensureDependencies() {
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  log.info(fs.existsSync(installed) ? 'package-lock.json changed; reinstalling node_modules (npm ci)' : 'installing node_modules (npm ci)');
  const code = await runCommand('npm', ['ci', '--no-audit', '--no-fund']);
  if (code !== 0) {
    throw new Error(`\`npm ci\` failed with exit code ${code}: if it says the lock file is out of sync, run \`npm install --package-lock-only\` and commit package-lock.json`);
  }
}

async function mustSucceed(command, args) {
  const code = await runCommand(command, args);
  if (code !== 0) throw new Error(`\`${command} ${args.join(' ')}\` failed with exit code ${code}`);
}

function runCommand(command, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    foreground = child;
    child.once('error', (err) => {
      log.error(`could not run ${command}`, { error: err.message });
      resolve(127);
    });
    child.once('close', (code, signal) => {
      foreground = undefined;
      resolve(code ?? 128 + (os.constants.signals[signal] ?? 0));
    });
  });
}

// Ctrl-C / SIGTERM: stop the running command and every child, newest first (server, worker, then the
// servers they use), then exit with `code`, or with 128 + the signal's number when no code is given.
function stopOnSignals(code) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      log.info(`${signal} received; stopping`);
      void shutdown(code ?? 128 + os.constants.signals[signal]);
    });
  }
}

function shutdown(code) {
  stopping ??= (async () => {
    foreground?.kill('SIGTERM');
    await stopAll(liveChildren().reverse());
    process.exit(code);
  })();
  return stopping;
}

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  return value;
}

function describeError(err) {
  if (err instanceof PortInUseError && PORT_ENV[err.role]) {
    const external = err.role === 'Temporal gRPC' ? ', or set TEMPORAL_ADDRESS to use that server' : err.role === 'FerretDB' ? ', or set MONGODB_URI to use that server' : '';
    return `${err.message}; a previous \`npm start\` may still be running: stop it, or set ${PORT_ENV[err.role]} to another port${external}`;
  }
  return err instanceof Error ? err.message : String(err);
}

const [name, ...rest] = process.argv.slice(2);
const command = COMMANDS[name];
if (!command) {
  log.error(`unknown command "${name ?? ''}"; use one of: ${Object.keys(COMMANDS).join(', ')}`);
  process.exit(2);
}
command(rest).then(
  (code) => shutdown(code),
  (err) => {
    log.error(describeError(err));
    return shutdown(1);
  },
);
