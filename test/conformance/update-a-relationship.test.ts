import { expectDocError, providerOfficeCatalog, useConformance } from './setup';
import { RelationshipWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/relationships/update-a-relationship-between-two-resources-in-the-registry';

const c = useConformance('update-a-relationship');

describe(`Update a relationship between two resources — ${PAGE}`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    await c.call('PUT', '/resources/provider/prov-1', { body: { data: { name: 'John Doe' } } });
    await c.call('PUT', '/resources/office/office-1', { body: { data: { name: 'South West Clinic' } } });
    await c.call('POST', '/relationships/provider-office', { body: { from: { id: 'prov-1', type: 'provider' }, to: { id: 'office-1', type: 'office' }, data: { name: 'Old Clinic', role: 'owner' } } });
  });

  test('PATCH with the documented body [{"op": "replace", "path": "/name", "value": "New Clinic"}] answers {taskId, status, relationship}', async () => {
    const res = await c.call('PATCH', '/relationships/provider-office/prov-1.office-1', { body: [{ op: 'replace', path: '/name', value: 'New Clinic' }] });
    expect(res.status).toBe(200);
    const out = expectShape(RelationshipWriteShape, res.body);
    expect(out.relationship).toEqual(expect.objectContaining({ id: 'prov-1.office-1', data: { name: 'New Clinic', role: 'owner' } }));
    expect((await c.call('GET', '/relationships/provider-office/prov-1.office-1')).body.data).toEqual({ name: 'New Clinic', role: 'owner' });
  });

  test('"op" is add, remove or replace', async () => {
    const res = await c.call('PATCH', '/relationships/provider-office/prov-1.office-1', { body: [{ op: 'remove', path: '/role' }, { op: 'add', path: '/role', value: 'associate' }] });
    expect(res.status).toBe(200);
    expect(expectShape(RelationshipWriteShape, res.body).relationship.data).toEqual({ name: 'New Clinic', role: 'associate' });
    expectDocError(await c.call('PATCH', '/relationships/provider-office/prov-1.office-1', { body: [{ op: 'copy', from: '/name', path: '/role' }] }), 400, 'INVALID_ARGUMENT');
  });

  test('the patched data must follow the definition; an unknown relationship is 404', async () => {
    expectDocError(await c.call('PATCH', '/relationships/provider-office/prov-1.office-1', { body: [{ op: 'add', path: '/shift', value: 'night' }] }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PATCH', '/relationships/provider-office/prov-1.office-2', { body: [{ op: 'replace', path: '/name', value: 'New Clinic' }] }), 404, 'NOT_FOUND');
  });
});
