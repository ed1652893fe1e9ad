import { waitFor } from '../support/wait';
import { providerOfficeCatalog, useConformance } from './setup';
import { PurgeAcceptedShape, PurgeOperationShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/guides/managing-data/purge';

const c = useConformance('purge-guide', { worker: true });

async function purge(body: unknown): Promise<any> {
  const res = await c.call('POST', '/purge', { body });
  expect(res.status).toBe(202);
  const accepted = expectShape(PurgeAcceptedShape, res.body);
  const done = await waitFor(() => c.call('GET', `/purge/${accepted.purgeOperation.purgeId}`), (r) => r.status === 200 && r.body.status !== 'PENDING', 30_000, 'purge');
  return expectShape(PurgeOperationShape, done.body);
}

describe(`Purge data — ${PAGE}`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    for (const id of ['prov-1', 'prov-2']) await c.call('PUT', `/resources/provider/${id}`, { body: { data: { name: id } } });
    for (const id of ['office-1', 'office-2']) await c.call('PUT', `/resources/office/${id}`, { body: { data: { name: id } } });
    for (const [from, to] of [['prov-1', 'office-1'], ['prov-2', 'office-2']]) {
      expect((await c.call('POST', '/relationships/provider-office', { body: { from: { id: from, type: 'provider' }, to: { id: to, type: 'office' } } })).status).toBe(201);
    }
  });

  test('"Deleting relationships will not affect their referred resources": {"collectionType": "relationships", "collectionKey": "provider-office"}', async () => {
    const done = await purge({ collectionType: 'relationships', collectionKey: 'provider-office' });
    expect(done).toEqual(expect.objectContaining({ status: 'SUCCESS', collectionType: 'relationships', collectionKey: 'provider-office', deletedCount: 2 }));
    expect((await c.call('GET', '/relationships/provider-office/prov-1.office-1')).status).toBe(404);
    expect((await c.call('GET', '/resources/provider/prov-1')).status).toBe(200);
    expect((await c.call('GET', '/resources/office/office-1')).status).toBe(200);
  });

  test('"To delete all providers": {"collectionType": "resources", "collectionKey": "provider"}; "If a resource is deleted, all its attached relationships will also be deleted"', async () => {
    expect((await c.call('POST', '/relationships/provider-office', { body: { from: { id: 'prov-1', type: 'provider' }, to: { id: 'office-1', type: 'office' } } })).status).toBe(201);
    const done = await purge({ collectionType: 'resources', collectionKey: 'provider' });
    expect(done).toEqual(expect.objectContaining({ status: 'SUCCESS', collectionType: 'resources', collectionKey: 'provider', deletedCount: 2 }));
    expect((await c.call('GET', '/resources/provider/prov-1')).status).toBe(404);
    expect((await c.call('GET', '/resources/provider/prov-2')).status).toBe(404);
    expect((await c.call('GET', '/relationships/provider-office/prov-1.office-1')).status).toBe(404);
    // The offices of the other collection stay.
    expect((await c.call('GET', '/resources/office/office-1')).status).toBe(200);
  });
});
