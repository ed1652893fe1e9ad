import { expectDocError, providerOfficeCatalog, useConformance } from './setup';
import { RelationshipShape, RelationshipWithIncludesShape, ResourceShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/relationships/get-a-relationship-from-the-registry';

const c = useConformance('get-a-relationship');

describe(`Get a relationship from the registry — ${PAGE}`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    await c.call('PUT', '/resources/provider/123', { body: { data: { name: 'Dr. Sarah Wilson' } } });
    await c.call('PUT', '/resources/office/456', { body: { data: { name: 'South West Clinic' } } });
    const res = await c.call('POST', '/relationships/provider-office', {
      body: { from: { id: '123', type: 'provider' }, to: { id: '456', type: 'office' }, meta: { identifier: [{ system: 'clinia', value: '123', use: 'use' }] }, data: { role: 'owner' } },
    });
    expect(res.status).toBe(201);
  });

  test('"v1RelationshipID format: {fromID}.{toID} (e.g. 123.456)"', async () => {
    const res = await c.call('GET', '/relationships/provider-office/123.456');
    expect(res.status).toBe(200);
    expect(expectShape(RelationshipShape, res.body)).toEqual(expect.objectContaining({
      id: '123.456', type: 'provider-office', from: { id: '123', type: 'provider' }, to: { id: '456', type: 'office' }, data: { role: 'owner' },
    }));
  });

  test('"v1Identifier format: {system}:{value}:{use} (e.g. clinia:123:use)"', async () => {
    const res = await c.call('GET', '/relationships/provider-office/clinia:123:use');
    expect(res.status).toBe(200);
    expect(expectShape(RelationshipShape, res.body).id).toBe('123.456');
  });

  test('"includes": the resource types to include come under "includes"', async () => {
    const res = await c.call('GET', '/relationships/provider-office/123.456?includes=provider&includes=office');
    expect(res.status).toBe(200);
    const rel = expectShape(RelationshipWithIncludesShape, res.body);
    expect(Object.keys(rel.includes).sort()).toEqual(['office', 'provider']);
    expect(expectShape(ResourceShape, rel.includes.provider)).toEqual(expect.objectContaining({ id: '123', type: 'provider', data: { name: 'Dr. Sarah Wilson' } }));
    expect(expectShape(ResourceShape, rel.includes.office)).toEqual(expect.objectContaining({ id: '456', type: 'office', data: { name: 'South West Clinic' } }));
    const one = await c.call('GET', '/relationships/provider-office/123.456?includes=office');
    expect(Object.keys(one.body.includes)).toEqual(['office']);
  });

  test('"Includes must be valid resource types for the given relationship definition"; an unknown relationship is 404', async () => {
    expectDocError(await c.call('GET', '/relationships/provider-office/123.456?includes=clinic'), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('GET', '/relationships/provider-office/123.789'), 404, 'NOT_FOUND');
    expectDocError(await c.call('GET', '/relationships/provider-office/clinia:999:use'), 404, 'NOT_FOUND');
  });
});
