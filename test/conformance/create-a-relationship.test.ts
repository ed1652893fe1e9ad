import { expectDocError, providerOfficeCatalog, useConformance } from './setup';
import { RelationshipShape, RelationshipWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/relationships/create-a-relationship-between-two-resources-in-the-registry';

const c = useConformance('create-a-relationship');

// The page's request, its placeholders filled.
const REQUEST = {
  from: { id: 'prov-wilson', type: 'provider' },
  to: { id: 'office-sw', type: 'office' },
  meta: {
    createdAt: '2023-11-07T05:31:56Z',
    identifier: [{ id: 'contract', system: 'https://hr.example.org/contracts', value: 'C-2023-118', use: 'official', period: { id: 'c-2023', start: '2023-11-07T00:00:00Z', end: '2025-11-06T00:00:00Z' } }],
    updatedAt: '2023-11-07T05:31:56Z',
  },
  data: { name: 'Cardiology consultant', role: 'associate' },
};

describe(`Create a relationship between two resources — ${PAGE}`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    await c.call('PUT', '/resources/provider/prov-wilson', { body: { data: { name: 'Dr. Sarah Wilson' } } });
    await c.call('PUT', '/resources/office/office-sw', { body: { data: { name: 'South West Clinic' } } });
  });

  test('POST /relationships/{relationshipType} answers {taskId, status, relationship {id: "{fromID}.{toID}", type, from, to, meta, data}}', async () => {
    const res = await c.call('POST', '/relationships/provider-office', { body: REQUEST });
    expect(res.status).toBe(201);
    const out = expectShape(RelationshipWriteShape, res.body);
    expect(out.status).toBe('PERSISTED');
    expect(out.relationship).toEqual(expect.objectContaining({ id: 'prov-wilson.office-sw', type: 'provider-office', from: REQUEST.from, to: REQUEST.to, data: REQUEST.data }));
    expect(out.relationship.meta).toEqual(expect.objectContaining({ source: 'create-a-relationship', identifier: REQUEST.meta.identifier }));
    expect(Date.parse(out.relationship.meta.createdAt)).toBe(Date.parse(REQUEST.meta.createdAt));
    const read = await c.call('GET', '/relationships/provider-office/prov-wilson.office-sw');
    expect(read.status).toBe(200);
    expect(expectShape(RelationshipShape, read.body)).toEqual(expect.objectContaining(out.relationship));
  });

  test('"from" and "to" are required and must be resources of the definition\'s profiles; the same link again is 409 ALREADY_EXISTS', async () => {
    expectDocError(await c.call('POST', '/relationships/provider-office', { body: { from: REQUEST.from, data: {} } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/relationships/provider-office', { body: { from: { id: 'office-sw', type: 'office' }, to: { id: 'prov-wilson', type: 'provider' } } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/relationships/provider-office', { body: { from: { id: 'prov-unknown', type: 'provider' }, to: REQUEST.to } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/relationships/provider-office', { body: { ...REQUEST, data: { role: 'owner' } } }), 409, 'ALREADY_EXISTS');
    expectDocError(await c.call('POST', '/relationships/provider-clinic', { body: REQUEST }), 404, 'NOT_FOUND');
  });

  test('the data follows the definition\'s properties', async () => {
    await c.call('PUT', '/resources/office/office-ne', { body: { data: { name: 'North East Clinic' } } });
    const bad = expectDocError(await c.call('POST', '/relationships/provider-office', { body: { from: REQUEST.from, to: { id: 'office-ne', type: 'office' }, data: { role: 'associate', shift: 'night' } } }), 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(bad.details)).toContain('shift');
  });
});
