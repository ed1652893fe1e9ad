import { putProfile, useConformance } from './setup';
import { RelationshipDefinitionShape, expectShape } from './shapes';

const PAGE = 'https://clinia.readme.io/docs/defining-relationships-between-profiles';

const c = useConformance('defining-relationships');

describe(`Defining relationships between profiles — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'provider', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
    await putProfile(c, 'office', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
  });

  test('the provider → worksAt → office / office → staff → provider example is accepted and read back', async () => {
    const body = {
      from: { profileKey: 'provider', includeKey: 'worksAt', includeCardinality: '0:*' },
      to: { profileKey: 'office', includeKey: 'staff', includeCardinality: '0:*' },
    };
    const res = await c.call('PUT', '/relationship-definitions/provider-office', { body });
    expect(res.status).toBe(201);
    expect(expectShape(RelationshipDefinitionShape, res.body)).toEqual(expect.objectContaining({ key: 'provider-office', ...body, properties: {} }));
  });

  test('the template with optional "properties" {<propertyKey>: {type}} links a provider and its office', async () => {
    const body = {
      from: { profileKey: 'provider', includeKey: 'practicesAt', cardinality: '0:*' },
      to: { profileKey: 'office', includeKey: 'practitioners', cardinality: '0:*' },
      properties: { since: { type: 'date' } },
    };
    const res = await c.call('PUT', '/relationship-definitions/provider-office-since', { body });
    expect(res.status).toBe(201);
    expect(expectShape(RelationshipDefinitionShape, res.body).properties).toEqual({ since: { type: 'date' } });
    await c.call('PUT', '/resources/provider/prov-1', { body: { data: { name: 'John Doe' } } });
    await c.call('PUT', '/resources/office/office-1', { body: { data: { name: 'South West Clinic' } } });
    const link = await c.call('POST', '/relationships/provider-office-since', { body: { from: { id: 'prov-1', type: 'provider' }, to: { id: 'office-1', type: 'office' }, data: { since: '2019-05' } } });
    expect(link.status).toBe(201);
    expect((await c.call('POST', '/relationships/provider-office-since', { body: { from: { id: 'prov-1', type: 'provider' }, to: { id: 'office-1', type: 'office' }, data: { since: 'May 2019' } } })).status).toBe(400);
  });
});
