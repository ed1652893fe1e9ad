import { pathParamNames } from '../../src/http/route';
import { ROUTES } from '../../src/http/routes';
import { expectError, startApi, type TestApi } from '../support/api';
import { sendRaw } from '../support/route-probes';
import { waitFor } from '../support/wait';

// Poison inputs found by fuzzing (issue #11): each is a 4xx with the error body, never a 500, and a poison operation
// in a bulk is that operation's FAILURE receipt, never a wedged bulk.

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ worker: true });
  expect((await api.request('PUT', '/sources/demo/v1/resources/office/o-1', { body: { data: { name: 'Poison Office' } } })).status).toBe(201);
  expect((await api.request('PUT', '/sources/demo/v1/resources/provider/p-1', { body: { data: { name: 'Dr. Poison' } } })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

const D = '/sources/demo/v1';

/** The path and headers exactly as given (fetch would re-encode the path), with the admin key. */
function send(method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> {
  return sendRaw(api.baseUrl, method, path, api.adminKey, undefined, { ...(opts.body !== undefined ? { raw: opts.body } : {}), ...(opts.headers ? { headers: opts.headers } : {}) });
}

function expect4xx(res: { status: number; body: any }, what: string): void {
  const ok = res.status >= 400 && res.status < 500 && res.body?.code === res.status && typeof res.body?.type === 'string' && Array.isArray(res.body?.details);
  expect({ what, ok, status: res.status }).toEqual({ what, ok: true, status: res.status });
}

const BAD_ENCODINGS = ['%ZZ', '%', '%C0%AF', '%FF%FE', '%E0%A4%A'];

test('a bad percent-encoding in any path parameter of any route is a 400 with the error body', async () => {
  let probes = 0;
  for (const r of ROUTES) {
    const names = pathParamNames(r.path);
    for (const name of names) {
      for (const bad of BAD_ENCODINGS) {
        let path = r.path;
        for (const n of names) path = path.replace(`{${n}}`, n === name ? bad : n === 'sourceKey' ? 'demo' : 'x');
        const res = await send(r.method.toUpperCase(), path, r.body ? { body: '{}' } : {});
        expect4xx(res, `${r.method} ${path}`);
        probes++;
      }
    }
  }
  expect(probes).toBeGreaterThan(100);
});

test.each(['gzip', 'deflate', 'br'])('a body that is not %s-compressed but says it is: 400, nothing written', async (encoding) => {
  const before = await api.store.resources.countDocuments({});
  const res = await send('POST', `${D}/resources/provider`, { body: JSON.stringify({ data: { name: 'not compressed' } }), headers: { 'content-encoding': encoding } });
  expect4xx(res, encoding);
  expect(res.status).toBe(400);
  expect(await api.store.resources.countDocuments({})).toBe(before);
});

test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('a contain key %s in the path is a 400 (unknown contain key), and the record is unchanged', async (containKey) => {
  const before = await api.store.resources.findOne({ _id: 'demo/office/o-1' });
  const body = JSON.stringify({ type: 'paymentMethod', data: { value: 'Visa' } });
  for (const [method, path, sent] of [['POST', `${D}/resources/office/o-1/${containKey}`, body], ['PUT', `${D}/resources/office/o-1/${containKey}/c-1`, body], ['DELETE', `${D}/resources/office/o-1/${containKey}/c-1`, undefined]] as const) {
    const res = await send(method, path, sent !== undefined ? { body: sent } : {});
    expect4xx(res, `${method} ${containKey}`);
    expect({ method, status: res.status, type: res.body.type, paths: res.body.details.map((d: { path?: string }) => d.path) }).toEqual({ method, status: 400, type: 'INVALID_ARGUMENT', paths: [`contained.${containKey}`] });
  }
  expect(await api.store.resources.findOne({ _id: 'demo/office/o-1' })).toEqual(before);
});

// Patch paths are relative to data: the root "" is the whole data, `/data` and `/contained` name properties of data.
const POISON_PATCHES: Array<[string, unknown[]]> = [
  ['add /__proto__/x', [{ op: 'add', path: '/__proto__/x', value: 1 }]],
  ['add /constructor/prototype/x', [{ op: 'add', path: '/constructor/prototype/x', value: 1 }]],
  ['remove the whole data ("")', [{ op: 'remove', path: '' }]],
  ['replace the whole data ("") with [1]', [{ op: 'replace', path: '', value: [1] }]],
  ['replace the whole data ("") with a string', [{ op: 'replace', path: '', value: 'x' }]],
  ['a path that is not a JSON pointer', [{ op: 'replace', path: 'name', value: 'x' }]],
  // Once meant data and contained; now a property `data` that office does not declare.
  ['add /data with a string', [{ op: 'add', path: '/data', value: 'x' }]],
  ['replace /contained with [1]', [{ op: 'replace', path: '/contained', value: [1] }]],
  ['add /contained/primaryPaymentMethod with [1]', [{ op: 'add', path: '/contained/primaryPaymentMethod', value: [1] }]],
];

test.each(POISON_PATCHES)('PATCH %s: 400, the record unchanged', async (_name, patch) => {
  const before = await api.store.resources.findOne({ _id: 'demo/office/o-1' });
  expectError(await api.request('PATCH', `${D}/resources/office/o-1`, { body: patch }), 400, 'INVALID_ARGUMENT');
  expect(await api.store.resources.findOne({ _id: 'demo/office/o-1' })).toEqual(before);
  expect(({} as Record<string, unknown>).x).toBeUndefined();
});

test('poison patches in a bulk are FAILURE receipts; the operations after them run; the bulk ends', async () => {
  const operations = [
    ...POISON_PATCHES.map(([, patch]) => ({ action: 'UPDATE', update: { type: 'office', id: 'o-1', patch } })),
    { action: 'UPDATE', update: { type: 'provider', id: 'p-1', patch: [{ op: 'replace', path: '/name', value: 'Dr. After The Poison' }] } },
    { action: 'CREATE', create: { type: 'provider', id: 'p-after', data: { name: 'Dr. Created After' } } },
  ];
  const accepted = await api.request('POST', `${D}/resources/bulk`, { body: { operations } });
  expect(accepted.status).toBe(202);
  const task = await waitFor(
    async () => (await api.request('GET', `${D}/tasks/${accepted.body.taskId}?withReceipts=true&perPage=100`)).body,
    (t) => t.status !== 'PENDING', 30_000, 'bulk settled',
  );
  expect(task.status).toBe('FAILURE');
  expect(task.counts).toEqual({ SUCCESS: 2, FAILURE: POISON_PATCHES.length, PENDING: 0, CANCELLED: 0 });
  expect(task.receipts.slice(0, POISON_PATCHES.length).map((r: any) => r.status)).toEqual(POISON_PATCHES.map(() => 'FAILURE'));
  expect((await api.request('GET', `${D}/resources/provider/p-1`)).body.data.name).toBe('Dr. After The Poison');
  expect((await api.request('GET', `${D}/resources/provider/p-after`)).status).toBe(200);
  expect((await api.request('GET', `${D}/resources/office/o-1`)).body.data).toEqual({ name: 'Poison Office' });
});

test('a body whose contained map has a key `__proto__` is a 400 (unknown contain key), nothing written', async () => {
  const before = await api.store.resources.countDocuments({});
  const body = '{"id":"o-proto","data":{"name":"Proto Office"},"contained":{"__proto__":[{"type":"paymentMethod","data":{"value":"Visa"}}]}}';
  const res = await send('POST', `${D}/resources/office`, { body });
  expect4xx(res, 'contained __proto__');
  expect(res.status).toBe(400);
  expect(await api.store.resources.countDocuments({})).toBe(before);
});

test('a body that is not valid UTF-8 is a 400, not stored as U+FFFD', async () => {
  const before = await api.store.resources.countDocuments({});
  const bytes = Buffer.concat([Buffer.from('{"data":{"name":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
  const res = await send('POST', `${D}/resources/provider`, { body: bytes });
  expect(res.status).toBe(400);
  expect(res.body).toEqual(expect.objectContaining({ code: 400, type: 'INVALID_ARGUMENT', message: 'request body is not valid UTF-8' }));
  expect(await api.store.resources.countDocuments({})).toBe(before);
});
