import { expectDocError, providerOfficeCatalog, useConformance } from './setup';
import { SubmissionShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/relationships/delete-a-relationship-between-two-resources-in-the-registry';

const c = useConformance('delete-a-relationship');

describe(`Delete a relationship between two resources — ${PAGE}`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    await c.call('PUT', '/resources/provider/prov-1', { body: { data: { name: 'John Doe' } } });
    await c.call('PUT', '/resources/office/office-1', { body: { data: { name: 'South West Clinic' } } });
    await c.call('POST', '/relationships/provider-office', { body: { from: { id: 'prov-1', type: 'provider' }, to: { id: 'office-1', type: 'office' } } });
  });

  test('DELETE answers {taskId, status}; the relationship is gone, its resources stay', async () => {
    const res = await c.call('DELETE', '/relationships/provider-office/prov-1.office-1');
    expect(res.status).toBe(200);
    expect(expectShape(SubmissionShape, res.body)).toEqual({ taskId: expect.stringMatching(/^s_/), status: 'PERSISTED' });
    expectDocError(await c.call('GET', '/relationships/provider-office/prov-1.office-1'), 404, 'NOT_FOUND');
    expect((await c.call('GET', '/resources/provider/prov-1')).status).toBe(200);
    expect((await c.call('GET', '/resources/office/office-1')).status).toBe(200);
  });

  test('deleting a relationship that does not exist is 404 NOT_FOUND', async () => {
    expectDocError(await c.call('DELETE', '/relationships/provider-office/prov-1.office-1'), 404, 'NOT_FOUND');
  });
});
