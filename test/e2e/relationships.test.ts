import { expectError, startApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  for (const id of ['p1', 'p2']) await api.request('PUT', `/sources/demo/v1/resources/provider/${id}`, { body: { data: { name: id } } });
  for (const id of ['o1', 'o2']) await api.request('PUT', `/sources/demo/v1/resources/office/${id}`, { body: { data: { name: id } } });
});
afterAll(async () => {
  await api.close();
});

const REL = '/sources/demo/v1/relationships/provider-office';

test('POST creates {fromId}.{toId}, 201 PERSISTED; GET, PATCH and DELETE work with tasks', async () => {
  const res = await api.request('POST', REL, { body: { from: { id: 'p1', type: 'provider' }, to: { id: 'o1', type: 'office' }, data: { role: 'owner' } } });
  expect(res.status).toBe(201);
  expect(res.body).toEqual({
    taskId: expect.stringMatching(/^s_/),
    status: 'PERSISTED',
    relationship: {
      id: 'p1.o1', type: 'provider-office', from: { id: 'p1', type: 'provider' }, to: { id: 'o1', type: 'office' },
      data: { role: 'owner' }, meta: expect.objectContaining({ source: 'demo', versionId: '1' }),
    },
  });
  expect((await api.request('GET', `${REL}/p1.o1`)).body).toEqual(res.body.relationship);
  const task = await api.request('GET', `/sources/demo/v1/tasks/${res.body.taskId}?withReceipts=true`);
  expect(task.body.receipts[0]).toEqual(expect.objectContaining({ action: 'CREATE', targetType: 'RELATIONSHIP', type: 'provider-office', id: 'p1.o1', status: 'SUCCESS' }));

  // JSON Patch paths are relative to data.
  const patched = await api.request('PATCH', `${REL}/p1.o1`, { body: [{ op: 'replace', path: '/role', value: 'associate' }, { op: 'add', path: '/since', value: '2020-01-01' }] });
  expect(patched.status).toBe(200);
  expect(patched.body.relationship.data).toEqual({ role: 'associate', since: '2020-01-01' });
  expect(patched.body.relationship.meta.versionId).toBe('2');

  const outside = expectError(await api.request('PATCH', `${REL}/p1.o1`, { body: [{ op: 'replace', path: '/role', value: 'boss' }] }), 400, 'INVALID_ARGUMENT');
  expect(outside.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'data.role' })]));
  // The ends cannot be patched: `/from/id` is a path in data, which has no `from`.
  expectError(await api.request('PATCH', `${REL}/p1.o1`, { body: [{ op: 'replace', path: '/from/id', value: 'p2' }] }), 400, 'INVALID_ARGUMENT');
  // The old form `/data/role` now names a property `data` of data, which does not exist: the patch fails, nothing changes.
  expectError(await api.request('PATCH', `${REL}/p1.o1`, { body: [{ op: 'replace', path: '/data/role', value: 'locum' }] }), 400, 'INVALID_ARGUMENT');
  // Adding `/data` adds an undeclared property `data`: refused by the definition.
  const added = expectError(await api.request('PATCH', `${REL}/p1.o1`, { body: [{ op: 'add', path: '/data', value: { role: 'locum' } }] }), 400, 'INVALID_ARGUMENT');
  expect(added.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'data.data' })]));
  expect((await api.request('GET', `${REL}/p1.o1`)).body.data).toEqual({ role: 'associate', since: '2020-01-01' });

  const del = await api.request('DELETE', `${REL}/p1.o1`);
  expect(del.status).toBe(200);
  expect(del.body).toEqual({ taskId: expect.stringMatching(/^s_/), status: 'PERSISTED' });
  expectError(await api.request('GET', `${REL}/p1.o1`), 404, 'NOT_FOUND');
  expectError(await api.request('DELETE', `${REL}/p1.o1`), 404, 'NOT_FOUND');
});

test.each([
  ['a missing from record', { from: { id: 'nobody' }, to: { id: 'o1' } }, 'from.id'],
  ['a missing to record', { from: { id: 'p1' }, to: { id: 'nowhere' } }, 'to.id'],
  ['a wrong end type', { from: { id: 'p1', type: 'office' }, to: { id: 'o1' } }, 'from.type'],
  ['data outside the definition', { from: { id: 'p1' }, to: { id: 'o1' }, data: { colour: 'red' } }, 'data.colour'],
  ['a code outside the vocabulary', { from: { id: 'p1' }, to: { id: 'o1' }, data: { role: 'boss' } }, 'data.role'],
  ['no to', { from: { id: 'p1' } }, 'to'],
  ['meta in the future', { from: { id: 'p1' }, to: { id: 'o1' }, meta: { createdAt: '2999-01-01T00:00:00Z' } }, 'meta.createdAt'],
])('%s → 400 with the path and nothing written', async (_name, body, path) => {
  const err = expectError(await api.request('POST', REL, { body }), 400, 'INVALID_ARGUMENT');
  expect(err.details.map((d: { path?: string }) => d.path)).toContain(path);
  expect(await api.store.relationships.countDocuments({})).toBe(0);
});

