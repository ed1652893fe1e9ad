// Shared by every benchmark: a real Sluice (HTTP app + worker) on its own database and task queue, and the
// measuring helpers (JSON-line events, latency stats, CPU split, database call counts, a CPU profile).
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Collection, type Document, type Filter } from 'mongodb';
import pino from 'pino';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadConfig, type Config } from '../src/config';
import { createConfiguredApp } from '../src/http/app';
import { embedderFromConfig, modelsFromConfig } from '../src/pipeline/embedder-config';
import { applyCatalog, readCatalogFile } from '../src/catalog/catalog-file';
import { createServices, type Services } from '../src/services';
import { connectStore, ensureIndexes, type Store } from '../src/store/db';
import { temporalConnection } from '../src/temporal';
import { codecFromConfig } from '../src/codec/data-converter';

/** The repository root, seen from the compiled dist/bench/. */
export const ROOT = resolve(__dirname, '..', '..');

/** A positive integer from the environment, or the default; a bad value stops the benchmark with its name. */
export function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Prints one JSON line: `{bench, event, time, ...fields}`. */
export function emit(bench: string, event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ bench, event, time: new Date().toISOString(), ...fields })}\n`);
}

/** Rounds to `digits` decimals (2 by default). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface Stats {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** Count, mean, p50, p99 and max of a list of numbers (nearest-rank percentiles). */
export function stats(values: number[]): Stats {
  if (values.length === 0) return { count: 0, mean: 0, p50: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { count: sorted.length, mean: round(sum / sorted.length), p50: round(at(50)), p99: round(at(99)), max: round(at(100)) };
}

/** Milliseconds since an arbitrary origin, for durations. */
export const nowMs = (): number => performance.now();

/** Runs `fn(i)` for i in [0, count) with at most `concurrency` calls in flight; rejects with the first error. */
export async function pool(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

export interface CpuSplit {
  wallS: number;
  /** Average cores kept busy meanwhile, by process; restOfMachine is everything else (other jobs, the kernel). */
  cores: { bench: number; temporal?: number; ferretdb?: number; restOfMachine: number; machine: number };
  machineCoresTotal: number;
}

function machineBusyMs(): number {
  return os.cpus().reduce((sum, { times: t }) => sum + t.user + t.nice + t.sys + t.irq, 0);
}

const USER_HZ = 100; // the unit of /proc/<pid>/stat times on Linux

/** CPU time (ms) of a process from /proc; undefined where there is no /proc or no such process. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** The pid listening on a local TCP port (Linux /proc), so the servers' CPU can be told apart from the rest. */
function listeningPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1]?.split(':')[1];
      if (cols[3] === '0A' && local && parseInt(local, 16) === port && cols[9]) inodes.add(`socket:[${cols[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`)))) return Number(pid);
    } catch {
      // a process that ended, or one we may not look into
    }
  }
  return undefined;
}

let serverPids: { temporal?: number; ferretdb?: number } | undefined;
function findServerPids(): { temporal?: number; ferretdb?: number } {
  if (serverPids) return serverPids;
  const temporalPort = Number(process.env.TEMPORAL_ADDRESS?.split(':').pop());
  let mongoPort = NaN;
  try {
    mongoPort = Number(new URL(process.env.MONGODB_URI ?? '').port || 27017);
  } catch {
    // not a URL the WHATWG parser takes (e.g. several hosts): no split for FerretDB
  }
  const temporal = Number.isInteger(temporalPort) ? listeningPid(temporalPort) : undefined;
  const ferretdb = Number.isInteger(mongoPort) ? listeningPid(mongoPort) : undefined;
  serverPids = { ...(temporal ? { temporal } : {}), ...(ferretdb ? { ferretdb } : {}) };
  return serverPids;
}

/**
 * Starts measuring CPU; `stop()` says how many cores this process (API, worker, load generator: every
 * thread), the Temporal server, FerretDB and the rest of the machine kept busy meanwhile, on average.
 */
export function cpuMeter(): { stop(): CpuSplit } {
  const pids = findServerPids();
  const wall0 = nowMs();
  const proc0 = process.cpuUsage();
  const machine0 = machineBusyMs();
  const temporal0 = pids.temporal ? processCpuMs(pids.temporal) : undefined;
  const ferret0 = pids.ferretdb ? processCpuMs(pids.ferretdb) : undefined;
  return {
    stop() {
      const wallMs = nowMs() - wall0;
      const usage = process.cpuUsage(proc0);
      const bench = (usage.user + usage.system) / 1000 / wallMs;
      const machine = (machineBusyMs() - machine0) / wallMs;
      const delta = (pid: number | undefined, before: number | undefined): number | undefined => {
        const after = pid ? processCpuMs(pid) : undefined;
        return after !== undefined && before !== undefined ? (after - before) / wallMs : undefined;
      };
      const temporal = delta(pids.temporal, temporal0);
      const ferretdb = delta(pids.ferretdb, ferret0);
      return {
        wallS: round(wallMs / 1000),
        cores: {
          bench: round(bench),
          ...(temporal !== undefined ? { temporal: round(temporal) } : {}),
          ...(ferretdb !== undefined ? { ferretdb: round(ferretdb) } : {}),
          restOfMachine: round(Math.max(0, machine - bench - (temporal ?? 0) - (ferretdb ?? 0))),
          machine: round(machine),
        },
        machineCoresTotal: os.cpus().length,
      };
    },
  };
}

/** The CPU split as one short cell for the tables. */
export function cpuCell(split: CpuSplit): string {
  const c = split.cores;
  return [`bench ${c.bench}`, c.temporal !== undefined ? `temporal ${c.temporal}` : '', c.ferretdb !== undefined ? `ferretdb ${c.ferretdb}` : '', `rest ${c.restOfMachine}`].filter(Boolean).join(' / ');
}

const COUNTED_METHODS = ['insertOne', 'insertMany', 'findOne', 'find', 'updateOne', 'updateMany', 'replaceOne', 'deleteOne', 'deleteMany', 'countDocuments', 'aggregate', 'bulkWrite', 'findOneAndUpdate'];
const calls = new Map<string, { n: number; timed: number; ms: number }>();
let countingInstalled = false;
let nested = false;

/** Driver calls of one `collection.method`: how many, and their mean latency as the caller saw it (queueing included). */
export interface DbCallStats {
  calls: number;
  /** Absent for calls that answer a cursor (find, aggregate): their time is spent later. */
  meanMs?: number;
}

/**
 * Counts and times MongoDB driver calls per `collection.method` in this process (API, activities and the
 * raw baseline alike); a call made inside another (findOne → find) is not counted again. The wrapper costs
 * a Map update per call. `snapshot(per)` returns the calls since this meter started, divided by `per`
 * (entries under 0.05 per operation are left out).
 */
export function dbCalls(): { snapshot(per?: number): Record<string, DbCallStats> } {
  if (!countingInstalled) {
    countingInstalled = true;
    const proto = Collection.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of COUNTED_METHODS) {
      const original = proto[method];
      if (typeof original !== 'function') continue;
      proto[method] = function counted(this: Collection, ...args: unknown[]): unknown {
        if (nested) return original.apply(this, args);
        const key = `${this.collectionName}.${method}`;
        const entry = calls.get(key) ?? { n: 0, timed: 0, ms: 0 };
        calls.set(key, entry);
        entry.n++;
        const t0 = nowMs();
        nested = true;
        try {
          const out = original.apply(this, args);
          if (out instanceof Promise) {
            entry.timed++;
            const settle = (): void => void (entry.ms += nowMs() - t0);
            out.then(settle, settle);
          }
          return out;
        } finally {
          nested = false;
        }
      };
    }
  }
  const base = new Map([...calls].map(([k, v]) => [k, { ...v }]));
  const snapshot = (per = 1): Record<string, DbCallStats> => {
    const out: Record<string, DbCallStats> = {};
    for (const [key, v] of [...calls].sort(([a], [b]) => a.localeCompare(b))) {
      const b = base.get(key) ?? { n: 0, timed: 0, ms: 0 };
      const n = v.n - b.n;
      const timed = v.timed - b.timed;
      if (n > 0 && n / per >= 0.05) out[key] = { calls: round(n / Math.max(1, per)), ...(timed > 0 ? { meanMs: round((v.ms - b.ms) / timed) } : {}) };
    }
    return out;
  };
  return { snapshot };
}

/** All the calls of a snapshot, e.g. driver calls per request. */
export function totalCalls(snapshot: Record<string, DbCallStats>): number {
  return round(Object.values(snapshot).reduce((sum, s) => sum + s.calls, 0));
}

/**
 * Mean time of one `findOne` per filter (10 sequential calls each, nothing else running), and the size of
 * the collection: shows which lookups of the hot path grow with the data on the server under test.
 */
export async function lookupProbe<T extends Document>(coll: Collection<T>, cases: Record<string, Filter<T>>): Promise<Record<string, number>> {
  const out: Record<string, number> = { documents: await coll.countDocuments({}) };
  for (const [label, filter] of Object.entries(cases)) {
    const t0 = nowMs();
    for (let i = 0; i < 10; i++) await coll.findOne(filter, { projection: { _id: 1 } });
    out[`${label} ms`] = round((nowMs() - t0) / 10);
  }
  return out;
}

export interface CpuProfileSummary {
  file: string;
  samples: number;
  /** Share of the main thread's samples per area: idle, GC, Node internals, Sluice code, each dependency. */
  byArea: { area: string; percent: number }[];
  topFunctions: { fn: string; area: string; percent: number }[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? url);
  }
  const m = /\/dist\/(src|activities|workflows|bench)\//.exec(url);
  return m ? `sluice ${m[1]}` : url;
}

/**
 * Profiles this process's main thread (HTTP app, activities, clients; not the workflow threads) while `fn`
 * runs, writes the .cpuprofile (open it in Chrome DevTools) and returns where the samples fell.
 */
export async function cpuProfile<T>(name: string, fn: () => Promise<T>): Promise<{ result: T; profile: CpuProfileSummary }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    const result = await fn();
    const { profile } = await session.post('Profiler.stop');
    const file = join(os.tmpdir(), `sluice-bench-${name}-${Date.now()}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    const nodes = new Map<number, ProfileNode>((profile.nodes as ProfileNode[]).map((n) => [n.id, n]));
    const hits = new Map<number, number>();
    for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
    const total = (profile.samples ?? []).length || 1;
    const areas = new Map<string, number>();
    const fns = new Map<string, { area: string; n: number }>();
    for (const [id, n] of hits) {
      const frame = nodes.get(id)?.callFrame;
      if (!frame) continue;
      const area = areaOf(frame.url, frame.functionName);
      areas.set(area, (areas.get(area) ?? 0) + n);
      const label = `${frame.functionName || '(anonymous)'} ${frame.url ? `${frame.url.replace(/^.*\/(node_modules|dist)\//, '')}:${frame.lineNumber + 1}` : ''}`.trim();
      const f = fns.get(label) ?? { area, n: 0 };
      f.n += n;
      fns.set(label, f);
    }
    const pct = (n: number): number => round((100 * n) / total, 1);
    return {
      result,
      profile: {
        file,
        samples: total,
        byArea: [...areas].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([area, n]) => ({ area, percent: pct(n) })),
        topFunctions: [...fns].filter(([, f]) => !f.area.startsWith('(')).sort((a, b) => b[1].n - a[1].n).slice(0, 12).map(([fn, f]) => ({ fn, area: f.area, percent: pct(f.n) })),
      },
    };
  } finally {
    session.disconnect();
  }
}

/** Prints a small table for people (to stderr, so stdout stays pure JSON lines). */
export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const first = rows[0];
  if (!first) return;
  const cols = Object.keys(first);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(width[i] ?? 0)).join('  ');
  const out = [title, line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c] ?? ''))))];
  process.stderr.write(`\n${out.join('\n')}\n\n`);
}

