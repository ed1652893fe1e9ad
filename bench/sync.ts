// Synchronous single writes: `POST /sources/demo/v1/resources/provider` with no pipeline (201 PERSISTED) at a
// fixed concurrency, against the raw driver's insertOne of the same document into the same server.
// Env: BENCH_CONCURRENCY (16), BENCH_SECONDS (10) per side and round, BENCH_ROUNDS (3; the sides alternate
// which goes first, the summary takes medians), BENCH_WARMUP_SECONDS (2), BENCH_AUTOCANNON_WORKERS (1 thread;
// 0 runs the load generator on the API's own event loop), BENCH_PROFILE=1 profiles even when the target is met.
import autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import { newId, newTaskId } from '../src/ids';
import type { ResourceDoc } from '../src/store/documents';
import {
  cpuCell, cpuMeter, cpuProfile, dbCalls, emit, intFromEnv, lookupProbe, nowMs, printTable, round, runBench, startSluice, stats, totalCalls,
  type CpuSplit, type DbCallStats, type Sluice,
} from './support';

const BENCH = 'sync';
const TARGET = 1 / 3;
const PATH = '/sources/demo/v1/resources/provider';
const DATA = { name: 'Dr Jane Doe', practiceNumber: 12345, specialities: ['cardiology'], email: 'jane.doe@example.org', active: true };

