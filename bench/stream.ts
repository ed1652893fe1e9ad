// A streamed NDJSON bulk of BENCH_STREAM_OPS operations (1,000,000, over 1 GB, generated on the fly, never stored),
// from the first byte sent until its task is SUCCESS, with the peak memory of the process that runs the API and the
// worker; then the importer (`sluice import`, a child process) on a BENCH_IMPORT_LINES-line NDJSON file (100,000).
// Each against the raw driver's insertMany of the same documents in batches of 10,000, in the same run.
// Env: BENCH_STREAM_OPS, BENCH_BULK_GB (sets the operation count for that many GB, e.g. 5), BENCH_IMPORT_LINES.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { newId } from '../src/ids';
import type { ResourceDoc } from '../src/store/documents';
import { firstMeta } from '../src/records/record-writes';
import { cpuCell, cpuMeter, emit, intFromEnv, nowMs, printTable, round, runBench, ROOT, startSluice, type Sluice } from './support';

const BENCH = 'stream';
// About 1 KB per operation: a provider with a long note, as registries hold.
const FILLER = 'x'.repeat(900);

function data(i: number): Record<string, unknown> {
  return { name: `Dr Stream ${i}`, practiceNumber: 100000 + i, specialities: ['family medicine', FILLER], active: true };
}

function line(run: string, i: number): string {
  return `${JSON.stringify({ action: 'CREATE', create: { id: `s${run}-${i}`, type: 'provider', data: data(i) } })}\n`;
}

/** Peak resident memory of this process (API and worker run in it) while `fn` runs. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  try {
    const result = await fn();
    return { result, peakRssMb: round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20, 0) };
  } finally {
    clearInterval(timer);
  }
}

/** POSTs `n` generated operations as one chunked NDJSON body; resolves with the task id once answered. */
function postStream(sluice: Sluice, n: number, run: string): Promise<{ taskId: string; bytes: number }> {
  let bytes = 0;
  const body = Readable.from((function* () {
    let batch = '';
    for (let i = 0; i < n; i++) {
      batch += line(run, i);
      if (batch.length >= 256 * 1024) {
        bytes += batch.length;
        yield batch;
        batch = '';
      }
    }
    bytes += batch.length;
    if (batch) yield batch;
  })());
  return new Promise((resolve, reject) => {
    const url = new URL(`${sluice.baseUrl}/sources/demo/v1/resources/bulk`);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'x-api-key': sluice.adminKey } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => (res.statusCode === 202 ? resolve({ taskId: (JSON.parse(text) as { taskId: string }).taskId, bytes }) : reject(new Error(`bulk answered ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    body.pipe(req);
  });
}

async function waitTask(sluice: Sluice, taskId: string, n: number, started: number): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    const task = (await sluice.request('GET', `/sources/demo/v1/tasks/${taskId}`)).body as { status: string; counts: Record<string, number> };
    emit(BENCH, 'progress', { n, elapsedS: round((nowMs() - started) / 1000, 1), ...task.counts });
    if (task.status !== 'PENDING') {
      if (task.status !== 'SUCCESS' || task.counts.SUCCESS !== n) throw new Error(`the streamed bulk ended ${task.status}: ${JSON.stringify(task.counts)}`);
      return;
    }
  }
}

async function rawInsertMany(sluice: Sluice, n: number): Promise<number> {
  const collection = sluice.store.db.collection<ResourceDoc>(`raw_stream_${newId()}`);
  await collection.createIndex({ source: 1, type: 1, id: 1 }, { unique: true });
  const at = new Date().toISOString();
  const started = nowMs();
  for (let from = 0; from < n; from += 10_000) {
    const docs: ResourceDoc[] = Array.from({ length: Math.min(10_000, n - from) }, (_, k) => {
      const id = `raw-${from + k}`;
      return { _id: `demo/provider/${id}`, source: 'demo', type: 'provider', id, data: data(from + k), contained: {}, meta: firstMeta('demo', undefined, at) };
    });
    await collection.insertMany(docs, { ordered: false });
  }
  const seconds = (nowMs() - started) / 1000;
  await collection.drop();
  return seconds;
}

function runImporter(sluice: Sluice, file: string): Promise<number> {
  const started = nowMs();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'sluice.js'), 'import', file, '--url', sluice.baseUrl, '--key', sluice.adminKey, '--source', 'demo', '--no-progress'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve((nowMs() - started) / 1000) : reject(new Error(`the importer exited ${code}: ${out}`))));
  });
}

runBench(BENCH, async () => {
  const gb = Number(process.env.BENCH_BULK_GB ?? 0);
  const n = gb > 0 ? Math.ceil((gb * 1024 ** 3) / line('x', 0).length) : intFromEnv('BENCH_STREAM_OPS', 1_000_000);
  const importLines = intFromEnv('BENCH_IMPORT_LINES', 100_000);
  const sluice = await startSluice(BENCH);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-import-'));
  try {
    const rawSeconds = await rawInsertMany(sluice, n);
    emit(BENCH, 'baseline', { n, seconds: round(rawSeconds), docsPerSecond: round(n / rawSeconds, 0) });
    const cpu = cpuMeter();
    const started = nowMs();
    const measured = await withPeakRss(async () => {
      const { taskId, bytes } = await postStream(sluice, n, newId());
      const postSeconds = (nowMs() - started) / 1000;
      emit(BENCH, 'accepted', { n, bytes, postSeconds: round(postSeconds), rssMb: round(process.memoryUsage().rss / 2 ** 20, 0) });
      await waitTask(sluice, taskId, n, started);
      return { bytes, postSeconds };
    });
    const seconds = (nowMs() - started) / 1000;
    const split = cpu.stop();
    emit(BENCH, 'result', { n, gb: round(measured.result.bytes / 1024 ** 3, 2), seconds: round(seconds), postSeconds: round(measured.result.postSeconds), opsPerSecond: round(n / seconds, 0), rawSeconds: round(rawSeconds), ratio: round(rawSeconds / seconds, 3), peakRssMb: measured.peakRssMb, cpu: split });

    const file = join(dir, 'import.ndjson');
    const run = newId();
    writeFileSync(file, Array.from({ length: importLines }, (_, i) => line(`imp${run}`, i)).join(''));
    const rawImport = await rawInsertMany(sluice, importLines);
    const importCpu = cpuMeter();
    const importSeconds = await runImporter(sluice, file);
    const importSplit = importCpu.stop();
    emit(BENCH, 'import', { lines: importLines, seconds: round(importSeconds), linesPerSecond: round(importLines / importSeconds, 0), rawSeconds: round(rawImport), ratio: round(rawImport / importSeconds, 3), cpu: importSplit });
    printTable('stream: a streamed NDJSON bulk, and the importer, vs raw insertMany (batches of 10,000) of the same documents', [
      { case: `bulk of ${n} ops, ${round(measured.result.bytes / 1024 ** 3, 2)} GB`, seconds: round(seconds), 'ops/s': round(n / seconds, 0), 'raw docs/s': round(n / rawSeconds, 0), ratio: round(rawSeconds / seconds, 3), 'peak RSS MB (API+worker)': measured.peakRssMb, 'cores busy': cpuCell(split) },
      { case: `importer, ${importLines} lines`, seconds: round(importSeconds), 'ops/s': round(importLines / importSeconds, 0), 'raw docs/s': round(importLines / rawImport, 0), ratio: round(rawImport / importSeconds, 3), 'peak RSS MB (API+worker)': '-', 'cores busy': cpuCell(importSplit) },
    ]);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sluice.close();
  }
});
