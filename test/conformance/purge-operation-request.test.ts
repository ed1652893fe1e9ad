import { waitFor } from '../support/wait';
import { expectDocError, providerOfficeCatalog, useConformance } from './setup';
import { PurgeAcceptedShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/purge/purge-operation-request-for-resources-or-relationships';

const c = useConformance('purge-request', { worker: true });

describe(`Purge operation request for resources or relationships — ${PAGE}`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    for (const id of ['prov-1', 'prov-2']) await c.call('PUT', `/resources/provider/${id}`, { body: { data: { name: id } } });
  });

  test('POST /purge {"collectionType": "resources", "collectionKey": ...} answers {taskId, status: "ACCEPTED", purgeOperation {taskId, purgeId, collectionType, collectionKey, status, deletedCount, createdAt, updatedAt}}', async () => {
    const res = await c.call('POST', '/purge', { body: { collectionType: 'resources', collectionKey: 'provider' } });
    expect(res.status).toBe(202);
    const out = expectShape(PurgeAcceptedShape, res.body);
    expect(out.status).toBe('ACCEPTED');
    expect(out.purgeOperation).toEqual(expect.objectContaining({ taskId: out.taskId, collectionType: 'resources', collectionKey: 'provider' }));
    await waitFor(() => c.call('GET', `/purge/${out.purgeOperation.purgeId}`), (r) => r.body?.status === 'SUCCESS', 30_000, 'purge');
    expect((await c.call('GET', '/resources/provider/prov-1')).status).toBe(404);
  });

  test('collectionType "objects" is documented; Sluice has no objects: 501 UNIMPLEMENTED', async () => {
    expectDocError(await c.call('POST', '/purge', { body: { collectionType: 'objects', collectionKey: 'scanned-documents' } }), 501, 'UNIMPLEMENTED');
  });

  test('collectionType must be resources, relationships or objects, collectionKey is required; an unknown collection is 404', async () => {
    expectDocError(await c.call('POST', '/purge', { body: { collectionType: 'documents', collectionKey: 'provider' } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/purge', { body: { collectionType: 'resources' } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/purge', { body: { collectionType: 'resources', collectionKey: 'clinic' } }), 404, 'NOT_FOUND');
    expectDocError(await c.call('POST', '/purge', { body: { collectionType: 'relationships', collectionKey: 'provider' } }), 404, 'NOT_FOUND');
  });
});
