import { randomBytes } from 'node:crypto';
import { expectError, startApi, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

// The review console's API (issue #12): the queue across a key's sources with filters, cursors and counts; claims; a
// decision refused on an execution claimed by another reviewer; supersession leaving the queue. Real API, worker,
// Temporal and FerretDB.

let api: TestApi;
const S = '/sources/demo/v1';
const run = randomBytes(3).toString('hex');
const keys: Record<'ada' | 'bob' | 'reader' | 'other', string> = { ada: '', bob: '', reader: '', other: '' };
const ids: Record<'ada' | 'bob', string> = { ada: '', bob: '' };

async function makeKey(name: string, roles: string[], sources: string[]): Promise<{ key: string; id: string }> {
  const res = await api.request('POST', '/admin/v1/api-keys', { body: { name, email: `${name}@example.org`, roles, sources } });
  expect(res.status).toBe(201);
  return { key: res.body.key, id: res.body.id };
}

async function queue(key: string, query = ''): Promise<any> {
  const res = await api.request('GET', `/review/v1/queue${query}`, { key });
  expect(res.status).toBe(200);
  return res.body;
}

async function counts(key: string, query = ''): Promise<any> {
  const res = await api.request('GET', `/review/v1/queue/counts${query}`, { key });
  expect(res.status).toBe(200);
  return res.body;
}

/** Posts a clinic held for review and returns its execution id once it waits. */
async function held(id: string, name: string): Promise<string> {
  const res = await api.request('PUT', `${S}/resources/clinic/${id}`, { body: { data: { name } } });
  expect(res.status).toBe(202);
  const task = await waitFor(async () => (await api.request('GET', `${S}/tasks/${res.body.taskId}?withReceipts=true`)).body, (t) => t.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 20_000, `${id} in review`);
  return task.receipts[0].pipelineExecution.id;
}

const exec = (id: string) => `${S}/pipelines/executions/${id}`;

beforeAll(async () => {
  api = await startApi({ worker: true });
  expect((await api.request('PUT', `${S}/collections/clinic/pipeline`, { body: { steps: [
    { type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } },
    { type: 'HUMAN_REVIEW', humanReview: { instructions: 'Check new clinics', timeout: '7d', onTimeout: 'REJECT' } },
  ] } })).status).toBe(201);
  const ada = await makeKey('ada', ['review'], ['demo']);
  const bob = await makeKey('bob', ['review'], ['demo']);
  keys.ada = ada.key;
  keys.bob = bob.key;
  ids.ada = ada.id;
  ids.bob = bob.id;
  keys.reader = (await makeKey('reader', ['read'], ['demo'])).key;
  expect((await api.request('PUT', '/catalog/v1/sources/elsewhere', { body: { type: 'registry' } })).status).toBe(201);
  keys.other = (await makeKey('elsewhere', ['admin', 'review', 'read', 'ingest'], ['elsewhere'])).key;
});

afterAll(async () => {
  // Nothing may stay waiting: the record workflows' ids would outlive this database on the shared Temporal.
  const waiting = await api.store.executions.find({ status: 'IN_REVIEW' }).toArray();
  for (const e of waiting) await api.request('POST', `/sources/${e.source}/v1/pipelines/executions/${e._id}/decision`, { body: { action: 'REJECT' } });
  await waitFor(() => api.store.executions.countDocuments({ status: 'IN_REVIEW' }), (n) => n === 0, 20_000, 'no execution in review');
  await api.close();
});

test('the queue lists what waits, filtered, ordered and paged on the server, with counts per filter', async () => {
  const e1 = await held(`q1-${run}`, ' One ');
  const e2 = await held(`q2-${run}`, ' Two ');
  const e3 = await held(`q3-${run}`, ' Three ');
  const all = await waitFor(() => queue(keys.ada), (q) => q.data.length === 3, 10_000, 'three items in the queue');
  expect(all.data.map((i: any) => i.id)).toEqual([e1, e2, e3]);
  expect(all.data[0]).toEqual({
    id: e1, source: 'demo', targetType: 'RESOURCE', type: 'clinic', recordId: `q1-${run}`, action: 'UPSERT', pipelineDefinitionId: 'clinic.1',
    taskId: expect.stringMatching(/^s_/), stepIndex: 1, stepType: 'HUMAN_REVIEW', createdAt: expect.any(String), reviewSince: expect.any(String),
    timeoutAt: expect.any(String), onTimeout: 'REJECT',
  });
  const sevenDays = Date.parse(all.data[0].timeoutAt) - Date.parse(all.data[0].reviewSince);
  expect(sevenDays).toBe(7 * 86_400_000);

  expect((await queue(keys.ada, '?order=newest')).data.map((i: any) => i.id)).toEqual([e3, e2, e1]);
  const first = await queue(keys.ada, '?perPage=2');
  expect(first.data.map((i: any) => i.id)).toEqual([e1, e2]);
  const second = await queue(keys.ada, `?perPage=2&cursor=${first.nextCursor}`);
  expect(second).toEqual({ data: [expect.objectContaining({ id: e3 })] });
  const newestSecond = await queue(keys.ada, `?perPage=2&order=newest&cursor=${(await queue(keys.ada, '?perPage=2&order=newest')).nextCursor}`);
  expect(newestSecond.data.map((i: any) => i.id)).toEqual([e1]);
  expect((await queue(keys.ada, '?type=provider')).data).toEqual([]);
  expect((await queue(keys.ada, '?pipeline=clinic.1&source=demo')).data).toHaveLength(3);
  expect((await queue(keys.ada, '?olderThan=1h')).data).toEqual([]);

  expect(await counts(keys.ada)).toEqual({
    total: 3, sources: { demo: 3 }, types: { clinic: 3 }, pipelines: { 'clinic.1': 3 },
    claimedBy: { anyone: 3, me: 0, nobody: 3, others: 0 }, olderThan: { '1h': 0, '1d': 0, '7d': 0 },
  });
  // A filter's own counts ignore it: type=provider leaves 0 in total, but the type counts still show the clinics.
  expect(await counts(keys.ada, '?type=provider')).toEqual(expect.objectContaining({ total: 0, types: { clinic: 3 }, sources: {} }));
  // Read keys see the queue too.
  expect((await queue(keys.reader)).data).toHaveLength(3);
});

