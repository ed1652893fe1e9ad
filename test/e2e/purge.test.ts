import type { RelationshipDoc, ResourceDoc } from '../../src/store/documents';
import { purgeWorkflow } from '../../workflows/purge';
import { purgeWorkflowId } from '../../workflows/messages';
import { expectError, startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';
import { SYSTEM_ACTOR } from '../../src/records/actor';

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ worker: true });
  // A second relationship type, not touching providers: a provider purge must leave it alone.
  const def = await api.request('PUT', `${S}/relationship-definitions/clinic-office`, { body: { from: { profileKey: 'clinic' }, to: { profileKey: 'office' } } });
  expect(def.status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

const S = '/sources/demo/v1';
const AT = '2024-01-01T00:00:00.000Z';

function resourceDoc(source: string, type: string, id: string, data: Record<string, unknown>): ResourceDoc {
  return { _id: `${source}/${type}/${id}`, source, type, id, data, contained: {}, meta: { createdAt: AT, updatedAt: AT, identifier: [], source, versionId: '1' } };
}

function relationshipDoc(type: string, from: { id: string; type: string }, to: { id: string; type: string }): RelationshipDoc {
  const id = `${from.id}.${to.id}`;
  return { _id: `demo/${type}/${id}`, source: 'demo', type, id, from, to, data: {}, meta: { createdAt: AT, updatedAt: AT, identifier: [], source: 'demo', versionId: '1' } };
}

/** Inserts straight into the store, in chunks: the fast way to a collection of a thousand records. */
async function insertResources(docs: ResourceDoc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 500) await api.store.resources.insertMany(docs.slice(i, i + 500));
}

async function post(path: string, body: unknown): Promise<any> {
  const res = await api.request('POST', `${S}${path}`, { body });
  expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 201, body: expect.anything() });
  return res.body;
}

/** Starts a purge and checks the documented answer: `{taskId, status, purgeOperation}`, `purgeId` inside purgeOperation. */
async function startPurge(collectionType: string, collectionKey: string): Promise<string> {
  const res = await api.request('POST', `${S}/purge`, { body: { collectionType, collectionKey } });
  expect({ status: res.status, body: res.body }).toEqual({
    status: 202,
    body: {
      taskId: expect.stringMatching(/^pg_[0-9A-Za-z]{27}$/),
      status: 'ACCEPTED',
      purgeOperation: {
        taskId: res.body?.taskId, purgeId: res.body?.taskId, collectionType, collectionKey, status: 'PENDING', deletedCount: 0,
        relationshipsDeletedCount: 0, cancelledExecutions: 0, createdAt: expect.any(String), updatedAt: expect.any(String),
      },
    },
  });
  // `purgeId` moved into purgeOperation (the docs' shape): it is no longer at the top level.
  expect(res.body).not.toHaveProperty('purgeId');
  expect(res.body.purgeOperation.updatedAt).toBe(res.body.purgeOperation.createdAt);
  return res.body.taskId as string;
}

async function waitPurge(purgeId: string, status = 'SUCCESS', source = 'demo'): Promise<any> {
  return waitFor(async () => (await api.request('GET', `/sources/${source}/v1/purge/${purgeId}`)).body, (p) => p.status === status, 60_000, `purge ${purgeId} to be ${status}`);
}

async function task(taskId: string): Promise<any> {
  return (await api.request('GET', `${S}/tasks/${taskId}?withReceipts=true`)).body;
}

const count = {
  resources: (type: string) => api.store.resources.countDocuments({ source: 'demo', type }),
  relationships: (type: string) => api.store.relationships.countDocuments({ source: 'demo', type }),
};

