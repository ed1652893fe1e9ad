import { createActivities } from '../../activities';
import { createLocalEmbedder } from '../../src/pipeline/embedder';
import { recordKey } from '../../src/records/keys';
import { NEVER_HANDED_OVER, sweep, type SweepDeps } from '../../src/sweeper';
import { recordWorkflowId } from '../../workflows/messages';
import { recordWorkflow } from '../../workflows/record';
import { startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

// The sweep (src/sweeper.ts) over work that no workflow owns, written here as an API or a worker that died would
// have left it, with a real worker to run what it hands over.
let api: TestApi;
let deps: SweepDeps;
beforeAll(async () => {
  api = await startApi({ worker: true });
  const acts = createActivities({ store: api.store, ...api.services, embedder: createLocalEmbedder() });
  deps = {
    store: api.store, pipelines: api.services.pipelines, starts: api.services.starts,
    finish: acts.finish, bundleDrop: acts.bundleDrop, bundleSettle: acts.bundleSettle, bundleCommit: acts.bundleCommit,
  };
  // clinic.1: one NORMALIZER step, run in a child execution when handed over again.
  expect((await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true, case: 'upper' }] } }] } })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

const S = '/sources/demo/v1';
const HOUR_AGO = new Date(Date.now() - 3_600_000).toISOString();
const GRACE = 60_000;

/** What the API (or a bulk chunk, or a bundle's start) writes for an operation before it starts the record's workflow. */
async function recordedOnly(id: string, createdAt: string, extra: { opKey?: string; bundleId?: string; taskId?: string } = {}): Promise<{ executionId: string; taskId: string }> {
  const executionId = `orphan-${id}`;
  const taskId = extra.taskId ?? `s_orphan_${id}`;
  const seq = extra.opKey ? Number(extra.opKey.split(':')[1]) : 0;
  const key = recordKey('demo', 'RESOURCE', 'clinic', id);
  await api.store.executions.insertOne({
    _id: executionId, source: 'demo', recordKey: key, pipelineDefinitionId: 'clinic.1', status: 'IN_PROGRESS',
    steps: [{ type: 'NORMALIZER', status: 'PENDING' }],
    operation: { taskId, action: 'UPSERT', target: { id, targetType: 'RESOURCE', type: 'clinic' }, body: { data: { name: ` ${id} ` } } },
    processedOperation: { data: { name: ` ${id} ` } }, receiptId: `${taskId}:${seq}`, ignoredSignals: [], createdAt, updatedAt: createdAt,
    ...(extra.opKey ? { opKey: extra.opKey } : {}), ...(extra.bundleId ? { bundleId: extra.bundleId } : {}),
  });
  if (!extra.opKey) await api.store.tasks.insertOne({ _id: taskId, source: 'demo', kind: 'SINGLE', operationCount: 1, createdAt });
  await api.store.receipts.insertOne({
    _id: `${taskId}:${seq}`, taskId, seq, source: 'demo', action: 'UPSERT', targetType: 'RESOURCE', type: 'clinic', id, status: 'PENDING', receivedAt: createdAt,
    pipelineExecution: { id: executionId, pipelineDefinitionId: 'clinic.1', status: 'IN_PROGRESS' },
  });
  return { executionId, taskId };
}

async function executionStatus(id: string): Promise<string | undefined> {
  return (await api.store.executions.findOne({ _id: id }))?.status;
}

test('a single operation the API recorded but never handed over ends ERROR with the reason; a recent one and one whose workflow runs are left', async () => {
  const orphan = await recordedOnly('sweep-old', HOUR_AGO);
  const recent = await recordedOnly('sweep-recent', new Date().toISOString());
  const running = await recordedOnly('sweep-running', HOUR_AGO);
  // A record workflow that runs (here on a queue no worker polls) still owns its executions.
  const handle = await api.client.workflow.start(recordWorkflow, {
    workflowId: recordWorkflowId(recordKey('demo', 'RESOURCE', 'clinic', 'sweep-running')), taskQueue: `${api.taskQueue}-idle`, args: [{ recordKey: recordKey('demo', 'RESOURCE', 'clinic', 'sweep-running') }],
  });
  try {
    const swept = await sweep(deps, GRACE);
    expect(swept.ended).toEqual([orphan.executionId]);
    expect(swept.handedOver).toEqual([]);
  } finally {
    await handle.terminate('test done');
  }
  const task = (await api.request('GET', `${S}/tasks/${orphan.taskId}?withReceipts=true`)).body;
  expect(task.status).toBe('FAILURE');
  expect(task.receipts[0]).toMatchObject({ status: 'FAILURE', error: { message: NEVER_HANDED_OVER }, pipelineExecution: { status: 'ERROR' } });
  expect((await api.request('GET', `${S}/tasks/${recent.taskId}`)).body.status).toBe('PENDING');
  // Its workflow gone (terminated) without ending it, the last one is an orphan too; then nothing is left.
  expect((await sweep(deps, GRACE)).ended).toEqual([running.executionId]);
  expect(await sweep(deps, GRACE)).toMatchObject({ ended: [], handedOver: [], cancelled: [] });
  await api.store.executions.deleteOne({ _id: recent.executionId });
});