test('a key of another source sees nothing of demo, and may not ask for it', async () => {
  expect(await queue(keys.other)).toEqual({ data: [] });
  expect((await counts(keys.other)).total).toBe(0);
  expectError(await api.request('GET', '/review/v1/queue?source=demo', { key: keys.other }), 403, 'PERMISSION_DENIED');
  expectError(await api.request('GET', '/review/v1/queue/counts?source=demo', { key: keys.other }), 403, 'PERMISSION_DENIED');
  const [item] = (await queue(keys.ada)).data;
  expectError(await api.request('PUT', `${exec(item.id)}/assignment`, { key: keys.other }), 403, 'PERMISSION_DENIED');
  const me = await api.request('GET', '/review/v1/me', { key: keys.other });
  expect(me.body).toEqual({ id: expect.any(String), name: 'elsewhere', email: 'elsewhere@example.org', roles: ['admin', 'review', 'read', 'ingest'], sources: ['elsewhere'], temporal: { uiUrl: 'http://127.0.0.1:8233', namespace: 'default' } });
});

test('claims: one reviewer at a time; another is refused a claim, a release and a decision; an admin takes over', async () => {
  const [a, b] = (await queue(keys.ada)).data;
  expectError(await api.request('GET', `${exec(a.id)}/assignment`, { key: keys.reader }), 404, 'NOT_FOUND');
  const claimed = await api.request('PUT', `${exec(a.id)}/assignment`, { key: keys.ada });
  expect(claimed.status).toBe(201);
  expect(claimed.body).toEqual({ executionId: a.id, source: 'demo', by: { id: ids.ada, name: 'ada', email: 'ada@example.org' }, at: expect.any(String) });
  expect((await api.request('PUT', `${exec(a.id)}/assignment`, { key: keys.ada })).status).toBe(200);
  expect((await api.request('GET', `${exec(a.id)}/assignment`, { key: keys.reader })).body).toEqual(claimed.body);

  const refusedClaim = expectError(await api.request('PUT', `${exec(a.id)}/assignment`, { key: keys.bob }), 409, 'FAILED_PRECONDITION');
  expect(refusedClaim.message).toContain('claimed by ada <ada@example.org>');
  expectError(await api.request('DELETE', `${exec(a.id)}/assignment`, { key: keys.bob }), 409, 'FAILED_PRECONDITION');
  const refusedDecision = expectError(await api.request('POST', `${exec(a.id)}/decision`, { key: keys.bob, body: { action: 'APPROVE' } }), 409, 'FAILED_PRECONDITION');
  expect(refusedDecision.details).toEqual([{ path: 'assignment', message: 'claimed by ada <ada@example.org>' }]);
  expectError(await api.request('PUT', `${exec(a.id)}/assignment`, { key: keys.reader }), 403, 'PERMISSION_DENIED');

  // The queue shows the claim to both, filtered from each one's side.
  expect((await queue(keys.ada, '?claimedBy=me')).data.map((i: any) => i.id)).toEqual([a.id]);
  expect((await queue(keys.bob, '?claimedBy=others')).data.map((i: any) => i.id)).toEqual([a.id]);
  expect((await queue(keys.bob, '?claimedBy=nobody')).data.map((i: any) => i.id)).not.toContain(a.id);
  expect((await queue(keys.bob)).data.find((i: any) => i.id === a.id).assignment.by.name).toBe('ada');
  expect((await counts(keys.bob)).claimedBy).toEqual({ anyone: 3, me: 0, nobody: 2, others: 1 });

  // Released by its holder, then claimed by bob and taken over by an admin.
  expect((await api.request('DELETE', `${exec(a.id)}/assignment`, { key: keys.ada })).status).toBe(204);
  expect((await api.request('DELETE', `${exec(a.id)}/assignment`, { key: keys.ada })).status).toBe(204);
  expect((await api.request('PUT', `${exec(a.id)}/assignment`, { key: keys.bob })).status).toBe(201);
  const takeover = await api.request('PUT', `${exec(a.id)}/assignment`);
  expect(takeover.status).toBe(200);
  expect(takeover.body.by.id).toBe((await api.request('GET', '/review/v1/me')).body.id);

  // A decision on an unclaimed execution claims it for its key: of two reviewers deciding, the second is refused.
  const decided = await api.request('POST', `${exec(b.id)}/decision`, { key: keys.bob, body: { action: 'REJECT', description: 'duplicate' } });
  expect(decided.status).toBe(202);
  expectError(await api.request('POST', `${exec(b.id)}/decision`, { key: keys.ada, body: { action: 'APPROVE' } }), 409, 'FAILED_PRECONDITION');
  await waitFor(async () => (await api.request('GET', exec(b.id))).body.status, (s) => s === 'DROPPED', 20_000, 'rejected execution DROPPED');
  // Once it has left review, its entry and its claim are gone, and a claim is refused.
  expect(await api.store.reviewQueue.findOne({ _id: b.id })).toBeNull();
  expect(await api.store.reviewAssignments.findOne({ _id: b.id })).toBeNull();
  expect((await queue(keys.ada)).data.map((i: any) => i.id)).not.toContain(b.id);
  expectError(await api.request('PUT', `${exec(b.id)}/assignment`, { key: keys.ada }), 409, 'FAILED_PRECONDITION');

  // The admin decides the one it holds.
  expect((await api.request('POST', `${exec(a.id)}/decision`, { body: { action: 'APPROVE' } })).status).toBe(202);
  await waitFor(async () => (await api.request('GET', exec(a.id))).body.status, (s) => s === 'SUCCESSFUL', 20_000, 'approved execution SUCCESSFUL');
  expect((await api.request('GET', `${S}/resources/clinic/${a.recordId}`)).body.data).toEqual({ name: 'One' });
});

