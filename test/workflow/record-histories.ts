/**
 * Records the replay fixtures of test/workflow/histories/ from runs of the real product: the real HTTP app, the
 * real worker and activities, the real dev server and FerretDB, driven over HTTP. Not part of `npx jest` (the
 * name has no `.test.ts`); run it on demand, after a deliberate change of a workflow's commands:
 *
 *   npx jest --testMatch '<rootDir>/test/workflow/record-histories.ts'
 *
 * It replaces every fixture. The data is fake ("Dr. Replay"); the histories carry ids, not record data, and their
 * payloads are encrypted with the fixture key of fixture-codec.ts.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decisionSignal, executionWorkflowId, recordWorkflowId } from '../../workflows/messages';
import { startApi, type TestApi } from '../support/api';
import { historyToJSON } from '../support/history-json';
import { waitFor } from '../support/wait';
import { FIXTURE_CODEC_KEYS } from './fixture-codec';
import { SYSTEM_ACTOR } from '../../src/records/actor';

jest.setTimeout(120_000);

const HISTORIES = join(__dirname, 'histories');
const S = '/sources/demo/v1';
// Clinics whose name says "Review" are trimmed, then wait for a reviewer; providers are only trimmed (inline).
const REVIEWED = { type: 'OPERATOR', operator: { eq: { name: '*Review*' } } };

let api: TestApi;
beforeAll(async () => {
  // The fixture key, which replay.test.ts decodes the encrypted payloads with.
  api = await startApi({ worker: true, codecKeys: FIXTURE_CODEC_KEYS });
});
afterAll(async () => {
  await api?.close();
});

/** The workflows to keep, by the fixture label each is saved under. */
const keep = new Map<string, string>();

/** A request of the demo source that must succeed; its body. */
async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await api.request(method, `${S}${path}`, body === undefined ? {} : { body });
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function task(taskId: string, status?: string): Promise<any> {
  return waitFor(() => call('GET', `/tasks/${taskId}?withReceipts=true`), (t) => (status ? t.status === status : t.status !== 'PENDING'), 30_000, `task ${taskId}`);
}

/** Waits until the task's receipt `seq` shows its execution with `status`; returns the execution id. */
async function execution(taskId: string, status: string, seq = 0): Promise<string> {
  const t = await waitFor(() => call('GET', `/tasks/${taskId}?withReceipts=true`), (b) => b.receipts?.[seq]?.pipelineExecution?.status === status, 30_000, `execution of ${taskId} to be ${status}`);
  return t.receipts[seq].pipelineExecution.id as string;
}

function clinicKey(id: string): string {
  return recordWorkflowId(`demo:RESOURCE:clinic:${id}`);
}

