import type { Role } from '../../src/domain';
import { ROUTES } from '../../src/http/routes';
import { expectError, startApi, type TestApi } from '../support/api';
import { WRITE_BODIES, concretePath, sendRaw } from '../support/route-probes';
import { waitFor } from '../support/wait';

// Every route of the table × every kind of caller (issue #11): no key, an unknown key, each role on source demo, a
// key of another source. The expected answer comes from the route's declared access, so a new route is checked by
// being in the table. Afterwards nothing of source `other` has changed, however the demo keys tried to reach it.

let api: TestApi;
const keys: Record<string, string> = {};
const ROLES: Role[] = ['read', 'ingest', 'review', 'admin'];

beforeAll(async () => {
  api = await startApi({ worker: true });
  expect((await api.request('PUT', '/catalog/v1/sources/other', { body: { type: 'registry' } })).status).toBe(201);
  expect((await api.request('PUT', '/sources/other/v1/profiles/thing', { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBe(201);
  expect((await api.request('PUT', '/sources/other/v1/resources/thing/t-1', { body: { data: { name: 'other thing' } } })).status).toBe(201);
  // An execution of source other waiting in review: a target for cross-source decisions.
  expect((await api.request('PUT', '/sources/other/v1/collections/thing/pipeline', { body: { steps: [{ type: 'HUMAN_REVIEW', humanReview: {} }] } })).status).toBe(201);
  const held = await api.request('PUT', '/sources/other/v1/resources/thing/t-2', { body: { data: { name: 'held thing' } } });
  expect(held.status).toBe(202);
  await waitFor(async () => (await api.store.executions.findOne({ source: 'other' }))?.status, (st) => st === 'IN_REVIEW', 20_000, 'other execution in review');
  expect((await api.request('PUT', '/sources/demo/v1/resources/provider/p-1', { body: { data: { name: 'Dr. Matrix' } } })).status).toBe(201);
  expect((await api.request('PUT', '/sources/demo/v1/resources/office/o-1', { body: { data: { name: 'Matrix Office' } } })).status).toBe(201);
  for (const role of ROLES) keys[role] = await api.key([role], ['demo']);
  keys.other = await api.key(['admin', 'ingest', 'review', 'read'], ['other']);
});
afterAll(async () => {
  // End the held execution of source other: its record workflow's id (fixed, t-2) would outlive this database on a
  // shared Temporal and hold the next run's write of t-2.
  const held = await api.store.executions.findOne({ source: 'other', status: 'IN_REVIEW' });
  if (held) await api.request('POST', `/sources/other/v1/pipelines/executions/${held._id}/decision`, { body: { action: 'REJECT' } });
  await waitFor(async () => api.store.executions.countDocuments({ source: 'other', status: 'IN_REVIEW' }), (n) => n === 0, 20_000, 'the held execution of other to end');
  await api.close();
});

/** Every document of source `other`, and every API key: what no demo key may change. */
async function otherSource(): Promise<string> {
  const names = (await api.store.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const all: Record<string, unknown[]> = {};
  for (const name of names) {
    const filter = name === 'api_keys' ? {} : { $or: [{ source: 'other' }, { _id: { $regex: '^other([/:]|$)' } }] };
    const docs = await api.store.db.collection(name).find(filter as never).sort({ _id: 1 }).toArray();
    // A collection that demo requests create (empty of other's documents) is no change to other.
    if (docs.length) all[name] = docs;
  }
  return JSON.stringify(all);
}

type Caller = 'no key' | 'unknown key' | Role | 'other';

/** What the route's declared access lets a caller do on source demo: 'denied' (401/403) or 'allowed' (any other answer). */
function expected(route: (typeof ROUTES)[number], caller: Caller): 401 | 403 | 'allowed' {
  if (route.access === 'public') return 'allowed';
  if (caller === 'no key' || caller === 'unknown key') return 401;
  const { roles, scope } = route.access;
  const callerRoles: Role[] = caller === 'other' ? ['admin', 'ingest', 'review', 'read'] : [caller];
  const hasRole = callerRoles.includes('admin') || roles.some((r) => callerRoles.includes(r));
  if (!hasRole) return 403;
  if (scope === 'every-source') return 403; // no key here holds `*`
  if (scope === 'source' && caller === 'other') return 403;
  return 'allowed';
}

test('every route × every caller answers as the route declares; nothing of another source changes', async () => {
  const before = await otherSource();
  const callers: Caller[] = ['no key', 'unknown key', ...ROLES, 'other'];
  const wrong: string[] = [];
  let cells = 0;
  for (const r of ROUTES) {
    const path = concretePath(r.path);
    for (const caller of callers) {
      const key = caller === 'no key' ? null : caller === 'unknown key' ? 'sk_unknown_key_of_nobody' : keys[caller]!;
      const body = WRITE_BODIES[r.operationId] ?? (r.body ? {} : undefined);
      const res = await sendRaw(api.baseUrl, r.method.toUpperCase(), path, key, body);
      const want = expected(r, caller);
      const ok = want === 'allowed' ? res.status !== 401 && res.status !== 403 && res.status < 500 : res.status === want && res.body?.type === (want === 401 ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED');
      if (!ok) wrong.push(`${r.method.toUpperCase()} ${path} as ${caller}: expected ${want}, got ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      cells++;
    }
  }
  expect(wrong).toEqual([]);
  expect(cells).toBe(ROUTES.length * callers.length);
  expect(await otherSource()).toEqual(before);
}, 120_000);

test('demo keys cannot reach source other through bulk, bundle, relationships, decisions, purge or key management', async () => {
  const before = await otherSource();
  const execution = await api.store.executions.findOne({ source: 'other' });
  expect(execution).not.toBeNull();
  const attempts: Array<[string, string, string, unknown, number, string]> = [
    ['ingest', 'POST', '/sources/other/v1/resources/bulk', WRITE_BODIES.bulkResources, 403, 'PERMISSION_DENIED'],
    ['ingest', 'POST', '/sources/other/v1/bundle', WRITE_BODIES.submitBundle, 403, 'PERMISSION_DENIED'],
    ['ingest', 'POST', '/sources/other/v1/purge', { collectionType: 'resources', collectionKey: 'thing' }, 403, 'PERMISSION_DENIED'],
    // A relationship of demo whose end is a record of other: that record is no record of demo.
    ['ingest', 'POST', '/sources/demo/v1/relationships/provider-office', { from: { id: 'p-1', type: 'provider' }, to: { id: 't-1', type: 'thing' } }, 400, 'INVALID_ARGUMENT'],
    ['ingest', 'POST', '/sources/demo/v1/resources/bulk', { operations: [{ action: 'DELETE', delete: { type: 'thing', id: 't-1' } }] }, 202, ''],
    ['review', 'POST', `/sources/other/v1/pipelines/executions/${execution!._id}/decision`, { action: 'APPROVE' }, 403, 'PERMISSION_DENIED'],
    ['review', 'POST', `/sources/demo/v1/pipelines/executions/${execution!._id}/decision`, { action: 'APPROVE' }, 404, 'NOT_FOUND'],
    ['admin', 'POST', '/admin/v1/api-keys', { name: 'wider', roles: ['admin'], sources: ['other'] }, 403, 'PERMISSION_DENIED'],
    ['admin', 'PUT', '/catalog/v1/sources/other', { type: 'registry', description: 'taken over' }, 403, 'PERMISSION_DENIED'],
    ['admin', 'PUT', '/sources/other/v1/profiles/thing', { type: 'ROOT', properties: {} }, 403, 'PERMISSION_DENIED'],
  ];
  const bulks: string[] = [];
  for (const [role, method, path, body, status, type] of attempts) {
    const res = await api.request(method, path, { key: keys[role]!, body });
    if (type) expectError(res, status, type);
    else expect(res.status).toBe(status);
    if (res.status === 202) bulks.push(res.body.taskId as string);
  }
  // The demo bulk that names other's record ran, and failed: demo has no such type.
  for (const taskId of bulks) {
    const task = await waitFor(async () => (await api.request('GET', `/sources/demo/v1/tasks/${taskId}`)).body, (t) => t.status !== 'PENDING', 20_000, 'demo bulk settled');
    expect(task.status).toBe('FAILURE');
  }
  expect(await api.store.executions.findOne({ source: 'other' })).toEqual(expect.objectContaining({ status: 'IN_REVIEW' }));
  expect(await otherSource()).toEqual(before);
});