test('a newer request supersedes a waiting execution: it leaves the queue CANCELLED and the new one waits', async () => {
  const id = `sup-${run}`;
  const older = await held(id, 'First');
  await api.request('PUT', `${exec(older)}/assignment`, { key: keys.ada });
  const newer = await held(id, 'Second');
  expect(newer).not.toBe(older);
  expect((await api.request('GET', exec(older))).body.status).toBe('CANCELLED');
  const items = await waitFor(() => queue(keys.ada, '?claimedBy=anyone'), (q) => q.data.some((i: any) => i.id === newer), 10_000, 'the newer execution in the queue');
  expect(items.data.map((i: any) => i.id)).not.toContain(older);
  expect(await api.store.reviewAssignments.findOne({ _id: older })).toBeNull();
  const late = expectError(await api.request('POST', `${exec(older)}/decision`, { key: keys.ada, body: { action: 'APPROVE' } }), 409, 'FAILED_PRECONDITION');
  expect(late.message).toContain('CANCELLED');
});

test.each([
  ['?claimedBy=someone'], ['?olderThan=soon'], ['?order=random'], ['?perPage=0'], ['?perPage=500'], ['?cursor=%00'], ['?unknown=1'], ['?source=Not%20a%20key'],
])('bad queue query %s is a 400', async (query) => {
  expectError(await api.request('GET', `/review/v1/queue${query}`, { key: keys.ada }), 400, 'INVALID_ARGUMENT');
});

describe('the console\'s files at /console', () => {
  test('the page, its assets and its deep links are served without a key, with the security headers; others are 404', async () => {
    const page = await fetch(`${api.baseUrl}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    const html = await page.text();
    expect(html).toContain('<title>Sluice review console</title>');
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${api.baseUrl}${script}`);
    expect({ status: asset.status, type: asset.headers.get('content-type'), cache: asset.headers.get('cache-control') }).toEqual({ status: 200, type: expect.stringMatching(/javascript/), cache: 'public, max-age=31536000, immutable' });
    expect((await fetch(`${api.baseUrl}/console`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
    expect(await (await fetch(`${api.baseUrl}/console/queue/anything`)).text()).toBe(html);
    expect((await fetch(`${api.baseUrl}/console/assets/missing.js`)).status).toBe(404);
    expectError(await api.request('POST', '/console/', { key: null, body: {} }), 401, 'UNAUTHENTICATED');
  });

  test('before the build, the page is a 503 that says how to build it', async () => {
    const express = (await import('express')).default;
    const { consoleAssets } = await import('../../src/http/console-assets');
    const app = express().use(consoleAssets('/nonexistent/console'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/console/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('run `npm run build`');
    } finally {
      server.close();
    }
  });
});
