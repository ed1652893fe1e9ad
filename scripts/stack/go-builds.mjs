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
 * FerretDB v1.24 is built from a patched copy of its module (docs/ferretdb.md says why, with the measurements). The
 * build copies the module out of Go's module cache into .local/, applies FERRETDB_PATCHES (each `from` must be found
 * exactly once: the build fails loudly if upstream ever changes a line) and adds FERRETDB_NEW_FILES, then builds
 * tools/ferretdb against the copy through a `-modfile` with a `replace`; tools/ferretdb itself stays as it is. Bump
 * FERRETDB_PATCH when the patches change, so that existing binaries are rebuilt.
 *
 * 1. The `_id` index: the SQLite backend indexes `_ferretdb_sjson->"_id"` but looks documents up by
 *    `_ferretdb_sjson->'$._id'`; SQLite matches index expressions by their text, so no `_id` lookup used the index.
 * 2. `_id` lookups in filters with more conditions, and `_id: {$in: [...]}`: only a filter that is exactly
 *    `{_id: <string>}` was pushed down to SQLite; `{_id, 'meta.versionId': v}` (a conditional write) or `{_id: {$in}}`
 *    read the whole table. The handler filters every row again in Go, so pushing the `_id` part down changes no result.
 * 3. Atomic single-document conditional writes: FerretDB's update, findAndModify and delete read the matching
 *    documents, then write them back by `_id`, with nothing in between that stops another command from changing them.
 *    Two `updateOne({_id, v: 1}, {$set: {v: 2}})` could both match and both succeed. The patch runs these commands
 *    one at a time per collection, so a conditional write is atomic as on MongoDB (src/records/record-order.ts relies
 *    on it: fencing, not leases).
 */
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_PATCH = 'id-index-1+id-pushdown-1+atomic-writes-1';
const SQLITE = path.join('internal', 'backends', 'sqlite');
const HANDLER = path.join('internal', 'handler');
const FERRETDB_PATCHES = [
  { file: path.join(SQLITE, 'metadata', 'metadata.go'), from: `IDColumn = DefaultColumn + "->'$._id'"`, to: `IDColumn = DefaultColumn + "->'_id'"` },
  {
    file: path.join(SQLITE, 'collection.go'),
    from: `	if params.Filter.Len() == 1 {
		v, _ := params.Filter.Get("_id")
		switch v.(type) {
		case string, types.ObjectID:
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		}
	}`,
    to: `	if params.Filter.Len() >= 1 && params.Filter.Has("_id") {
		v, _ := params.Filter.Get("_id")
		switch v := v.(type) {
		case string, types.ObjectID:
			whereClause = fmt.Sprintf(\` WHERE %s = ?\`, metadata.IDColumn)
			args = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
		case *types.Document:
			if in, ok := sluiceIDsIn(v); ok {
				whereClause = fmt.Sprintf(\` WHERE %s IN (%s)\`, metadata.IDColumn, strings.TrimSuffix(strings.Repeat("?,", len(in)), ","))
				args = in
			}
		}
	}`,
  },
  { file: path.join(HANDLER, 'msg_update.go'), from: '	matched, modified, upserted, err := h.updateDocument(connCtx, params)\n', to: '	unlock := sluiceLockCollection(params.DB, params.Collection)\n	matched, modified, upserted, err := h.updateDocument(connCtx, params)\n	unlock()\n' },
  { file: path.join(HANDLER, 'msg_findandmodify.go'), from: '	res, err := h.findAndModifyDocument(connCtx, params)\n', to: '	unlock := sluiceLockCollection(params.DB, params.Collection)\n	res, err := h.findAndModifyDocument(connCtx, params)\n	unlock()\n' },
  { file: path.join(HANDLER, 'msg_delete.go'), from: '	var deleted int32\n', to: '	defer sluiceLockCollection(params.DB, params.Collection)()\n\n	var deleted int32\n' },
];
const FERRETDB_NEW_FILES = [
  {
    file: path.join(SQLITE, 'sluice_pushdown.go'),
    text: `package sqlite

import (
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// sluiceIDsIn returns the SQL arguments of an \`_id\` condition {$in: [<string or ObjectID>, ...]} (1 to 10,000 values).
func sluiceIDsIn(cond *types.Document) ([]any, bool) {
	if cond.Len() != 1 || !cond.Has("$in") {
		return nil, false
	}
	arr, ok := must.NotFail(cond.Get("$in")).(*types.Array)
	if !ok || arr.Len() == 0 || arr.Len() > 10000 {
		return nil, false
	}
	args := make([]any, 0, arr.Len())
	for i := 0; i < arr.Len(); i++ {
		v := must.NotFail(arr.Get(i))
		switch v.(type) {
		case string, types.ObjectID:
			args = append(args, string(must.NotFail(sjson.MarshalSingleValue(v))))
		default:
			return nil, false
		}
	}
	return args, true
}
`,
  },
  {
    file: path.join(HANDLER, 'sluice_serialize.go'),
    text: `package handler

import "sync"

// sluiceWriteLocks holds one mutex per collection: update, findAndModify and delete read the matching documents and
// write them back, so two of them at once on one document could both act on what they read. Run one at a time per
// collection, a conditional write ({_id, version: n} -> version n+1) is atomic, as on MongoDB.
var sluiceWriteLocks sync.Map

func sluiceLockCollection(db, collection string) func() {
	m, _ := sluiceWriteLocks.LoadOrStore(db+"."+collection, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()

	return mu.Unlock
}
`,
  },
];

/** Copies FerretDB's module, applies the patches, and returns the go.mod to build with. */
async function patchedFerretDBModfile(go, log) {
  const dir = await goModuleDir(go, FERRETDB_MODULE, FERRETDB_SOURCE, log);
  const work = path.join(ROOT, '.local', 'ferretdb-patched');
  const copy = path.join(work, 'module');
  fs.rmSync(work, { recursive: true, force: true });
  fs.cpSync(dir, copy, { recursive: true });
  for (const patch of FERRETDB_PATCHES) {
    const target = path.join(copy, patch.file);
    // Files in Go's module cache are read-only, and so are their copies.
    fs.chmodSync(target, 0o644);
    const text = fs.readFileSync(target, 'utf8');
    if (text.split(patch.from).length !== 2) {
      throw new Error(`${path.join(dir, patch.file)} no longer holds exactly one \`${patch.from.split('\n')[0].trim()}\`: check whether FerretDB changed it and update the patches in scripts/stack/go-builds.mjs`);
    }
    fs.writeFileSync(target, text.replace(patch.from, patch.to));
  }
  for (const added of FERRETDB_NEW_FILES) {
    const target = path.join(copy, added.file);
    fs.chmodSync(path.dirname(target), 0o755);
    fs.writeFileSync(target, added.text);
  }
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
