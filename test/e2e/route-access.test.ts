import { ROUTES } from '../../src/http/routes';
import { expectError, startApi, type TestApi } from '../support/api';
import { WRITE_BODIES, concretePath, sendRaw } from '../support/route-probes';

// Every route of the table, attacked the way issue #8 found the hole: case variants of each static segment,
// trailing and doubled slashes, encoded slashes and dots, each with no key, an unknown key and a key of
// another source. A new route is covered by being in the table.

let api: TestApi;
let otherSourceKey: string;
let reviewKey: string;
let ingestKey: string;

beforeAll(async () => {
  // No worker: nothing runs in the background, so the database changes only if a request gets through.
  api = await startApi();
  expect((await api.request('PUT', '/catalog/v1/sources/other', { body: { type: 'registry' } })).status).toBe(201);
  otherSourceKey = await api.key(['admin', 'ingest', 'review', 'read'], ['other']);
  reviewKey = await api.key(['review'], ['demo']);
  ingestKey = await api.key(['ingest'], ['demo']);
  expect((await api.request('PUT', '/sources/demo/v1/resources/provider/p-1', { body: { data: { name: 'Dr. Existing' } } })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

const BODIES = WRITE_BODIES;
const concrete = (path: string): string => concretePath(path);

/** Paths that are not the route's path but look like it to a lenient router. */
function variants(path: string): string[] {
  const segments = path.split('/').slice(1);
  const out = new Set<string>();
  segments.forEach((seg, i) => {
    if (seg.startsWith('{')) return;
    const swap = (s: string): string => `/${segments.map((x, j) => (j === i ? s : x)).join('/')}`;
    if (seg.toUpperCase() !== seg) out.add(swap(seg.toUpperCase()));
    const capital = seg.charAt(0).toUpperCase() + seg.slice(1);
    if (capital !== seg) out.add(swap(capital));
  });
  const real = concrete(path);
  const parts = real.split('/').slice(1);
  const variantsOfReal = new Set(
    [...out].map(concrete).concat([
      `${real}/`,
      `/${real}`,
      real.replace(/\/([^/]+)$/, '//$1'),
      parts.length > 1 ? `/${parts.slice(0, -1).join('/')}%2F${parts[parts.length - 1]}` : `${real}%2F`,
      `/${parts[0]}/%2e%2e/${parts.join('/')}`,
      `${real}/%2e%2e`,
      `${real.replace(/\/[^/]+$/, '')}/%2E%2E%2F${parts[parts.length - 1]}`,
    ]),
  );
  variantsOfReal.delete(real);
  // `/docs/…` are the page's static assets (served without a key by design); a path there that is no asset is a 404.
  return [...variantsOfReal].filter((v) => !v.startsWith('/docs/'));
}

/** Variants of the docs page's own path, under its asset folder: files or 404, never an API answer. */
function assetVariants(): string[] {
  return ['/docs/', '/docs//', '/docs/%2e%2e/health', '/docs/%2e%2e/sources/demo/v1/resources/provider', '/docs/../admin/v1/api-keys', '/docs/..%2Fadmin/v1/api-keys'];
}

/** Every document of every collection, to prove that nothing was written. */
async function snapshot(): Promise<string> {
  const names = (await api.store.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const all: Record<string, unknown[]> = {};
  for (const name of names) all[name] = await api.store.db.collection(name).find({}).sort({ _id: 1 }).toArray();
  return JSON.stringify(all);
}

const send = (method: string, path: string, key: string | null, body?: unknown) => sendRaw(api.baseUrl, method, path, key, body);

interface Probe {
  route: string;
  method: string;
  path: string;
  key: string | null;
  keyName: string;
  body?: unknown;
}

function probes(): Probe[] {
  const out: Probe[] = [];
  for (const r of ROUTES) {
    const body = BODIES[r.operationId] ?? (r.body ? {} : undefined);
    const keys: Array<[string, string | null]> = [['no key', null], ['an unknown key', 'sk_not_a_real_key_at_all'], ['a key of another source', otherSourceKey]];
    const paths = variants(r.path).map((path) => ({ path, exact: false }));
    if (r.access !== 'public') paths.push({ path: concrete(r.path), exact: true });
    for (const { path, exact } of paths) {
      for (const [keyName, key] of keys) {
        // On its exact path, a key of another source is refused only where the route needs a source or every source.
        if (exact && key === otherSourceKey && r.access !== 'public' && r.access.scope === 'none') continue;
        out.push({ route: `${r.method.toUpperCase()} ${r.path}`, method: r.method.toUpperCase(), path, key, keyName, ...(body !== undefined ? { body } : {}) });
      }
    }
  }
  for (const path of assetVariants()) {
    for (const [keyName, key] of [['no key', null], ['an unknown key', 'sk_not_a_real_key_at_all'], ['a key of another source', otherSourceKey]] as const) {
      out.push({ route: 'the docs assets', method: 'GET', path, key, keyName });
    }
  }
  return out;
}

describe('every route of the table, reached the wrong way', () => {
  test('answers 401 / 403 / 404 with the error body, and writes nothing', async () => {
    const all = probes();
    expect(all.length).toBeGreaterThan(ROUTES.length * 20);
    const before = await snapshot();
    const wrong: string[] = [];
    for (const p of all) {
      const res = await send(p.method, p.path, p.key, p.body);
      // Vocabularies belong to no source (scope `none`): a known key passes authorization there, and a decoded `..`
      // fails the vocabulary key's pattern (400 naming the path parameter) before anything is read.
      const sourceless = p.path.startsWith('/terminology/') && res.body?.type === 'INVALID_ARGUMENT' && res.body?.message === 'invalid path parameters';
      const allowed = p.key === null || p.keyName === 'an unknown key' ? [401] : [401, 403, 404, ...(sourceless ? [400] : [])];
      const bodyOk = res.body && res.body.code === res.status && typeof res.body.type === 'string' && typeof res.body.message === 'string' && Array.isArray(res.body.details);
      if (!allowed.includes(res.status) || !bodyOk) wrong.push(`${p.method} ${p.path} with ${p.keyName} (route ${p.route}) -> ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
    }
    expect(wrong).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, 180_000);
});

describe('the requests of issue #8', () => {
  test('POST /Sources/demo/... and GET /SOURCES/demo/... without a key are 401, with a key 404; nothing written', async () => {
    const before = await snapshot();
    expectError(await api.request('POST', '/Sources/demo/v1/resources/provider', { key: null, body: { data: { name: 'created without a key' } } }), 401, 'UNAUTHENTICATED');
    expectError(await api.request('GET', '/SOURCES/demo/v1/resources/provider', { key: null }), 401, 'UNAUTHENTICATED');
    expectError(await api.request('POST', '/Sources/demo/v1/resources/provider', { body: { data: { name: 'created with the admin key' } } }), 404, 'NOT_FOUND');
    expectError(await api.request('GET', '/SOURCES/demo/v1/resources/provider'), 404, 'NOT_FOUND');
    expect(await snapshot()).toEqual(before);
    // The same two requests as raw bytes, in case a client normalised the case (none does, but the server is what is tested).
    expect((await send('POST', '/Sources/demo/v1/resources/provider', null, { data: { name: 'created without a key' } })).status).toBe(401);
    expect((await send('GET', '/SOURCES/demo/v1/resources/provider', null)).status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  test('an ingest key writes a record whose id is `decision`, and its contained item `decision`', async () => {
    const put = await api.request('PUT', '/sources/demo/v1/resources/office/decision', { key: ingestKey, body: { data: { name: 'Decision Clinic' } } });
    expect(put.status).toBe(201);
    expect(put.body.resource.id).toBe('decision');
    const patch = await api.request('PATCH', '/sources/demo/v1/resources/office/decision', { key: ingestKey, body: [{ op: 'replace', path: '/name', value: 'Decision Clinic II' }] });
    expect(patch.status).toBe(200);
    const contained = await api.request('PUT', '/sources/demo/v1/resources/office/decision/alternativePaymentMethods/decision', { key: ingestKey, body: { type: 'paymentMethod', data: { value: 'Visa' } } });
    expect(contained.status).toBe(200);
    const stored = await api.request('GET', '/sources/demo/v1/resources/office/decision');
    expect(stored.body.data.name).toBe('Decision Clinic II');
    expect(stored.body.contained.alternativePaymentMethods).toEqual([expect.objectContaining({ id: 'office/decision/alternativePaymentMethods/decision' })]);
    const removed = await api.request('DELETE', '/sources/demo/v1/resources/office/decision', { key: ingestKey });
    expect(removed.status).toBe(200);
    expect((await api.request('GET', '/sources/demo/v1/resources/office/decision')).status).toBe(404);
  });

  test('a review key cannot write any record, `decision` ids included (403, nothing written)', async () => {
    const before = await snapshot();
    const attempts: Array<[string, string, unknown]> = [
      ['PUT', '/sources/demo/v1/resources/provider/decision', { data: { name: 'x' } }],
      ['PATCH', '/sources/demo/v1/resources/provider/p-1', BODIES.patchResource],
      ['DELETE', '/sources/demo/v1/resources/provider/decision', undefined],
      ['DELETE', '/sources/demo/v1/resources/provider/p-1', undefined],
      ['POST', '/sources/demo/v1/resources/decision', { data: { name: 'x' } }],
      ['POST', '/sources/demo/v1/resources/provider', { id: 'decision', data: { name: 'x' } }],
      ['PUT', '/sources/demo/v1/resources/office/o-1/primaryPaymentMethod/decision', { type: 'paymentMethod', data: { value: 'Visa' } }],
      ['DELETE', '/sources/demo/v1/resources/office/o-1/primaryPaymentMethod/decision', undefined],
      ['POST', '/sources/demo/v1/resources/bulk', BODIES.bulkResources],
      ['POST', '/sources/demo/v1/bundle', BODIES.submitBundle],
      ['POST', '/sources/demo/v1/purge', BODIES.startPurge],
    ];
    for (const [method, path, body] of attempts) {
      expectError(await api.request(method, path, { key: reviewKey, ...(body !== undefined ? { body } : {}) }), 403, 'PERMISSION_DENIED');
    }
    expect(await snapshot()).toEqual(before);
  });
});
