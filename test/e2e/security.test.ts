import { hashKey } from '../../src/services/api-keys';
import { expectError, startApi, type HttpResult, type TestApi } from '../support/api';
import { waitFor } from '../support/wait';

let api: TestApi;
let readKey: string;
let ingestKey: string;
let reviewKey: string;
let demoAdminKey: string;
let bothIngestKey: string;

beforeAll(async () => {
  api = await startApi({ worker: true });
  expect((await api.request('PUT', '/catalog/v1/sources/other', { body: { type: 'registry', description: 'A second registry' } })).status).toBe(201);
  const thing = { type: 'ROOT', properties: { name: { type: 'symbol', rules: [{ required: true }] } } };
  expect((await api.request('PUT', '/sources/other/v1/profiles/thing', { body: thing })).status).toBe(201);
  expect((await api.request('PUT', '/sources/other/v1/resources/thing/t-1', { body: { data: { name: 'secret thing' } } })).status).toBe(201);
  readKey = await api.key(['read'], ['demo']);
  ingestKey = await api.key(['ingest'], ['demo']);
  reviewKey = await api.key(['review'], ['demo']);
  demoAdminKey = await api.key(['admin'], ['demo']);
  bothIngestKey = await api.key(['ingest'], ['demo', 'other']);
});
afterAll(async () => {
  await api.close();
});

const D = '/sources/demo/v1';
const O = '/sources/other/v1';
const provider = { data: { name: 'Dr. Who' } };

async function counts(): Promise<Record<string, number>> {
  const s = api.store;
  const [resources, relationships, profiles, relationshipDefinitions, pipelines, sources, apiKeys, tasks, receipts] = await Promise.all([
    s.resources.countDocuments({}), s.relationships.countDocuments({}), s.profiles.countDocuments({}), s.relationshipDefinitions.countDocuments({}),
    s.pipelines.countDocuments({}), s.sources.countDocuments({}), s.apiKeys.countDocuments({}), s.tasks.countDocuments({}), s.receipts.countDocuments({}),
  ]);
  return { resources, relationships, profiles, relationshipDefinitions, pipelines, sources, apiKeys, tasks, receipts };
}

/** Runs `send`, checks the answer is `status`/`type`, and that no collection changed. */
async function expectRefusedWithoutWrites(send: () => Promise<HttpResult>, status: number, type: string): Promise<void> {
  const before = await counts();
  expectError(await send(), status, type);
  expect(await counts()).toEqual(before);
}

