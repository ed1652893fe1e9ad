// The order of writes (docs/durability.md), tried as a user would, with competing requests sent at the same time through
// two APIs, each with its own worker, on one database and one task queue: the record ends with the data of the last
// request answered for it, a bulk operation overtaken by a newer request ends CANCELLED, and a decision decides one step.
import { startApi, type TestApi } from '../support/api';
import { checkFinal, type SentRequest } from '../support/order-model';
import { waitFor } from '../support/wait';

let a: TestApi;
let b: TestApi;
beforeAll(async () => {
  a = await startApi({ worker: true });
  b = await startApi({ worker: true, join: a });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const S = '/sources/demo/v1';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function task(api: TestApi, taskId: string): Promise<any> {
  return (await api.request('GET', `${S}/tasks/${taskId}?withReceipts=true`)).body;
}

async function settled(taskIds: string[], timeoutMs = 120_000): Promise<any[]> {
  const statuses = async (): Promise<string[]> => Promise.all(taskIds.map(async (t) => (await a.request('GET', `${S}/tasks/${t}`)).body.status as string));
  await waitFor(statuses, (ss) => ss.every((x) => x !== 'PENDING'), timeoutMs, 'every task to settle');
  return Promise.all(taskIds.map((t) => task(a, t)));
}

/** Sends a request and records when it was sent and answered. */
async function timed(api: TestApi, method: string, path: string, body: unknown): Promise<{ status: number; body: any; sentAt: number; answeredAt: number }> {
  const sentAt = performance.now();
  const res = await api.request(method, path, { body });
  return { status: res.status, body: res.body, sentAt, answeredAt: performance.now() };
}

test('two writes of one record a few ms apart through two APIs (the second triggers no step): each record ends with the data of the request answered last', async () => {
  expect((await a.request('PUT', `${S}/profiles/item`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' }, mode: { type: 'symbol' } } } })).status).toBeLessThan(300);
  expect((await a.request('PUT', `${S}/collections/item/pipeline`, { body: { steps: [
    { type: 'NORMALIZER', trigger: { type: 'OPERATOR', operator: { eq: { mode: 'norm' } } }, normalizer: { properties: [{ property: 'name', trim: true }] } },
  ] } })).status).toBeLessThan(300);
  const ids = Array.from({ length: 40 }, (_, i) => `item-${i}`);
  for (const id of ids) expect((await a.request('PUT', `${S}/resources/item/${id}`, { body: { data: { name: 'before', mode: 'plain' } } })).status).toBe(201);

  const violations: string[] = [];
  let sAnsweredLast = 0;
  // Three rounds on the same records: each round starts from what the one before left.
  for (let round = 0; round < 3; round++) {
    const initial = new Map<string, unknown>();
    for (const id of ids) initial.set(id, (await a.request('GET', `${S}/resources/item/${id}`)).body.data);
    const runs = await Promise.all(ids.map(async (id, i) => {
      const p = timed(a, 'PUT', `${S}/resources/item/${id}`, { data: { name: ' P ', mode: 'norm' } });
      await sleep(i % 10);
      const s = timed(b, 'PUT', `${S}/resources/item/${id}`, { data: { name: 'S', mode: 'plain' } });
      return { id, p: await p, s: await s };
    }));
    for (const r of runs) {
      expect(r.p.status).toBe(202);
      expect(r.s.status).toBe(200);
    }
    const tasks = await settled(runs.map((r) => r.p.body.taskId));
    for (const [i, r] of runs.entries()) {
      const pTask = tasks[i];
      const final = (await a.request('GET', `${S}/resources/item/${r.id}`)).body.data;
      const requests: SentRequest[] = [
        { name: `P ${pTask.taskId}`, sentAt: r.p.sentAt, answeredAt: r.p.answeredAt, applied: pTask.status === 'SUCCESS' ? 'yes' : 'no', expected: { name: 'P', mode: 'norm' } },
        { name: `S ${r.s.body.taskId}`, sentAt: r.s.sentAt, answeredAt: r.s.answeredAt, applied: 'yes', expected: { name: 'S', mode: 'plain' } },
      ];
      const problem = checkFinal(r.id, requests, final, initial.get(r.id) as Record<string, unknown>);
      if (problem) violations.push(problem);
      // Every P that lost ended CANCELLED with its receipt, never SUCCESS with its write overwritten out of order.
      expect(['SUCCESS', 'CANCELLED']).toContain(pTask.status);
      // The case of the report: S answered after P's 202. S claimed the record after P did, so S stands.
      if (r.s.answeredAt > r.p.answeredAt) {
        sAnsweredLast++;
        if (final.name !== 'S') violations.push(`${r.id}: S was answered after P's 202, but the record holds ${JSON.stringify(final)}`);
      }
      if (pTask.status === 'CANCELLED') expect(pTask.receipts[0].pipelineExecution.status).toBe('CANCELLED');
      // The record's history lists exactly the applied writes: the initial one, P's if it was applied, and S's.
      const history = (await a.request('GET', `${S}/history/resources/item/${r.id}/operations?perPage=50`)).body;
      const taskIds = (Array.isArray(history) ? history : history.data).map((item: { taskId: string }) => item.taskId);
      expect(taskIds).toContain(r.s.body.taskId);
      expect(taskIds.includes(pTask.taskId)).toBe(pTask.status === 'SUCCESS');
    }
  }
  expect(violations).toEqual([]);
  // Both cases happen: S is sent 0-9 ms after P, and P's 202 waits for Temporal to take the execution.
  expect(sAnsweredLast).toBeGreaterThan(0);
}, 240_000);

test('a bulk accepted before single writes of some of its records: those operations end CANCELLED, the single writes stand', async () => {
  // Operations other than CREATEs take the single path one by one: 600 leave time for the single writes to come first.
  const n = 600;
  const ids = Array.from({ length: n }, (_, i) => `bk-${i}`);
  const bulk = await timed(a, 'POST', `${S}/resources/bulk`, { operations: ids.map((id) => ({ action: 'UPSERT', upsert: { id, type: 'provider', data: { name: `bulk ${id}` } } })) });
  expect(bulk.status).toBe(202);
  const last = ids.slice(-20);
  const puts = await Promise.all(last.map((id, i) => timed(i % 2 ? b : a, 'PUT', `${S}/resources/provider/${id}`, { data: { name: `single ${id}` } })));
  for (const put of puts) expect([200, 201]).toContain(put.status);
  const [bulkTask] = await settled([bulk.body.taskId]);
  const receipts = new Map<string, any>();
  for (let cursor: string | undefined, page = 0; page < 100; page++) {
    const res = await a.request('GET', `${S}/tasks/${bulk.body.taskId}?withReceipts=true&perPage=1000${cursor ? `&cursor=${cursor}` : ''}`);
    for (const r of res.body.receipts) receipts.set(r.id, r);
    cursor = res.body.nextCursor;
    if (!cursor) break;
  }
  for (const [i, id] of last.entries()) {
    const stored = (await a.request('GET', `${S}/resources/provider/${id}`)).body;
    expect(stored.data).toEqual({ name: `single ${id}` });
    const receipt = receipts.get(id);
    // Reached after the single write claimed the record: overtaken, not applied. (Reached before: applied, then replaced.)
    expect(['CANCELLED', 'SUCCESS']).toContain(receipt.status);
    if (receipt.status === 'CANCELLED') expect(receipt.error.message).toMatch(/newer request/);
    expect(puts[i]?.answeredAt).toBeGreaterThan(bulk.answeredAt);
  }
  const cancelled = last.filter((id) => receipts.get(id).status === 'CANCELLED').length;
  expect(cancelled).toBeGreaterThan(0);
  expect(bulkTask.status).toBe('FAILURE');
  expect(bulkTask.counts).toEqual({ SUCCESS: n - cancelled, FAILURE: 0, CANCELLED: cancelled, PENDING: 0 });
  for (const id of ids.slice(0, 20)) expect((await a.request('GET', `${S}/resources/provider/${id}`)).body.data).toEqual({ name: `bulk ${id}` });
}, 240_000);

test('a double click on Approve through two APIs decides one step: one 202, one 409, and the second step still waits for its own reviewer', async () => {
  const reviewer2 = await a.key(['review'], ['demo']);
  expect((await a.request('PUT', `${S}/profiles/twice`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBeLessThan(300);
  expect((await a.request('PUT', `${S}/collections/twice/pipeline`, { body: { steps: [
    { type: 'HUMAN_REVIEW', humanReview: { instructions: 'first look' } },
    { type: 'HUMAN_REVIEW', humanReview: { instructions: 'second look, by someone else', distinctReviewer: true } },
  ] } })).status).toBeLessThan(300);
  const ids = Array.from({ length: 8 }, (_, i) => `twice-${i}`);
  const created = await Promise.all(ids.map((id) => a.request('POST', `${S}/resources/twice`, { body: { id, data: { name: id } } })));
  const executions = await Promise.all(created.map(async (c) => {
    const t = await waitFor(() => task(a, c.body.taskId), (x) => x.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 30_000, 'first review');
    return t.receipts[0].pipelineExecution.id as string;
  }));
  for (const execution of executions) {
    const path = `${S}/pipelines/executions/${execution}/decision`;
    const clicks = await Promise.all([a.request('POST', path, { body: { action: 'APPROVE' } }), b.request('POST', path, { body: { action: 'APPROVE' } })]);
    expect(clicks.map((c) => c.status).sort()).toEqual([202, 409]);
    const refused = clicks.find((c) => c.status === 409) as { body: any };
    expect(refused.body).toMatchObject({ code: 409, type: 'FAILED_PRECONDITION', message: expect.stringMatching(/step 0 .* decided already/) });
    const atStep2 = await waitFor(async () => (await a.request('GET', `${S}/pipelines/executions/${execution}`)).body, (e) => e.steps[1].status === 'IN_REVIEW', 30_000, 'the second review');
    expect(atStep2.status).toBe('IN_REVIEW');
    expect(atStep2.steps[0]).toMatchObject({ status: 'PROCESSED', decision: { action: 'APPROVE' } });
  }
  // Nothing was stored after one look.
  for (const id of ids) expect((await a.request('GET', `${S}/resources/twice/${id}`)).status).toBe(404);
  // The second step wants another reviewer: the same key is refused, another key decides it.
  const same = await a.request('POST', `${S}/pipelines/executions/${executions[0]}/decision`, { body: { action: 'APPROVE' } });
  expect(same.status).toBe(409);
  expect(same.body.message).toMatch(/needs another reviewer/);
  for (const execution of executions) {
    expect((await b.request('POST', `${S}/pipelines/executions/${execution}/decision`, { key: reviewer2, body: { action: 'APPROVE' } })).status).toBe(202);
  }
  const done = await settled(created.map((c) => c.body.taskId), 60_000);
  expect(done.map((t) => t.status)).toEqual(Array(8).fill('SUCCESS'));
  for (const id of ids) expect((await a.request('GET', `${S}/resources/twice/${id}`)).body.data).toEqual({ name: id });
}, 240_000);
