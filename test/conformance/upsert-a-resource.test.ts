import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceShape, ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/resources/upsert-a-resource-in-the-registry';
// The JSON Patch form `[{"op": "replace", "path": "/name", "value": "New Clinic"}]` is documented on the relationship
// update page; Sluice's resource PATCH takes the same form, paths relative to data.
const PATCH_PAGE = 'https://docs.clinia.com/api-reference/relationships/update-a-relationship-between-two-resources-in-the-registry';

const c = useConformance('upsert-a-resource');

describe(`Upsert a resource in the registry — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'clinic', { type: 'ROOT', properties: { name: { type: 'symbol', rules: [{ required: true }] }, phone: { type: 'symbol' }, openedOn: { type: 'date' } } });
  });

  test('PUT /resources/{resourceType}/{id} with the documented request creates the resource: {taskId, status, resource}', async () => {
    const body = {
      meta: {
        createdAt: '2023-11-07T05:31:56Z',
        identifier: [{ id: 'registry', system: 'https://registry.example.org/clinics', value: 'CL-0042', use: 'official', period: { id: 'reg-2019', start: '2019-04-01T00:00:00Z', end: '2029-03-31T00:00:00Z' } }],
        updatedAt: '2023-11-07T05:31:56Z',
      },
      data: { name: 'West End Clinic', phone: '+1-416-555-0134', openedOn: '2019-04-01' },
      contained: {},
    };
    const res = await c.call('PUT', '/resources/clinic/clinic-42', { body });
    expect(res.status).toBe(201);
    const out = expectShape(ResourceWriteShape, res.body);
    expect(out.resource).toEqual(expect.objectContaining({ id: 'clinic-42', type: 'clinic', data: body.data, contained: {} }));
    expect(out.resource.meta).toEqual(expect.objectContaining({ source: 'upsert-a-resource', identifier: body.meta.identifier }));
    expect(Date.parse(out.resource.meta.createdAt)).toBe(Date.parse(body.meta.createdAt));
  });

  test('"the resource is replaced": a second PUT replaces the whole data (no merge)', async () => {
    const res = await c.call('PUT', '/resources/clinic/clinic-42', { body: { data: { name: 'West End Family Clinic' } } });
    expect(res.status).toBe(200);
    const out = expectShape(ResourceWriteShape, res.body);
    expect(out.status).toBe('PERSISTED');
    expect(out.resource.data).toEqual({ name: 'West End Family Clinic' });
    const read = expectShape(ResourceShape, (await c.call('GET', '/resources/clinic/clinic-42')).body);
    expect(read.data).toEqual({ name: 'West End Family Clinic' });
    // The first write's createdAt stays.
    expect(Date.parse(read.meta.createdAt)).toBe(Date.parse('2023-11-07T05:31:56Z'));
  });

  test(`PATCH with [{"op": "replace", "path": "/name", "value": "New Clinic"}] (${PATCH_PAGE}) updates the property, answers {taskId, status, resource}`, async () => {
    const res = await c.call('PATCH', '/resources/clinic/clinic-42', { body: [{ op: 'replace', path: '/name', value: 'New Clinic' }] });
    expect(res.status).toBe(200);
    expect(expectShape(ResourceWriteShape, res.body).resource.data).toEqual({ name: 'New Clinic' });
    const more = await c.call('PATCH', '/resources/clinic/clinic-42', { body: [{ op: 'add', path: '/phone', value: '+1-416-555-0199' }, { op: 'add', path: '/openedOn', value: '2019-04-01' }] });
    expect(more.status).toBe(200);
    const removed = await c.call('PATCH', '/resources/clinic/clinic-42', { body: [{ op: 'remove', path: '/openedOn' }] });
    expect(expectShape(ResourceWriteShape, removed.body).resource.data).toEqual({ name: 'New Clinic', phone: '+1-416-555-0199' });
  });

  test('"data" is required; a patch keeps to add, remove, replace and to the profile; an unknown resource is 404', async () => {
    expectDocError(await c.call('PUT', '/resources/clinic/clinic-43', { body: { meta: {} } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PUT', '/resources/clinic/clinic-43', { body: { data: { phone: '+1-416-555-0134' } } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PATCH', '/resources/clinic/clinic-42', { body: [{ op: 'move', from: '/phone', path: '/fax' }] }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PATCH', '/resources/clinic/clinic-42', { body: [{ op: 'remove', path: '/name' }] }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PATCH', '/resources/clinic/clinic-404', { body: [{ op: 'replace', path: '/name', value: 'New Clinic' }] }), 404, 'NOT_FOUND');
    expect((await c.call('GET', '/resources/clinic/clinic-42')).body.data).toEqual({ name: 'New Clinic', phone: '+1-416-555-0199' });
  });
});