/** A running Sluice: the real HTTP app and, unless asked otherwise, a real worker, on their own database and task queue. */
export interface Sluice {
  baseUrl: string;
  adminKey: string;
  config: Config;
  store: Store;
  services: Services;
  client: Client;
  taskQueue: string;
  dbName: string;
  /** HTTP responses the app sent since start, by status code (counted on the server side). */
  responses: Map<number, number>;
  /** JSON request with the admin key; answers status and parsed body. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Starts Sluice the way `src/server.ts` and `src/worker.ts` do (config loader, store, services, app, worker
 * on the prebuilt workflow bundle), on TEMPORAL_ADDRESS / MONGODB_URI from `npm run bench`, with a unique
 * database and task queue, an admin key and the demo catalog. The request log goes to BENCH_LOG_FILE
 * (default /dev/null) at LOG_LEVEL (default info), so its cost is measured without flooding the output;
 * errors are copied to stderr.
 */
export async function startSluice(name: string, opts: { worker?: boolean } = {}): Promise<Sluice> {
  if (!process.env.TEMPORAL_ADDRESS || !process.env.MONGODB_URI) {
    throw new Error('TEMPORAL_ADDRESS and MONGODB_URI are not set: run the benchmarks with `npm run bench`, which starts a throwaway stack');
  }
  const suffix = randomBytes(4).toString('hex');
  const dbName = `bench_${name}_${suffix}`;
  const taskQueue = `sluice-bench-${name}-${suffix}`;
  const config = loadConfig({ ...process.env, MONGODB_DB: dbName, TEMPORAL_TASK_QUEUE: taskQueue });
  const bundle = join(ROOT, 'dist', 'workflow-bundle.js');
  if (opts.worker !== false && !existsSync(bundle)) throw new Error(`${bundle} is missing: \`npm run build\` writes it (npm run bench builds first)`);

  const store = await connectStore(config.MONGODB_URI, dbName);
  await ensureIndexes(store);
  const connection = temporalConnection(config);
  const { codec, dataConverter } = codecFromConfig(config);
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
  // As in src/worker.ts: models without an endpoint of their own embed with the configured embedder.
  const embedder = embedderFromConfig(config);
  const models = modelsFromConfig(config, embedder);
  const services = createServices(store, { client, taskQueue }, undefined, { readCacheMs: config.SLUICE_CATALOG_CACHE_MS, models });

  let worker: { run: Promise<void>; stop(): void } | undefined;
  if (opts.worker !== false) {
    quietTemporalRuntime();
    const native = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const w = await Worker.create({
      connection: native,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      workflowBundle: { codePath: bundle },
      activities: createActivities({ store, ...services, embedder, models }),
      dataConverter,
    });
    worker = { run: w.run().finally(() => native.close()), stop: () => w.shutdown() };
  }

  const adminKey = `sk_bench_${randomBytes(16).toString('hex')}`;
  await services.keys.ensureAdmin(adminKey);
  await applyCatalog(services.catalog, await readCatalogFile(join(ROOT, 'catalog', 'demo.yaml')));
  // Errors also go to stderr, so a failing request shows its cause in the benchmark's output.
  const logger = pino(
    { level: config.LOG_LEVEL, name: 'sluice-api', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream([
      { level: config.LOG_LEVEL, stream: pino.destination({ dest: process.env.BENCH_LOG_FILE || '/dev/null', sync: false }) },
      { level: 'error', stream: process.stderr },
    ]),
  );
  const app = createConfiguredApp(config, store, connection, services, logger, codec);
  const responses = new Map<number, number>();
  const server: Server = createServer(app);
  server.on('request', (_req, res) => res.once('finish', () => responses.set(res.statusCode, (responses.get(res.statusCode) ?? 0) + 1)));
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl, adminKey, config, store, services, client, taskQueue, dbName, responses,
    async request(method, path, body) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { 'x-api-key': adminKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async close() {
      // A load generator that stopped on time leaves requests in the handlers: let them finish first.
      const closed = new Promise<void>((done) => server.close(() => done()));
      await new Promise((r) => setTimeout(r, 1500));
      server.closeAllConnections();
      await closed;
      if (worker) {
        worker.stop();
        await worker.run;
      }
      await connection.close();
      await store.db.dropDatabase().catch(() => undefined);
      await store.close();
    },
  };
}

const sdkWarnings = new Map<string, number>();

/** Warnings and errors the Temporal SDK logged so far (e.g. "Activity failed: runStep"), counted. */
export function temporalWarnings(): Record<string, number> {
  return Object.fromEntries(sdkWarnings);
}

/**
 * The SDK logs every worker state change at INFO, and a failed activity attempt as a many-line WARN. The
 * benchmarks keep warnings only, one short JSON line each on stderr, and count them for the summaries.
 */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    // The SDK core's own warnings (e.g. "Activity not found on completion") come through the same logger.
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
    logger: new DefaultLogger('WARN', (entry) => {
      const meta = (entry.meta ?? {}) as { activityType?: string; workflowType?: string; error?: unknown };
      const what = `${entry.message}${meta.activityType ? `: ${meta.activityType}` : meta.workflowType ? `: ${meta.workflowType}` : ''}`;
      sdkWarnings.set(what, (sdkWarnings.get(what) ?? 0) + 1);
      const error = meta.error instanceof Error ? meta.error.message : meta.error === undefined ? undefined : String(meta.error);
      process.stderr.write(`${JSON.stringify({ temporalSdk: entry.level, msg: what, ...(error ? { error: error.split('\n')[0]?.slice(0, 300) } : {}) })}\n`);
    }),
  });
}

/** Runs a benchmark's main: an error is printed as a JSON line and exits 1; a passing run exits 0 even with idle handles. */
export function runBench(bench: string, main: () => Promise<boolean>): void {
  main().then(
    (ok) => process.exit(ok ? 0 : 1),
    (err: unknown) => {
      emit(bench, 'error', { message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
      process.exit(1);
    },
  );
}