/** Polls until `check` holds or `timeoutMs` passes (the API caches key lookups for up to 5 s). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 8000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((done) => setTimeout(done, 200));
  }
}

describe('authentication', () => {
  test.each<[string, string, string, unknown]>([
    ['list sources', 'GET', '/catalog/v1/sources', undefined],
    ['read a resource', 'GET', `${D}/resources/provider/anything`, undefined],
    ['create a resource', 'POST', `${D}/resources/provider`, provider],
    ['put a profile', 'PUT', `${D}/profiles/sneaky`, { type: 'ROOT', properties: {} }],
    ['list keys', 'GET', '/admin/v1/api-keys', undefined],
    ['create a key', 'POST', '/admin/v1/api-keys', { name: 'x', roles: ['admin'], sources: ['*'] }],
  ])('no key → 401 UNAUTHENTICATED (%s), nothing written', async (_name, method, path, body) => {
    await expectRefusedWithoutWrites(() => api.request(method, path, { key: null, ...(body !== undefined ? { body } : {}) }), 401, 'UNAUTHENTICATED');
  });

  test('an unknown key → 401, an empty key → 401, nothing written', async () => {
    await expectRefusedWithoutWrites(() => api.request('POST', `${D}/resources/provider`, { key: 'sk_not_a_real_key_at_all', body: provider }), 401, 'UNAUTHENTICATED');
    await expectRefusedWithoutWrites(() => api.request('POST', `${D}/resources/provider`, { key: null, headers: { 'x-api-key': '' }, body: provider }), 401, 'UNAUTHENTICATED');
    await expectRefusedWithoutWrites(() => api.request('GET', '/admin/v1/api-keys', { key: `${api.adminKey}x` }), 401, 'UNAUTHENTICATED');
  });

  test('a 401 for an unknown source does not reveal whether it exists', async () => {
    const res = await api.request('GET', '/sources/no-such-source/v1/resources/provider/x', { key: null });
    expectError(res, 401, 'UNAUTHENTICATED');
  });

  test('the alias header X-Clinia-API-Key authenticates too', async () => {
    const read = await api.request('GET', '/catalog/v1/sources/demo', { key: null, headers: { 'X-Clinia-API-Key': api.adminKey } });
    expect(read.status).toBe(200);
    expect(read.body.key).toBe('demo');
    const created = await api.request('POST', `${D}/resources/provider`, { key: null, headers: { 'X-Clinia-API-Key': ingestKey }, body: provider });
    expect(created.status).toBe(201);
    expect(await api.store.resources.countDocuments({ source: 'demo', id: created.body.resource.id })).toBe(1);
    expectError(await api.request('GET', '/catalog/v1/sources', { key: null, headers: { 'X-Clinia-API-Key': 'sk_unknown_alias_key' } }), 401, 'UNAUTHENTICATED');
  });
});

describe('roles', () => {
  test('a read key can GET resources, profiles and sources', async () => {
    const created = await api.request('POST', `${D}/resources/provider`, { body: provider });
    expect(created.status).toBe(201);
    const id = created.body.resource.id as string;
    const read = await api.request('GET', `${D}/resources/provider/${id}`, { key: readKey });
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual(provider.data);
    expect((await api.request('GET', `${D}/resources/provider`, { key: readKey })).status).toBe(200);
    expect((await api.request('GET', `${D}/profiles/provider`, { key: readKey })).status).toBe(200);
    expect((await api.request('GET', `${D}/tasks/${created.body.taskId}`, { key: readKey })).status).toBe(200);
    expect((await api.request('GET', '/catalog/v1/sources/demo', { key: readKey })).status).toBe(200);
  });

  test('a read key cannot write: POST, PUT, PATCH and DELETE of a resource → 403, nothing written', async () => {
    const created = await api.request('PUT', `${D}/resources/provider/read-target`, { body: provider });
    expect(created.status).toBe(201);
    await expectRefusedWithoutWrites(() => api.request('POST', `${D}/resources/provider`, { key: readKey, body: provider }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('PUT', `${D}/resources/provider/read-target`, { key: readKey, body: { data: { name: 'changed' } } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('PATCH', `${D}/resources/provider/read-target`, { key: readKey, body: [{ op: 'replace', path: '/name', value: 'changed' }] }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('DELETE', `${D}/resources/provider/read-target`, { key: readKey }), 403, 'PERMISSION_DENIED');
    expect((await api.request('GET', `${D}/resources/provider/read-target`)).body.data).toEqual(provider.data);
  });

  test('a review key cannot write resources (403)', async () => {
    await expectRefusedWithoutWrites(() => api.request('POST', `${D}/resources/provider`, { key: reviewKey, body: provider }), 403, 'PERMISSION_DENIED');
  });

  test('an ingest key writes resources', async () => {
    const created = await api.request('POST', `${D}/resources/provider`, { key: ingestKey, body: provider });
    expect(created.status).toBe(201);
    const id = created.body.resource.id as string;
    const patched = await api.request('PATCH', `${D}/resources/provider/${id}`, { key: ingestKey, body: [{ op: 'replace', path: '/name', value: 'Dr. Who II' }] });
    expect(patched.status).toBe(200);
    expect((await api.store.resources.findOne({ source: 'demo', type: 'provider', id }))?.data).toEqual({ name: 'Dr. Who II' });
  });

  test('an ingest key cannot change the catalog: profiles, relationship definitions, pipelines, sources → 403, nothing written', async () => {
    await expectRefusedWithoutWrites(() => api.request('PUT', `${D}/profiles/ingested`, { key: ingestKey, body: { type: 'ROOT', properties: {} } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('PUT', `${D}/profiles/provider`, { key: ingestKey, body: { type: 'ROOT', properties: {} } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(
      () => api.request('PUT', `${D}/relationship-definitions/clinic-office`, { key: ingestKey, body: { from: { profileKey: 'clinic' }, to: { profileKey: 'office' } } }),
      403, 'PERMISSION_DENIED',
    );
    await expectRefusedWithoutWrites(
      () => api.request('PUT', `${D}/collections/provider/pipeline`, { key: ingestKey, body: { steps: [{ type: 'HUMAN_REVIEW', humanReview: {} }] } }),
      403, 'PERMISSION_DENIED',
    );
    await expectRefusedWithoutWrites(() => api.request('PUT', '/catalog/v1/sources/demo', { key: ingestKey, body: { type: 'registry', description: 'hijacked' } }), 403, 'PERMISSION_DENIED');
    expect((await api.request('GET', `${D}/profiles/provider`)).body.properties.name).toBeDefined();
  });

  test('an ingest key cannot manage keys (403), nothing written', async () => {
    await expectRefusedWithoutWrites(() => api.request('POST', '/admin/v1/api-keys', { key: ingestKey, body: { name: 'escalate', roles: ['admin'], sources: ['*'] } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('GET', '/admin/v1/api-keys', { key: ingestKey }), 403, 'PERMISSION_DENIED');
    const victim = (await api.store.apiKeys.findOne({ hash: hashKey(readKey) }))?._id;
    expect(victim).toBeDefined();
    await expectRefusedWithoutWrites(() => api.request('DELETE', `/admin/v1/api-keys/${victim}`, { key: ingestKey }), 403, 'PERMISSION_DENIED');
  });

  test('mixed-case paths are no route (404, routing is case-sensitive), nothing written', async () => {
    await expectRefusedWithoutWrites(() => api.request('PUT', `${D}/Profiles/ingested`, { key: ingestKey, body: { type: 'ROOT', properties: {} } }), 404, 'NOT_FOUND');
    await expectRefusedWithoutWrites(() => api.request('PUT', '/sources/demo/V1/collections/provider/pipeline', { key: ingestKey, body: { steps: [] } }), 404, 'NOT_FOUND');
  });
});

describe('sources of a key', () => {
  test('a demo key cannot read source other: resources, profiles, tasks, catalog → 403', async () => {
    for (const key of [readKey, ingestKey, demoAdminKey]) {
      expectError(await api.request('GET', `${O}/resources/thing/t-1`, { key }), 403, 'PERMISSION_DENIED');
      expectError(await api.request('GET', `${O}/resources/thing`, { key }), 403, 'PERMISSION_DENIED');
      expectError(await api.request('GET', `${O}/profiles`, { key }), 403, 'PERMISSION_DENIED');
      expectError(await api.request('GET', `${O}/profiles/thing`, { key }), 403, 'PERMISSION_DENIED');
      expectError(await api.request('GET', '/catalog/v1/sources/other', { key }), 403, 'PERMISSION_DENIED');
    }
  });

  test('a demo key cannot write source other, even its unknown types (403, not 404); nothing written', async () => {
    await expectRefusedWithoutWrites(() => api.request('POST', `${O}/resources/thing`, { key: ingestKey, body: { data: { name: 'planted' } } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('PUT', `${O}/resources/thing/t-1`, { key: ingestKey, body: { data: { name: 'overwritten' } } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('DELETE', `${O}/resources/thing/t-1`, { key: ingestKey }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('POST', `${O}/resources/unknownType`, { key: ingestKey, body: { data: {} } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('GET', `${O}/resources/unknownType/x`, { key: readKey }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('PUT', `${O}/profiles/thing`, { key: demoAdminKey, body: { type: 'ROOT', properties: {} } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('PUT', '/catalog/v1/sources/other', { key: demoAdminKey, body: { type: 'registry', description: 'mine now' } }), 403, 'PERMISSION_DENIED');
    const stored = await api.store.resources.findOne({ source: 'other', type: 'thing', id: 't-1' });
    expect(stored?.data).toEqual({ name: 'secret thing' });
    expect((await api.store.sources.findOne({ _id: 'other' }))?.description).toBe('A second registry');
  });

  test('a demo key gets 403 for a source that does not exist, so source names cannot be probed', async () => {
    expectError(await api.request('GET', '/sources/not-there/v1/resources/provider/x', { key: ingestKey }), 403, 'PERMISSION_DENIED');
    expectError(await api.request('GET', '/sources/not-there/v1/resources/provider/x'), 404, 'NOT_FOUND');
  });

  test('a demo-scoped admin cannot create a new source (403), nothing written', async () => {
    await expectRefusedWithoutWrites(() => api.request('PUT', '/catalog/v1/sources/brand-new', { key: demoAdminKey, body: { type: 'registry' } }), 403, 'PERMISSION_DENIED');
  });

  test('a demo key lists only its own sources', async () => {
    const res = await api.request('GET', '/catalog/v1/sources', { key: readKey });
    expect(res.status).toBe(200);
    expect((res.body.data as Array<{ key: string }>).map((s) => s.key)).toEqual(['demo']);
    const all = await api.request('GET', '/catalog/v1/sources');
    expect((all.body.data as Array<{ key: string }>).map((s) => s.key)).toEqual(expect.arrayContaining(['demo', 'other']));
  });

  test('a task of source other is not visible through source demo', async () => {
    const created = await api.request('POST', `${O}/resources/thing`, { key: bothIngestKey, body: { data: { name: 'both' } } });
    expect(created.status).toBe(201);
    expectError(await api.request('GET', `${D}/tasks/${created.body.taskId}`, { key: readKey }), 404, 'NOT_FOUND');
    expectError(await api.request('GET', `${O}/tasks/${created.body.taskId}`, { key: readKey }), 403, 'PERMISSION_DENIED');
    expect((await api.request('GET', `${O}/tasks/${created.body.taskId}`, { key: bothIngestKey })).status).toBe(200);
  });

  test('a resource of source other is not readable through source demo even with the same type and id', async () => {
    expect((await api.request('PUT', `${O}/profiles/provider`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBe(201);
    expect((await api.request('PUT', `${O}/resources/provider/shared-id`, { body: { data: { name: 'other provider' } } })).status).toBe(201);
    expectError(await api.request('GET', `${D}/resources/provider/shared-id`, { key: readKey }), 404, 'NOT_FOUND');
    expect((await api.request('PUT', `${D}/resources/provider/shared-id`, { key: ingestKey, body: { data: { name: 'demo provider' } } })).status).toBe(201);
    expect((await api.store.resources.findOne({ source: 'other', type: 'provider', id: 'shared-id' }))?.data).toEqual({ name: 'other provider' });
  });
});

describe('key management', () => {
  test('a * admin creates a key (201, secret once), lists keys without secrets, deletes it (204); the deleted key then gets 401', async () => {
    const created = await api.request('POST', '/admin/v1/api-keys', { body: { name: 'pharmacy feed', email: 'feed@example.org', roles: ['ingest', 'read'], sources: ['demo'] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String), name: 'pharmacy feed', email: 'feed@example.org', roles: ['ingest', 'read'], sources: ['demo'],
      createdAt: expect.any(String), key: expect.any(String),
    });
    const secret = created.body.key as string;
    expect(secret.length).toBeGreaterThanOrEqual(32);

    const used = await api.request('POST', `${D}/resources/provider`, { key: secret, body: provider });
    expect(used.status).toBe(201);

    const list = await api.request('GET', '/admin/v1/api-keys');
    expect(list.status).toBe(200);
    const mine = (list.body.data as Array<Record<string, unknown>>).find((k) => k.id === created.body.id);
    expect(mine).toEqual({ id: created.body.id, name: 'pharmacy feed', email: 'feed@example.org', roles: ['ingest', 'read'], sources: ['demo'], createdAt: created.body.createdAt });
    const listed = JSON.stringify(list.body);
    expect(listed).not.toContain(secret);
    expect(listed).not.toContain(api.adminKey);
    expect(listed).not.toContain(hashKey(secret));
    expect(listed).not.toContain('"hash"');
    expect(listed).not.toContain('"key"');

    const removed = await api.request('DELETE', `/admin/v1/api-keys/${created.body.id}`);
    expect(removed.status).toBe(204);
    expect(await api.store.apiKeys.countDocuments({ _id: created.body.id })).toBe(0);

    const revoked = await eventually(async () => (await api.request('GET', `${D}/resources/provider`, { key: secret })).status === 401);
    expect(revoked).toBe(true);
    await expectRefusedWithoutWrites(() => api.request('POST', `${D}/resources/provider`, { key: secret, body: provider }), 401, 'UNAUTHENTICATED');
  });

  test('deleting an unknown key → 404', async () => {
    expectError(await api.request('DELETE', '/admin/v1/api-keys/no-such-key'), 404, 'NOT_FOUND');
  });

  test.each<[string, unknown, string]>([
    ['an unknown role', { name: 'x', roles: ['root'], sources: ['*'] }, 'roles[0]'],
    ['no roles', { name: 'x', roles: [], sources: ['*'] }, 'roles'],
    ['a bad source key', { name: 'x', roles: ['read'], sources: ['a b'] }, 'sources[0]'],
    ['no name', { roles: ['read'], sources: ['demo'] }, 'name'],
    ['a bad email', { name: 'x', email: 'not-an-email', roles: ['read'], sources: ['demo'] }, 'email'],
  ])('creating a key with %s → 400 with its path, nothing written', async (_name, body, path) => {
    const before = await counts();
    const err = expectError(await api.request('POST', '/admin/v1/api-keys', { body }), 400, 'INVALID_ARGUMENT');
    expect(err.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await counts()).toEqual(before);
  });

  test('a source-scoped admin cannot manage keys (403), nothing written', async () => {
    await expectRefusedWithoutWrites(() => api.request('POST', '/admin/v1/api-keys', { key: demoAdminKey, body: { name: 'wider', roles: ['admin'], sources: ['*'] } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('POST', '/admin/v1/api-keys', { key: demoAdminKey, body: { name: 'same', roles: ['ingest'], sources: ['demo'] } }), 403, 'PERMISSION_DENIED');
    await expectRefusedWithoutWrites(() => api.request('GET', '/admin/v1/api-keys', { key: demoAdminKey }), 403, 'PERMISSION_DENIED');
    const victim = (await api.store.apiKeys.findOne({ hash: hashKey(readKey) }))?._id;
    await expectRefusedWithoutWrites(() => api.request('DELETE', `/admin/v1/api-keys/${victim}`, { key: demoAdminKey }), 403, 'PERMISSION_DENIED');
  });

  test('a source-scoped admin may still manage its own source catalog', async () => {
    const res = await api.request('PUT', `${D}/profiles/scoped-admin-profile`, { key: demoAdminKey, body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } });
    expect(res.status).toBe(201);
  });

  test('keys are stored hashed: no stored document holds a secret', async () => {
    const secrets = [api.adminKey, readKey, ingestKey, reviewKey, demoAdminKey, bothIngestKey];
    const docs = await api.store.apiKeys.find({}).toArray();
    expect(docs.length).toBeGreaterThanOrEqual(secrets.length);
    const dump = JSON.stringify(docs);
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(docs.filter((d) => d.hash === hashKey(secret))).toHaveLength(1);
    }
    for (const doc of docs) expect(doc.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('review decisions', () => {
  /** Starts a record that waits in review and returns its execution id once it is IN_REVIEW. */
  async function inReview(name: string): Promise<{ executionId: string; taskId: string }> {
    const created = await api.request('POST', `${D}/resources/reviewed`, { key: ingestKey, body: { data: { name } } });
    expect(created.status).toBe(202);
    const taskId = created.body.taskId as string;
    const t = await waitFor(
      async () => (await api.request('GET', `${D}/tasks/${taskId}?withReceipts=true`)).body,
      (b) => b.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 20_000, 'execution in review',
    );
    return { executionId: t.receipts[0].pipelineExecution.id as string, taskId };
  }

  beforeAll(async () => {
    expect((await api.request('PUT', `${D}/profiles/reviewed`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBe(201);
    expect((await api.request('PUT', `${D}/collections/reviewed/pipeline`, { body: { steps: [{ type: 'HUMAN_REVIEW', humanReview: {} }] } })).status).toBe(201);
  });

  test.each<[string, string, number, string]>([
    ['the documented path (403)', 'decision', 403, 'PERMISSION_DENIED'],
    ['an upper-case path (404: no such route)', 'DECISION', 404, 'NOT_FOUND'],
    ['a mixed-case path (404: no such route)', 'Decision', 404, 'NOT_FOUND'],
  ])('an ingest key cannot decide a review through %s; the execution stays IN_REVIEW and nothing is persisted', async (_name, segment, status, type) => {
    const { executionId } = await inReview(`self-approved ${segment}`);
    const res = await api.request('POST', `${D}/pipelines/executions/${executionId}/${segment}`, { key: ingestKey, body: { action: 'APPROVE', description: 'I approve my own data' } });
    expectError(res, status, type);
    await new Promise((done) => setTimeout(done, 500));
    const execution = await api.request('GET', `${D}/pipelines/executions/${executionId}`);
    expect(execution.body.status).toBe('IN_REVIEW');
    expect(await api.store.resources.countDocuments({ source: 'demo', type: 'reviewed', 'data.name': `self-approved ${segment}` })).toBe(0);
  });

  test('a review key decides; its decision records the key as author', async () => {
    const { executionId, taskId } = await inReview('reviewed by a reviewer');
    const res = await api.request('POST', `${D}/pipelines/executions/${executionId}/decision`, { key: reviewKey, body: { action: 'APPROVE' } });
    expect(res.status).toBe(202);
    const reviewer = await api.store.apiKeys.findOne({ hash: hashKey(reviewKey) });
    expect(res.body.author).toEqual(expect.objectContaining({ id: reviewer?._id }));
    await waitFor(async () => (await api.request('GET', `${D}/tasks/${taskId}`)).body.status, (st) => st === 'SUCCESS', 20_000, 'task success');
    expect(await api.store.resources.countDocuments({ source: 'demo', type: 'reviewed', 'data.name': 'reviewed by a reviewer' })).toBe(1);
  });

  test('a review key of source demo cannot decide in source other (403)', async () => {
    const res = await api.request('POST', `${O}/pipelines/executions/anything/decision`, { key: reviewKey, body: { action: 'APPROVE' } });
    expectError(res, 403, 'PERMISSION_DENIED');
  });
});
