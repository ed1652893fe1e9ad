import { historyItem, itemsBeforeReplacing, readHistory, recordHistory } from '../../src/records/history';
import { writeRecord } from '../../src/records/record-writes';
import type { ResourceDoc } from '../../src/store/documents';
import { expectError, startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

// Version history (docs: api-reference/versionhistory): every applied operation of every write path leaves
// one item, written by the record's writer; a retried write records once; a rejected operation records nothing.

let api: TestApi;
let ingest: string;
let reviewer: string;
const S = '/sources/demo/v1';
const historyOf = (collectionType: string, type: string, id: string, query = '') => `${S}/history/${collectionType}/${type}/${id}/operations${query}`;

beforeAll(async () => {
  api = await startApi({ worker: true });
  const created = await api.request('POST', '/admin/v1/api-keys', { body: { name: 'importer', email: 'importer@example.org', roles: ['ingest'], sources: ['demo'] } });
  expect(created.status).toBe(201);
  ingest = created.body.key;
  reviewer = await api.key(['review'], ['demo']);
});
afterAll(async () => {
  await api.close();
});

async function settled(taskId: string): Promise<any> {
  const res = await waitFor(() => api.request('GET', `${S}/tasks/${taskId}?withReceipts=true`), (r) => r.body.status !== 'PENDING', 30_000, `task ${taskId}`);
  return res.body;
}

async function items(collectionType: string, type: string, id: string): Promise<any[]> {
  const res = await api.request('GET', historyOf(collectionType, type, id, '?perPage=100'));
  expect(res.status).toBe(200);
  expect(Array.isArray(res.body)).toBe(true);
  return res.body;
}

describe('single operations', () => {
  test('create, patch, upsert and delete of a resource leave four items in order, each with its task, author and record', async () => {
    const created = await api.request('POST', `${S}/resources/provider`, { key: ingest, body: { id: 'h-prov-1', data: { name: 'Dr. Ada Lovelace' } } });
    expect(created.status).toBe(201);
    const patched = await api.request('PATCH', `${S}/resources/provider/h-prov-1`, { key: ingest, body: [{ op: 'replace', path: '/name', value: 'Dr. Ada King' }] });
    expect(patched.status).toBe(200);
    const upserted = await api.request('PUT', `${S}/resources/provider/h-prov-1`, { key: ingest, body: { data: { name: 'Dr. Ada King', practiceNumber: 7 } } });
    expect(upserted.status).toBe(200);
    const deleted = await api.request('DELETE', `${S}/resources/provider/h-prov-1`, { key: ingest });
    expect(deleted.status).toBe(200);

    const list = await items('resources', 'provider', 'h-prov-1');
    expect(list.map((i) => i.action)).toEqual(['CREATE', 'UPDATE', 'UPSERT', 'DELETE']);
    expect(list.map((i) => i.taskId)).toEqual([created.body.taskId, patched.body.taskId, upserted.body.taskId, deleted.body.taskId]);
    for (const item of list) {
      expect(item).toEqual({
        id: 'h-prov-1', type: 'provider', targetType: 'resources', operationId: expect.stringMatching(/^[0-9A-Za-z]{27}$/), taskId: expect.any(String),
        timestamp: expect.any(String), action: expect.any(String), userInfo: { id: expect.any(String), email: 'importer@example.org' },
      });
    }
    expect(new Set(list.map((i) => i.operationId)).size).toBe(4);

    const second = await api.request('GET', `${historyOf('resources', 'provider', 'h-prov-1')}/${list[1].operationId}?withPayload=true`);
    expect(second.status).toBe(200);
    expect(second.body.payload).toEqual(expect.objectContaining({ id: 'h-prov-1', type: 'provider', data: { name: 'Dr. Ada King' }, meta: expect.objectContaining({ versionId: '2' }) }));
    const last = await api.request('GET', `${historyOf('resources', 'provider', 'h-prov-1')}/${list[3].operationId}?withPayload=True`);
    expect(last.body.payload.data).toEqual({ name: 'Dr. Ada King', practiceNumber: 7 });
    const bare = await api.request('GET', `${historyOf('resources', 'provider', 'h-prov-1')}/${list[0].operationId}`);
    expect(bare.body.payload).toBeUndefined();
  });

  test('concurrent writes of two keys, interleaved on the same records, are each recorded for the key that sent them', async () => {
    const other = await api.request('POST', '/admin/v1/api-keys', { body: { name: 'second importer', email: 'second@example.org', roles: ['ingest'], sources: ['demo'] } });
    expect(other.status).toBe(201);
    const keys = [ingest, other.body.key as string];
    const emails = ['importer@example.org', 'second@example.org'];
    // Eight records, six writes each, alternating keys, all in flight at once: the author of each item is its request's.
    const sent = await Promise.all(Array.from({ length: 8 }, (_, r) => Array.from({ length: 6 }, (_, w) => ({ r, w }))).flat().map(async ({ r, w }) => {
      const res = await api.request('PUT', `${S}/resources/provider/h-two-${r}`, { key: keys[(r + w) % 2], body: { data: { name: `Dr. Two ${r}.${w}` } } });
      expect([200, 201]).toContain(res.status);
      return { r, taskId: res.body.taskId as string, email: emails[(r + w) % 2] };
    }));
    for (let r = 0; r < 8; r++) {
      const list = await items('resources', 'provider', `h-two-${r}`);
      const expected = new Map(sent.filter((s) => s.r === r).map((s) => [s.taskId, s.email]));
      expect(list).toHaveLength(6);
      expect(new Map(list.map((i) => [i.taskId, i.userInfo.email]))).toEqual(expected);
    }
  });

  test('contained writes are UPDATEs of the root; deleting a resource gives its relationships a DELETE item too', async () => {
    await api.request('POST', `${S}/resources/office`, { key: ingest, body: { id: 'h-off-1', data: { name: 'North' } } });
    const added = await api.request('PUT', `${S}/resources/office/h-off-1/primaryPaymentMethod/visa`, { key: ingest, body: { type: 'paymentMethod', data: { value: 'Visa' }, contained: {} } });
    expect(added.status).toBe(200);
    await api.request('POST', `${S}/resources/provider`, { key: ingest, body: { id: 'h-prov-2', data: { name: 'Dr. B' } } });
    const rel = await api.request('POST', `${S}/relationships/provider-office`, { key: ingest, body: { from: { id: 'h-prov-2', type: 'provider' }, to: { id: 'h-off-1', type: 'office' } } });
    expect(rel.status).toBe(201);
    const removed = await api.request('DELETE', `${S}/resources/office/h-off-1`, { key: ingest });
    expect(removed.status).toBe(200);

    expect((await items('resources', 'office', 'h-off-1')).map((i) => i.action)).toEqual(['CREATE', 'UPDATE', 'DELETE']);
    const relItems = await items('relationships', 'provider-office', 'h-prov-2.h-off-1');
    expect(relItems.map((i) => [i.action, i.taskId])).toEqual([['CREATE', rel.body.taskId], ['DELETE', removed.body.taskId]]);
    expect(relItems[0].targetType).toBe('relationships');
  });

  test('a retried write (same operation) records one item', async () => {
    const current = await api.store.resources.findOne({ _id: 'demo/provider/h-prov-2' });
    const w = { targetType: 'RESOURCE' as const, source: 'demo', type: 'provider', id: 'h-prov-2', data: { name: 'Dr. B2' }, contained: {}, writeId: 'retry-op-1', at: new Date().toISOString(), history: { action: 'UPSERT' as const, taskId: 's_retry', userInfo: { id: 'k1' } } };
    const first = await writeRecord(api.store, current as ResourceDoc, w);
    if (!('doc' in first)) throw new Error('the first write met a conflict');
    await writeRecord(api.store, first.doc, w);
    const list = await items('resources', 'provider', 'h-prov-2');
    expect(list.filter((i) => i.taskId === 's_retry')).toHaveLength(1);
  });

  test('a stored version is its own item: nothing else is written until a later write replaces it, and a crash in between shows each item once', async () => {
    const created = await api.request('POST', `${S}/resources/provider`, { key: ingest, body: { id: 'h-own-1', data: { name: 'Dr. Own' } } });
    expect(created.status).toBe(201);
    const stored = (record: string) => Promise.all([api.store.history.countDocuments({ record }), api.store.historyBatches.countDocuments({ records: record })]);
    expect(await stored('demo/provider/h-own-1')).toEqual([0, 0]);
    expect((await items('resources', 'provider', 'h-own-1')).map((i) => [i.action, i.taskId])).toEqual([['CREATE', created.body.taskId]]);

    // A writer that died after storing the old version's item, before replacing the version: the item is there twice.
    const current = await api.store.resources.findOne({ _id: 'demo/provider/h-own-1' });
    await recordHistory(api.store, await itemsBeforeReplacing(api.store, 'RESOURCE', [current as ResourceDoc]));
    expect(await stored('demo/provider/h-own-1')).toEqual([1, 0]);
    const once = await items('resources', 'provider', 'h-own-1');
    expect(once.map((i) => i.action)).toEqual(['CREATE']);

    const patched = await api.request('PATCH', `${S}/resources/provider/h-own-1`, { key: ingest, body: [{ op: 'replace', path: '/name', value: 'Dr. Own II' }] });
    expect(patched.status).toBe(200);
    const after = await items('resources', 'provider', 'h-own-1');
    expect(after.map((i) => [i.action, i.taskId])).toEqual([['CREATE', created.body.taskId], ['UPDATE', patched.body.taskId]]);
    expect(after[0].operationId).toBe(once[0].operationId);
    const first = await api.request('GET', `${historyOf('resources', 'provider', 'h-own-1')}/${after[0].operationId}?withPayload=true`);
    expect(first.body.payload).toEqual(expect.objectContaining({ data: { name: 'Dr. Own' }, meta: expect.objectContaining({ versionId: '1' }) }));
    expect(first.body.payload).not.toHaveProperty('lastEntry');
  });

  test('a batch retried with another grouping (a retried bulk chunk) still shows each operation once', async () => {
    const docs = ['h-batch-1', 'h-batch-2', 'h-batch-3'].map((id) => ({ _id: `demo/provider/${id}`, source: 'demo', type: 'provider', id, data: { name: id }, contained: {}, meta: { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', identifier: [], source: 'demo', versionId: '1' } }));
    const item = (d: (typeof docs)[number], at: string) => historyItem('RESOURCE', d as ResourceDoc, { action: 'CREATE', taskId: 'bk_retried', userInfo: { id: 'k' } }, `bk_retried:${d.id}`, at);
    await recordHistory(api.store, docs.map((d) => item(d, '2026-01-01T00:00:00.000Z')));
    // The retry batches only the last two, later: their items are the same writes.
    await recordHistory(api.store, docs.slice(1).map((d) => item(d, '2026-01-01T00:00:05.000Z')));
    await recordHistory(api.store, docs.map((d) => item(d, '2026-01-01T00:00:00.000Z')));
    for (const d of docs) {
      const list = await readHistory(api.store, 'RESOURCE', d._id);
      expect(list.map((i) => [i.action, i.timestamp])).toEqual([['CREATE', '2026-01-01T00:00:00.000Z']]);
    }
    expect(await api.store.historyBatches.countDocuments({ records: 'demo/provider/h-batch-2' })).toBe(2);
  });
});

describe('asynchronous paths', () => {
  test('bulk CREATE (batched), UPDATE and DELETE each leave one item with the bulk task and its author', async () => {
    const res = await api.request('POST', `${S}/resources/bulk`, {
      key: ingest,
      body: {
        operations: [
          { action: 'CREATE', create: { id: 'h-bulk-1', type: 'provider', data: { name: 'Bulk One' } } },
          { action: 'UPDATE', update: { id: 'h-bulk-1', type: 'provider', patch: [{ op: 'add', path: '/practiceNumber', value: 3 }] } },
          { action: 'CREATE', create: { id: 'h-bulk-2', type: 'provider', data: { name: 'Bulk Two' } } },
          { action: 'DELETE', delete: { id: 'h-bulk-2', type: 'provider' } },
        ],
      },
    });
    expect(res.status).toBe(202);
    const task = await settled(res.body.taskId);
    expect(task.status).toBe('SUCCESS');
    const one = await items('resources', 'provider', 'h-bulk-1');
    expect(one.map((i) => [i.action, i.taskId, i.userInfo.email])).toEqual([['CREATE', res.body.taskId, 'importer@example.org'], ['UPDATE', res.body.taskId, 'importer@example.org']]);
    expect((await items('resources', 'provider', 'h-bulk-2')).map((i) => i.action)).toEqual(['CREATE', 'DELETE']);
  });

  test("a bulk's batched CREATE stores no entry on the record; its item (the task's, by the task's author) survives a later write by another key", async () => {
    const res = await api.request('POST', `${S}/resources/bulk`, {
      key: ingest,
      body: { operations: [{ action: 'CREATE', create: { id: 'h-bulk-3', type: 'provider', data: { name: 'Bulk Three' } } }] },
    });
    expect(res.status).toBe(202);
    expect((await settled(res.body.taskId)).status).toBe('SUCCESS');
    const stored = await api.store.resources.findOne({ _id: 'demo/provider/h-bulk-3' });
    expect(stored).toEqual(expect.objectContaining({ createdBy: `${res.body.taskId}:0` }));
    expect(stored).not.toHaveProperty('lastEntry');
    // Undated by its sender, the version's time is its meta's: the record is as big as before history was kept.
    expect(stored).not.toHaveProperty('lastWriteAt');
    const before = await items('resources', 'provider', 'h-bulk-3');
    expect(before.map((i) => [i.action, i.taskId, i.userInfo.email])).toEqual([['CREATE', res.body.taskId, 'importer@example.org']]);

    const other = await api.request('POST', '/admin/v1/api-keys', { body: { name: 'third importer', email: 'third@example.org', roles: ['ingest'], sources: ['demo'] } });
    const put = await api.request('PUT', `${S}/resources/provider/h-bulk-3`, { key: other.body.key, body: { data: { name: 'Bulk Three, renamed' } } });
    expect(put.status).toBe(200);
    const after = await items('resources', 'provider', 'h-bulk-3');
    expect(after.map((i) => [i.action, i.taskId, i.userInfo.email])).toEqual([['CREATE', res.body.taskId, 'importer@example.org'], ['UPSERT', put.body.taskId, 'third@example.org']]);
    expect(after[0].operationId).toBe(before[0].operationId);
    const first = await api.request('GET', `${historyOf('resources', 'provider', 'h-bulk-3')}/${after[0].operationId}?withPayload=true`);
    expect(first.body.payload.data).toEqual({ name: 'Bulk Three' });
  });

  test('a bundle leaves one item per operation; a pipeline commit leaves one item; a rejected execution leaves none', async () => {
    const bundle = await api.request('POST', `${S}/bundle`, {
      key: ingest,
      body: {
        resourceOperations: [
          { action: 'CREATE', create: { id: 'h-bd-p', type: 'provider', data: { name: 'Bundled' } } },
          { action: 'CREATE', create: { id: 'h-bd-o', type: 'office', data: { name: 'Bundled office' } } },
        ],
        relationshipOperations: [{ action: 'CREATE', create: { type: 'provider-office', from: { id: 'h-bd-p', type: 'provider' }, to: { id: 'h-bd-o', type: 'office' } } }],
      },
    });
    expect([201, 202]).toContain(bundle.status);
    await settled(bundle.body.taskId);
    expect((await items('resources', 'provider', 'h-bd-p')).map((i) => [i.action, i.taskId])).toEqual([['CREATE', bundle.body.taskId]]);
    expect((await items('relationships', 'provider-office', 'h-bd-p.h-bd-o')).map((i) => i.action)).toEqual(['CREATE']);

    const published = await api.request('PUT', `${S}/resources/article/h-art-1`, { key: ingest, body: { data: { title: 'Heart care', abstract: 'Cardiology for everyone', status: 'published' } } });
    expect(published.status).toBe(202);
    expect((await settled(published.body.taskId)).status).toBe('SUCCESS');
    const art = await items('resources', 'article', 'h-art-1');
    expect(art.map((i) => [i.action, i.taskId, i.userInfo.email])).toEqual([['UPSERT', published.body.taskId, 'importer@example.org']]);
    const withPayload = await api.request('GET', `${historyOf('resources', 'article', 'h-art-1')}/${art[0].operationId}?withPayload=1`);
    expect(withPayload.body.payload.data.passages).toEqual(['Cardiology for everyone']);

    const draft = await api.request('PUT', `${S}/resources/article/h-art-2`, { key: ingest, body: { data: { title: 'Draft', abstract: 'Not yet', status: 'draft' } } });
    expect(draft.status).toBe(202);
    const execution = await waitFor(() => api.request('GET', `${S}/tasks/${draft.body.taskId}?withReceipts=true`), (r) => r.body.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 30_000, 'review');
    const executionId = execution.body.receipts[0].pipelineExecution.id;
    const rejected = await api.request('POST', `${S}/pipelines/executions/${executionId}/decision`, { key: reviewer, body: { action: 'REJECT', description: 'no' } });
    expect(rejected.status).toBe(202);
    await settled(draft.body.taskId);
    expect(await items('resources', 'article', 'h-art-2')).toEqual([]);
  });

  test('a purge leaves a DELETE item per purged record, with the purge task', async () => {
    await api.request('POST', `${S}/resources/clinic`, { key: ingest, body: { id: 'h-cl-1', data: { name: 'Clinic one' } } });
    const purge = await api.request('POST', `${S}/purge`, { key: ingest, body: { collectionType: 'resources', collectionKey: 'clinic' } });
    expect(purge.status).toBe(202);
    await waitFor(() => api.request('GET', `${S}/purge/${purge.body.taskId}`), (r) => r.body.status !== 'PENDING', 30_000, 'purge');
    expect((await items('resources', 'clinic', 'h-cl-1')).map((i) => [i.action, i.taskId])).toEqual([['CREATE', expect.any(String)], ['DELETE', purge.body.taskId]]);
  });
});

describe('paging and bad input', () => {
  test('perPage and page page through the items; from and to bound them', async () => {
    const list = await items('resources', 'provider', 'h-prov-1');
    const page2 = await api.request('GET', historyOf('resources', 'provider', 'h-prov-1', '?perPage=3&page=2'));
    expect(page2.body.map((i: any) => i.operationId)).toEqual([list[3].operationId]);
    const from = encodeURIComponent(list[1].timestamp);
    const to = encodeURIComponent(list[2].timestamp);
    const bounded = await api.request('GET', historyOf('resources', 'provider', 'h-prov-1', `?from=${from}&to=${to}`));
    expect(bounded.body.map((i: any) => i.action)).toEqual(['UPDATE', 'UPSERT']);
    expect((await api.request('GET', historyOf('resources', 'provider', 'nobody'))).body).toEqual([]);
  });

  test.each([
    ['from after to', '?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 400, 'OUT_OF_RANGE'],
    ['a bad date', '?from=yesterday', 400, 'INVALID_ARGUMENT'],
    ['perPage 0', '?perPage=0', 400, 'INVALID_ARGUMENT'],
    ['page -1', '?page=-1', 400, 'INVALID_ARGUMENT'],
    ['an unknown parameter', '?limit=3', 400, 'INVALID_ARGUMENT'],
  ])('%s (%s) is a %i %s', async (_what, query, status, type) => {
    expectError(await api.request('GET', historyOf('resources', 'provider', 'h-prov-1', query)), status, type);
  });

  test('objects is 501 UNIMPLEMENTED, an unknown collection 404, an unknown operation 404, another source 403', async () => {
    expectError(await api.request('GET', historyOf('objects', 'files', 'x')), 501, 'UNIMPLEMENTED');
    expectError(await api.request('GET', historyOf('resources', 'nosuch', 'x')), 404, 'NOT_FOUND');
    expectError(await api.request('GET', `${historyOf('resources', 'provider', 'h-prov-1')}/2OPERATIONIDTHATDOESNOTEXIST`), 404, 'NOT_FOUND');
    const other = await api.key(['read'], ['elsewhere']);
    expectError(await api.request('GET', historyOf('resources', 'provider', 'h-prov-1'), { key: other }), 403, 'PERMISSION_DENIED');
  });
});
