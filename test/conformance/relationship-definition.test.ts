import { expectDocError, putProfile, useConformance } from './setup';
import { RelationshipDefinitionShape, RelationshipWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/explanation/sources/relationship';

const c = useConformance('relationship-definition');

// The page's "Structure" (version with "properties"). Its "key" is the path parameter of the PUT.
const STRUCTURE = {
  from: { profileKey: 'provider', includeKey: 'worksAt', cardinality: '0:*' },
  to: { profileKey: 'facility', includeKey: 'staff', cardinality: '0:*' },
  properties: {
    effective: { type: 'period' },
    roles: { type: 'array', items: { type: 'code' } },
  },
};

describe(`Relationship definitions — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'provider', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
    await putProfile(c, 'facility', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
  });

  test('the provider-facility structure, with "cardinality" and "properties", is accepted; its cardinality is answered as includeCardinality', async () => {
    const res = await c.call('PUT', '/relationship-definitions/provider-facility', { body: STRUCTURE });
    expect(res.status).toBe(201);
    const definition = expectShape(RelationshipDefinitionShape, res.body);
    expect(definition).toEqual({
      key: 'provider-facility',
      from: { profileKey: 'provider', includeKey: 'worksAt', includeCardinality: '0:*' },
      to: { profileKey: 'facility', includeKey: 'staff', includeCardinality: '0:*' },
      properties: STRUCTURE.properties,
    });
    expect((await c.call('GET', '/relationship-definitions/provider-facility')).body).toEqual(definition);
  });

  test('"Relationship properties — Optional attributes stored alongside the link, such as effective periods": they travel with the relationship and are validated', async () => {
    await c.call('PUT', '/resources/provider/prov-wilson', { body: { data: { name: 'Dr. Sarah Wilson' } } });
    await c.call('PUT', '/resources/facility/fac-boston', { body: { data: { name: 'Boston Heart Center' } } });
    const data = { effective: { start: '2021-09-01T00:00:00Z', end: '2026-08-31T00:00:00Z' }, roles: ['cardiologist', 'attending'] };
    const res = await c.call('POST', '/relationships/provider-facility', { body: { from: { id: 'prov-wilson', type: 'provider' }, to: { id: 'fac-boston', type: 'facility' }, data } });
    expect(res.status).toBe(201);
    expect(expectShape(RelationshipWriteShape, res.body).relationship).toEqual(expect.objectContaining({ id: 'prov-wilson.fac-boston', type: 'provider-facility', data }));

    const bad = expectDocError(await c.call('POST', '/relationships/provider-facility', {
      body: { from: { id: 'prov-wilson', type: 'provider' }, to: { id: 'fac-boston', type: 'facility' }, data: { effective: { start: 'September 2021' }, roles: 'cardiologist' } },
    }), 400, 'INVALID_ARGUMENT');
    expect((bad.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['data.effective.start', 'data.roles']);
  });

  test('"Cardinality — (0:1, 0:*, 1:1, etc.)": another notation is 400 INVALID_ARGUMENT', async () => {
    expectDocError(await c.call('PUT', '/relationship-definitions/facility-provider', {
      body: { ...STRUCTURE, from: { profileKey: 'facility', includeKey: 'staff', cardinality: 'many' }, to: { profileKey: 'provider', includeKey: 'worksAt', cardinality: '0:*' } },
    }), 400, 'INVALID_ARGUMENT');
  });
});
