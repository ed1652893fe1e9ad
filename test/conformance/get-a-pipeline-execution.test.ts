import { expectDocError, putProfile, settledTask, useConformance } from './setup';
import { PipelineExecutionShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/pipeline-executions/get-a-pipeline-execution';

const c = useConformance('pipeline-executions', { worker: true });

const ABSTRACT = 'Cardiac rehabilitation improves outcomes after myocardial infarction.';

describe(`Get a pipeline execution — ${PAGE}`, () => {
  let taskId: string;
  let executionId: string;
  let pipelineId: string;
  beforeAll(async () => {
    await putProfile(c, 'article', { type: 'ROOT', properties: { abstract: { type: 'markdown' }, passages: { type: 'array', items: { type: 'symbol' } } } });
    const put = await c.call('PUT', '/collections/article/pipeline', {
      body: { steps: [{ type: 'SEGMENTER', segmenter: { inputProperty: 'abstract', modelId: 'clinia-chunk.1', propertyKey: 'passages' } }] },
    });
    pipelineId = put.body.id;
    const res = await c.call('POST', '/resources/article', { body: { id: 'cardiac-rehab', data: { abstract: ABSTRACT } } });
    expect(res.status).toBe(202);
    taskId = res.body.taskId;
    const task = await settledTask(c, taskId);
    executionId = task.receipts[0].pipelineExecution.id;
  });

  test('the execution: {id, pipelineDefinitionId, status, steps[{status, processedAt}], operation{taskId, action, target}, createdAt, updatedAt}', async () => {
    const res = await c.call('GET', `/pipelines/executions/${executionId}`);
    expect(res.status).toBe(200);
    const execution = expectShape(PipelineExecutionShape, res.body);
    expect(execution).toEqual(expect.objectContaining({
      id: executionId,
      pipelineDefinitionId: pipelineId,
      status: 'SUCCESSFUL',
      operation: { taskId, action: 'CREATE', target: { targetType: 'RESOURCE', id: 'cardiac-rehab', type: 'article' } },
    }));
    expect(execution.steps).toEqual([expect.objectContaining({ status: 'PROCESSED', processedAt: expect.any(String) })]);
    // "withOperationBody … Defaults to false": no bodies.
    expect(execution.processedOperation).toBeUndefined();
    expect(execution.operation.body).toBeUndefined();
  });

  test('withOperationBody=true: "the body of the operation that triggered the pipeline execution and the operation processed by the pipeline"', async () => {
    const res = await c.call('GET', `/pipelines/executions/${executionId}?withOperationBody=true`);
    expect(res.status).toBe(200);
    const execution = expectShape(PipelineExecutionShape, res.body);
    expect(execution.operation).toEqual({ taskId, action: 'CREATE', target: { targetType: 'RESOURCE', id: 'cardiac-rehab', type: 'article' }, body: expect.objectContaining({ data: { abstract: ABSTRACT } }) });
    expect(execution.processedOperation).toEqual({
      taskId, action: 'CREATE', target: { targetType: 'RESOURCE', id: 'cardiac-rehab', type: 'article' },
      body: expect.objectContaining({ data: { abstract: ABSTRACT, passages: [ABSTRACT] } }),
    });
  });

  test('an unknown execution is 404 NOT_FOUND; a withOperationBody that is not a boolean is 400', async () => {
    expectDocError(await c.call('GET', '/pipelines/executions/no-such-execution'), 404, 'NOT_FOUND');
    expectDocError(await c.call('GET', `/pipelines/executions/${executionId}?withOperationBody=perhaps`), 400, 'INVALID_ARGUMENT');
  });
});
