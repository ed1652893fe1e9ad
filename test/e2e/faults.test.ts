import { startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

// Real workflows and real activities, with the commit activity wrapped to force faults.
let api: TestApi;
let transientFailuresLeft = 0;
let receiptLostLeft = 0;
let commitCalls = 0;

beforeAll(async () => {
  api = await startApi({
    worker: true,
    activities: (real) => ({
      ...real,
      async commit(executionId: string) {
        commitCalls++;
        if (transientFailuresLeft > 0) {
          transientFailuresLeft--;
          // A crash right after the record was written, before the execution was marked: undo the marking,
          // then fail. The retry must find its own write (lastWrite) and not write a second version.
          await real.commit(executionId);
          const doc = await api.store.executions.findOneAndUpdate({ _id: executionId }, { $set: { status: 'IN_PROGRESS' } });
          if (doc) await api.store.receipts.updateOne({ _id: doc.receiptId }, { $set: { status: 'PENDING', 'pipelineExecution.status': 'IN_PROGRESS' }, $unset: { completedAt: '' } });
          throw new Error('connection reset (forced)');
        }
        if (receiptLostLeft > 0) {
          receiptLostLeft--;
          // A worker that died after marking the execution SUCCESSFUL, before the receipt's write.
          await real.commit(executionId);
          const doc = await api.store.executions.findOne({ _id: executionId });
          if (doc) await api.store.receipts.updateOne({ _id: doc.receiptId }, { $set: { status: 'PENDING', 'pipelineExecution.status': 'IN_PROGRESS' }, $unset: { completedAt: '' } });
          throw new Error('worker lost (forced)');
        }
        return real.commit(executionId);
      },
    }),
  });
});
afterAll(async () => {
  await api.close();
});

const S = '/sources/demo/v1';

test('a commit that fails after writing is retried and writes once', async () => {
  await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } }] } });
  transientFailuresLeft = 2;
  commitCalls = 0;
  const res = await api.request('PUT', `${S}/resources/clinic/fault-1`, { body: { data: { name: ' Retry ' } } });
  expect(res.status).toBe(202);
  // The forced crash briefly shows the receipt SUCCESS before resetting it: wait for the retries first.
  await waitFor(async () => commitCalls, (n) => n >= 3, 30_000, 'two retries of the commit');
  const task = await waitFor(async () => (await api.request('GET', `${S}/tasks/${res.body.taskId}?withReceipts=true`)).body, (t) => t.status !== 'PENDING', 30_000, 'task to settle');
  expect(task.status).toBe('SUCCESS');
  expect(commitCalls).toBe(3);
  const stored = await api.request('GET', `${S}/resources/clinic/fault-1`);
  expect(stored.body.data).toEqual({ name: 'Retry' });
  expect(stored.body.meta.versionId).toBe('1');
});

test('a commit that dies between the execution\'s write and the receipt\'s: the retry settles the receipt', async () => {
  await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } }] } });
  receiptLostLeft = 1;
  commitCalls = 0;
  const res = await api.request('PUT', `${S}/resources/clinic/fault-receipt`, { body: { data: { name: ' Half ' } } });
  expect(res.status).toBe(202);
  await waitFor(async () => commitCalls, (n) => n >= 2, 30_000, 'the retry of the commit');
  const task = await waitFor(async () => (await api.request('GET', `${S}/tasks/${res.body.taskId}?withReceipts=true`)).body, (t) => t.status !== 'PENDING', 30_000, 'task to settle');
  expect(task.status).toBe('SUCCESS');
  expect(task.receipts[0]).toMatchObject({ status: 'SUCCESS', pipelineExecution: { status: 'SUCCESSFUL' } });
  expect(task.receipts[0].completedAt).toEqual(expect.any(String));
  expect((await api.request('GET', `${S}/resources/clinic/fault-receipt`)).body.meta.versionId).toBe('1');
});

test('a DELETE while an UPDATE waits in review cancels it, and the record does not come back', async () => {
  await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [] } });
  await api.request('PUT', `${S}/resources/clinic/fault-2`, { body: { data: { name: 'Here' } } });
  // The pipeline holds UPDATEs for review; the DELETE supersedes, so the execution is CANCELLED and nothing comes back.
  await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [{ type: 'HUMAN_REVIEW', trigger: { type: 'OPERATOR', operator: { eq: { '@action': 'UPDATE' } } }, humanReview: {} }] } });
  const patch = await api.request('PATCH', `${S}/resources/clinic/fault-2`, { body: [{ op: 'replace', path: '/name', value: 'Changed' }] });
  expect(patch.status).toBe(202);
  const receipt = await waitFor(async () => (await api.request('GET', `${S}/tasks/${patch.body.taskId}?withReceipts=true`)).body.receipts[0], (r) => r.pipelineExecution?.status === 'IN_REVIEW', 15_000, 'review');
  expect((await api.request('DELETE', `${S}/resources/clinic/fault-2`)).status).toBe(200);
  const settled = await api.request('GET', `${S}/tasks/${patch.body.taskId}?withReceipts=true`);
  expect(settled.body.status).toBe('CANCELLED');
  expect((await api.request('GET', `${S}/pipelines/executions/${receipt.pipelineExecution.id}`)).body.status).toBe('CANCELLED');
  expect((await api.request('GET', `${S}/resources/clinic/fault-2`)).status).toBe(404);
  await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [] } });
});
