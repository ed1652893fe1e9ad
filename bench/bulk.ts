// Bulk CREATEs that trigger no step, from POST until the task is SUCCESS, against the raw driver's insertMany
// of the same documents into the same server (a collection with the same indexes as `resources`).
// Env: BENCH_BULK_N (10000; the README also records a 100,000 run), BENCH_BULK_ROUNDS (3), BENCH_BULK_ACTION
// (CREATE, or UPSERT: the same records as UPSERTs of new ids).
import { newId } from '../src/ids';
import type { ResourceDoc } from '../src/store/documents';
import { firstMeta } from '../src/records/record-writes';
import { cpuCell, cpuMeter, cpuProfile, dbCalls, emit, intFromEnv, nowMs, printTable, round, runBench, startSluice, totalCalls, type Sluice } from './support';

const BENCH = 'bulk';
const TARGET = 1 / 2;

function data(i: number): Record<string, unknown> {
  return { name: `Dr Provider ${i}`, practiceNumber: 100000 + i, specialities: ['family medicine'], email: `p${i}@example.org`, active: true };
}

/** Peak resident memory of this process (API and worker run in it) while `fn` runs. */
async function withPeakMemory<T>(fn: () => Promise<T>): Promise<{ result: T; peakRssMb: number; peakHeapMb: number }> {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 100);
  try {
    const result = await fn();
    sample();
    return { result, peakRssMb: round(peakRss / 2 ** 20, 0), peakHeapMb: round(peakHeap / 2 ** 20, 0) };
  } finally {
    clearInterval(timer);
  }
}

async function sluiceBulk(sluice: Sluice, n: number): Promise<{ seconds: number; postSeconds: number }> {
  // CREATEs take the batched path; UPSERTs (BENCH_BULK_ACTION=UPSERT) the single write path, one operation at a time.
  const action = process.env.BENCH_BULK_ACTION === 'UPSERT' ? 'upsert' : 'create';
  const operations = Array.from({ length: n }, (_, i) => ({ action: action.toUpperCase(), [action]: { id: `bulk-${i}-${newId()}`, type: 'provider', data: data(i) } }));
  const started = nowMs();
  const res = await sluice.request('POST', '/sources/demo/v1/resources/bulk', { operations });
  const postSeconds = (nowMs() - started) / 1000;
  if (res.status !== 202) throw new Error(`bulk POST answered ${res.status}: ${JSON.stringify(res.body)}`);
  const { taskId } = res.body as { taskId: string };
  // The end is the bulk workflow's completion (its last write is the last chunk's counts), then one read of
  // the task to check it is SUCCESS. Progress is read once a second meanwhile: polling the task often
  // would load the database under test, polling it seldom would add up to a period to a run of seconds.
  let finished = false;
  const progress = (async () => {
    while (!finished) {
      await new Promise((r) => setTimeout(r, 1000));
      if (finished) return;
      const task = (await sluice.request('GET', `/sources/demo/v1/tasks/${taskId}`)).body as { counts: Record<string, number> };
      emit(BENCH, 'progress', { side: 'sluice', n, elapsedS: round((nowMs() - started) / 1000, 1), ...task.counts });
    }
  })();
  await sluice.client.workflow.getHandle(`bulk:${taskId}`).result();
  const seconds = (nowMs() - started) / 1000;
  finished = true;
  await progress;
  const task = (await sluice.request('GET', `/sources/demo/v1/tasks/${taskId}`)).body as { status: string; counts: Record<string, number> };
  if (task.status !== 'SUCCESS') throw new Error(`bulk ended ${task.status}: ${JSON.stringify(task.counts)}`);
  return { seconds, postSeconds };
}

async function rawInsertMany(sluice: Sluice, n: number): Promise<{ seconds: number }> {
  const collection = sluice.store.db.collection<ResourceDoc>(`raw_resources_${newId()}`);
  await collection.createIndex({ source: 1, type: 1, id: 1 }, { unique: true });
  const at = new Date().toISOString();
  const docs: ResourceDoc[] = Array.from({ length: n }, (_, i) => {
    const id = `raw-${i}-${newId()}`;
    return { _id: `demo/provider/${id}`, source: 'demo', type: 'provider', id, data: data(i), contained: {}, meta: firstMeta('demo', undefined, at) };
  });
  const started = nowMs();
  await collection.insertMany(docs, { ordered: false });
  const seconds = (nowMs() - started) / 1000;
  await collection.drop();
  return { seconds };
}

runBench(BENCH, async () => {
  const n = intFromEnv('BENCH_BULK_N', 10_000);
  const rounds = intFromEnv('BENCH_BULK_ROUNDS', 3);
  const sluice = await startSluice(BENCH);
  try {
    const rows: Array<Record<string, string | number>> = [];
    let ratioSum = 0;
    for (let round_ = 1; round_ <= rounds; round_++) {
      const rawCpu = cpuMeter();
      const raw = await rawInsertMany(sluice, n);
      const rawSplit = rawCpu.stop();
      emit(BENCH, 'baseline', { round: round_, n, seconds: round(raw.seconds), docsPerSecond: round(n / raw.seconds, 0), cpu: rawSplit });
      const calls = dbCalls();
      const cpu = cpuMeter();
      const measured = await withPeakMemory(() => sluiceBulk(sluice, n));
      const split = cpu.stop();
      const dbCallsPerBulk = calls.snapshot(1);
      const ratio = raw.seconds / measured.result.seconds;
      ratioSum += ratio;
      emit(BENCH, 'result', {
        round: round_, n, sluiceSeconds: round(measured.result.seconds), postSeconds: round(measured.result.postSeconds),
        sluiceOpsPerSecond: round(n / measured.result.seconds, 0), rawSeconds: round(raw.seconds), rawDocsPerSecond: round(n / raw.seconds, 0),
        ratio: round(ratio, 3), target: TARGET, peakRssMb: measured.peakRssMb, peakHeapMb: measured.peakHeapMb,
        cpu: split, dbCallsPerBulk, dbCallsPerBulkTotal: totalCalls(dbCallsPerBulk),
      });
      rows.push({
        round: round_, n, 'sluice ops/s': round(n / measured.result.seconds, 0), 'POST s': round(measured.result.postSeconds),
        'raw insertMany docs/s': round(n / raw.seconds, 0), ratio: round(ratio, 3), 'peak RSS MB': measured.peakRssMb,
        'cores busy': cpuCell(split),
      });
    }
    const ratio = ratioSum / rounds;
    if (ratio < TARGET || process.env.BENCH_PROFILE === '1') {
      // Where the time goes: the main thread's profile over one more bulk of the same size.
      const { profile } = await cpuProfile(BENCH, () => sluiceBulk(sluice, n));
      emit(BENCH, 'profile', { cpuMainThread: profile });
    }
    emit(BENCH, 'summary', { n, ratio: round(ratio, 3), target: TARGET, met: ratio >= TARGET });
    printTable(`bulk: ${n} ${process.env.BENCH_BULK_ACTION === 'UPSERT' ? 'UPSERTs' : 'CREATEs'} (no pipeline step) until SUCCESS vs raw insertMany (target ratio >= ${TARGET})`, rows);
    return true;
  } finally {
    await sluice.close();
  }
});
