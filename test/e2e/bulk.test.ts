import { ChunkRunner } from '../../activities/bulk-chunks';
import { createLocalEmbedder } from '../../src/pipeline/embedder';
import { expectError, startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ worker: true });
});
afterAll(async () => {
  await api.close();
});

const S = '/sources/demo/v1';

async function settled(taskId: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(async () => (await api.request('GET', `${S}/tasks/${taskId}`)).body, (t) => t.status !== 'PENDING', timeoutMs, `bulk ${taskId} to settle`);
}

async function allReceipts(taskId: string, perPage = 1000, via: TestApi = api): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await via.request('GET', `${S}/tasks/${taskId}?withReceipts=true&perPage=${perPage}${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.body.receipts);
    cursor = page.body.nextCursor;
  } while (cursor);
  return out;
}

test('mixed actions run in order and independently; an invalid operation is a FAILURE receipt', async () => {
  const single = await api.request('PUT', `${S}/resources/provider/b-existing`, { body: { data: { name: 'Existing' } } });
  // The task of a single write is no bulk: the bulk aliases answer 404 for it, the task API reads it.
  expectError(await api.request('GET', `${S}/resources/bulk/${single.body.taskId}`), 404, 'NOT_FOUND');
  expect((await api.request('GET', `${S}/tasks/${single.body.taskId}`)).status).toBe(200);
  await api.request('PUT', `${S}/resources/provider/b-gone`, { body: { data: { name: 'Gone' } } });
  const res = await api.request('POST', `${S}/resources/bulk`, {
    body: {
      operations: [
        { action: 'CREATE', create: { id: 'b-1', type: 'provider', data: { name: 'One' } } },
        { action: 'CREATE', create: { type: 'provider', data: { name: 'Generated' } } },
        { action: 'CREATE', create: { id: 'b-bad', type: 'provider', data: { practiceNumber: 'x' } } },
        { action: 'CREATE', create: { id: 'b-existing', type: 'provider', data: { name: 'Again' } } },
        { action: 'UPSERT', upsert: { id: 'b-existing', type: 'provider', data: { name: 'Upserted' } } },
        { action: 'UPDATE', update: { id: 'b-1', type: 'provider', patch: [{ op: 'add', path: '/practiceNumber', value: 7 }] } },
        { action: 'DELETE', delete: { id: 'b-gone', type: 'provider' } },
        { action: 'DELETE', delete: { id: 'b-never', type: 'provider' } },
        { action: 'EXPLODE', explode: {} },
        { action: 'CREATE', create: { type: 'spaceship', data: {} } },
      ],
    },
  });
  expect(res.status).toBe(202);
  expect(res.body).toEqual({ taskId: expect.stringMatching(/^bk_/), bulkId: res.body.taskId, status: 'ACCEPTED' });
  const task = await settled(res.body.taskId);
  expect(task.status).toBe('FAILURE');
  expect(task.counts).toEqual({ SUCCESS: 5, FAILURE: 5, PENDING: 0, CANCELLED: 0 });
  const receipts = await allReceipts(res.body.taskId);
  expect(receipts.map((r) => [r.action, r.status])).toEqual([
    ['CREATE', 'SUCCESS'], ['CREATE', 'SUCCESS'], ['CREATE', 'FAILURE'], ['CREATE', 'FAILURE'], ['UPSERT', 'SUCCESS'],
    ['UPDATE', 'SUCCESS'], ['DELETE', 'SUCCESS'], ['DELETE', 'FAILURE'], ['CREATE', 'FAILURE'], ['CREATE', 'FAILURE'],
  ]);
  expect(receipts[2].error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'data.practiceNumber' })]));
  expect(receipts[3].error.message).toMatch(/already exists/);
  expect(receipts[1].id).toMatch(/^[0-9A-Za-z]{27}$/);
  expect((await api.request('GET', `${S}/resources/provider/b-1`)).body.data).toEqual({ name: 'One', practiceNumber: 7 });
  expect((await api.request('GET', `${S}/resources/provider/${receipts[1].id}`)).body.data).toEqual({ name: 'Generated' });
  expect((await api.request('GET', `${S}/resources/provider/b-existing`)).body.data).toEqual({ name: 'Upserted' });
  expect((await api.request('GET', `${S}/resources/provider/b-gone`)).status).toBe(404);
  expect((await api.request('GET', `${S}/resources/provider/b-bad`)).status).toBe(404);
  const alias = await api.request('GET', `${S}/resources/bulk/${res.body.taskId}`);
  expect(alias.body).toEqual(expect.objectContaining({ taskId: res.body.taskId, bulkId: res.body.taskId, status: 'FAILURE' }));
  // Boolean query parameters take any case (the docs write `withReceipts=True`) and 1/0.
  for (const flag of ['True', 'TRUE', '1']) {
    const withReceipts = await api.request('GET', `${S}/resources/bulk/${res.body.taskId}?withReceipts=${flag}`);
    expect(withReceipts.status).toBe(200);
    expect(withReceipts.body.receipts).toHaveLength(10);
  }
  for (const flag of ['False', '0']) {
    const without = await api.request('GET', `${S}/tasks/${res.body.taskId}?withReceipts=${flag}`);
    expect(without.status).toBe(200);
    expect(without.body).not.toHaveProperty('receipts');
  }
  expectError(await api.request('GET', `${S}/tasks/${res.body.taskId}?withReceipts=yes`), 400, 'INVALID_ARGUMENT');
  // A resource bulk is no relationship bulk.
  expectError(await api.request('GET', `${S}/relationships/bulk/${res.body.taskId}`), 404, 'NOT_FOUND');
});

test('two operations on one record: the later supersedes the earlier, also across a pipeline', async () => {
  // `eq` with a wildcard (case-insensitive) stands for the old regex predicate `matches: '^Review'`.
  const pipeline = await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [{ type: 'HUMAN_REVIEW', trigger: { type: 'OPERATOR', operator: { eq: { name: 'Review*' } } }, humanReview: {} }] } });
  expect(pipeline.status).toBe(201);
  const res = await api.request('POST', `${S}/resources/bulk`, {
    body: {
      operations: [
        { action: 'UPSERT', upsert: { id: 'bs-1', type: 'clinic', data: { name: 'First' } } },
        { action: 'UPSERT', upsert: { id: 'bs-1', type: 'clinic', data: { name: 'Second' } } },
        { action: 'UPSERT', upsert: { id: 'bs-2', type: 'clinic', data: { name: 'Review me' } } },
        { action: 'UPSERT', upsert: { id: 'bs-2', type: 'clinic', data: { name: 'Plain' } } },
        { action: 'UPSERT', upsert: { id: 'bs-3', type: 'clinic', data: { name: 'Review A' } } },
        { action: 'UPSERT', upsert: { id: 'bs-3', type: 'clinic', data: { name: 'Review B' } } },
      ],
    },
  });
  const receipts = await waitFor(() => allReceipts(res.body.taskId), (rs) => rs.length === 6 && rs[5].pipelineExecution?.status === 'IN_REVIEW' && rs[4].status === 'CANCELLED', 30_000, 'bulk operations');
  expect(receipts.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'CANCELLED', 'SUCCESS', 'CANCELLED', 'PENDING']);
  expect((await api.request('GET', `${S}/resources/clinic/bs-1`)).body.data).toEqual({ name: 'Second' });
  expect((await api.request('GET', `${S}/resources/clinic/bs-2`)).body.data).toEqual({ name: 'Plain' });
  expect((await api.request('GET', `${S}/tasks/${res.body.taskId}`)).body.status).toBe('PENDING');
  await api.request('POST', `${S}/pipelines/executions/${receipts[5].pipelineExecution.id}/decision`, { body: { action: 'APPROVE' } });
  const task = await settled(res.body.taskId);
  expect(task.status).toBe('FAILURE');
  expect(task.counts).toEqual({ SUCCESS: 4, FAILURE: 0, PENDING: 0, CANCELLED: 2 });
  expect((await api.request('GET', `${S}/resources/clinic/bs-3`)).body.data).toEqual({ name: 'Review B' });
  await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [] } });
});

test('a bulk larger than one chunk completes; receipts page with a cursor; every record is written once', async () => {
  const n = 2500;
  const operations = Array.from({ length: n }, (_, i) => ({ action: 'CREATE', create: { id: `big-${i}`, type: 'office', data: { name: `Office ${i}` } } }));
  const res = await api.request('POST', `${S}/resources/bulk`, { body: { operations } });
  expect(res.status).toBe(202);
  const task = await settled(res.body.taskId, 170_000);
  expect(task).toEqual(expect.objectContaining({ status: 'SUCCESS', counts: { SUCCESS: n, FAILURE: 0, PENDING: 0, CANCELLED: 0 } }));
  const receipts = await allReceipts(res.body.taskId, 1000);
  expect(receipts.map((r) => r.id)).toEqual(operations.map((o) => o.create.id));
  const stored = await api.store.resources.countDocuments({ source: 'demo', type: 'office', id: { $regex: '^big-' } });
  expect(stored).toBe(n);
  expect(await api.store.resources.countDocuments({ type: 'office', id: { $regex: '^big-' }, 'meta.versionId': { $ne: '1' } })).toBe(0);
  expect(await api.store.db.collection('bulk_chunks').countDocuments({ taskId: res.body.taskId })).toBe(0);
}, 180_000);

test('relationship bulk: creates, a missing end is a FAILURE receipt, deletes', async () => {
  await api.request('PUT', `${S}/resources/provider/rb-p`, { body: { data: { name: 'P' } } });
  await api.request('PUT', `${S}/resources/office/rb-o`, { body: { data: { name: 'O' } } });
  const res = await api.request('POST', `${S}/relationships/bulk`, {
    body: {
      operations: [
        { action: 'CREATE', create: { type: 'provider-office', from: { id: 'rb-p' }, to: { id: 'rb-o' }, data: { role: 'owner' } } },
        { action: 'CREATE', create: { type: 'provider-office', from: { id: 'rb-p' }, to: { id: 'nowhere' } } },
        { action: 'UPDATE', update: { type: 'provider-office', id: 'rb-p.rb-o', patch: [{ op: 'replace', path: '/role', value: 'locum' }] } },
      ],
    },
  });
  const task = await settled(res.body.taskId);
  expect(task.counts).toEqual({ SUCCESS: 2, FAILURE: 1, PENDING: 0, CANCELLED: 0 });
  const receipts = await allReceipts(res.body.taskId);
  expect(receipts[1]).toEqual(expect.objectContaining({ status: 'FAILURE', targetType: 'RELATIONSHIP', id: 'rb-p.nowhere' }));
  expect((await api.request('GET', `${S}/relationships/provider-office/rb-p.rb-o`)).body.data).toEqual({ role: 'locum' });

  // GET /relationships/bulk/{bulkId}: the task, with its bulkId, like the resource alias.
  const alias = await api.request('GET', `${S}/relationships/bulk/${res.body.taskId}?withReceipts=True`);
  expect(alias.status).toBe(200);
  expect(alias.body).toEqual(expect.objectContaining({ taskId: res.body.taskId, bulkId: res.body.taskId, status: 'FAILURE', counts: task.counts }));
  expect(alias.body.receipts.map((r: any) => [r.action, r.status])).toEqual([['CREATE', 'SUCCESS'], ['CREATE', 'FAILURE'], ['UPDATE', 'SUCCESS']]);
  // A relationship bulk is no resource bulk; an unknown bulk is 404 on both.
  expectError(await api.request('GET', `${S}/resources/bulk/${res.body.taskId}`), 404, 'NOT_FOUND');
  expectError(await api.request('GET', `${S}/relationships/bulk/bk_nosuchbulk`), 404, 'NOT_FOUND');
});

test.each([
  ['no operations field', {}],
  ['operations not an array', { operations: 'x' }],
  ['an empty operations array', { operations: [] }],
  ['an operation that is not an object', { operations: [42] }],
  ['an operation without an action', { operations: [{ create: {} }] }],
  ['an unknown envelope field', { operations: [{ action: 'DELETE', delete: { id: 'x', type: 'provider' } }], extra: true }],
])('a malformed envelope (%s) is a 400 and starts nothing', async (_name, body) => {
  const before = await api.store.tasks.countDocuments({ kind: 'BULK' });
  expectError(await api.request('POST', `${S}/resources/bulk`, { body }), 400, 'INVALID_ARGUMENT');
  expect(await api.store.tasks.countDocuments({ kind: 'BULK' })).toBe(before);
});

describe('chunks retried after a crash', () => {
  let faulty: TestApi;
  const calls: number[] = [];
  beforeAll(async () => {
    faulty = await startApi({
      worker: true,
      activities: (real) => ({
        ...real,
        // The first attempt does all its work, then "crashes" before it reports. The retry first runs every
        // chunk again from the start, as it would if all the heartbeats had been lost, then resumes where the
        // heartbeats say: nothing may be written twice.
        async bulkProcessChunks(taskId: string, from: number) {
          calls.push(from);
          if (calls.length === 2) await new ChunkRunner({ store: faulty.store, ...faulty.services, embedder: createLocalEmbedder() }).processChunks(taskId, 0, { retry: true, maxChunks: 100 });
          const out = await real.bulkProcessChunks(taskId, from);
          if (calls.length === 1) throw new Error('worker lost (forced)');
          return out;
        },
      }),
    });
  });
  afterAll(async () => {
    await faulty.close();
  });

  test('every operation has exactly one receipt and every record one version', async () => {
    const n = 2200;
    const operations = Array.from({ length: n }, (_, i) => (i % 10 === 9
      ? { action: 'UPSERT', upsert: { id: `retry-${i - 1}`, type: 'clinic', data: { name: `Upserted ${i}` } } }
      : { action: 'CREATE', create: { id: `retry-${i}`, type: 'clinic', data: { name: `Clinic ${i}` } } }));
    const res = await faulty.request('POST', `${S}/resources/bulk`, { body: { operations } });
    const taskId = res.body.taskId;
    const creates = operations.filter((o) => o.action === 'CREATE').length;
    const expected = operations.map((o) => (o.action === 'CREATE' ? ['CREATE', o.create?.id, 'SUCCESS'] : ['UPSERT', o.upsert?.id, 'SUCCESS']));
    // The task reads SUCCESS as soon as the first attempt has written every chunk: wait for the workflow,
    // which ends only after the retry.
    await faulty.client.workflow.getHandle(`bulk:${taskId}`).result();
    expect(calls).toEqual([0, 0]);
    expect((await faulty.request('GET', `${S}/tasks/${taskId}`)).body).toEqual(expect.objectContaining({ status: 'SUCCESS', counts: { SUCCESS: n, FAILURE: 0, PENDING: 0, CANCELLED: 0 } }));
    // One receipt per operation, in order, each final.
    const receipts = await allReceipts(taskId, 500, faulty);
    expect(receipts.map((r) => [r.action, r.id, r.status])).toEqual(expected);
    expect(await faulty.store.resources.countDocuments({ type: 'clinic', id: { $regex: '^retry-' } })).toBe(creates);
    // Created once, then upserted once: version 2 for upserted records, 1 for the rest.
    expect(await faulty.store.resources.countDocuments({ type: 'clinic', id: { $regex: '^retry-' }, 'meta.versionId': '2' })).toBe(n - creates);
    expect(await faulty.store.resources.countDocuments({ type: 'clinic', id: { $regex: '^retry-' }, 'meta.versionId': { $nin: ['1', '2'] } })).toBe(0);
  }, 180_000);
});
