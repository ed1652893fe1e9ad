import { WORKFLOW_TYPES, type BulkWorkflow } from '../../workflows/messages';
import { connectWorkflowEnv, fakeActivities, uniqueId, type WorkflowEnv } from '../support/workflow-worker';

jest.setTimeout(20_000);

let env: WorkflowEnv;
beforeAll(async () => {
  env = await connectWorkflowEnv();
});
afterAll(async () => {
  await env?.close();
});

test('chunks run in order from where each activity stopped; while 200 of the bulk\'s executions run, the next chunk waits', async () => {
  const taskId = uniqueId('bk');
  const open = [200, 3];
  const fakes = fakeActivities({
    // Chunk 0 hands two operations to pipelines (the activity stops there); chunks 1 and 2 run in one activity.
    bulkProcessChunks: async (_taskId, from) => (from === 0 ? { next: 1, handedOff: 2 } : { next: 3, handedOff: 0 }),
    bulkOpenExecutions: async () => open.shift() ?? 0,
  });
  const status = await env.withWorker(fakes, async (taskQueue) => {
    const handle = await env.client.workflow.start<BulkWorkflow>(WORKFLOW_TYPES.bulk, { workflowId: `bulk:${taskId}`, taskQueue, args: [{ taskId, chunkCount: 3, next: 0 }] });
    await handle.result();
    return (await handle.describe()).status.name;
  });
  expect(status).toBe('COMPLETED');
  expect(fakes.calls.map((c) => [c.name, ...c.args])).toEqual([
    ['bulkProcessChunks', taskId, 0],
    ['bulkOpenExecutions', taskId],
    ['bulkOpenExecutions', taskId],
    ['bulkProcessChunks', taskId, 1],
  ]);
});

test('a bulk that handed nothing to pipelines never asks how many executions run', async () => {
  const taskId = uniqueId('bk-plain');
  const fakes = fakeActivities({ bulkProcessChunks: async (_taskId, from) => ({ next: from + 2, handedOff: 0 }) });
  await env.withWorker(fakes, async (taskQueue) => (await env.client.workflow.start<BulkWorkflow>(WORKFLOW_TYPES.bulk, { workflowId: `bulk:${taskId}`, taskQueue, args: [{ taskId, chunkCount: 5, next: 0 }] })).result());
  expect(fakes.calls.map((c) => [c.name, ...c.args])).toEqual([['bulkProcessChunks', taskId, 0], ['bulkProcessChunks', taskId, 2], ['bulkProcessChunks', taskId, 4]]);
});

test('a run continued as new resumes at its `next` chunk and still brakes for the executions handed off before', async () => {
  const taskId = uniqueId('bk-resumed');
  const fakes = fakeActivities({
    bulkProcessChunks: async (_taskId, from) => ({ next: from + 1, handedOff: 0 }),
    bulkOpenExecutions: async () => 0,
  });
  await env.withWorker(fakes, async (taskQueue) => (await env.client.workflow.start<BulkWorkflow>(WORKFLOW_TYPES.bulk, { workflowId: `bulk:${taskId}`, taskQueue, args: [{ taskId, chunkCount: 4, next: 3, handedOff: 7 }] })).result());
  expect(fakes.calls.map((c) => [c.name, ...c.args])).toEqual([['bulkOpenExecutions', taskId], ['bulkProcessChunks', taskId, 3]]);
});