describe('purge of resources', () => {
  test('deletes every record of the type in batches, exactly counted, with the relationships pointing at them', async () => {
    for (const id of ['office-a', 'office-b']) await post('/resources/office', { id, data: { name: id } });
    await post('/resources/clinic', { id: 'clinic-keep', data: { name: 'Kept clinic' } });
    await post('/relationships/clinic-office', { from: { id: 'clinic-keep' }, to: { id: 'office-a' } });
    // 5 providers through the API, each with a relationship to office-a; 1,195 more straight into the store,
    // 20 of them with a relationship to office-b.
    for (let i = 1; i <= 5; i++) {
      await post('/resources/provider', { id: `prov-api-${i}`, data: { name: `Provider ${i}` } });
      await post('/relationships/provider-office', { from: { id: `prov-api-${i}` }, to: { id: 'office-a' }, data: { role: 'owner' } });
    }
    const direct = Array.from({ length: 1195 }, (_, i) => resourceDoc('demo', 'provider', `prov-${String(i).padStart(4, '0')}`, { name: `Provider #${i}` }));
    await insertResources(direct);
    await api.store.relationships.insertMany(direct.slice(0, 20).map((p) => relationshipDoc('provider-office', { id: p.id, type: 'provider' }, { id: 'office-b', type: 'office' })));
    expect(await count.resources('provider')).toBe(1200);
    expect(await count.relationships('provider-office')).toBe(25);

    const purgeId = await startPurge('resources', 'provider');
    const done = await waitPurge(purgeId);
    expect(done).toEqual({
      purgeId, taskId: purgeId, status: 'SUCCESS', collectionType: 'resources', collectionKey: 'provider',
      deletedCount: 1200, relationshipsDeletedCount: 25, cancelledExecutions: 0, createdAt: expect.any(String), updatedAt: expect.any(String), completedAt: expect.any(String),
    });
    expect(Date.parse(done.completedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
    // The last change of a finished purge is its completion.
    expect(done.updatedAt).toBe(done.completedAt);

    expect(await count.resources('provider')).toBe(0);
    expect(await count.relationships('provider-office')).toBe(0);
    expect(await count.resources('office')).toBe(2);
    expect(await count.resources('clinic')).toBe(1);
    expect(await count.relationships('clinic-office')).toBe(1);
    expect((await api.request('GET', `${S}/resources/provider`)).body).toEqual({ data: [] });
    expect((await api.request('GET', `${S}/relationships/clinic-office/clinic-keep.office-a`)).status).toBe(200);

    const t = await task(purgeId);
    expect(t).toEqual({
      taskId: purgeId, status: 'SUCCESS', counts: { SUCCESS: 1, PENDING: 0, FAILURE: 0, CANCELLED: 0 },
      receipts: [{ taskId: purgeId, action: 'DELETE', targetType: 'RESOURCE', type: 'provider', id: 'provider', status: 'SUCCESS', receivedAt: expect.any(String), completedAt: expect.any(String) }],
    });
    // The purge is a workflow of its own, findable by its business id. Its last activity writes SUCCESS, and the
    // workflow completes just after: wait for its result before describing it.
    const handle = api.client.workflow.getHandle(purgeWorkflowId(purgeId));
    await handle.result();
    const described = await handle.describe();
    expect(described.status.name).toBe('COMPLETED');
    // The type is still usable afterwards.
    await post('/resources/provider', { id: 'prov-after', data: { name: 'After the purge' } });
  });

  test('an execution waiting IN_REVIEW on the purged collection ends CANCELLED, and nothing of it is written', async () => {
    const pipeline = await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [{ type: 'HUMAN_REVIEW', humanReview: {} }] } });
    expect(pipeline.status).toBe(201);
    const accepted = await api.request('PUT', `${S}/resources/clinic/clinic-review`, { body: { data: { name: 'Waiting for a reviewer' } } });
    expect(accepted.status).toBe(202);
    const pending = await waitFor(() => task(accepted.body.taskId), (t) => t.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 20_000, 'execution IN_REVIEW');
    const executionId = pending.receipts[0].pipelineExecution.id as string;
    await insertResources(Array.from({ length: 10 }, (_, i) => resourceDoc('demo', 'clinic', `clinic-${i}`, { name: `Clinic ${i}` })));
    const before = await count.resources('clinic');
    expect(before).toBe(11); // clinic-keep and the ten above

    const purgeId = await startPurge('resources', 'clinic');
    const done = await waitPurge(purgeId);
    expect(done).toEqual(expect.objectContaining({ status: 'SUCCESS', deletedCount: before, relationshipsDeletedCount: 1, cancelledExecutions: 1 }));

    const execution = (await api.request('GET', `${S}/pipelines/executions/${executionId}`)).body;
    expect(execution.status).toBe('CANCELLED');
    expect(execution.steps).toEqual([{ type: 'HUMAN_REVIEW', status: 'CANCELLED' }]);
    const cancelled = await task(accepted.body.taskId);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.receipts[0]).toEqual(expect.objectContaining({ status: 'CANCELLED', pipelineExecution: expect.objectContaining({ status: 'CANCELLED' }) }));
    expect(await count.resources('clinic')).toBe(0);
    expect(await count.relationships('clinic-office')).toBe(0);
    expect((await api.request('GET', `${S}/resources/clinic/clinic-review`)).status).toBe(404);
    expect(await count.resources('office')).toBe(2);
    expect((await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [] } })).status).toBe(201);
  });

  test('a long purge continues as new and still counts exactly', async () => {
    expect((await api.request('PUT', `${S}/profiles/sample`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBe(201);
    await insertResources(Array.from({ length: 230 }, (_, i) => resourceDoc('demo', 'sample', `s-${i}`, { name: `Sample ${i}` })));
    // One batch of 40 per activity call and two calls per run: the purge needs several runs.
    const { taskId: purgeId, purgeOperation } = await api.services.purge.start('demo', { collectionType: 'resources', collectionKey: 'sample' }, SYSTEM_ACTOR, { batchSize: 40, batchesPerCall: 1, callsPerRun: 2 });
    expect(purgeOperation.purgeId).toBe(purgeId);
    const handle = api.client.workflow.getHandle<typeof purgeWorkflow>(purgeWorkflowId(purgeId));
    expect(await handle.result()).toBe('SUCCESS');
    const done = (await api.request('GET', `${S}/purge/${purgeId}`)).body;
    expect(done).toEqual(expect.objectContaining({ status: 'SUCCESS', deletedCount: 230, relationshipsDeletedCount: 0, cancelledExecutions: 0 }));
    expect(await count.resources('sample')).toBe(0);
    const history = await handle.fetchHistory();
    expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
    expect(history.events?.length ?? 0).toBeLessThan(100);
  });
  test('a batch retried after its records were deleted is counted once', async () => {
    await insertResources(Array.from({ length: 700 }, (_, i) => resourceDoc('demo', 'sample', `f-${i}`, { name: `Sample ${i}` })));
    // The update that counts a deleted batch fails once: the activity is retried with the batch already gone.
    const purges = api.store.purges as any;
    const real = purges.updateOne.bind(purges);
    let injected = 0;
    purges.updateOne = async (filter: Record<string, unknown>, ...rest: unknown[]) => {
      if (injected === 0 && 'claim.batch' in filter) {
        injected++;
        throw new Error('injected: the database went away after a batch was deleted');
      }
      return real(filter, ...rest);
    };
    try {
      const purgeId = await startPurge('resources', 'sample');
      const done = await waitPurge(purgeId);
      expect(injected).toBe(1);
      expect(done).toEqual(expect.objectContaining({ status: 'SUCCESS', deletedCount: 700 }));
    } finally {
      purges.updateOne = real;
    }
    expect(await count.resources('sample')).toBe(0);
  });
});

describe('purge of relationships', () => {
  test('deletes every relationship of the type and nothing else', async () => {
    for (let i = 1; i <= 3; i++) {
      await post('/resources/provider', { id: `rp-${i}`, data: { name: `Provider ${i}` } });
      await post('/relationships/provider-office', { from: { id: `rp-${i}` }, to: { id: 'office-a' } });
    }
    const providers = Array.from({ length: 600 }, (_, i) => resourceDoc('demo', 'provider', `rp-x-${i}`, { name: `Provider x${i}` }));
    await insertResources(providers);
    await api.store.relationships.insertMany(providers.map((p) => relationshipDoc('provider-office', { id: p.id, type: 'provider' }, { id: 'office-b', type: 'office' })));
    await post('/resources/clinic', { id: 'clinic-rel', data: { name: 'Clinic' } });
    await post('/relationships/clinic-office', { from: { id: 'clinic-rel' }, to: { id: 'office-a' } });
    const providersBefore = await count.resources('provider');
    expect(await count.relationships('provider-office')).toBe(603);

    const purgeId = await startPurge('relationships', 'provider-office');
    const done = await waitPurge(purgeId);
    expect(done).toEqual({
      purgeId, taskId: purgeId, status: 'SUCCESS', collectionType: 'relationships', collectionKey: 'provider-office',
      deletedCount: 603, relationshipsDeletedCount: 0, cancelledExecutions: 0, createdAt: expect.any(String), updatedAt: expect.any(String), completedAt: expect.any(String),
    });
    expect(await count.relationships('provider-office')).toBe(0);
    expect(await count.relationships('clinic-office')).toBe(1);
    expect(await count.resources('provider')).toBe(providersBefore);
    expect(await count.resources('office')).toBe(2);
    const t = await task(purgeId);
    expect(t.status).toBe('SUCCESS');
    expect(t.receipts).toEqual([expect.objectContaining({ action: 'DELETE', targetType: 'RELATIONSHIP', type: 'provider-office', id: 'provider-office', status: 'SUCCESS' })]);
  });
});

describe('purge requests', () => {
  test.each([
    ['an unknown collectionType', { collectionType: 'widgets', collectionKey: 'provider' }, 'collectionType'],
    ['a missing collectionKey', { collectionType: 'resources' }, 'collectionKey'],
    ['a missing collectionType', { collectionKey: 'provider' }, 'collectionType'],
    ['an unknown field', { collectionType: 'resources', collectionKey: 'provider', force: true }, undefined],
    ['a malformed collectionKey', { collectionType: 'resources', collectionKey: 'no spaces' }, 'collectionKey'],
    ['an array body', [{ collectionType: 'resources', collectionKey: 'provider' }], undefined],
  ])('%s is a 400', async (_what, body, path) => {
    const res = await api.request('POST', `${S}/purge`, { body });
    const err = expectError(res, 400, 'INVALID_ARGUMENT');
    if (path) expect(err.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  test('no body is a 400', async () => {
    expectError(await api.request('POST', `${S}/purge`), 400, 'INVALID_ARGUMENT');
  });

  test('collectionType "objects" (binary objects, documented but not part of Sluice) is a 501 UNIMPLEMENTED, and nothing is recorded', async () => {
    const tasksBefore = await api.store.tasks.countDocuments({ kind: 'PURGE' });
    const purgesBefore = await api.store.purges.countDocuments({});
    const err = expectError(await api.request('POST', `${S}/purge`, { body: { collectionType: 'objects', collectionKey: 'provider' } }), 501, 'UNIMPLEMENTED');
    expect(err.message).toContain('objects');
    expect(await api.store.tasks.countDocuments({ kind: 'PURGE' })).toBe(tasksBefore);
    expect(await api.store.purges.countDocuments({})).toBe(purgesBefore);
    // A malformed request naming objects is still a 400: the body is checked first.
    expectError(await api.request('POST', `${S}/purge`, { body: { collectionType: 'objects', collectionKey: 'no spaces' } }), 400, 'INVALID_ARGUMENT');
  });

  test.each<[string, 'resources' | 'relationships', string]>([
    ['an unknown profile', 'resources', 'nope'],
    ['a CONTAINED profile', 'resources', 'paymentMethod'],
    ['a relationship type as resources', 'resources', 'provider-office'],
    ['a profile as relationships', 'relationships', 'provider'],
    ['an unknown relationship type', 'relationships', 'nope'],
  ])('%s is a 404, and nothing is recorded', async (_what, collectionType, collectionKey) => {
    const tasksBefore = await api.store.tasks.countDocuments({ kind: 'PURGE' });
    expectError(await api.request('POST', `${S}/purge`, { body: { collectionType, collectionKey } }), 404, 'NOT_FOUND');
    expect(await api.store.tasks.countDocuments({ kind: 'PURGE' })).toBe(tasksBefore);
    expect(await api.store.purges.countDocuments({ collectionType, collectionKey })).toBe(0);
  });

  test('an unknown purge id, or another source\'s, is a 404; another source\'s key is a 403; a read key is a 403', async () => {
    expectError(await api.request('GET', `${S}/purge/pg_2ZZZZZZZZZZZZZZZZZZZZZZZZZZ`), 404, 'NOT_FOUND');
    expect((await api.request('PUT', '/catalog/v1/sources/other', { body: { type: 'registry' } })).status).toBe(201);
    expect((await api.request('PUT', '/sources/other/v1/profiles/thing', { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBe(201);
    await api.store.resources.insertMany([resourceDoc('other', 'thing', 't-1', { name: 'one' })]);
    const res = await api.request('POST', '/sources/other/v1/purge', { body: { collectionType: 'resources', collectionKey: 'thing' } });
    expect(res.status).toBe(202);
    const otherId = res.body.taskId as string;
    expect(res.body.purgeOperation).toEqual(expect.objectContaining({ purgeId: otherId, collectionKey: 'thing', status: 'PENDING' }));
    expect(await waitPurge(otherId, 'SUCCESS', 'other')).toEqual(expect.objectContaining({ deletedCount: 1 }));
    expectError(await api.request('GET', `${S}/purge/${otherId}`), 404, 'NOT_FOUND');
    expectError(await api.request('GET', `${S}/tasks/${otherId}`), 404, 'NOT_FOUND');

    const otherIngest = await api.key(['ingest'], ['other']);
    expectError(await api.request('POST', `${S}/purge`, { key: otherIngest, body: { collectionType: 'resources', collectionKey: 'office' } }), 403, 'PERMISSION_DENIED');
    expectError(await api.request('GET', `${S}/purge/${otherId}`, { key: otherIngest }), 403, 'PERMISSION_DENIED');
    const reader = await api.key(['read'], ['demo']);
    expectError(await api.request('POST', `${S}/purge`, { key: reader, body: { collectionType: 'resources', collectionKey: 'office' } }), 403, 'PERMISSION_DENIED');
    expect(await count.resources('office')).toBe(2);
    // A read key may follow a purge of its source.
    expect((await api.request('GET', `/sources/other/v1/purge/${otherId}`, { key: await api.key(['read'], ['other']) })).status).toBe(200);
  });

  test('a purge of a collection that is still being purged is a 409; a stale one does not block', async () => {
    // A purge whose workflow runs but has no worker (another task queue) stays PENDING for as long as we like.
    const stuckId = 'pg_2AAAAAAAAAAAAAAAAAAAAAAAAAA';
    await api.store.purges.insertOne({
      _id: stuckId, source: 'demo', collectionType: 'resources', collectionKey: 'office', status: 'PENDING', deletedCount: 0, relationshipsDeletedCount: 0,
      cancelledExecutions: 0, createdAt: new Date().toISOString(), progress: { stage: 0, batch: 0 },
    });
    const handle = await api.client.workflow.start(purgeWorkflow, { workflowId: purgeWorkflowId(stuckId), taskQueue: `${api.taskQueue}-nobody`, args: [{ purgeId: stuckId }] });
    const refused = expectError(await api.request('POST', `${S}/purge`, { body: { collectionType: 'resources', collectionKey: 'office' } }), 409, 'FAILED_PRECONDITION');
    expect(refused.message).toContain(stuckId);
    expect(await count.resources('office')).toBe(2);

    // Once its workflow is gone, the stale purge is closed as FAILURE and a new purge goes ahead.
    await handle.terminate('test');
    const purgeId = await startPurge('resources', 'office');
    expect(await waitPurge(purgeId)).toEqual(expect.objectContaining({ deletedCount: 2 }));
    expect((await api.request('GET', `${S}/purge/${stuckId}`)).body).toEqual(expect.objectContaining({ status: 'FAILURE', error: { message: expect.any(String) } }));
  });
});