test('the same pair twice is 409; an unknown relationship type is 404', async () => {
  expect((await api.request('POST', REL, { body: { from: { id: 'p2' }, to: { id: 'o2' } } })).status).toBe(201);
  expectError(await api.request('POST', REL, { body: { from: { id: 'p2' }, to: { id: 'o2' } } }), 409, 'ALREADY_EXISTS');
  expectError(await api.request('POST', '/sources/demo/v1/relationships/nope', { body: { from: { id: 'p2' }, to: { id: 'o2' } } }), 404, 'NOT_FOUND');
  await api.request('DELETE', `${REL}/p2.o2`);
});

test('deleting a resource deletes the relationships that point at it, from either end', async () => {
  await api.request('PUT', '/sources/demo/v1/resources/provider/p3', { body: { data: { name: 'p3' } } });
  await api.request('PUT', '/sources/demo/v1/resources/office/o3', { body: { data: { name: 'o3' } } });
  for (const [f, t] of [['p3', 'o3'], ['p2', 'o3'], ['p3', 'o2'], ['p2', 'o2']]) {
    expect((await api.request('POST', REL, { body: { from: { id: f }, to: { id: t } } })).status).toBe(201);
  }
  expect((await api.request('DELETE', '/sources/demo/v1/resources/office/o3')).status).toBe(200);
  const left = (await api.store.relationships.find({}).toArray()).map((r) => r.id).sort();
  expect(left).toEqual(['p2.o2', 'p3.o2']);
  expect((await api.request('DELETE', '/sources/demo/v1/resources/provider/p3')).status).toBe(200);
  const list = await api.request('GET', `${REL}?perPage=10`);
  expect(list.body.data.map((r: { id: string }) => r.id)).toEqual(['p2.o2']);
});

describe('reading a relationship', () => {
  const identifier = { system: 'https://registry.example/affiliations', value: 'AFF-7', use: 'official' };
  beforeAll(async () => {
    const res = await api.request('POST', REL, { body: { from: { id: 'p1' }, to: { id: 'o1' }, data: { role: 'locum' }, meta: { identifier: [identifier] } } });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await api.request('DELETE', `${REL}/p1.o1`);
  });

  test('?includes= carries the end resources under includes, keyed by type (repeated or comma-separated)', async () => {
    const provider = (await api.request('GET', '/sources/demo/v1/resources/provider/p1')).body;
    const office = (await api.request('GET', '/sources/demo/v1/resources/office/o1')).body;
    const plain = await api.request('GET', `${REL}/p1.o1`);
    expect(plain.status).toBe(200);
    expect(plain.body).not.toHaveProperty('includes');

    const both = await api.request('GET', `${REL}/p1.o1?includes=office&includes=provider`);
    expect(both.status).toBe(200);
    expect(both.body).toEqual({ ...plain.body, includes: { office, provider } });
    expect((await api.request('GET', `${REL}/p1.o1?includes=provider,office`)).body.includes).toEqual({ office, provider });
    const one = await api.request('GET', `${REL}/p1.o1?includes=office`);
    expect(one.body.includes).toEqual({ office });

    const bad = expectError(await api.request('GET', `${REL}/p1.o1?includes=clinic`), 400, 'INVALID_ARGUMENT');
    expect(bad.details).toEqual([expect.objectContaining({ path: 'includes', message: expect.stringContaining("'clinic' is not a resource type") })]);
    expectError(await api.request('GET', `${REL}/p1.o1?include=office`), 400, 'INVALID_ARGUMENT');
  });

  test('by identifier {system}:{value}:{use} (the system may hold ":")', async () => {
    const byId = (await api.request('GET', `${REL}/p1.o1`)).body;
    const id = encodeURIComponent(`${identifier.system}:${identifier.value}:${identifier.use}`);
    const res = await api.request('GET', `${REL}/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(byId);
    expect((await api.request('GET', `${REL}/${id}?includes=provider`)).body.includes.provider.id).toBe('p1');
    // Every part must match: another use, value or system is no relationship.
    for (const other of [`${identifier.system}:${identifier.value}:secondary`, `${identifier.system}:AFF-8:${identifier.use}`, `urn:other:${identifier.value}:${identifier.use}`]) {
      expectError(await api.request('GET', `${REL}/${encodeURIComponent(other)}`), 404, 'NOT_FOUND');
    }
  });
});
