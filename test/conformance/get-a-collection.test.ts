import { putProfile, useConformance } from './setup';
import { PipelineDefinitionShape, expectShape } from './shapes';
import { z } from 'zod';

const PAGE = 'https://docs.clinia.com/api-reference/collections/get-a-collection-from-the-registry';

const c = useConformance('collections');

// The page's answer: {type, key, profile {properties, key, description, contained}, pipeline {steps, id}}.
const CollectionShape = z.looseObject({
  type: z.enum(['resources', 'relationships']),
  key: z.string(),
  profile: z.looseObject({ properties: z.record(z.string(), z.unknown()), key: z.string().optional(), description: z.string().optional(), contained: z.record(z.string(), z.unknown()).optional() }),
  pipeline: PipelineDefinitionShape.optional(),
});

describe(`Get a collection from the registry — ${PAGE}`, () => {
  test('"The collection key is shared with the profile key": GET /collections/{profileKey} answers the profile and its pipeline', async () => {
    await putProfile(c, 'article', { type: 'ROOT', description: 'Knowledge articles', properties: { title: { type: 'symbol' }, vector: { type: 'array', items: { type: 'decimal' } } } });
    const steps = [{ type: 'VECTORIZER', vectorizer: { inputProperty: 'title', modelId: 'mte-base.1', propertyKey: 'vector' } }];
    expect((await c.call('PUT', '/collections/article/pipeline', { body: { steps } })).status).toBe(201);
    const res = await c.call('GET', '/collections/article');
    expect(res.status).toBe(200);
    const collection = expectShape(CollectionShape, res.body);
    expect(collection).toEqual(expect.objectContaining({ type: 'resources', key: 'article' }));
    expect(collection.pipeline?.steps).toEqual(steps);
  });
});