test('a bulk operation whose hand-off was lost is handed over again after the grace period, and commits once', async () => {
  const lost = await recordedOnly('sweep-bulk', HOUR_AGO, { opKey: 'bk_sweep1:0', taskId: 'bk_sweep1' });
  const swept = await sweep(deps, GRACE);
  expect(swept.handedOver).toEqual([lost.executionId]);
  await waitFor(() => executionStatus(lost.executionId), (s) => s === 'SUCCESSFUL', 30_000, 'the handed-over execution to commit');
  const stored = await api.request('GET', `${S}/resources/clinic/sweep-bulk`);
  expect(stored.body).toMatchObject({ data: { name: 'SWEEP-BULK' }, meta: { versionId: '1' } });
  expect(await api.store.receipts.findOne({ _id: 'bk_sweep1:0' })).toMatchObject({ status: 'SUCCESS', pipelineExecution: { status: 'SUCCESSFUL' } });
  expect((await sweep(deps, GRACE)).handedOver).toEqual([]);
});

test('a bulk operation whose record was written by a newer request meanwhile is not handed over late: CANCELLED', async () => {
  const lost = await recordedOnly('sweep-newer', HOUR_AGO, { opKey: 'bk_sweep2:0', taskId: 'bk_sweep2' });
  // A synchronous write that came after the execution was recorded (clinic.1 triggers only with a name to normalize: none here).
  await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [{ type: 'NORMALIZER', trigger: { type: 'OPERATOR', operator: { eq: { name: 'never' } } }, normalizer: { properties: [{ property: 'name', trim: true }] } }] } });
  expect((await api.request('PUT', `${S}/resources/clinic/sweep-newer`, { body: { data: { name: 'newer' } } })).status).toBe(201);
  const swept = await sweep(deps, GRACE);
  expect(swept.cancelled).toEqual([lost.executionId]);
  expect(await executionStatus(lost.executionId)).toBe('CANCELLED');
  expect(await api.store.receipts.findOne({ _id: 'bk_sweep2:0' })).toMatchObject({ status: 'CANCELLED' });
  expect((await api.request('GET', `${S}/resources/clinic/sweep-newer`)).body.data).toEqual({ name: 'newer' });
});

test('an execution of a bundle that was dropped is CANCELLED; a bundle whose workflow is gone is dropped with the reason', async () => {
  const dropped = await recordedOnly('sweep-bundle-dropped', HOUR_AGO, { opKey: 'bd_sweep1:0', bundleId: 'bd_sweep1', taskId: 'bd_sweep1' });
  await api.store.bundles.insertOne({ _id: 'bd_sweep1', source: 'demo', receivedAt: HOUR_AGO, ops: [], state: 'DROPPED', started: [0], createdAt: HOUR_AGO });
  const orphaned = await recordedOnly('sweep-bundle-gone', HOUR_AGO, { opKey: 'bd_sweep2:0', bundleId: 'bd_sweep2', taskId: 'bd_sweep2' });
  await api.store.bundles.insertOne({
    _id: 'bd_sweep2', source: 'demo', receivedAt: HOUR_AGO, state: 'OPEN', started: [0], createdAt: HOUR_AGO,
    ops: [{ seq: 0, targetType: 'RESOURCE', action: 'UPSERT', type: 'clinic', id: 'sweep-bundle-gone', expectedVersion: null, body: { data: { name: 'x' } }, pipelineDefinitionId: 'clinic.1' }],
  });
  await api.store.tasks.insertOne({ _id: 'bd_sweep2', source: 'demo', kind: 'BUNDLE', operationCount: 1, createdAt: HOUR_AGO });
  const swept = await sweep(deps, GRACE);
  expect(swept.cancelled).toEqual([dropped.executionId]);
  expect(swept.bundlesDropped).toEqual(['bd_sweep2']);
  expect(await executionStatus(orphaned.executionId)).toBe('CANCELLED');
  const task = (await api.request('GET', `${S}/tasks/bd_sweep2?withReceipts=true`)).body;
  expect(task.status).toBe('CANCELLED');
  expect((await api.store.bundles.findOne({ _id: 'bd_sweep2' }))?.reason).toBe('its workflow no longer runs');
  expect((await api.request('GET', `${S}/resources/clinic/sweep-bundle-gone`)).status).toBe(404);
});

