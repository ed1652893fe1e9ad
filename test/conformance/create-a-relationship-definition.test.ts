import { expectDocError, putProfile, useConformance } from './setup';
import { RelationshipDefinitionShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/relationship-definitions/create-a-relationship-definition-in-the-registry';

const c = useConformance('relationship-definition-api');

// The page's request, its "<string>" placeholders filled with the provider/office names of the readme example.
const REQUEST = {
  from: { profileKey: 'provider', includeKey: 'worksAt', includeCardinality: '0:*' },
  to: { profileKey: 'office', includeKey: 'staff', includeCardinality: '0:*' },
  description: 'A provider practises at an office.',
  properties: {},
};

describe(`Create a relationship definition — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'provider', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
    await putProfile(c, 'office', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
  });

  test('PUT .../relationship-definitions/{key} with the documented request answers the documented response: the request plus its key', async () => {
    const res = await c.call('PUT', '/relationship-definitions/provider-office', { body: REQUEST });
    expect(res.status).toBe(201);
    expect(expectShape(RelationshipDefinitionShape, res.body)).toEqual({ key: 'provider-office', ...REQUEST });
    const get = await c.call('GET', '/relationship-definitions/provider-office');
    expect(get.status).toBe(200);
    expect(expectShape(RelationshipDefinitionShape, get.body)).toEqual({ key: 'provider-office', ...REQUEST });
  });

  test('"properties" is required in the response: {} when the request has none', async () => {
    const { properties: _none, ...withoutProperties } = REQUEST;
    const res = await c.call('PUT', '/relationship-definitions/office-provider', { body: { ...withoutProperties, from: REQUEST.to, to: REQUEST.from } });
    expect([200, 201]).toContain(res.status);
    expect(expectShape(RelationshipDefinitionShape, res.body).properties).toEqual({});
  });

  test('the key "must follow pattern: ^[a-zA-Z0-9-][\\w-]{0,61}$": otherwise 400 INVALID_ARGUMENT', async () => {
    expectDocError(await c.call('PUT', '/relationship-definitions/_provider-office', { body: REQUEST }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PUT', `/relationship-definitions/${'r'.repeat(63)}`, { body: REQUEST }), 400, 'INVALID_ARGUMENT');
  });

  test('"from" and "to" are required, and each names a profile of the source', async () => {
    expectDocError(await c.call('PUT', '/relationship-definitions/provider-nowhere', { body: { from: REQUEST.from, description: 'no to' } }), 400, 'INVALID_ARGUMENT');
    const unknown = expectDocError(await c.call('PUT', '/relationship-definitions/provider-clinic', { body: { ...REQUEST, to: { profileKey: 'clinic', includeKey: 'staff', includeCardinality: '0:*' } } }), 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(unknown.details)).toContain('clinic');
    expectDocError(await c.call('GET', '/relationship-definitions/provider-clinic'), 404, 'NOT_FOUND');
  });
});
