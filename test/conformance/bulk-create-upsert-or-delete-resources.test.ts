import { waitFor } from '../support/wait';
import { expectDocError, putProfile, useConformance } from './setup';
import { BulkAcceptedShape, BulkResultShape, ErrorShape, ReceiptShape, ResourceShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/bulk/bulk-create-upsert-or-delete-resources';
const RESULT_PAGE = 'https://docs.clinia.com/api-reference/bulk/get-the-result-of-a-bulk-resource-request';

const c = useConformance('bulk-resources', { worker: true });

async function result(bulkId: string): Promise<any> {
  const res = await waitFor(() => c.call('GET', `/resources/bulk/${bulkId}?withReceipts=True`), (r) => r.status === 200 && r.body.status !== 'PENDING', 30_000, `bulk ${bulkId}`);
  return res.body;
}

describe(`Bulk create, upsert, or delete resources — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'provider', { type: 'ROOT', properties: { name: { type: 'symbol', rules: [{ required: true }] }, practiceNumber: { type: 'integer' } } });
    expect((await c.call('PUT', '/resources/provider/prov-retired', { body: { data: { name: 'Dr. Retired' } } })).status).toBe(201);
  });

  test(`CREATE (with meta), UPSERT and DELETE operations are accepted {taskId, status, bulkId}; ${RESULT_PAGE} with withReceipts=True answers one receipt per operation, in order`, async () => {
    const operations = [
      {
        action: 'CREATE',
        create: {
          id: 'prov-wilson',
          type: 'provider',
          meta: { createdAt: '2023-11-07T05:31:56Z', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893', use: 'official' }], updatedAt: '2023-11-07T05:31:56Z' },
          data: { name: 'Dr. Sarah Wilson', practiceNumber: 1020993 },
          contained: {},
        },
      },
      {
        action: 'UPSERT',
        upsert: { id: 'prov-doe', type: 'provider', meta: { createdAt: '2023-12-12T15:30:10.0000Z', updatedAt: '2023-12-12T15:31:10.0000Z' }, data: { name: 'John Doe' }, contained: {} },
      },
      { action: 'DELETE', delete: { id: 'prov-retired', type: 'provider' } },
    ];
    const res = await c.call('POST', '/resources/bulk', { body: { operations } });
    expect(res.status).toBe(202);
    const accepted = expectShape(BulkAcceptedShape, res.body);

    const done = await result(accepted.bulkId);
    expect(expectShape(BulkResultShape, done).status).toBe('SUCCESS');
    const receipts = (done.receipts as unknown[]).map((r) => expectShape(ReceiptShape, r));
    expect(receipts.map((r) => [r.action, r.status, r.targetType, r.type, r.id])).toEqual([
      ['CREATE', 'SUCCESS', 'RESOURCE', 'provider', 'prov-wilson'],
      ['UPSERT', 'SUCCESS', 'RESOURCE', 'provider', 'prov-doe'],
      ['DELETE', 'SUCCESS', 'RESOURCE', 'provider', 'prov-retired'],
    ]);
    for (const r of receipts) expect(r).toEqual(expect.objectContaining({ taskId: accepted.taskId, receivedAt: expect.any(String), completedAt: expect.any(String) }));

    const wilson = expectShape(ResourceShape, (await c.call('GET', '/resources/provider/prov-wilson')).body);
    expect(wilson.data).toEqual({ name: 'Dr. Sarah Wilson', practiceNumber: 1020993 });
    expect(Date.parse(wilson.meta.createdAt)).toBe(Date.parse('2023-11-07T05:31:56Z'));
    const doe = expectShape(ResourceShape, (await c.call('GET', '/resources/provider/prov-doe')).body);
    expect(Date.parse(doe.meta.updatedAt)).toBe(Date.parse('2023-12-12T15:31:10Z'));
    expectDocError(await c.call('GET', '/resources/provider/prov-retired'), 404, 'NOT_FOUND');

    // "Else only the status of the bulk request will be returned."
    const statusOnly = await c.call('GET', `/resources/bulk/${accepted.bulkId}`);
    expect(expectShape(BulkResultShape, statusOnly.body)).toEqual(expect.objectContaining({ status: 'SUCCESS' }));
    expect(statusOnly.body.receipts).toBeUndefined();
  });

  test('"Operations of different types can be mixed and will be processed in the order they are provided"', async () => {
    const res = await c.call('POST', '/resources/bulk', {
      body: {
        operations: [
          { action: 'CREATE', create: { id: 'prov-order', type: 'provider', data: { name: 'First' } } },
          { action: 'UPSERT', upsert: { id: 'prov-order', type: 'provider', data: { name: 'Second' } } },
          { action: 'DELETE', delete: { id: 'prov-order', type: 'provider' } },
          { action: 'UPSERT', upsert: { id: 'prov-order', type: 'provider', data: { name: 'Fourth' } } },
        ],
      },
    });
    expect(res.status).toBe(202);
    const done = await result(res.body.bulkId);
    expect(done.receipts.map((r: { action: string; status: string }) => `${r.action}/${r.status}`)).toEqual(['CREATE/SUCCESS', 'UPSERT/SUCCESS', 'DELETE/SUCCESS', 'UPSERT/SUCCESS']);
    expect((await c.call('GET', '/resources/provider/prov-order')).body.data).toEqual({ name: 'Fourth' });
  });

  test('an operation that fails is a FAILURE receipt with the documented error {code, message, type, details}; the others still run', async () => {
    const res = await c.call('POST', '/resources/bulk', {
      body: {
        operations: [
          { action: 'CREATE', create: { id: 'prov-wilson', type: 'provider', data: { name: 'Dr. Sarah Wilson again' } } },
          { action: 'CREATE', create: { id: 'prov-nameless', type: 'provider', data: { practiceNumber: 4 } } },
          { action: 'CREATE', create: { id: 'prov-fine', type: 'provider', data: { name: 'Dr. Fine' } } },
        ],
      },
    });
    expect(res.status).toBe(202);
    const done = await result(res.body.bulkId);
    expect(done.status).toBe('FAILURE');
    expect(done.receipts.map((r: { status: string }) => r.status)).toEqual(['FAILURE', 'FAILURE', 'SUCCESS']);
    expect((await c.call('GET', '/resources/provider/prov-fine')).status).toBe(200);
    expect(expectShape(ErrorShape, done.receipts[0].error)).toEqual(expect.objectContaining({ code: 409, type: 'ALREADY_EXISTS' }));
    expect(expectShape(ErrorShape, done.receipts[1].error)).toEqual(expect.objectContaining({ code: 400, type: 'INVALID_ARGUMENT' }));
  });

  test('a body without operations is 400 INVALID_ARGUMENT; an unknown bulk id is 404 NOT_FOUND', async () => {
    expectDocError(await c.call('POST', '/resources/bulk', { body: { operations: [] } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/resources/bulk', { body: { create: { type: 'provider', data: { name: 'x' } } } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('GET', '/resources/bulk/bk_2aGwnMFgM7iZrL1nPxL0ZqAHM2z'), 404, 'NOT_FOUND');
  });
});
