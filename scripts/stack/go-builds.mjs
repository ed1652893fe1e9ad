// Go builds of the server binaries into .local/bin, once: the Temporal CLI (`go install`) and the FerretDB
// launcher in tools/ferretdb (`go build` against a patched copy of the FerretDB module).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, lastLines, logger } from './log.mjs';

const LOCAL_BIN = path.join(ROOT, '.local', 'bin');
const BUILD_LOG_DIR = path.join(ROOT, '.local', 'logs');
const FERRETDB_SOURCE = path.join(ROOT, 'tools', 'ferretdb');
/** Path of the FerretDB launcher built from tools/ferretdb. */
export const FERRETDB_BIN = path.join(LOCAL_BIN, 'sluice-ferretdb');
const TEMPORAL_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const PROGRESS_EVERY_MS = 15_000;
// Go's message when the checksum database cannot be reached (never a checksum mismatch, which must fail).
const SUMDB_UNREACHABLE = /(sum\.golang\.org|GOSUMDB)[^\n]*(dial tcp|no such host|i\/o timeout|connection refused|connection reset|TLS handshake|Client\.Timeout|proxyconnect|40[34] )/i;

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
    throw new Error(`${path.join(dir, FERRETDB_PATCH_FILE)} no longer holds ${FERRETDB_ID_COLUMN.from}: check whether FerretDB fixed its _id index and drop the patch in scripts/stack/go-builds.mjs`);
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
