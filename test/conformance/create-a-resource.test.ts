import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceShape, ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/resources/create-a-resource-in-the-registry';
// GET .../resources/{resourceType}/{id} with an identifier: the `{system}:{value}:{use}` form of the registry's GET pages.
const IDENTIFIER_FORM_PAGE = 'https://docs.clinia.com/api-reference/relationships/get-a-relationship-from-the-registry';

const c = useConformance('create-a-resource');

// The page's request, its placeholders filled.
const REQUEST = {
  id: 'prov-1001',
  data: { name: 'Dr. Sarah Wilson', practiceNumber: 1020993 },
  meta: {
    createdAt: '2023-11-07T05:31:56Z',
    identifier: [
      {
        id: 'npi',
        system: 'http://hl7.org/fhir/sid/us-npi',
        value: '1234567893',
        use: 'official',
        period: { id: 'npi-2020', start: '2020-01-01T00:00:00Z', end: '2030-12-31T23:59:59Z' },
      },
    ],
    updatedAt: '2023-11-07T05:31:56Z',
  },
  contained: {},
};

describe(`Create a resource in the registry — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'office', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
    await putProfile(c, 'provider', {
      type: 'ROOT',
      properties: { name: { type: 'symbol', rules: [{ required: true }] }, practiceNumber: { type: 'integer' }, office: { type: 'reference', profile: 'office' } },
    });
  });

  test('POST /resources/{resourceType} with the documented request answers {taskId, status, resource {id, type, meta {..., source}, data, contained}}', async () => {
    const res = await c.call('POST', '/resources/provider', { body: REQUEST });
    expect(res.status).toBe(201);
    const out = expectShape(ResourceWriteShape, res.body);
    expect(out.status).toBe('PERSISTED');
    expect(out.taskId).toMatch(/^s_/);
    expect(out.resource).toEqual(expect.objectContaining({ id: 'prov-1001', type: 'provider', data: REQUEST.data, contained: {} }));
    expect(out.resource.meta).toEqual(expect.objectContaining({ source: 'create-a-resource', identifier: REQUEST.meta.identifier }));
    expect(Date.parse(out.resource.meta.createdAt)).toBe(Date.parse(REQUEST.meta.createdAt));
    expect(Date.parse(out.resource.meta.updatedAt)).toBe(Date.parse(REQUEST.meta.updatedAt));

    const read = await c.call('GET', '/resources/provider/prov-1001');
    expect(read.status).toBe(200);
    expect(expectShape(ResourceShape, read.body)).toEqual(out.resource);
  });

  test(`the resource is read by identifier {system}:{value}:{use} (${IDENTIFIER_FORM_PAGE})`, async () => {
    const id = encodeURIComponent('http://hl7.org/fhir/sid/us-npi:1234567893:official');
    const res = await c.call('GET', `/resources/provider/${id}`);
    expect(res.status).toBe(200);
    expect(expectShape(ResourceShape, res.body).id).toBe('prov-1001');
    expectDocError(await c.call('GET', `/resources/provider/${encodeURIComponent('http://hl7.org/fhir/sid/us-npi:1234567893:usual')}`), 404, 'NOT_FOUND');
  });

  test('"id": absent or "@rootId", the system generates it; "@rootId" in a reference property is the created id', async () => {
    const generated = await c.call('POST', '/resources/provider', { body: { data: { name: 'John Doe' } } });
    expect(generated.status).toBe(201);
    const id = expectShape(ResourceWriteShape, generated.body).resource.id;
    expect(id).toMatch(/^[a-zA-Z0-9-][\w-]{1,92}$/);
    const office = await c.call('POST', '/resources/office', { body: { id: '@rootId', data: { name: 'South West Clinic' } } });
    expect(office.status).toBe(201);
    expect(office.body.resource.id).not.toBe('@rootId');
    await putProfile(c, 'clinic', { type: 'ROOT', properties: { name: { type: 'symbol' }, self: { type: 'reference', profile: 'clinic' } } });
    const clinic = await c.call('POST', '/resources/clinic', { body: { id: '@rootId', data: { name: 'West End Clinic', self: '@rootId' } } });
    expect(clinic.status).toBe(201);
    expect(clinic.body.resource.data.self).toBe(clinic.body.resource.id);
  });

  test('any other id "must match ^[a-zA-Z0-9-][\\w-]{1,92}$": otherwise 400 INVALID_ARGUMENT', async () => {
    for (const id of ['_prov', 'p', 'prov 1001', 'p'.repeat(94)]) {
      expectDocError(await c.call('POST', '/resources/provider', { body: { id, data: { name: 'John Doe' } } }), 400, 'INVALID_ARGUMENT');
    }
    expect((await c.call('POST', '/resources/provider', { body: { id: `p${'1'.repeat(92)}`, data: { name: 'John Doe' } } })).status).toBe(201);
  });

  test('"data" is required; the data must follow the profile; the id must be new (ALREADY_EXISTS); the type must be a profile', async () => {
    expectDocError(await c.call('POST', '/resources/provider', { body: { id: 'prov-no-data' } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/resources/provider', { body: { id: 'prov-no-name', data: { practiceNumber: 7 } } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/resources/provider', { body: { ...REQUEST, data: { name: 'Someone else' } } }), 409, 'ALREADY_EXISTS');
    expect((await c.call('GET', '/resources/provider/prov-1001')).body.data).toEqual(REQUEST.data);
    expectDocError(await c.call('POST', '/resources/pharmacy', { body: { data: { name: 'Downtown Pharmacy' } } }), 404, 'NOT_FOUND');
  });
});
