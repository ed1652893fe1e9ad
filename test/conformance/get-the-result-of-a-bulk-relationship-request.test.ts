import { waitFor } from '../support/wait';
import { expectDocError, providerOfficeCatalog, useConformance } from './setup';
import { BulkAcceptedShape, BulkResultShape, ReceiptShape, RelationshipShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/bulk/get-the-result-of-a-bulk-relationship-request';
// POST /relationships/bulk: "Relationship operations: CREATE, UPSERT, or DELETE multiple relationships".
const GUIDE = 'https://docs.clinia.com/guides/managing-data/tasks';

const c = useConformance('bulk-relationships', { worker: true });

describe(`Get the result of a bulk relationship request — ${PAGE}`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    for (const id of ['prov-1', 'prov-2']) await c.call('PUT', `/resources/provider/${id}`, { body: { data: { name: id } } });
    for (const id of ['office-1', 'office-2']) await c.call('PUT', `/resources/office/${id}`, { body: { data: { name: id } } });
    expect((await c.call('POST', '/relationships/provider-office', { body: { from: { id: 'prov-2', type: 'provider' }, to: { id: 'office-2', type: 'office' } } })).status).toBe(201);
  });

  test(`a relationship bulk (${GUIDE}) of CREATE, UPSERT and DELETE; GET .../relationships/bulk/{bulkId}?withReceipts=True answers {status, receipts}`, async () => {
    const res = await c.call('POST', '/relationships/bulk', {
      body: {
        operations: [
          {
            action: 'CREATE',
            create: {
              type: 'provider-office', from: { id: 'prov-1', type: 'provider' }, to: { id: 'office-1', type: 'office' },
              meta: { createdAt: '2023-11-07T05:31:56Z', identifier: [{ system: 'https://hr.example.org/contracts', value: 'C-118', use: 'official' }], updatedAt: '2023-11-07T05:31:56Z' },
              data: { role: 'owner' },
            },
          },
          { action: 'UPSERT', upsert: { type: 'provider-office', from: { id: 'prov-1', type: 'provider' }, to: { id: 'office-2', type: 'office' }, data: { role: 'locum' } } },
          { action: 'DELETE', delete: { type: 'provider-office', id: 'prov-2.office-2' } },
        ],
      },
    });
    expect(res.status).toBe(202);
    const accepted = expectShape(BulkAcceptedShape, res.body);
    const done = await waitFor(() => c.call('GET', `/relationships/bulk/${accepted.bulkId}?withReceipts=True`), (r) => r.status === 200 && r.body.status !== 'PENDING', 30_000, 'relationship bulk');
    const result = expectShape(BulkResultShape, done.body);
    expect(result.status).toBe('SUCCESS');
    expect((result.receipts ?? []).map((r) => expectShape(ReceiptShape, r)).map((r) => [r.action, r.status, r.targetType, r.type, r.id])).toEqual([
      ['CREATE', 'SUCCESS', 'RELATIONSHIP', 'provider-office', 'prov-1.office-1'],
      ['UPSERT', 'SUCCESS', 'RELATIONSHIP', 'provider-office', 'prov-1.office-2'],
      ['DELETE', 'SUCCESS', 'RELATIONSHIP', 'provider-office', 'prov-2.office-2'],
    ]);
    const rel = expectShape(RelationshipShape, (await c.call('GET', '/relationships/provider-office/prov-1.office-1')).body);
    expect(Date.parse(rel.meta.createdAt)).toBe(Date.parse('2023-11-07T05:31:56Z'));
    expect((await c.call('GET', '/relationships/provider-office/prov-1.office-2')).body.data).toEqual({ role: 'locum' });
    expect((await c.call('GET', '/relationships/provider-office/prov-2.office-2')).status).toBe(404);
    const statusOnly = await c.call('GET', `/relationships/bulk/${accepted.bulkId}`);
    expect(statusOnly.body.receipts).toBeUndefined();
    expect(expectShape(BulkResultShape, statusOnly.body).status).toBe('SUCCESS');
  });

  test('a resource bulk id is not a relationship bulk (404); an unknown bulk id is 404', async () => {
    const resources = await c.call('POST', '/resources/bulk', { body: { operations: [{ action: 'CREATE', create: { id: 'prov-3', type: 'provider', data: { name: 'prov-3' } } }] } });
    expectDocError(await c.call('GET', `/relationships/bulk/${resources.body.bulkId}`), 404, 'NOT_FOUND');
    expectDocError(await c.call('GET', '/relationships/bulk/bk_2aGwnMFgM7iZrL1nPxL0ZqAHM2z?withReceipts=True'), 404, 'NOT_FOUND');
  });
});
