import { expectDocError, putProfile, settledTask, useConformance } from './setup';
import { PipelineDefinitionShape, ResourceShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/explanation/ingestion-pipeline/built-in-processors';

const c = useConformance('built-in-processors', { worker: true });

// The page's two pipelines, as written there.
const VECTORIZER_PIPELINE = {
  steps: [
    {
      type: 'VECTORIZER',
      vectorizer: {
        inputProperty: 'title',
        modelId: 'mte-base.1',
        propertyKey: 'vector',
      },
    },
  ],
};
const SEGMENTER_VECTORIZER_PIPELINE = {
  steps: [
    {
      type: 'SEGMENTER',
      segmenter: {
        inputProperty: 'abstract',
        modelId: 'clinia-chunk.1',
        propertyKey: 'passages',
      },
    },
    {
      type: 'VECTORIZER',
      vectorizer: {
        inputProperty: 'abstract.passages',
        modelId: 'mte-base-knowledge.1',
        propertyKey: 'vector',
      },
    },
  ],
};

// About 300 words: more than one passage of the segmenter.
const ABSTRACT = Array.from({ length: 30 }, (_, i) => `Sentence ${i + 1} describes how adults with hypertension are followed by their family physician.`).join(' ');

/** Writes `data`, waits for its task and returns the stored record. */
async function ingest(collection: string, id: string, data: Record<string, unknown>): Promise<any> {
  const res = await c.call('PUT', `/resources/${collection}/${id}`, { body: { data } });
  expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { taskId: expect.any(String), status: 'ACCEPTED' } });
  const task = await settledTask(c, res.body.taskId);
  expect(task.status).toBe('SUCCESS');
  const read = await c.call('GET', `/resources/${collection}/${id}`);
  expect(read.status).toBe(200);
  return expectShape(ResourceShape, read.body);
}

describe(`Built-in processors — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'guideline', { type: 'ROOT', properties: { title: { type: 'symbol' }, vector: { type: 'array', items: { type: 'decimal' } } } });
    await putProfile(c, 'article', {
      type: 'ROOT',
      properties: {
        abstract: { type: 'markdown' },
        passages: { type: 'array', items: { type: 'symbol' } },
        vector: { type: 'array', items: { type: 'object', properties: { text: { type: 'symbol' }, vector: { type: 'array', items: { type: 'decimal' } } } } },
      },
    });
  });

  test('Vectorizer: the example pipeline is stored unchanged, and a title gets its embedding in "vector"', async () => {
    const put = await c.call('PUT', '/collections/guideline/pipeline', { body: VECTORIZER_PIPELINE });
    expect(put.status).toBe(201);
    expect(expectShape(PipelineDefinitionShape, put.body).steps).toEqual(VECTORIZER_PIPELINE.steps);
    const get = await c.call('GET', '/collections/guideline/pipeline');
    expect(expectShape(PipelineDefinitionShape, get.body).steps).toEqual(VECTORIZER_PIPELINE.steps);

    const record = await ingest('guideline', 'htn-2024', { title: 'Managing hypertension in adults' });
    expect(record.data.title).toBe('Managing hypertension in adults');
    expect(record.data.vector).toEqual(expect.any(Array));
    expect(record.data.vector.length).toBeGreaterThan(1);
    expect(record.data.vector.every((x: unknown) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
  });

  test('Segmenter then Vectorizer: the example pipeline is stored unchanged; the abstract gets passages, each with its vector', async () => {
    const put = await c.call('PUT', '/collections/article/pipeline', { body: SEGMENTER_VECTORIZER_PIPELINE });
    expect(put.status).toBe(201);
    expect(expectShape(PipelineDefinitionShape, put.body).steps).toEqual(SEGMENTER_VECTORIZER_PIPELINE.steps);

    const record = await ingest('article', 'htn-followup', { abstract: ABSTRACT });
    expect(record.data.abstract).toBe(ABSTRACT);
    const passages: string[] = record.data.passages;
    expect(passages.length).toBeGreaterThan(1);
    // The passages cover the abstract, in order.
    expect(passages.join(' ').replace(/\s+/g, ' ')).toContain(ABSTRACT.slice(0, 60));
    expect(passages.every((p) => ABSTRACT.includes(p))).toBe(true);
    // One vector per passage.
    expect(record.data.vector.map((v: { text: string }) => v.text)).toEqual(passages);
    for (const v of record.data.vector) expect(v.vector.length).toBeGreaterThan(1);
  });

  test('the same PUT again leaves the definition as it is', async () => {
    const before = await c.call('GET', '/collections/article/pipeline');
    const again = await c.call('PUT', '/collections/article/pipeline', { body: SEGMENTER_VECTORIZER_PIPELINE });
    expect([200, 201]).toContain(again.status);
    expect(expectShape(PipelineDefinitionShape, again.body)).toEqual(expect.objectContaining({ id: before.body.id, steps: SEGMENTER_VECTORIZER_PIPELINE.steps }));
  });

  test('a modelId that is not a segmenter or embedding model, or a step without its settings, is 400 INVALID_ARGUMENT', async () => {
    const unknownModel = expectDocError(await c.call('PUT', '/collections/guideline/pipeline', {
      body: { steps: [{ type: 'VECTORIZER', vectorizer: { inputProperty: 'title', modelId: 'gpt-embedding-9', propertyKey: 'vector' } }] },
    }), 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(unknownModel)).toContain('modelId');
    expectDocError(await c.call('PUT', '/collections/guideline/pipeline', {
      body: { steps: [{ type: 'SEGMENTER', segmenter: { inputProperty: 'title', modelId: 'mte-base.1', propertyKey: 'passages' } }] },
    }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PUT', '/collections/guideline/pipeline', { body: { steps: [{ type: 'VECTORIZER' }] } }), 400, 'INVALID_ARGUMENT');
    // The definition in place is still the example's.
    expect((await c.call('GET', '/collections/guideline/pipeline')).body.steps).toEqual(VECTORIZER_PIPELINE.steps);
  });
});
