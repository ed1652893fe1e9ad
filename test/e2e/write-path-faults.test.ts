// The fenced write path (docs/durability.md) under the interleavings that broke it before, each forced at its point:
// a stalled writer whose decision is stale, a commit overtaken after its request was answered, an activity attempt
// that timed out and runs on beside its retry, and a worker lost between a bulk operation's execution and its receipt.
import { createActivities } from '../../activities';
import { createLocalEmbedder } from '../../src/pipeline/embedder';
import { SYSTEM_ACTOR } from '../../src/records/actor';
import { documentId, headKey, recordKey } from '../../src/records/keys';
import { recordWorkflowId } from '../../workflows/messages';
import { recordWorkflow } from '../../workflows/record';
import { operationStamp } from '../../src/records/record-order';
import { writeRecord } from '../../src/records/record-writes';
import type { Store } from '../../src/store/db';
import type { ExecutionDoc, ResourceDoc } from '../../src/store/documents';
import { startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ worker: true, deadlines: { supersedeTimeoutMs: 1500 } });
  expect((await api.request('PUT', `${S}/profiles/fenced`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBe(201);
  expect((await api.request('PUT', `${S}/collections/fenced/pipeline`, { body: { steps: [
    { type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } },
    { type: 'HUMAN_REVIEW', trigger: { type: 'OPERATOR', operator: { eq: { name: '*review*' } } }, humanReview: {} },
  ] } })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

const S = '/sources/demo/v1';

async function task(taskId: string): Promise<any> {
  return (await api.request('GET', `${S}/tasks/${taskId}?withReceipts=true`)).body;
}

/** The activities over a store whose reads of executions are answered by `read` (to hand an activity a stale view). */
function activitiesReading(read: (id: string) => Promise<ExecutionDoc | null>): ReturnType<typeof createActivities> {
  const executions = new Proxy(api.store.executions, {
    get(target, prop, receiver) {
      if (prop === 'findOne') return (filter: { _id?: string }, ...rest: unknown[]) => (typeof filter?._id === 'string' && Object.keys(filter).length === 1 ? read(filter._id) : (target.findOne as (...a: unknown[]) => unknown)(filter, ...rest));
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const store = new Proxy(api.store, { get: (target, prop, receiver) => (prop === 'executions' ? executions : Reflect.get(target, prop, receiver)) }) as Store;
  return createActivities({ store, ...api.services, embedder: createLocalEmbedder() });
}

test('a writer that stalled after deciding writes nothing over the newer version: its write is a conflict (fencing, not a lease)', async () => {
  expect((await api.request('PUT', `${S}/resources/provider/stalled`, { body: { data: { name: 'v1' } } })).status).toBe(201);
  const decidedOn = (await api.store.resources.findOne({ _id: documentId('demo', 'provider', 'stalled') })) as ResourceDoc;
  // Meanwhile (the stalled writer's lease would have expired), a newer request writes version 2.
  expect((await api.request('PUT', `${S}/resources/provider/stalled`, { body: { data: { name: 'v2' } } })).status).toBe(200);
  const stale = await writeRecord(api.store, decidedOn, {
    targetType: 'RESOURCE', source: 'demo', type: 'provider', id: 'stalled', data: { name: 'stale' }, contained: {},
    writeId: 's_stalled', at: new Date().toISOString(), history: { action: 'UPSERT', taskId: 's_stalled', userInfo: SYSTEM_ACTOR },
  });
  expect(stale).toEqual({ conflict: true });
  const stored = (await api.request('GET', `${S}/resources/provider/stalled`)).body;
  expect({ data: stored.data, version: stored.meta.versionId }).toEqual({ data: { name: 'v2' }, version: '2' });
});

test('an execution whose record a newer request claimed commits nothing, however late: CANCELLED with its receipt', async () => {
  const accepted = await api.request('PUT', `${S}/resources/fenced/late`, { body: { data: { name: ' please review ' } } });
  expect(accepted.status).toBe(202);
  const inReview = await waitFor(() => task(accepted.body.taskId), (t) => t.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 30_000, 'the review');
  const executionId = inReview.receipts[0].pipelineExecution.id as string;
  // A newer request claims the record without reaching the execution's workflow (as when its workflow had not
  // started yet when the newer request asked it to stop): only the head knows.
  await api.services.order.claimNow(headKey('RESOURCE', documentId('demo', 'fenced', 'late')), 's_newer');
  expect((await api.request('POST', `${S}/pipelines/executions/${executionId}/decision`, { body: { action: 'APPROVE' } })).status).toBe(202);
  const done = await waitFor(() => task(accepted.body.taskId), (t) => t.status !== 'PENDING', 30_000, 'the commit');
  expect(done.status).toBe('CANCELLED');
  expect(done.receipts[0]).toMatchObject({ status: 'CANCELLED', pipelineExecution: { status: 'CANCELLED' }, error: { message: expect.stringMatching(/newer request/) } });
  expect((await api.request('GET', `${S}/resources/fenced/late`)).status).toBe(404);
});

test('an activity attempt that timed out and runs on after the execution committed writes nothing (no IN_REVIEW again)', async () => {
  const accepted = await api.request('PUT', `${S}/resources/fenced/attempt`, { body: { data: { name: ' review me ' } } });
  const inReview = await waitFor(() => task(accepted.body.taskId), (t) => t.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 30_000, 'the review');
  const executionId = inReview.receipts[0].pipelineExecution.id as string;
  // What a first attempt of the review step read before it stalled: the step not yet run.
  const now = (await api.store.executions.findOne({ _id: executionId })) as ExecutionDoc;
  const before: ExecutionDoc = { ...now, status: 'IN_PROGRESS', steps: now.steps.map((s, i) => (i === 1 ? { type: s.type, status: 'PENDING' } : s)), updatedAt: '2000-01-01T00:00:00.000Z' };
  expect((await api.request('POST', `${S}/pipelines/executions/${executionId}/decision`, { body: { action: 'APPROVE' } })).status).toBe(202);
  await waitFor(() => task(accepted.body.taskId), (t) => t.status === 'SUCCESS', 30_000, 'the commit');
  // The stalled attempt goes on with what it read.
  const stale = activitiesReading(async () => before);
  await stale.runStep(executionId, 1);
  const after = (await api.store.executions.findOne({ _id: executionId })) as ExecutionDoc;
  expect({ status: after.status, step: after.steps[1]?.status }).toEqual({ status: 'SUCCESSFUL', step: 'PROCESSED' });
  expect((await task(accepted.body.taskId)).receipts[0]).toMatchObject({ status: 'SUCCESS', pipelineExecution: { status: 'SUCCESSFUL' } });
});

test("a worker lost between a bulk operation's execution and its receipt: the execution's end writes the receipt, and a retried chunk finding it ended keeps it final", async () => {
  const taskId = `bk_lost_${Date.now()}`;
  const stamp = api.services.order.stamp();
  await api.store.tasks.insertOne({ _id: taskId, source: 'demo', kind: 'BULK', targetType: 'RESOURCE', operationCount: 1, chunkStarts: [0], createdAt: new Date().toISOString(), stamp });
  const op = { taskId, seq: 0, opKey: `${taskId}:0`, receivedAt: new Date().toISOString(), userInfo: SYSTEM_ACTOR, stamp: operationStamp(stamp, 0) };
  // The first run: the execution is written, then the worker dies before the receipt (forced: the receipt insert fails).
  const inserts = api.store.inserts.receipts;
  const realInsert = inserts.insert.bind(inserts);
  inserts.insert = async () => {
    throw new Error('worker lost (forced by the test)');
  };
  try {
    await expect(api.services.resources.upsert('demo', 'fenced', 'lost-receipt', { data: { name: ' lost ' } }, op)).rejects.toThrow(/worker lost/);
  } finally {
    inserts.insert = realInsert;
  }
  const execution = (await api.store.executions.findOne({ opKey: op.opKey })) as ExecutionDoc;
  expect(await api.store.receipts.findOne({ _id: `${taskId}:0` })).toBeNull();
  // The sweep hands it over; its workflow runs and ends it: the missing receipt is written, final.
  await api.services.pipelines.handOff({ source: 'demo', targetType: 'RESOURCE', type: 'fenced', id: 'lost-receipt' }, { executionId: execution._id });
  await waitFor(async () => (await api.store.receipts.findOne({ _id: `${taskId}:0` }))?.status, (s) => s === 'SUCCESS', 30_000, 'the receipt');
  // The chunk's retry comes later and takes the operation again: it finds its execution ended, and keeps the receipt.
  const again = await api.services.resources.upsert('demo', 'fenced', 'lost-receipt', { data: { name: ' lost ' } }, { ...op, retried: true });
  expect(again.status).toBe('ACCEPTED');
  const receipt = await api.store.receipts.findOne({ _id: `${taskId}:0` });
  expect(receipt).toMatchObject({ status: 'SUCCESS', pipelineExecution: { id: execution._id, status: 'SUCCESSFUL' } });
  expect((await api.request('GET', `${S}/resources/fenced/lost-receipt`)).body.data).toEqual({ name: 'lost' });
  expect(await api.store.executions.countDocuments({ opKey: op.opKey })).toBe(1);
});

test("a bulk operation whose record's workflow does not answer in time is tried again with its chunk, never a FAILURE receipt", async () => {
  const key = recordKey('demo', 'RESOURCE', 'fenced', 'unanswered');
  // A record workflow on a queue no worker polls: the supersede update times out (1.5 s here), as with Temporal away.
  const stuck = await api.client.workflow.start(recordWorkflow, { workflowId: recordWorkflowId(key), taskQueue: `${api.taskQueue}-idle`, args: [{ recordKey: key }] });
  const operations = [
    { action: 'UPSERT', upsert: { type: 'fenced', id: 'unanswered', data: { name: ' waited ' } } },
    { action: 'UPSERT', upsert: { type: 'fenced', id: 'answered', data: { name: ' at once ' } } },
  ];
  const accepted = await api.request('POST', `${S}/resources/bulk`, { body: { operations } });
  expect(accepted.status).toBe(202);
  await new Promise((r) => setTimeout(r, 4000));
  expect((await task(accepted.body.taskId)).counts.FAILURE).toBe(0);
  await stuck.terminate('Temporal is back (forced by the test)');
  const done = await waitFor(() => task(accepted.body.taskId), (t) => t.status !== 'PENDING', 60_000, 'the bulk');
  expect(done.counts).toEqual({ SUCCESS: 2, FAILURE: 0, CANCELLED: 0, PENDING: 0 });
  expect((await api.request('GET', `${S}/resources/fenced/unanswered`)).body.data).toEqual({ name: 'waited' });
}, 90_000);

test('a decision stored by an API that died before signalling it is delivered by the next decision of the step: no review stuck for good', async () => {
  const accepted = await api.request('PUT', `${S}/resources/fenced/lost-decision`, { body: { data: { name: ' review lost ' } } });
  const inReview = await waitFor(() => task(accepted.body.taskId), (t) => t.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 30_000, 'the review');
  const executionId = inReview.receipts[0].pipelineExecution.id as string;
  // What the dead API left: the step's decision stored, its signal never sent.
  const lost = { id: 'lost-decision', action: 'APPROVE' as const, description: 'taken, then the API died', author: { id: 'k-dead' }, actedAt: new Date(Date.now() - 60_000).toISOString() };
  await api.store.stepDecisions.insertOne({ _id: `${executionId}:1`, source: 'demo', executionId, stepIndex: 1, decision: lost });
  const again = await api.request('POST', `${S}/pipelines/executions/${executionId}/decision`, { body: { action: 'REJECT', description: 'a second look' } });
  expect(again.status).toBe(409);
  expect(again.body.message).toMatch(/step 1 .* decided already \(APPROVE by k-dead/);
  const done = await waitFor(() => task(accepted.body.taskId), (t) => t.status !== 'PENDING', 30_000, 'the stored decision to take effect');
  expect(done.status).toBe('SUCCESS');
  const execution = (await api.request('GET', `${S}/pipelines/executions/${executionId}`)).body;
  expect(execution.steps[1]).toMatchObject({ status: 'PROCESSED', decision: { id: 'lost-decision', action: 'APPROVE' } });
  expect((await api.request('GET', `${S}/resources/fenced/lost-decision`)).body.data).toEqual({ name: 'review lost' });
});

test('a bulk operation run again after it was applied and a newer request wrote the record: SUCCESS, and the newer data stays', async () => {
  const stamp = api.services.order.stamp();
  const taskId = `bk_again_${Date.now()}`;
  const op = (seq: number, retried = false) => ({ taskId, seq, opKey: `${taskId}:${seq}`, receivedAt: new Date().toISOString(), userInfo: SYSTEM_ACTOR, stamp: operationStamp(stamp, seq), ...(retried ? { retried } : {}) });
  // The first run applies the UPSERT; its receipt is lost with the worker (forced by removing it).
  expect((await api.services.resources.upsert('demo', 'provider', 'again-1', { data: { name: 'from the bulk' } }, op(0))).status).toBe('PERSISTED');
  await api.store.receipts.deleteMany({ taskId });
  // A newer request writes again-1 after the bulk was accepted.
  expect((await api.request('PUT', `${S}/resources/provider/again-1`, { body: { data: { name: 'newer' } } })).status).toBe(200);
  // The retried chunk runs the operation again: it must not write over the newer data, and it was applied.
  const again = await api.services.resources.upsert('demo', 'provider', 'again-1', { data: { name: 'from the bulk' } }, op(0, true));
  expect(again).toMatchObject({ status: 'SETTLED', receipt: 'SUCCESS' });
  expect((await api.request('GET', `${S}/resources/provider/again-1`)).body.data).toEqual({ name: 'newer' });
  expect(await api.store.receipts.findOne({ _id: `${taskId}:0` })).toMatchObject({ status: 'SUCCESS' });
});

test('a bulk DELETE run again after it was applied: SUCCESS, not a 404 FAILURE', async () => {
  expect((await api.request('PUT', `${S}/resources/provider/again-del`, { body: { data: { name: 'to delete' } } })).status).toBe(201);
  const stamp = api.services.order.stamp();
  const taskId = `bk_again_del_${Date.now()}`;
  const op = { taskId, seq: 0, opKey: `${taskId}:0`, receivedAt: new Date().toISOString(), userInfo: SYSTEM_ACTOR, stamp: operationStamp(stamp, 0) };
  expect((await api.services.resources.remove('demo', 'provider', 'again-del', op)).status).toBe('PERSISTED');
  await api.store.receipts.deleteMany({ taskId });
  const again = await api.services.resources.remove('demo', 'provider', 'again-del', { ...op, retried: true });
  expect(again.status).toBe('PERSISTED');
  expect(await api.store.receipts.findOne({ _id: `${taskId}:0` })).toMatchObject({ status: 'SUCCESS', action: 'DELETE' });
});

test('a newer request for a record of a bundle whose execution had reported READY: the bundle is dropped and every execution ends (none waits for good)', async () => {
  const bundle = await api.request('POST', `${S}/bundle`, { body: { resourceOperations: [
    { action: 'CREATE', create: { type: 'fenced', id: 'bd-ready', data: { name: ' ready ' } } },
    { action: 'CREATE', create: { type: 'fenced', id: 'bd-wait', data: { name: ' please review ' } } },
  ], relationshipOperations: [] } });
  expect(bundle.status).toBe(202);
  // The first operation's execution has run its steps and reported READY; the second waits for a reviewer.
  await waitFor(async () => api.store.executions.find({ bundleId: bundle.body.taskId }).toArray(), (es) => es.length === 2 && es.some((e) => e.status === 'IN_REVIEW') && es.some((e) => e.status === 'IN_PROGRESS' && e.steps.every((s) => s.status !== 'PENDING')), 30_000, 'one READY, one in review');
  await new Promise((r) => setTimeout(r, 500));
  // Through a second API with the default supersede deadline: this suite's 1.5 s one is for the faults above, and the
  // drop this request waits for (child cancelled, bundle told, bundle dropped, child closed) took longer under the load
  // of the whole suite once (a 409). The second API writes to the same database and task queue.
  const patient = await startApi({ join: api });
  const newer = await patient.request('PUT', `${S}/resources/fenced/bd-ready`, { body: { data: { name: ' newer ' } } }).finally(() => patient.close());
  expect(newer.status).toBe(202);
  const dropped = await waitFor(() => task(bundle.body.taskId), (t) => t.status !== 'PENDING', 30_000, 'the bundle');
  expect(dropped.status).toBe('CANCELLED');
  await waitFor(() => task(newer.body.taskId), (t) => t.status === 'SUCCESS', 30_000, 'the newer write');
  expect((await api.request('GET', `${S}/resources/fenced/bd-ready`)).body.data).toEqual({ name: 'newer' });
  expect((await api.request('GET', `${S}/resources/fenced/bd-wait`)).status).toBe(404);
  expect(await api.store.executions.countDocuments({ bundleId: bundle.body.taskId, status: { $in: ['IN_PROGRESS', 'IN_REVIEW'] } })).toBe(0);
});
