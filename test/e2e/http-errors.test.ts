import { gzipSync } from 'node:zlib';
import { expectError, startApi, type HttpResult, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

const D = '/sources/demo/v1';
const R = `${D}/resources`;
const MB = 1024 * 1024;

async function counts(): Promise<Record<string, number>> {
  const s = api.store;
  const [resources, relationships, profiles, relationshipDefinitions, pipelines, tasks, receipts] = await Promise.all([
    s.resources.countDocuments({}), s.relationships.countDocuments({}), s.profiles.countDocuments({}),
    s.relationshipDefinitions.countDocuments({}), s.pipelines.countDocuments({}), s.tasks.countDocuments({}), s.receipts.countDocuments({}),
  ]);
  return { resources, relationships, profiles, relationshipDefinitions, pipelines, tasks, receipts };
}

/** The documented error body, as JSON, with no stack trace, file path or HTML in it. */
function expectCleanError(res: HttpResult, status: number, type: string): HttpResult['body'] {
  const body = expectError(res, status, type);
  expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
  expect(Object.keys(body).sort()).toEqual(['code', 'details', 'message', 'type']);
  for (const detail of body.details as Array<Record<string, unknown>>) {
    expect(detail).toEqual(expect.objectContaining({ message: expect.any(String) }));
    expect(Object.keys(detail).every((k) => k === 'path' || k === 'message')).toBe(true);
  }
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\bat [^ ]+ \(|\n\s+at /);
  expect(text).not.toMatch(/\/work\/|node_modules|\.ts:\d+|\.js:\d+/);
  expect(text).not.toMatch(/<html|<!DOCTYPE/i);
  return body;
}

/** Answers a request with a deliberately odd body; fetch would refuse some of these, so headers are explicit. */
async function send(method: string, path: string, body: string | Uint8Array, headers: Record<string, string>): Promise<HttpResult> {
  const res = await fetch(`${api.baseUrl}${path}`, { method, headers: { 'x-api-key': api.adminKey, ...headers }, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

async function stillServing(): Promise<void> {
  const health = await api.request('GET', '/health', { key: null });
  expect(health.status).toBe(200);
  const write = await api.request('POST', `${R}/provider`, { body: { data: { name: 'after the storm' } } });
  expect(write.status).toBe(201);
}

describe('request bodies', () => {
  test.each<[string, string]>([
    ['truncated object', '{"data": {"name": "A"'],
    ['single quotes', "{'data': {}}"],
    ['trailing comma', '{"data": {"name": "A",}}'],
    ['plain text', 'hello'],
    ['a lone brace', '{'],
  ])('malformed JSON (%s) → 400 INVALID_ARGUMENT, nothing written', async (_name, raw) => {
    const before = await counts();
    const body = expectCleanError(await api.request('POST', `${R}/provider`, { raw }), 400, 'INVALID_ARGUMENT');
    expect(body.message).toBe('request body is not valid JSON');
    expect(await counts()).toEqual(before);
  });

  test.each<[string, string, string]>([
    ['text/plain', 'text/plain', '{"data":{"name":"A"}}'],
    ['form-urlencoded', 'application/x-www-form-urlencoded', 'data%5Bname%5D=A'],
    ['multipart', 'multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="data"\r\n\r\nA\r\n--xyz--\r\n'],
    ['xml', 'application/xml', '<data><name>A</name></data>'],
  ])('a %s body → 415 UNSUPPORTED_MEDIA_TYPE, nothing written', async (_name, contentType, raw) => {
    const before = await counts();
    expectCleanError(await api.request('POST', `${R}/provider`, { raw, headers: { 'content-type': contentType } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await counts()).toEqual(before);
  });

  test('a JSON body in a non-UTF charset → 415', async () => {
    const res = await api.request('POST', `${R}/provider`, { raw: '{"data":{"name":"A"}}', headers: { 'content-type': 'application/json; charset=iso-8859-1' } });
    expectCleanError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('application/json; charset=utf-8 is accepted', async () => {
    const res = await api.request('POST', `${R}/provider`, { raw: '{"data":{"name":"Charset"}}', headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(res.status).toBe(201);
  });

  test.each<[string, string]>([
    ['a string', '"just a string"'],
    ['a number', '42'],
    ['null', 'null'],
    ['true', 'true'],
    ['an array', '[{"data":{"name":"A"}}]'],
  ])('a JSON body that is %s → 400, nothing written', async (_name, raw) => {
    const before = await counts();
    expectCleanError(await api.request('POST', `${R}/provider`, { raw }), 400, 'INVALID_ARGUMENT');
    expect(await counts()).toEqual(before);
  });

  test('a POST without a body → 400 naming the missing body, nothing written', async () => {
    const before = await counts();
    const body = expectCleanError(await api.request('POST', `${R}/provider`), 400, 'INVALID_ARGUMENT');
    expect(body.message).toContain('body is required');
    const withType = await api.request('POST', `${R}/provider`, { headers: { 'content-type': 'application/json' } });
    expectCleanError(withType, 400, 'INVALID_ARGUMENT');
    expectCleanError(await api.request('PUT', `${D}/profiles/empty-body`), 400, 'INVALID_ARGUMENT');
    expect(await counts()).toEqual(before);
  });

  test('an empty JSON object where data is required → 400 at path data', async () => {
    const body = expectCleanError(await api.request('POST', `${R}/provider`, { body: {} }), 400, 'INVALID_ARGUMENT');
    expect(body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'data' })]));
  });
});

describe('size limits', () => {
  test('a single-operation body over 1 MB → 413 CONTENT_TOO_LARGE, nothing written', async () => {
    const before = await counts();
    const big = { data: { name: 'Big', specialities: Array.from({ length: 11 }, () => 'x'.repeat(100_000)) } };
    const res = await api.request('POST', `${R}/provider`, { body: big });
    expectCleanError(res, 413, 'CONTENT_TOO_LARGE');
    expect(await counts()).toEqual(before);
  });

  test('just under 1 MB is accepted', async () => {
    const res = await api.request('POST', `${R}/provider`, { body: { data: { name: 'Almost', specialities: Array.from({ length: 9 }, () => 'y'.repeat(100_000)) } } });
    expect(res.status).toBe(201);
  });

  test('a gzip body that inflates past 1 MB → 413, nothing written', async () => {
    const before = await counts();
    const json = JSON.stringify({ data: { name: 'Bomb', specialities: Array.from({ length: 20 }, () => ' '.repeat(100_000)) } });
    const res = await send('POST', `${R}/provider`, gzipSync(json), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expectCleanError(res, 413, 'CONTENT_TOO_LARGE');
    expect(await counts()).toEqual(before);
  });

  test('an unknown content encoding → 415', async () => {
    const res = await send('POST', `${R}/provider`, '{"data":{"name":"A"}}', { 'content-type': 'application/json', 'content-encoding': 'compress' });
    expectCleanError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test.each<[string, string, string]>([
    ['PUT of a resource whose id is "bulk"', 'PUT', `${R}/provider/bulk`],
    ['PUT of a resource whose id is "bundle"', 'PUT', `${R}/provider/bundle`],
    ['PATCH of a resource whose id is "bulk"', 'PATCH', `${R}/provider/bulk`],
  ])('the 1 MB single limit holds for a %s, nothing written', async (_name, method, path) => {
    const before = await counts();
    const specialities = Array.from({ length: 15 }, () => 'z'.repeat(100_000));
    const body = method === 'PATCH' ? [{ op: 'add', path: '/specialities', value: specialities }] : { data: { name: 'Sneaky', specialities } };
    expectCleanError(await api.request(method, path, { body }), 413, 'CONTENT_TOO_LARGE');
    expect(await counts()).toEqual(before);
  });
});

describe('routes', () => {
  test.each<[string, string, string | null]>([
    ['an unknown top-level path', '/nope', 'admin'],
    ['an unknown path with a key', '/nope/v1/things', 'admin'],
    ['an unknown path under a source', `${D}/widgets`, 'admin'],
    ['an unknown API version', '/sources/demo/v2/resources/provider', 'admin'],
    ['a path that looks like a static file', '/index.html', 'admin'],
  ])('%s → 404 NOT_FOUND as JSON', async (_name, path, key) => {
    const res = await api.request('GET', path, { key: key === null ? null : api.adminKey });
    expectCleanError(res, 404, 'NOT_FOUND');
  });

  test.each([['an unknown top-level path', '/nope'], ['a path that looks like a static file', '/index.html'], ['a route with a trailing slash', `${D}/resources/provider/`]])(
    '%s without a key → 401 UNAUTHENTICATED as JSON (unknown paths are answered after authentication)', async (_name, path) => {
      expectCleanError(await api.request('GET', path, { key: null }), 401, 'UNAUTHENTICATED');
    },
  );

  test.each<[string, string]>([
    ['PATCH', '/catalog/v1/sources/demo'],
    ['DELETE', '/catalog/v1/sources/demo'],
    ['POST', `${D}/profiles/provider`],
    ['DELETE', `${D}/profiles/provider`],
    ['PUT', `${R}/provider`],
    ['DELETE', '/health'],
    ['POST', '/metrics'],
  ])('an unknown method (%s %s) → 404 JSON, nothing written', async (method, path) => {
    const before = await counts();
    const res = await api.request(method, path, { body: method === 'DELETE' ? undefined : { type: 'registry' } });
    expectCleanError(res, 404, 'NOT_FOUND');
    expect(await counts()).toEqual(before);
    expect((await api.request('GET', `${D}/profiles/provider`)).status).toBe(200);
  });

  test('every error type the API answers carries the documented error body and application/json', async () => {
    expectCleanError(await api.request('GET', `${R}/provider/x`, { key: null }), 401, 'UNAUTHENTICATED');
    const readKey = await api.key(['read'], ['demo']);
    expectCleanError(await api.request('POST', `${R}/provider`, { key: readKey, body: { data: { name: 'A' } } }), 403, 'PERMISSION_DENIED');
    expectCleanError(await api.request('GET', `${R}/provider/absent`), 404, 'NOT_FOUND');
    expect((await api.request('POST', `${R}/provider`, { body: { id: 'dup-1', data: { name: 'A' } } })).status).toBe(201);
    expectCleanError(await api.request('POST', `${R}/provider`, { body: { id: 'dup-1', data: { name: 'A' } } }), 409, 'ALREADY_EXISTS');
    expectCleanError(await api.request('POST', `${R}/provider`, { body: { data: { name: 5 } } }), 400, 'INVALID_ARGUMENT');
  });
});

describe('operations endpoints', () => {
  test('GET /health → 200 {status: "ok"} without a key', async () => {
    const res = await api.request('GET', '/health', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test('GET /ready → 200 when MongoDB answers', async () => {
    const res = await api.request('GET', '/ready', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ status: 'ready' }));
  });

  test('GET /metrics → 200 Prometheus text with the request duration histogram', async () => {
    await api.request('GET', '/health', { key: null });
    const res = await api.request('GET', '/metrics', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(typeof res.body).toBe('string');
    expect(res.body).toContain('sluice_http_request_duration_seconds');
    expect(res.body).toMatch(/sluice_http_request_duration_seconds_bucket\{/);
  });
});

describe('hostile JSON', () => {
  beforeAll(async () => {
    expect((await api.request('PUT', `${R}/provider/deep-target`, { body: { data: { name: 'T' } } })).status).toBe(201);
    expect((await api.request('PUT', `${R}/office/deep-office`, { body: { data: { name: 'O' } } })).status).toBe(201);
    const rel = await api.request('POST', `${D}/relationships/provider-office`, { body: { from: { id: 'deep-target' }, to: { id: 'deep-office' }, data: { role: 'owner' } } });
    expect(rel.status).toBe(201);
  });

  const deepArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const deepObjects = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const deepItems = (depth: number): string => `${'{"type":"array","items":'.repeat(depth)}{"type":"symbol"}${'}'.repeat(depth)}`;
  const deepObjectProps = (depth: number): string => `${'{"type":"object","properties":{"p":'.repeat(depth)}{"type":"symbol"}${'}}'.repeat(depth)}`;

  test.each<[string, string, string, string]>([
    ['10,000 levels of arrays in an unknown property', 'POST', `${R}/provider`, `{"data":{"name":"A","x":${deepArrays(10_000)}}}`],
    ['10,000 levels of arrays in an array property', 'POST', `${R}/provider`, `{"data":{"name":"A","specialities":${deepArrays(10_000)}}}`],
    ['10,000 levels of objects in a complex-type property', 'POST', `${R}/office`, `{"data":{"name":"A","address":${deepObjects(10_000)}}}`],
    ['10,000 levels of objects in contained data', 'POST', `${R}/office`, `{"data":{"name":"A"},"contained":{"primaryPaymentMethod":[{"type":"paymentMethod","data":{"value":${deepObjects(10_000)}}}]}}`],
    ['100,000 levels of arrays in data', 'POST', `${R}/provider`, `{"data":{"name":"A","x":${deepArrays(100_000)}}}`],
    ['10,000 levels in an upsert', 'PUT', `${R}/provider/deep-upsert`, `{"data":{"name":"A","x":${deepObjects(10_000)}}}`],
    ['10,000 levels in a patch value', 'PATCH', `${R}/provider/deep-target`, `[{"op":"add","path":"/specialities","value":${deepArrays(10_000)}}]`],
    ['10,000 levels in a relationship patch value', 'PATCH', `${D}/relationships/provider-office/deep-target.deep-office`, `[{"op":"replace","path":"/role","value":${deepArrays(10_000)}}]`],
    ['10,000 levels in a relationship', 'POST', `${D}/relationships/provider-office`, `{"from":{"id":"deep-target"},"to":{"id":"deep-office"},"data":{"role":${deepObjects(10_000)}}}`],
    ['10,000 levels of items in a profile', 'PUT', `${D}/profiles/deep-profile`, `{"type":"ROOT","properties":{"x":${deepItems(10_000)}}}`],
    ['10,000 levels of items in a relationship definition', 'PUT', `${D}/relationship-definitions/deep-rel`, `{"from":{"profileKey":"provider"},"to":{"profileKey":"office"},"properties":{"x":${deepItems(10_000)}}}`],
    ['2,000 levels of object properties in a relationship definition', 'PUT', `${D}/relationship-definitions/deep-rel-2`, `{"from":{"profileKey":"provider"},"to":{"profileKey":"office"},"properties":{"x":${deepObjectProps(2_000)}}}`],
    ['10,000 levels of not in a pipeline trigger', 'PUT', `${D}/collections/provider/pipeline`, `{"steps":[{"type":"HUMAN_REVIEW","trigger":{"type":"OPERATOR","operator":${'{"not":'.repeat(10_000)}{"eq":{"@action":"CREATE"}}${'}'.repeat(10_000)}},"humanReview":{}}]}`],
    ['10,000 levels of and in a validator assert', 'PUT', `${D}/collections/provider/pipeline`, `{"steps":[{"type":"VALIDATOR","validator":{"rules":[{"name":"n","message":"m","onFailure":"FAIL","assert":${'{"and":['.repeat(10_000)}{"eq":{"name":"*"}}${']}'.repeat(10_000)}}]}}]}`],
    ['10,000 levels of not in a profile rule when', 'PUT', `${D}/profiles/deep-when`, `{"type":"ROOT","properties":{"x":{"type":"symbol","rules":[{"required":true,"when":${'{"not":'.repeat(10_000)}{"eq":{"y":"*"}}${'}'.repeat(10_000)}}]}}}`],
    ['10,000 levels in a key name', 'POST', '/admin/v1/api-keys', `{"name":${deepArrays(10_000)},"roles":["read"],"sources":["demo"]}`],
  ])('%s → 4xx (never 500), nothing written, the server still answers', async (_name, method, path, raw) => {
    const before = await counts();
    const stored = await api.store.resources.findOne({ source: 'demo', type: 'provider', id: 'deep-target' });
    const storedRel = await api.store.relationships.findOne({ source: 'demo', type: 'provider-office', id: 'deep-target.deep-office' });
    const res = await api.request(method, path, { raw });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectCleanError(res, res.status, res.body?.type);
    expect(await counts()).toEqual(before);
    expect(await api.store.resources.findOne({ source: 'demo', type: 'provider', id: 'deep-target' })).toEqual(stored);
    expect(await api.store.relationships.findOne({ source: 'demo', type: 'provider-office', id: 'deep-target.deep-office' })).toEqual(storedRel);
    await stillServing();
  });

  test('70,000 unknown properties in data (770 KB) → 400 quickly, nothing written, the error answer no larger than the limit', async () => {
    const data: Record<string, unknown> = { name: 'Wide' };
    for (let i = 0; i < 70_000; i++) data[`p${i}`] = 1;
    const before = await counts();
    const started = Date.now();
    const res = await api.request('POST', `${R}/provider`, { body: { data } });
    expect(Date.now() - started).toBeLessThan(10_000);
    const body = expectCleanError(res, 400, 'INVALID_ARGUMENT');
    expect(body.details[0]).toEqual(expect.objectContaining({ path: 'data.p0' }));
    // An error answer must not amplify a hostile request: it stays below the 1 MB a request may carry.
    expect(JSON.stringify(body).length).toBeLessThan(MB);
    expect(await counts()).toEqual(before);
    await stillServing();
  });

  test('a profile with 30,000 properties (810 KB) → 4xx, nothing written', async () => {
    const properties: Record<string, unknown> = {};
    for (let i = 0; i < 30_000; i++) properties[`p${i}`] = { type: 'symbol' };
    const before = await counts();
    const res = await api.request('PUT', `${D}/profiles/very-wide`, { body: { type: 'ROOT', properties } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expectCleanError(res, res.status, res.body?.type);
    expect(await counts()).toEqual(before);
    await stillServing();
  });

  test('a __proto__ key in data is refused or ignored, never pollutes other objects', async () => {
    const res = await api.request('POST', `${R}/provider`, { raw: '{"data":{"name":"Proto","__proto__":{"polluted":true}}}' });
    expect([201, 400]).toContain(res.status);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (res.status === 201) expect(res.body.resource.data).toEqual({ name: 'Proto' });
  });
});