test('a bulk start that Temporal never took is started by the sweep; one whose task was never staged is removed', async () => {
  // What an API leaves when it dies after staging the bulk but before Temporal took the start.
  const accepted = await api.request('POST', `${S}/resources/bulk`, { body: { operations: [{ action: 'CREATE', create: { type: 'clinic', id: 'swept-start', data: { name: 'from a swept start' } } }] } });
  expect(accepted.status).toBe(202);
  const taskId = accepted.body.taskId as string;
  await waitFor(async () => (await api.request('GET', `${S}/tasks/${taskId}`)).body.status, (s) => s === 'SUCCESS', 30_000, 'the bulk');
  // The same bulk's start recorded again as if never confirmed: the sweep finds its workflow ran and starts nothing new.
  await api.store.workflowStarts.insertOne({ _id: `bulk:${taskId}`, kind: 'BULK', taskId, workflowType: 'bulkWorkflow', args: [{ taskId, chunkCount: 1, next: 0 }], staticSummary: 'test', staged: 1, createdAt: HOUR_AGO });
  // A bulk whose task was never written: its staged chunk goes.
  await api.store.bulkChunks.insertOne({ _id: 'bk_never:0', taskId: 'bk_never', chunk: 0, start: 0, ops: Buffer.from('[]') as never });
  await api.store.workflowStarts.insertOne({ _id: 'bulk:bk_never', kind: 'BULK', taskId: 'bk_never', workflowType: 'bulkWorkflow', args: [{ taskId: 'bk_never', chunkCount: 1, next: 0 }], staticSummary: 'test', staged: 1, createdAt: HOUR_AGO });
  const swept = await sweep(deps, GRACE);
  expect(swept.started).toEqual([`bulk:${taskId}`]);
  expect(swept.removed).toEqual(['bulk:bk_never']);
  expect(await api.store.workflowStarts.countDocuments({})).toBe(0);
  expect(await api.store.bulkChunks.findOne({ _id: 'bk_never:0' })).toBeNull();
  // Started once: the record was written by the bulk's one run.
  expect((await api.request('GET', `${S}/resources/clinic/swept-start`)).body.meta.versionId).toBe('1');
});

test('executions that are owned, however many, do not hide an orphan behind them: the sweep pages through every candidate', async () => {
  const ownedKey = recordKey('demo', 'RESOURCE', 'clinic', 'sweep-owned');
  // A record workflow on a queue no worker polls: it runs, so it owns the executions of its record.
  const handle = await api.client.workflow.start(recordWorkflow, { workflowId: recordWorkflowId(ownedKey), taskQueue: `${api.taskQueue}-idle`, args: [{ recordKey: ownedKey }] });
  try {
    for (let i = 0; i < 12; i++) {
      await api.store.executions.insertOne({
        _id: `aaa-owned-${String(i).padStart(2, '0')}`, source: 'demo', recordKey: ownedKey, pipelineDefinitionId: 'clinic.1', status: 'IN_PROGRESS',
        steps: [{ type: 'NORMALIZER', status: 'PENDING' }], operation: { taskId: 's_owned', action: 'UPSERT', target: { id: 'sweep-owned', targetType: 'RESOURCE', type: 'clinic' }, body: { data: { name: 'x' } } },
        processedOperation: { data: { name: 'x' } }, receiptId: `s_owned_${i}:0`, ignoredSignals: [], createdAt: HOUR_AGO, updatedAt: HOUR_AGO,
      });
    }
    const orphan = await recordedOnly('zzz-sweep-paged', HOUR_AGO);
    const found = await api.services.pipelines.stranded(GRACE, 5);
    expect(found.map((e) => e._id)).toContain(orphan.executionId);
    expect(found.some((e) => e._id.startsWith('aaa-owned-'))).toBe(false);
  } finally {
    await handle.terminate('test done');
    await api.store.executions.deleteMany({ recordKey: ownedKey });
  }
});