interface Rate {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Sluice over HTTP with autocannon; the server generates each id. */
async function hitSluice(sluice: Sluice, seconds: number, connections: number, workers: number, phase: string): Promise<Rate & { non2xx: number; statuses: Record<string, number> }> {
  const before = new Map(sluice.responses);
  const started = nowMs();
  const progress = setInterval(() => {
    const sent = [...sluice.responses].reduce((sum, [code, n]) => sum + n - (before.get(code) ?? 0), 0);
    emit(BENCH, 'progress', { phase, elapsedS: round((nowMs() - started) / 1000, 1), responses: sent });
  }, 2000);
  try {
    const result = await autocannon({
      url: `${sluice.baseUrl}${PATH}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': sluice.adminKey },
      body: JSON.stringify({ data: DATA }),
      connections,
      duration: seconds,
      ...(workers > 0 ? { workers } : {}),
    });
    const statuses: Record<string, number> = {};
    for (const [code, n] of sluice.responses) {
      const d = n - (before.get(code) ?? 0);
      if (d > 0) statuses[String(code)] = d;
    }
    const requests = result['2xx'] + result.non2xx;
    return {
      requests,
      perSecond: round(requests / result.duration, 1),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors,
      non2xx: result.non2xx,
      statuses,
    };
  } finally {
    clearInterval(progress);
  }
}

/** The raw driver: `connections` loops, each inserting one provider document at a time, for `seconds`. */
async function hitRaw(uri: string, dbName: string, seconds: number, connections: number, phase: string): Promise<Rate> {
  const client = new MongoClient(uri, { appName: 'sluice-bench-raw' });
  await client.connect();
  try {
    const coll = client.db(dbName).collection<ResourceDoc>('raw_resources');
    // The same unique index as Sluice's resources collection, so each insert maintains as much.
    await coll.createIndex({ source: 1, type: 1, id: 1 }, { unique: true });
    const latencies: number[] = [];
    let errors = 0;
    const started = nowMs();
    const deadline = started + seconds * 1000;
    const progress = setInterval(() => emit(BENCH, 'progress', { phase, elapsedS: round((nowMs() - started) / 1000, 1), inserts: latencies.length }), 2000);
    const lane = async (): Promise<void> => {
      while (nowMs() < deadline) {
        const id = newId();
        const at = new Date().toISOString();
        const t0 = nowMs();
        try {
          await coll.insertOne({
            _id: `demo/provider/${id}`, source: 'demo', type: 'provider', id, data: DATA, contained: {},
            meta: { createdAt: at, updatedAt: at, identifier: [], source: 'demo', versionId: '1' }, lastWrite: newTaskId('SINGLE'),
          });
          latencies.push(nowMs() - t0);
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, lane));
    clearInterval(progress);
    const elapsedS = (nowMs() - started) / 1000;
    const s = stats(latencies);
    return { requests: latencies.length, perSecond: round(latencies.length / elapsedS, 1), p50Ms: s.p50, p99Ms: s.p99, errors };
  } finally {
    await client.close();
  }
}

interface Round {
  raw: Rate & { cpu: CpuSplit; dbCallsPerOp: Record<string, DbCallStats> };
  sluice: Rate & { non2xx: number; statuses: Record<string, number>; cpu: CpuSplit; dbCallsPerOp: Record<string, DbCallStats>; dbCallsPerOpTotal: number };
  ratio: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : round(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2);
};

async function main(): Promise<boolean> {
  const connections = intFromEnv('BENCH_CONCURRENCY', 16);
  const seconds = intFromEnv('BENCH_SECONDS', 10);
  const rounds = intFromEnv('BENCH_ROUNDS', 3);
  const warmup = intFromEnv('BENCH_WARMUP_SECONDS', 2);
  const workers = process.env.BENCH_AUTOCANNON_WORKERS === '0' ? 0 : intFromEnv('BENCH_AUTOCANNON_WORKERS', 1);
  emit(BENCH, 'start', { concurrency: connections, seconds, rounds, warmupSeconds: warmup, autocannonWorkers: workers, target: 'sluice >= 1/3 of the raw insertOne rate' });
  const sluice = await startSluice(BENCH);
  try {
    const check = await sluice.request('POST', PATH, { data: DATA });
    if (check.status !== 201 || (check.body as { status?: string }).status !== 'PERSISTED') {
      throw new Error(`expected 201 PERSISTED from POST ${PATH}, got ${check.status} ${JSON.stringify(check.body)}`);
    }
    const uri = sluice.config.MONGODB_URI;
    await hitRaw(uri, sluice.dbName, warmup, connections, 'raw-warmup');
    await hitSluice(sluice, warmup, connections, workers, 'sluice-warmup');

    const measureRaw = async (round: number): Promise<Round['raw']> => {
      const calls = dbCalls();
      const cpu = cpuMeter();
      const raw = await hitRaw(uri, sluice.dbName, seconds, connections, `raw-${round}`);
      const split = cpu.stop();
      return { ...raw, cpu: split, dbCallsPerOp: calls.snapshot(raw.requests) };
    };
    const measureSluice = async (round: number): Promise<Round['sluice']> => {
      const calls = dbCalls();
      const cpu = cpuMeter();
      const api = await hitSluice(sluice, seconds, connections, workers, `sluice-${round}`);
      const split = cpu.stop();
      const dbCallsPerOp = calls.snapshot(api.requests);
      return { ...api, cpu: split, dbCallsPerOp, dbCallsPerOpTotal: totalCalls(dbCallsPerOp) };
    };
    const results: Round[] = [];
    for (let r = 1; r <= rounds; r++) {
      // Alternate which side goes first, so a slow drift of the machine does not favour one of them.
      let raw: Round['raw'];
      let api: Round['sluice'];
      if (r % 2) {
        raw = await measureRaw(r);
        api = await measureSluice(r);
      } else {
        api = await measureSluice(r);
        raw = await measureRaw(r);
      }
      const result = { raw, sluice: api, ratio: round(api.perSecond / raw.perSecond, 3) };
      results.push(result);
      emit(BENCH, 'round', { round: r, ...result });
    }

    // autocannon drops the requests in flight when time is up; the server still finishes (and stores) them.
    await new Promise((r) => setTimeout(r, 1000));
    const stored = await sluice.store.resources.countDocuments({ source: 'demo', type: 'provider' });
    const created = sluice.responses.get(201) ?? 0;
    const inFlightAtStop = stored - created;
    const non2xx = results.reduce((sum, r) => sum + r.sluice.non2xx, 0);
    const errors = results.reduce((sum, r) => sum + r.sluice.errors + r.raw.errors, 0);
    const ok = non2xx === 0 && errors === 0 && inFlightAtStop >= 0 && inFlightAtStop <= (rounds + 1) * connections;

    const pick = (f: (r: Round) => number): number => median(results.map(f));
    const ratio = pick((r) => r.ratio);
    const met = ratio >= TARGET;
    if (!met || process.env.BENCH_PROFILE === '1') {
      const profileSeconds = Math.min(5, Math.max(2, Math.round(seconds / 2)));
      const { profile } = await cpuProfile(BENCH, () => hitSluice(sluice, profileSeconds, connections, workers, 'sluice-profiled'));
      await new Promise((r) => setTimeout(r, 1000));
      const existing = await sluice.store.resources.findOne({}, { projection: { _id: 1 } });
      const probe = await lookupProbe(sluice.store.resources, {
        'findOne {_id} of a stored record': { _id: existing?._id ?? '' },
        'findOne {_id} that matches nothing (what every CREATE reads first)': { _id: 'demo/provider/no-such-record' },
      });
      const last = results[results.length - 1];
      emit(BENCH, 'profile', {
        resourcesLookupProbe: probe,
        cpuMainThread: profile,
        dbCallsPerRequest: last?.sluice.dbCallsPerOp, dbCallsPerRequestTotal: last?.sluice.dbCallsPerOpTotal, dbCallsPerRawInsert: last?.raw.dbCallsPerOp,
        cpu: { sluice: last?.sluice.cpu, raw: last?.raw.cpu },
      });
    }
    const sluiceRate = pick((r) => r.sluice.perSecond);
    const rawRate = pick((r) => r.raw.perSecond);
    emit(BENCH, 'summary', {
      concurrency: connections, seconds, rounds, aggregate: 'median of the rounds',
      sluice: { requestsPerSecond: sluiceRate, p50Ms: pick((r) => r.sluice.p50Ms), p99Ms: pick((r) => r.sluice.p99Ms), requests: results.reduce((s, r) => s + r.sluice.requests, 0), non2xx, allResponsesByStatus: Object.fromEntries(sluice.responses) },
      raw: { insertsPerSecond: rawRate, p50Ms: pick((r) => r.raw.p50Ms), p99Ms: pick((r) => r.raw.p99Ms), inserts: results.reduce((s, r) => s + r.raw.requests, 0) },
      ratio, ratios: results.map((r) => r.ratio), target: round(TARGET, 3), met,
      checks: { non2xx, errors, storedProviders: stored, answered201: created, inFlightAtStop, ok },
    });
    printTable(`sync: POST ${PATH} (201 PERSISTED) vs raw insertOne, concurrency ${connections}, ${rounds} rounds of ${seconds}s each`, [
      ...results.flatMap((r, i) => [
        { round: i + 1, path: 'Sluice HTTP', 'ops/s': r.sluice.perSecond, 'p50 ms': r.sluice.p50Ms, 'p99 ms': r.sluice.p99Ms, 'non-2xx': r.sluice.non2xx, ratio: r.ratio, 'cores busy': cpuCell(r.sluice.cpu) },
        { round: i + 1, path: 'raw insertOne', 'ops/s': r.raw.perSecond, 'p50 ms': r.raw.p50Ms, 'p99 ms': r.raw.p99Ms, 'non-2xx': '-', ratio: '', 'cores busy': cpuCell(r.raw.cpu) },
      ]),
      { round: 'median', path: `Sluice / raw (target >= ${round(TARGET, 3)})`, 'ops/s': `${sluiceRate} / ${rawRate}`, 'p50 ms': '', 'p99 ms': '', 'non-2xx': non2xx, ratio: `${ratio} ${met ? 'met' : 'MISSED'}`, 'cores busy': '' },
    ]);
    return ok;
  } finally {
    await sluice.close();
  }
}

runBench(BENCH, main);
