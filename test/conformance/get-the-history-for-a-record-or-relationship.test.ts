import { expectDocError, providerOfficeCatalog, useConformance } from './setup';
import { HistoryListShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/versionhistory/get-the-history-for-a-record-or-relationship';

const c = useConformance('history-list');
const history = (collectionType: string, key: string, id: string, query = '') => c.call('GET', `/history/${collectionType}/${key}/${id}/operations${query}`);

describe(`Get the history for a record or relationship — ${PAGE}`, () => {
  let importer: { id: string; key: string; email: string };
  const tasks: string[] = [];
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    const created = await c.api.request('POST', '/admin/v1/api-keys', { body: { name: 'EHR importer', email: 'importer@bostonheart.org', roles: ['ingest'], sources: ['history-list'] } });
    expect(created.status).toBe(201);
    importer = { id: created.body.id, key: created.body.key, email: 'importer@bostonheart.org' };
    const writes = [
      await c.call('POST', '/resources/provider', { key: importer.key, body: { id: 'prov-wilson', data: { name: 'Dr. Sarah Wilson' } } }),
      await c.call('PATCH', '/resources/provider/prov-wilson', { body: [{ op: 'replace', path: '/name', value: 'Dr. Sarah E. Wilson' }] }),
      await c.call('PUT', '/resources/provider/prov-wilson', { key: importer.key, body: { data: { name: 'Dr. Sarah Elizabeth Wilson' } } }),
      await c.call('DELETE', '/resources/provider/prov-wilson', { key: importer.key }),
    ];
    for (const w of writes) {
      expect(w.status).toBeLessThan(300);
      tasks.push(w.body.taskId);
    }
  });

  test('the answer is a bare array of {id, type, targetType, operationId, taskId, timestamp, action, userInfo {id, email}}, one per operation, in order', async () => {
    const res = await history('resources', 'provider', 'prov-wilson');
    expect(res.status).toBe(200);
    const items = expectShape(HistoryListShape, res.body);
    expect(items.map((i) => [i.action, i.taskId])).toEqual([['CREATE', tasks[0]], ['UPDATE', tasks[1]], ['UPSERT', tasks[2]], ['DELETE', tasks[3]]]);
    for (const item of items) expect(item).toEqual(expect.objectContaining({ id: 'prov-wilson', type: 'provider', targetType: 'resources' }));
    expect(new Set(items.map((i) => i.operationId)).size).toBe(4);
    const times = items.map((i) => Date.parse(i.timestamp));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // userInfo names the key that made each change; the importer's key has an e-mail.
    expect(items.map((i) => i.userInfo)).toEqual([
      { id: importer.id, email: importer.email }, { id: expect.any(String) }, { id: importer.id, email: importer.email }, { id: importer.id, email: importer.email },
    ]);
    expect(items[1]!.userInfo.id).not.toBe(importer.id);
  });

  test('"perPage" (default 20) and "page" (default 1)', async () => {
    const page2 = expectShape(HistoryListShape, (await history('resources', 'provider', 'prov-wilson', '?perPage=2&page=2')).body);
    expect(page2.map((i) => i.taskId)).toEqual([tasks[2], tasks[3]]);
    const page1 = expectShape(HistoryListShape, (await history('resources', 'provider', 'prov-wilson', '?perPage=3')).body);
    expect(page1.map((i) => i.taskId)).toEqual(tasks.slice(0, 3));
    expect((await history('resources', 'provider', 'prov-wilson', '?perPage=2&page=3')).body).toEqual([]);
  });

  test('"from" and "to" (ISO 8601) bound the items\' timestamps', async () => {
    const items = expectShape(HistoryListShape, (await history('resources', 'provider', 'prov-wilson')).body);
    const from = encodeURIComponent(items[1]!.timestamp);
    const to = encodeURIComponent(items[2]!.timestamp);
    const between = expectShape(HistoryListShape, (await history('resources', 'provider', 'prov-wilson', `?from=${from}&to=${to}`)).body);
    expect(between.map((i) => i.operationId)).toEqual([items[1]!.operationId, items[2]!.operationId]);
    const untilFirst = expectShape(HistoryListShape, (await history('resources', 'provider', 'prov-wilson', `?to=${encodeURIComponent(items[0]!.timestamp)}`)).body);
    expect(untilFirst.map((i) => i.action)).toEqual(['CREATE']);
    expect((await history('resources', 'provider', 'prov-wilson', '?from=2000-01-01T00:00:00Z&to=2000-12-31T00:00:00Z')).body).toEqual([]);
  });

  test('collectionType relationships: the history of a relationship {fromID}.{toID}', async () => {
    await c.call('PUT', '/resources/provider/prov-doe', { body: { data: { name: 'John Doe' } } });
    await c.call('PUT', '/resources/office/office-sw', { body: { data: { name: 'South West Clinic' } } });
    const created = await c.call('POST', '/relationships/provider-office', { key: importer.key, body: { from: { id: 'prov-doe', type: 'provider' }, to: { id: 'office-sw', type: 'office' }, data: { role: 'owner' } } });
    const patched = await c.call('PATCH', '/relationships/provider-office/prov-doe.office-sw', { key: importer.key, body: [{ op: 'replace', path: '/role', value: 'associate' }] });
    const items = expectShape(HistoryListShape, (await history('relationships', 'provider-office', 'prov-doe.office-sw')).body);
    expect(items.map((i) => [i.id, i.type, i.targetType, i.action, i.taskId, i.userInfo.email])).toEqual([
      ['prov-doe.office-sw', 'provider-office', 'relationships', 'CREATE', created.body.taskId, importer.email],
      ['prov-doe.office-sw', 'provider-office', 'relationships', 'UPDATE', patched.body.taskId, importer.email],
    ]);
  });

  test('collectionType is resources, relationships or objects (objects: 501 UNIMPLEMENTED); bad paging is 400; an unknown collection is 404', async () => {
    expectDocError(await history('documents', 'provider', 'prov-wilson'), 400, 'INVALID_ARGUMENT');
    expectDocError(await history('objects', 'scanned-documents', 'doc-1'), 501, 'UNIMPLEMENTED');
    expectDocError(await history('resources', 'provider', 'prov-wilson', '?perPage=zero'), 400, 'INVALID_ARGUMENT');
    expectDocError(await history('resources', 'provider', 'prov-wilson', '?from=yesterday'), 400, 'INVALID_ARGUMENT');
    expectDocError(await history('resources', 'pharmacy', 'prov-wilson'), 404, 'NOT_FOUND');
  });
});
