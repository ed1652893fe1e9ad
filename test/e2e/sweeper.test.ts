import { createActivities } from '../../activities';
import { createLocalEmbedder } from '../../src/pipeline/embedder';
import { recordKey } from '../../src/records/keys';
import { sweepOrphanedExecutions } from '../../src/sweeper';
import { recordWorkflowId } from '../../workflows/messages';
import { recordWorkflow } from '../../workflows/record';
import { startApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

const S = '/sources/demo/v1';
const HOUR_AGO = new Date(Date.now() - 3_600_000).toISOString();

/** What the API writes for an asynchronous single operation before it starts the record's workflow. */
async function recordedOnly(id: string, createdAt: string, extra: Record<string, unknown> = {}): Promise<{ executionId: string; taskId: string }> {
  const executionId = `orphan-${id}`;
  const taskId = `s_orphan_${id}`;
  const key = recordKey('demo', 'RESOURCE', 'clinic', id);
  await api.store.executions.insertOne({
    _id: executionId, source: 'demo', recordKey: key, pipelineDefinitionId: 'clinic.1', status: 'IN_PROGRESS',
    steps: [{ type: 'NORMALIZER', status: 'PENDING' }],
    operation: { taskId, action: 'UPSERT', target: { id, targetType: 'RESOURCE', type: 'clinic' }, body: { data: { name: id } } },
    processedOperation: { data: { name: id } }, receiptId: `${taskId}:0`, ignoredSignals: [], createdAt, updatedAt: createdAt, ...extra,
  });
  await api.store.tasks.insertOne({ _id: taskId, source: 'demo', kind: 'SINGLE', operationCount: 1, createdAt });
  await api.store.receipts.insertOne({
    _id: `${taskId}:0`, taskId, seq: 0, source: 'demo', action: 'UPSERT', targetType: 'RESOURCE', type: 'clinic', id, status: 'PENDING', receivedAt: createdAt,
    pipelineExecution: { id: executionId, pipelineDefinitionId: 'clinic.1', status: 'IN_PROGRESS' },
  });
  return { executionId, taskId };
}

test('an operation the API recorded but never handed to a workflow ends in ERROR, and its task in FAILURE', async () => {
  const { finish } = createActivities({ store: api.store, ...api.services, embedder: createLocalEmbedder() });
  const orphan = await recordedOnly('sweep-old', HOUR_AGO);
  const recent = await recordedOnly('sweep-recent', new Date().toISOString());
  const ofBulk = await recordedOnly('sweep-bulk', HOUR_AGO, { opKey: 'bk_x:0' });
  const running = await recordedOnly('sweep-running', HOUR_AGO);
  // A record workflow that runs (here on a queue no worker polls) still owns its executions.
  const handle = await api.client.workflow.start(recordWorkflow, {
    workflowId: recordWorkflowId(recordKey('demo', 'RESOURCE', 'clinic', 'sweep-running')), taskQueue: `${api.taskQueue}-idle`, args: [{ recordKey: recordKey('demo', 'RESOURCE', 'clinic', 'sweep-running') }],
  });
  try {
    const swept = await sweepOrphanedExecutions(api.services.pipelines, finish, 60_000);
    expect(swept).toEqual([orphan.executionId]);
  } finally {
    await handle.terminate('test done');
  }
  const task = (await api.request('GET', `${S}/tasks/${orphan.taskId}?withReceipts=true`)).body;
  expect(task.status).toBe('FAILURE');
  expect(task.receipts[0]).toMatchObject({ status: 'FAILURE', error: { message: expect.stringMatching(/never|stopped before it handed/) }, pipelineExecution: { status: 'ERROR' } });
  expect((await api.request('GET', `${S}/pipelines/executions/${orphan.executionId}`)).body.status).toBe('ERROR');
  for (const other of [recent, ofBulk, running]) {
    expect((await api.request('GET', `${S}/tasks/${other.taskId}`)).body.status).toBe('PENDING');
  }
  // Its workflow gone (terminated) without ending it, the last one is an orphan too; then nothing is left.
  expect(await sweepOrphanedExecutions(api.services.pipelines, finish, 60_000)).toEqual([running.executionId]);
  expect(await sweepOrphanedExecutions(api.services.pipelines, finish, 60_000)).toEqual([]);
});
