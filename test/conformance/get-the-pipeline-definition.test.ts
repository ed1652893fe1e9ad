import { expectDocError, putProfile, useConformance } from './setup';
import { PipelineDefinitionShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/collections/get-the-pipeline-definition-of-a-collection';

const c = useConformance('pipeline-definition');

// The page's response example: a SEGMENTER with an OPERATOR trigger `{id, and: [...]}`. Its `inputProperty` (an object
// of OpenAPI example values) is written as the path it names, "content".
const DOCUMENTED_STEP = {
  type: 'SEGMENTER',
  trigger: { type: 'OPERATOR', operator: { id: 'has-content', and: [{ eq: { content: '*' } }] } },
  segmenter: { inputProperty: 'content', propertyKey: 'passages', propertyDescription: 'The segmented content', modelId: 'clinia-segment-v1' },
};
const SECOND_STEPS = [
  DOCUMENTED_STEP,
  { type: 'VECTORIZER', vectorizer: { inputProperty: 'content.passages', propertyKey: 'vector', modelId: 'text-embedding-004', dimensions: 768, propertyDescription: 'The vectorized content' } },
];

describe(`Get the pipeline definition of a collection — ${PAGE}`, () => {
  let first: any;
  let second: any;
  beforeAll(async () => {
    await putProfile(c, 'document', {
      type: 'ROOT',
      properties: {
        content: { type: 'markdown' },
        passages: { type: 'array', items: { type: 'symbol' } },
        vector: { type: 'array', items: { type: 'object', properties: { text: { type: 'symbol' }, vector: { type: 'array', items: { type: 'decimal' } } } } },
      },
    });
    first = (await c.call('PUT', '/collections/document/pipeline', { body: { steps: [DOCUMENTED_STEP] } })).body;
    second = (await c.call('PUT', '/collections/document/pipeline', { body: { steps: SECOND_STEPS } })).body;
  });

  test('GET answers {id, steps}: the latest definition, its steps as defined', async () => {
    const res = await c.call('GET', '/collections/document/pipeline');
    expect(res.status).toBe(200);
    const pipeline = expectShape(PipelineDefinitionShape, res.body);
    expect(pipeline.id).toBe(second.id);
    expect(pipeline.steps).toEqual(SECOND_STEPS);
    expect(first.id).not.toBe(second.id);
  });

  test('"version" (integer): "The version of the pipeline definition to retrieve"', async () => {
    const v1 = await c.call('GET', '/collections/document/pipeline?version=1');
    expect(v1.status).toBe(200);
    expect(expectShape(PipelineDefinitionShape, v1.body)).toEqual(expect.objectContaining({ id: first.id, steps: [DOCUMENTED_STEP] }));
    const v2 = await c.call('GET', '/collections/document/pipeline?version=2');
    expect(expectShape(PipelineDefinitionShape, v2.body)).toEqual(expect.objectContaining({ id: second.id, steps: SECOND_STEPS }));
  });

  test('"revisionId" (string): "The revision id of the pipeline definition to retrieve"', async () => {
    expect(typeof first.revisionId).toBe('string');
    const res = await c.call('GET', `/collections/document/pipeline?revisionId=${encodeURIComponent(first.revisionId)}`);
    expect(res.status).toBe(200);
    expect(expectShape(PipelineDefinitionShape, res.body)).toEqual(expect.objectContaining({ id: first.id, steps: [DOCUMENTED_STEP] }));
  });

  test('a version that is not an integer is 400; a version past the latest is 400 OUT_OF_RANGE; an unknown revision or collection is 404', async () => {
    expectDocError(await c.call('GET', '/collections/document/pipeline?version=two'), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('GET', '/collections/document/pipeline?version=3'), 400, 'OUT_OF_RANGE');
    expectDocError(await c.call('GET', '/collections/document/pipeline?revisionId=no-such-revision'), 404, 'NOT_FOUND');
    expectDocError(await c.call('GET', '/collections/invoice/pipeline'), 404, 'NOT_FOUND');
  });
});