test('records the histories of every workflow type', async () => {
  await call('PUT', '/collections/clinic/pipeline', { steps: [
    { type: 'NORMALIZER', trigger: REVIEWED, normalizer: { properties: [{ property: 'name', trim: true }] } },
    { type: 'HUMAN_REVIEW', trigger: REVIEWED, humanReview: { instructions: 'Check the clinic' } },
  ] });
  await call('PUT', '/collections/provider/pipeline', { steps: [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } }] });

  // A review: two malformed decisions are recorded and ignored, then a reviewer approves over HTTP.
  const approved = await call('POST', '/resources/clinic', { id: 'replay-approved', data: { name: ' Review Dr. Replay ' } });
  const approvedExec = await execution(approved.taskId, 'IN_REVIEW');
  const handle = api.client.workflow.getHandle(executionWorkflowId(approvedExec));
  await handle.signal(decisionSignal, { action: 'MAYBE' });
  await handle.signal(decisionSignal, 'not even an object');
  await waitFor(() => call('GET', `/pipelines/executions/${approvedExec}`), (e) => e.ignoredSignals?.length === 2, 10_000, 'ignored signals');
  await call('POST', `/pipelines/executions/${approvedExec}/decision`, { action: 'APPROVE', description: 'Dr. Replay checked' });
  await task(approved.taskId, 'SUCCESS');
  keep.set('review-approved', clinicKey('replay-approved')).set('approved', executionWorkflowId(approvedExec));

  // A rejection.
  const rejected = await call('PUT', '/resources/clinic/replay-rejected', { data: { name: 'Review Dr. Replay again' } });
  const rejectedExec = await execution(rejected.taskId, 'IN_REVIEW');
  await call('POST', `/pipelines/executions/${rejectedExec}/decision`, { action: 'REJECT', description: 'duplicate' });
  await task(rejected.taskId, 'SUCCESS');
  keep.set('rejected', executionWorkflowId(rejectedExec));

  // A synchronous write while an execution waits in review: the supersede update cancels it.
  const superseded = await call('PUT', '/resources/clinic/replay-superseded', { data: { name: 'Review Dr. Replay' } });
  const supersededExec = await execution(superseded.taskId, 'IN_REVIEW');
  await call('PUT', '/resources/clinic/replay-superseded', { data: { name: 'Plain Dr. Replay' } });
  await task(superseded.taskId, 'CANCELLED');
  keep.set('superseded', clinicKey('replay-superseded')).set('cancelled', executionWorkflowId(supersededExec));

  // An inline execution: the provider's pipeline has no review step.
  const inline = await call('PUT', '/resources/provider/replay-inline', { data: { name: '  Dr. Replay  ' } });
  await task(inline.taskId, 'SUCCESS');
  keep.set('inline', recordWorkflowId('demo:RESOURCE:provider:replay-inline'));

  // A bulk: an office written by the bulk itself, and two operations on one clinic handed to its record's
  // workflow (the second supersedes the first, waiting in review), then approved.
  const bulk = await call('POST', '/resources/bulk', { operations: [
    { action: 'CREATE', create: { id: 'replay-office-1', type: 'office', data: { name: 'Replay office 1' } } },
    { action: 'UPSERT', upsert: { id: 'replay-enqueued', type: 'clinic', data: { name: 'Review Dr. Replay A' } } },
    { action: 'UPSERT', upsert: { id: 'replay-enqueued', type: 'clinic', data: { name: 'Review Dr. Replay B' } } },
  ] });
  const latest = await execution(bulk.taskId, 'IN_REVIEW', 2);
  await call('POST', `/pipelines/executions/${latest}/decision`, { action: 'APPROVE' });
  await task(bulk.taskId);
  keep.set('with-pipelines', `bulk:${bulk.taskId}`);

  // Bundles: one written at once, one whose clinic waits for a reviewer.
  const plainBundle = await call('POST', '/bundle', { resourceOperations: [{ action: 'CREATE', create: { id: 'replay-office-3', type: 'office', data: { name: 'Replay office 3' } } }], relationshipOperations: [] });
  keep.set('persisted', `bundle:${plainBundle.taskId}`);
  const reviewedBundle = await call('POST', '/bundle', {
    resourceOperations: [
      { action: 'CREATE', create: { id: 'replay-office-4', type: 'office', data: { name: 'Replay office 4' } } },
      { action: 'CREATE', create: { id: 'replay-bundle-clinic', type: 'clinic', data: { name: ' Review Dr. Replay clinic ', office: '@rootId1' } } },
    ],
    relationshipOperations: [],
  });
  const bundleExec = await execution(reviewedBundle.taskId, 'IN_REVIEW', 1);
  await call('POST', `/pipelines/executions/${bundleExec}/decision`, { action: 'APPROVE' });
  await task(reviewedBundle.taskId, 'SUCCESS');
  keep.set('reviewed', `bundle:${reviewedBundle.taskId}`).set('in-bundle', executionWorkflowId(bundleExec));

  // Purges: one over HTTP, one tuned so that it continues as new (the HTTP route takes no tuning).
  const purge = await call('POST', '/purge', { collectionType: 'resources', collectionKey: 'clinic' });
  await task(purge.taskId, 'SUCCESS');
  keep.set('http', `purge:${purge.purgeOperation.purgeId}`);
  // Its first run's one call takes three steps (two empty stages, one batch): the second run finishes.
  const tuned = await api.services.purge.start('demo', { collectionType: 'resources', collectionKey: 'office' }, SYSTEM_ACTOR, { batchSize: 100, batchesPerCall: 3, callsPerRun: 1 });
  await task(tuned.taskId, 'SUCCESS');
  keep.set('continued-as-new', `purge:${tuned.purgeOperation.purgeId}`);

  rmSync(HISTORIES, { recursive: true, force: true });
  mkdirSync(HISTORIES, { recursive: true });
  for (const [label, workflowId] of keep) {
    // Every run of the workflow id, oldest first (a workflow that continued as new has several).
    const runs = await waitFor(async () => {
      const out: { runId: string; type: string; status: string; startTime: Date }[] = [];
      for await (const w of api.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) out.push({ runId: w.runId, type: w.type, status: w.status.name, startTime: w.startTime });
      return out.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    }, (rs) => rs.length > 0 && rs.every((r) => r.status !== 'RUNNING') && (label !== 'continued-as-new' || rs.length > 1), 20_000, `closed runs of ${workflowId}`);
    for (const [i, run] of runs.entries()) {
      const history = await api.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      const name = `${run.type}.${label}${runs.length > 1 ? `.run${i + 1}` : ''}.json`;
      writeFileSync(join(HISTORIES, name), `${scrub(historyToJSON(history))}\n`);
    }
  }
  expect(readdirSync(HISTORIES).length).toBeGreaterThanOrEqual(keep.size);
});

/** One line per event (small, and a diff shows which events changed); the recording host's identity dropped. */
function scrub(json: string): string {
  const history = JSON.parse(json) as { events: Record<string, unknown>[] };
  const events = history.events.map((e) => JSON.stringify(e, (key, value: unknown) => (key === 'identity' ? 'sluice-recorder' : value)));
  return `{"events":[\n${events.join(',\n')}\n]}`;
}
