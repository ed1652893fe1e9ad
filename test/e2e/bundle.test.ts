import { expectError, startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

const S = '/sources/demo/v1';
// Clinics whose name says "Review" are trimmed, then wait for a reviewer; every other write is synchronous.
// `match` (a word of the name, case-insensitive) stands for the old regex predicate `matches: 'Review'`.
const REVIEWED = { type: 'OPERATOR', operator: { match: { name: { value: 'review', type: 'word' } } } };
const CLINIC_PIPELINE = [
  { type: 'NORMALIZER', trigger: REVIEWED, normalizer: { properties: [{ property: 'name', trim: true }] } },
  { type: 'HUMAN_REVIEW', trigger: REVIEWED, humanReview: { instructions: 'Check the clinic' } },
];

async function task(api: TestApi, taskId: string): Promise<any> {
  return (await api.request('GET', `${S}/tasks/${taskId}?withReceipts=true`)).body;
}

async function settled(api: TestApi, taskId: string): Promise<any> {
  return waitFor(() => task(api, taskId), (t) => t.status !== 'PENDING', 30_000, `bundle ${taskId} to settle`);
}

async function stored(api: TestApi, path: string): Promise<any> {
  const res = await api.request('GET', `${S}/${path}`);
  return res.status === 200 ? res.body : undefined;
}

describe('bundles with a real worker', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({ worker: true });
    const res = await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: CLINIC_PIPELINE } });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await api.close();
  });

  /** Posts a bundle whose clinic waits in review; returns the task id and the clinic's execution id. */
  async function bundleInReview(prefix: string): Promise<{ taskId: string; executionId: string }> {
    const res = await api.request('POST', `${S}/bundle`, {
      body: {
        resourceOperations: [
          { action: 'CREATE', create: { id: `${prefix}-office`, type: 'office', data: { name: 'Office' } } },
          { action: 'CREATE', create: { id: `${prefix}-clinic`, type: 'clinic', data: { name: '  Review me ', office: '@rootId1' } } },
          { action: 'CREATE', create: { id: `${prefix}-provider`, type: 'provider', data: { name: 'Dr. Who' } } },
        ],
        relationshipOperations: [
          { action: 'CREATE', create: { type: 'provider-office', from: { id: '@rootId3' }, to: { id: '@rootId1' }, data: { role: 'owner' } } },
        ],
      },
    });
    expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { taskId: expect.stringMatching(/^bd_[0-9A-Za-z]{27}$/), status: 'ACCEPTED' } });
    const { taskId } = res.body;
    const inReview = await waitFor(() => task(api, taskId), (t) => t.receipts?.[1]?.pipelineExecution?.status === 'IN_REVIEW', 20_000, 'the clinic in review');
    // Until the bundle settles, every receipt is PENDING and nothing is written.
    expect(inReview.status).toBe('PENDING');
    expect(inReview.receipts.map((r: any) => [r.targetType, r.type, r.status])).toEqual([
      ['RESOURCE', 'office', 'PENDING'], ['RESOURCE', 'clinic', 'PENDING'], ['RESOURCE', 'provider', 'PENDING'], ['RELATIONSHIP', 'provider-office', 'PENDING'],
    ]);
    expect(await stored(api, `resources/office/${prefix}-office`)).toBeUndefined();
    expect(await stored(api, `resources/provider/${prefix}-provider`)).toBeUndefined();
    return { taskId, executionId: inReview.receipts[1].pipelineExecution.id };
  }

  async function decide(executionId: string, action: 'APPROVE' | 'REJECT'): Promise<void> {
    const res = await api.request('POST', `${S}/pipelines/executions/${executionId}/decision`, { body: { action } });
    expect(res.status).toBe(202);
  }

  test('a bundle without pipeline steps is persisted at once, with @rootId references and a relationship between created resources', async () => {
    await api.request('PUT', `${S}/resources/provider/p-existing`, { body: { data: { name: 'Before' } } });
    const res = await api.request('POST', `${S}/bundle`, {
      body: {
        resourceOperations: [
          { action: 'CREATE', create: { type: 'office', data: { name: 'Downtown office' } } },
          { action: 'CREATE', create: { id: '@rootId2', type: 'provider', data: { name: 'Dr. Ada' } } },
          { action: 'CREATE', create: { id: 'c-persisted', type: 'clinic', data: { name: 'Downtown clinic', office: '@rootId1' } } },
          { action: 'UPSERT', upsert: { id: 'p-existing', type: 'provider', data: { name: 'After' } } },
        ],
        relationshipOperations: [
          { action: 'CREATE', create: { type: 'provider-office', from: { id: '@rootId2' }, to: { id: '@rootId1' }, data: { role: 'owner' } } },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      taskId: expect.stringMatching(/^bd_/), status: 'PERSISTED', resourceOperationReceipts: expect.any(Array), relationshipOperationReceipts: expect.any(Array),
    });
    const [office, provider, clinic, upserted] = res.body.resourceOperationReceipts;
    expect(res.body.resourceOperationReceipts.map((r: any) => [r.action, r.type, r.status])).toEqual([
      ['CREATE', 'office', 'SUCCESS'], ['CREATE', 'provider', 'SUCCESS'], ['CREATE', 'clinic', 'SUCCESS'], ['UPSERT', 'provider', 'SUCCESS'],
    ]);
    expect(office.id).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(provider.id).toMatch(/^[0-9A-Za-z]{27}$/);
    expect([clinic.id, upserted.id]).toEqual(['c-persisted', 'p-existing']);
    expect(res.body.relationshipOperationReceipts).toEqual([
      expect.objectContaining({ taskId: res.body.taskId, action: 'CREATE', targetType: 'RELATIONSHIP', type: 'provider-office', id: `${provider.id}.${office.id}`, status: 'SUCCESS', completedAt: expect.any(String) }),
    ]);

    expect((await stored(api, 'resources/clinic/c-persisted')).data).toEqual({ name: 'Downtown clinic', office: office.id });
    expect((await stored(api, `resources/office/${office.id}`)).data).toEqual({ name: 'Downtown office' });
    expect((await stored(api, `resources/provider/${provider.id}`)).meta.versionId).toBe('1');
    const again = await stored(api, 'resources/provider/p-existing');
    expect({ data: again.data, versionId: again.meta.versionId }).toEqual({ data: { name: 'After' }, versionId: '2' });
    expect(await stored(api, `relationships/provider-office/${provider.id}.${office.id}`)).toEqual(expect.objectContaining({
      from: { id: provider.id, type: 'provider' }, to: { id: office.id, type: 'office' }, data: { role: 'owner' },
    }));
    const t = await task(api, res.body.taskId);
    expect({ status: t.status, counts: t.counts }).toEqual({ status: 'SUCCESS', counts: { SUCCESS: 5, PENDING: 0, FAILURE: 0, CANCELLED: 0 } });
  });

  test.each([
    {
      name: 'two operations on one record',
      body: {
        resourceOperations: [
          { action: 'CREATE', create: { id: 'inv-1', type: 'provider', data: { name: 'One' } } },
          { action: 'UPSERT', upsert: { id: 'inv-1', type: 'provider', data: { name: 'Two' } } },
        ],
      },
      paths: ['resourceOperations[1]'],
    },
    {
      name: 'an unknown @rootId3',
      body: {
        resourceOperations: [
          { action: 'CREATE', create: { id: 'inv-2', type: 'provider', data: { name: 'One' } } },
          { action: 'CREATE', create: { id: 'inv-3', type: 'clinic', data: { name: 'Clinic', office: '@rootId3' } } },
        ],
        relationshipOperations: [{ action: 'CREATE', create: { type: 'provider-office', from: { id: '@rootId1' }, to: { id: '@rootId3' } } }],
      },
      paths: ['resourceOperations[1].create.data.office', 'relationshipOperations[0].create.to.id'],
    },
    {
      name: 'an operation its profile refuses, and one its schema refuses',
      body: {
        resourceOperations: [
          { action: 'CREATE', create: { id: 'inv-4', type: 'provider', data: { name: 'Fine' } } },
          { action: 'UPSERT', upsert: { id: 'inv-5', type: 'office', data: { name: 'Fine' } } },
          { action: 'CREATE', create: { id: 'inv-6', type: 'provider', data: { practiceNumber: 'x' } } },
        ],
        relationshipOperations: [{ action: 'CREATE', create: { type: 'provider-office', from: { id: 'inv-4' }, to: { id: 'inv-5' }, data: { role: 'boss' } } }],
      },
      paths: ['resourceOperations[2].create.data.name', 'resourceOperations[2].create.data.practiceNumber', 'relationshipOperations[0].create.data.role'],
    },
    {
      name: 'a malformed operation',
      body: { resourceOperations: [{ action: 'CREATE', create: { id: 'inv-7', type: 'provider', data: 'nope' } }] },
      paths: ['resourceOperations[0].create.data'],
    },
    {
      name: 'a relationship whose end neither exists nor is created by the bundle',
      body: {
        resourceOperations: [{ action: 'CREATE', create: { id: 'inv-8', type: 'provider', data: { name: 'One' } } }],
        relationshipOperations: [{ action: 'CREATE', create: { type: 'provider-office', from: { id: '@rootId1' }, to: { id: 'no-such-office' } } }],
      },
      paths: ['relationshipOperations[0].create.to.id'],
    },
  ])('400 for $name, and nothing is written', async ({ body, paths }) => {
    const before = await api.store.tasks.countDocuments();
    const res = await api.request('POST', `${S}/bundle`, { body });
    const err = expectError(res, 400, 'INVALID_ARGUMENT');
    expect([...new Set(err.details.map((d: { path: string }) => d.path))].sort()).toEqual([...paths].sort());
    for (const id of ['inv-1', 'inv-2', 'inv-4', 'inv-8']) expect(await stored(api, `resources/provider/${id}`)).toBeUndefined();
    expect(await stored(api, 'resources/office/inv-5')).toBeUndefined();
    expect(await api.store.tasks.countDocuments()).toBe(before);
  });

  test('a bundle whose clinic waits in review is persisted whole once approved, with the pipeline\'s data', async () => {
    const { taskId, executionId } = await bundleInReview('ap');
    await decide(executionId, 'APPROVE');
    const done = await settled(api, taskId);
    expect(done.status).toBe('SUCCESS');
    expect(done.receipts.map((r: any) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(done.receipts[1].pipelineExecution).toEqual(expect.objectContaining({ id: executionId, status: 'SUCCESSFUL' }));
    expect((await stored(api, 'resources/clinic/ap-clinic')).data).toEqual({ name: 'Review me', office: 'ap-office' });
    expect(await stored(api, 'resources/office/ap-office')).toBeDefined();
    expect(await stored(api, 'relationships/provider-office/ap-provider.ap-office')).toEqual(expect.objectContaining({ data: { role: 'owner' } }));
    expect((await api.request('GET', `${S}/pipelines/executions/${executionId}`)).body.status).toBe('SUCCESSFUL');
  });

  test('a bundle whose clinic is rejected writes nothing', async () => {
    const { taskId, executionId } = await bundleInReview('rj');
    await decide(executionId, 'REJECT');
    const done = await settled(api, taskId);
    // The rejected operation is done (a REJECT is its success); the others were cancelled with the bundle.
    expect(done.status).toBe('FAILURE');
    expect(done.receipts.map((r: any) => r.status)).toEqual(['CANCELLED', 'SUCCESS', 'CANCELLED', 'CANCELLED']);
    expect(done.receipts[0].error.message).toMatch(/bundle was dropped/);
    expect((await api.request('GET', `${S}/pipelines/executions/${executionId}`)).body.status).toBe('DROPPED');
    for (const path of ['resources/clinic/rj-clinic', 'resources/office/rj-office', 'resources/provider/rj-provider', 'relationships/provider-office/rj-provider.rj-office']) {
      expect(await stored(api, path)).toBeUndefined();
    }
  });

  test('a newer PUT to one operation\'s record while it waits in review drops the whole bundle', async () => {
    const { taskId, executionId } = await bundleInReview('cc');
    const put = await api.request('PUT', `${S}/resources/clinic/cc-clinic`, { body: { data: { name: 'Direct' } } });
    expect(put.status).toBe(201);
    const done = await settled(api, taskId);
    expect(done.status).toBe('CANCELLED');
    expect(done.receipts.map((r: any) => r.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect((await api.request('GET', `${S}/pipelines/executions/${executionId}`)).body.status).toBe('CANCELLED');
    const clinic = await stored(api, 'resources/clinic/cc-clinic');
    expect({ data: clinic.data, versionId: clinic.meta.versionId }).toEqual({ data: { name: 'Direct' }, versionId: '1' });
    for (const path of ['resources/office/cc-office', 'resources/provider/cc-provider', 'relationships/provider-office/cc-provider.cc-office']) {
      expect(await stored(api, path)).toBeUndefined();
    }
  });

  test('a newer write to a record of an operation without a pipeline drops the bundle when it would commit', async () => {
    await api.request('PUT', `${S}/resources/office/nw-office`, { body: { data: { name: 'Office v1' } } });
    const res = await api.request('POST', `${S}/bundle`, {
      body: {
        resourceOperations: [
          { action: 'UPSERT', upsert: { id: 'nw-office', type: 'office', data: { name: 'Office from the bundle' } } },
          { action: 'CREATE', create: { id: 'nw-clinic', type: 'clinic', data: { name: 'Review me', office: '@rootId1' } } },
        ],
      },
    });
    expect(res.status).toBe(202);
    const inReview = await waitFor(() => task(api, res.body.taskId), (t) => t.receipts?.[1]?.pipelineExecution?.status === 'IN_REVIEW', 20_000, 'review');
    expect((await api.request('PUT', `${S}/resources/office/nw-office`, { body: { data: { name: 'Office v2' } } })).status).toBe(200);
    await decide(inReview.receipts[1].pipelineExecution.id, 'APPROVE');
    const done = await settled(api, res.body.taskId);
    expect(done.status).toBe('CANCELLED');
    expect(done.receipts[0].error.message).toMatch(/resource office\/nw-office was written by another request/);
    expect((await stored(api, 'resources/office/nw-office')).data).toEqual({ name: 'Office v2' });
    expect(await stored(api, 'resources/clinic/nw-clinic')).toBeUndefined();
  });

  test('an operation whose pipeline fails drops the bundle: its receipt is a FAILURE, the others are cancelled', async () => {
    const failing = { type: 'OPERATOR', operator: { eq: { name: 'Fail*' } } };
    const pipeline = await api.request('PUT', `${S}/collections/provider/pipeline`, {
      body: { steps: [{ type: 'VALIDATOR', trigger: failing, validator: { rules: [{ name: 'number', assert: { eq: { practiceNumber: '*' } }, message: 'a practice number is required', onFailure: 'FAIL' }] } }] },
    });
    expect(pipeline.status).toBe(201);
    const res = await api.request('POST', `${S}/bundle`, {
      body: {
        resourceOperations: [
          { action: 'CREATE', create: { id: 'er-office', type: 'office', data: { name: 'Office' } } },
          { action: 'CREATE', create: { id: 'er-provider', type: 'provider', data: { name: 'Fail me' } } },
        ],
        relationshipOperations: [{ action: 'CREATE', create: { type: 'provider-office', from: { id: '@rootId2' }, to: { id: '@rootId1' } } }],
      },
    });
    expect(res.status).toBe(202);
    const done = await settled(api, res.body.taskId);
    expect(done.status).toBe('FAILURE');
    expect(done.receipts.map((r: any) => r.status)).toEqual(['CANCELLED', 'FAILURE', 'CANCELLED']);
    expect(done.receipts[1].pipelineExecution.status).toBe('ERROR');
    expect(done.receipts[1].error.message).toMatch(/data-quality validation failed/);
    for (const path of ['resources/office/er-office', 'resources/provider/er-provider', 'relationships/provider-office/er-provider.er-office']) {
      expect(await stored(api, path)).toBeUndefined();
    }
  });
});

describe('a worker lost in the middle of a bundle\'s commit', () => {
  let api: TestApi;
  let commitCalls = 0;
  let crashesLeft = 0;
  beforeAll(async () => {
    api = await startApi({
      worker: true,
      activities: (real) => ({
        ...real,
        async bundleCommit(taskId: string) {
          commitCalls++;
          const bundles = api.store.db.collection<any>('bundles');
          const staged = await bundles.findOne({ _id: taskId });
          const result = await real.bundleCommit(taskId);
          if (crashesLeft > 0 && result.status === 'COMMITTED') {
            crashesLeft--;
            // Undo what a crash after the first half of the writes would not have done: the second half of
            // the records, every status and the settled bundle's clean-up. The retry must finish the job and
            // write nothing twice.
            const ops: any[] = staged.ops;
            for (const op of ops.slice(Math.ceil(ops.length / 2))) {
              expect(op.action).toBe('CREATE');
              await api.store.resources.deleteOne({ _id: `demo/${op.type}/${op.id}` });
            }
            await bundles.updateOne({ _id: taskId }, { $set: { state: 'COMMITTING', ops } });
            await api.store.receipts.updateMany({ taskId }, { $set: { status: 'PENDING' }, $unset: { completedAt: '' } });
            throw new Error('worker lost (forced)');
          }
          return result;
        },
      }),
    });
  });
  afterAll(async () => {
    await api.close();
  });

  test('the retried commit writes every record exactly once', async () => {
    await api.request('PUT', `${S}/resources/provider/crash-existing`, { body: { data: { name: 'Before' } } });
    crashesLeft = 1;
    const res = await api.request('POST', `${S}/bundle`, {
      body: {
        resourceOperations: [
          { action: 'UPSERT', upsert: { id: 'crash-existing', type: 'provider', data: { name: 'After' } } },
          { action: 'CREATE', create: { id: 'crash-1', type: 'provider', data: { name: 'One' } } },
          { action: 'CREATE', create: { id: 'crash-2', type: 'provider', data: { name: 'Two' } } },
          { action: 'CREATE', create: { id: 'crash-3', type: 'provider', data: { name: 'Three' } } },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.resourceOperationReceipts.map((r: any) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(commitCalls).toBe(2);
    const existing = await stored(api, 'resources/provider/crash-existing');
    expect({ data: existing.data, versionId: existing.meta.versionId }).toEqual({ data: { name: 'After' }, versionId: '2' });
    for (const [id, name] of [['crash-1', 'One'], ['crash-2', 'Two'], ['crash-3', 'Three']]) {
      const doc = await stored(api, `resources/provider/${id}`);
      expect({ data: doc.data, versionId: doc.meta.versionId }).toEqual({ data: { name }, versionId: '1' });
    }
    expect((await task(api, res.body.taskId)).status).toBe('SUCCESS');
  });
});
