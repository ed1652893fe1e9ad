import { expectDocError, putProfile, settledTask, taskUntil, useConformance } from './setup';
import { ErrorShape, ReceiptShape, TaskShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/task/get-a-task-from-the-registry';

const c = useConformance('get-a-task', { worker: true });

describe(`Get a task from the registry — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'provider', { type: 'ROOT', properties: { name: { type: 'symbol', rules: [{ required: true }] } } });
  });

  test('a single write\'s task (s_<id>): withReceipts=true gives its receipt {receivedAt, completedAt, taskId, action, status, targetType, id, type}; without it, only the status', async () => {
    const write = await c.call('POST', '/resources/provider', { body: { id: 'prov-wilson', data: { name: 'Dr. Sarah Wilson' } } });
    const taskId: string = write.body.taskId;
    expect(taskId).toMatch(/^s_/);
    const res = await c.call('GET', `/tasks/${taskId}?withReceipts=true`);
    expect(res.status).toBe(200);
    const task = expectShape(TaskShape, res.body);
    expect(task).toEqual(expect.objectContaining({ status: 'SUCCESS', taskId }));
    expect(task.receipts).toHaveLength(1);
    expect(expectShape(ReceiptShape, task.receipts?.[0])).toEqual(expect.objectContaining({
      taskId, action: 'CREATE', status: 'SUCCESS', targetType: 'RESOURCE', id: 'prov-wilson', type: 'provider', receivedAt: expect.any(String), completedAt: expect.any(String),
    }));
    const statusOnly = await c.call('GET', `/tasks/${taskId}`);
    expect(expectShape(TaskShape, statusOnly.body)).toEqual(expect.objectContaining({ status: 'SUCCESS', taskId }));
    expect(statusOnly.body.receipts).toBeUndefined();
  });

  test('"FAILURE: At least one operations failed": the failed receipt carries the error {code, message, type, details}', async () => {
    const bulk = await c.call('POST', '/resources/bulk', {
      body: { operations: [{ action: 'CREATE', create: { id: 'prov-ok', type: 'provider', data: { name: 'Dr. Ok' } } }, { action: 'CREATE', create: { id: 'prov-bad', type: 'provider', data: {} } }] },
    });
    expect(bulk.status).toBe(202);
    const task = await settledTask(c, bulk.body.taskId);
    expect(task.status).toBe('FAILURE');
    expect(task.receipts.map((r: { status: string }) => r.status)).toEqual(['SUCCESS', 'FAILURE']);
    expect(expectShape(ErrorShape, task.receipts[1].error)).toEqual(expect.objectContaining({ code: 400, type: 'INVALID_ARGUMENT', message: expect.any(String), details: expect.any(Array) }));
    expectShape(TaskShape, task);
  });

  test('"PENDING: At least one operation in the task is still pending" while a pipeline execution runs', async () => {
    // A collection of its own, so that no other write of this file waits in review.
    await putProfile(c, 'referral', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
    expect((await c.call('PUT', '/collections/referral/pipeline', { body: { steps: [{ type: 'HUMAN_REVIEW', humanReview: { instructions: 'Check the referral' } }] } })).status).toBe(201);
    // A record id of this run only: the review workflow of a record is named after it on the shared Temporal server.
    const id = `ref-${Date.now()}`;
    const write = await c.call('PUT', `/resources/referral/${id}`, { body: { data: { name: 'Cardiology referral' } } });
    expect(write.status).toBe(202);
    const task = expectShape(TaskShape, (await c.call('GET', `/tasks/${write.body.taskId}?withReceipts=True`)).body);
    expect(task.status).toBe('PENDING');
    expect(task.receipts?.[0]?.status).toBe('PENDING');
    // The reviewer rejects: the task settles (its receipt SUCCESS, nothing written) and no execution is left waiting.
    const inReview = await taskUntil(c, write.body.taskId, (t) => t.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 'the execution in review');
    const decision = await c.call('POST', `/pipelines/executions/${inReview.receipts[0].pipelineExecution.id}/decision`, { body: { action: 'REJECT', description: 'not a real provider' } });
    expect(decision.status).toBe(202);
    expect((await settledTask(c, write.body.taskId)).status).toBe('SUCCESS');
  });

  test('an unknown task is 404 NOT_FOUND; withReceipts must be a boolean', async () => {
    expectDocError(await c.call('GET', '/tasks/s_2aGwnMFgM7iZrL1nPxL0ZqAHM2z'), 404, 'NOT_FOUND');
    const write = await c.call('PUT', '/resources/provider/prov-doe', { body: { data: { name: 'John Doe' } } });
    expectDocError(await c.call('GET', `/tasks/${write.body.taskId}?withReceipts=sometimes`), 400, 'INVALID_ARGUMENT');
  });
});
