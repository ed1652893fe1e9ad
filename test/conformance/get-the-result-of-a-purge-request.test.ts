import { waitFor } from '../support/wait';
import { expectDocError, providerOfficeCatalog, useConformance } from './setup';
import { PurgeOperationShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/purge/get-the-result-of-a-purge-request';

const c = useConformance('purge-result', { worker: true });

describe(`Get the result of a purge request — ${PAGE}`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    for (const id of ['office-1', 'office-2', 'office-3']) await c.call('PUT', `/resources/office/${id}`, { body: { data: { name: id } } });
  });

  test('GET /purge/{purgeId} answers the purge operation; "deletedCount — Number of documents deleted in case of success status"', async () => {
    const started = await c.call('POST', '/purge', { body: { collectionType: 'resources', collectionKey: 'office' } });
    expect(started.status).toBe(202);
    const { purgeId, taskId } = started.body.purgeOperation;
    const done = await waitFor(() => c.call('GET', `/purge/${purgeId}`), (r) => r.status === 200 && r.body.status !== 'PENDING', 30_000, 'purge');
    const purge = expectShape(PurgeOperationShape, done.body);
    expect(purge).toEqual(expect.objectContaining({ taskId, purgeId, collectionType: 'resources', collectionKey: 'office', status: 'SUCCESS', deletedCount: 3 }));
    expect(Date.parse(purge.updatedAt)).toBeGreaterThanOrEqual(Date.parse(purge.createdAt));
    // "purgeId … Deprecated, please use the taskId instead": the taskId reads the same purge.
    expect(expectShape(PurgeOperationShape, (await c.call('GET', `/purge/${taskId}`)).body)).toEqual(purge);
  });

  test('an unknown purge is 404 NOT_FOUND', async () => {
    expectDocError(await c.call('GET', '/purge/pg_2aGwnMFgM7iZrL1nPxL0ZqAHM2z'), 404, 'NOT_FOUND');
  });
});
