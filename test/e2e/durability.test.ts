import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const S = '/sources/demo/v1';
let api: TestApi;
// Every worker process of this suite logs here; a failure shows the warnings and errors it logged.
const WORKER_LOG = join(mkdtempSync(join(tmpdir(), 'sluice-durability-')), 'worker.log');

function workerProblems(): string {
  const lines = readFileSync(WORKER_LOG, 'utf8').split('\n').filter((l) => /"level":"(warn|error|fatal)"|Error/.test(l));
  return `worker log ${WORKER_LOG}, last warnings and errors:\n${lines.slice(-30).join('\n')}`;
}

/** waitFor, with the worker's warnings and errors in the failure. */
async function waitForWorker<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  try {
    return await waitFor(read, done, timeoutMs, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${workerProblems()}`);
  }
}

/** Starts the real worker entry point (src/worker.ts) as its own process on this suite's task queue. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/swc-register.js'), join(ROOT, 'src/worker.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      MONGODB_DB: api.store.db.databaseName,
      TEMPORAL_TASK_QUEUE: api.taskQueue,
      LOG_LEVEL: 'info',
      ...(process.env.SLUICE_TEST_WORKFLOW_BUNDLE ? { SLUICE_WORKFLOW_BUNDLE: process.env.SLUICE_TEST_WORKFLOW_BUNDLE } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => appendFileSync(WORKER_LOG, chunk));
  child.stderr?.on('data', (chunk: Buffer) => appendFileSync(WORKER_LOG, chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)));
  });
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

beforeAll(async () => {
  api = await startApi({ worker: false });
});
afterAll(async () => {
  await api.close();
});

test('SIGKILL of the worker mid-pipeline and in review: after a restart every task ends, nothing written twice', async () => {
  await api.request('PUT', `${S}/collections/provider/pipeline`, {
    body: { steps: [
      { type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true, case: 'upper' }] } },
      // The passages go next to the input: input `name`, key `specialities` → data.specialities.
      { type: 'SEGMENTER', segmenter: { inputProperty: 'name', modelId: 'clinia-chunk.1', propertyKey: 'specialities', maxTokens: 1, overlap: 0 } },
      // The trigger sees the normalized name: `eq` is case-insensitive, so it is the trimming that makes
      // "  review 5" match "REVIEW*" (a wildcard anchored at the start, like the old regex `^REVIEW`).
      { type: 'HUMAN_REVIEW', trigger: { type: 'OPERATOR', operator: { eq: { name: 'REVIEW*' } } }, humanReview: {} },
    ] },
  });
  let worker = await startWorker();
  const ids = Array.from({ length: 30 }, (_, i) => `kill-${i}`);
  const answers = await Promise.all(ids.map((id, i) => api.request('POST', `${S}/resources/provider`, { body: { id, data: { name: i % 5 === 0 ? `  review ${i}` : `  name ${i} ` } } })));
  expect(answers.map((a) => a.status)).toEqual(Array(30).fill(202));
  await new Promise((r) => setTimeout(r, 300));
  await kill(worker, 'SIGKILL');

  const statuses = async (): Promise<string[]> => Promise.all(answers.map(async (a) => (await api.request('GET', `${S}/tasks/${a.body.taskId}?withReceipts=true`)).body.receipts[0].pipelineExecution.status as string));
  const atKill = await statuses();
  worker = await startWorker();
  try {
    const reviewIds = ids.filter((_, i) => i % 5 === 0);
    const inReview = await waitForWorker(statuses, (s) => s.filter((x) => x === 'IN_REVIEW').length === reviewIds.length && s.filter((x) => x === 'SUCCESSFUL').length === 24, 120_000, 'pipelines to resume after restart');
    expect(inReview.filter((x) => x === 'IN_REVIEW')).toHaveLength(6);

    // Kill again while executions wait in review, restart, then approve them all.
    await kill(worker, 'SIGKILL');
    worker = await startWorker();
    const queue = await api.request('GET', `${S}/pipelines/executions?status=IN_REVIEW&type=provider`);
    expect(queue.body.data).toHaveLength(6);
    for (const e of queue.body.data) expect((await api.request('POST', `${S}/pipelines/executions/${e.id}/decision`, { body: { action: 'APPROVE' } })).status).toBe(202);
    await waitForWorker(statuses, (s) => s.every((x) => x === 'SUCCESSFUL'), 120_000, 'every execution to succeed');

    for (const a of answers) expect((await api.request('GET', `${S}/tasks/${a.body.taskId}`)).body.status).toBe('SUCCESS');
    const stored = await api.store.resources.find({ source: 'demo', type: 'provider' }).toArray();
    expect(stored.map((d) => d.id).sort()).toEqual([...ids].sort());
    // Written exactly once: a second write would have made version 2.
    expect(stored.every((d) => d.meta.versionId === '1')).toBe(true);
    const sample = stored.find((d) => d.id === 'kill-1');
    expect(sample?.data).toEqual({ name: 'NAME 1', specialities: ['NAME', '1'] });
    expect(await api.store.receipts.countDocuments({ taskId: { $in: answers.map((a) => a.body.taskId) } })).toBe(30);
    // The kill really landed while work was open.
    expect(atKill.some((s) => s === 'IN_PROGRESS')).toBe(true);
  } finally {
    await kill(worker, 'SIGTERM');
  }
}, 330_000);
