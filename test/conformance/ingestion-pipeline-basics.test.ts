import { putProfile, settledTask, useConformance } from './setup';
import { PipelineDefinitionShape, ResourceShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/explanation/ingestion-pipeline/basics';

// The page's source and collection: PUT /sources/my-external-system/v1/collections/my-collection/pipeline.
const c = useConformance('my-external-system', { worker: true });

const SEGMENTER = { type: 'SEGMENTER', segmenter: { inputProperty: 'abstract', modelId: 'clinia-chunk.1', propertyKey: 'passages' } };

describe(`Ingestion pipeline basics — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'my-collection', { type: 'ROOT', properties: { abstract: { type: 'markdown' }, passages: { type: 'array', items: { type: 'symbol' } } } });
  });

  test('"Existing objects are not backfilled": a record written before the pipeline keeps its data', async () => {
    const before = await c.call('PUT', '/resources/my-collection/before-pipeline', { body: { data: { abstract: 'Written before the pipeline.' } } });
    expect(before.status).toBe(201);
    const put = await c.call('PUT', '/collections/my-collection/pipeline', { body: { steps: [SEGMENTER] } });
    expect(put.status).toBe(201);
    const read = await c.call('GET', '/resources/my-collection/before-pipeline');
    expect(expectShape(ResourceShape, read.body).data).toEqual({ abstract: 'Written before the pipeline.' });
  });

  test('"Updating a pipeline creates a new version (for example clinics.2)"', async () => {
    const v1 = expectShape(PipelineDefinitionShape, (await c.call('GET', '/collections/my-collection/pipeline')).body);
    expect(v1).toEqual(expect.objectContaining({ id: 'my-collection.1', steps: [SEGMENTER] }));
    const vectorizer = { type: 'VECTORIZER', vectorizer: { inputProperty: 'abstract.passages', modelId: 'mte-base-knowledge.1', propertyKey: 'vector' } };
    await putProfile(c, 'my-collection', {
      type: 'ROOT',
      properties: {
        abstract: { type: 'markdown' },
        passages: { type: 'array', items: { type: 'symbol' } },
        vector: { type: 'array', items: { type: 'object', properties: { text: { type: 'symbol' }, vector: { type: 'array', items: { type: 'decimal' } } } } },
      },
    });
    const put = await c.call('PUT', '/collections/my-collection/pipeline', { body: { steps: [SEGMENTER, vectorizer] } });
    expect(put.status).toBe(201);
    expect(expectShape(PipelineDefinitionShape, put.body)).toEqual(expect.objectContaining({ id: 'my-collection.2', steps: [SEGMENTER, vectorizer] }));
  });

  test('"Pipeline dispatch loads the latest pipeline version"; the execution names it; "Persistence writes the transformed data… and emits receipts"', async () => {
    const res = await c.call('PUT', '/resources/my-collection/after-pipeline', { body: { data: { abstract: 'Adults with hypertension are followed every three months.' } } });
    expect(res.status).toBe(202);
    const task = await settledTask(c, res.body.taskId);
    expect(task.receipts[0]).toEqual(expect.objectContaining({ status: 'SUCCESS', pipelineExecution: expect.objectContaining({ pipelineDefinitionId: 'my-collection.2' }) }));
    const read = expectShape(ResourceShape, (await c.call('GET', '/resources/my-collection/after-pipeline')).body);
    expect(read.data.passages).toEqual(['Adults with hypertension are followed every three months.']);
    expect((read.data.vector as unknown[]).length).toBe(1);
  });

  test('"Default schema validation executes after all processors": output the profile does not allow fails the ingestion, and nothing is written', async () => {
    await putProfile(c, 'summary', { type: 'ROOT', properties: { abstract: { type: 'markdown' } } });
    expect((await c.call('PUT', '/collections/summary/pipeline', { body: { steps: [SEGMENTER] } })).status).toBe(201);
    const res = await c.call('PUT', '/resources/summary/undeclared-passages', { body: { data: { abstract: 'Passages are not a property of this profile.' } } });
    expect(res.status).toBe(202);
    const task = await settledTask(c, res.body.taskId);
    expect(task.status).toBe('FAILURE');
    expect(task.receipts[0].status).toBe('FAILURE');
    expect((await c.call('GET', '/resources/summary/undeclared-passages')).status).toBe(404);
  });
});
