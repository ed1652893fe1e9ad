import fc from 'fast-check';
import { pathParamNames } from '../../src/http/route';
import { ROUTES } from '../../src/http/routes';
import { startApi, type TestApi } from '../support/api';
import { PARAM_VALUES, WRITE_BODIES, sendRaw } from '../support/route-probes';

// A fuzzer over the route table (issue #11): requests with wrong types, missing and extra fields, huge and deeply
// nested values, prototype keys, bad encodings, bad path segments and bad query parameters. No answer may be a 5xx,
// every 4xx carries the error body, the server stays up, and nothing malformed is stored.
// FUZZ_SEED and FUZZ_RUNS replay or widen a run; the seed is printed.

const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

let api: TestApi;
beforeAll(async () => {
  // With a worker: requests that start workflows see them run and end, as in production.
  api = await startApi({ worker: true });
  expect((await api.request('PUT', '/sources/demo/v1/resources/provider/p-1', { body: { data: { name: 'Dr. Fuzz' } } })).status).toBe(201);
  expect((await api.request('PUT', '/sources/demo/v1/resources/office/o-1', { body: { data: { name: 'Fuzz Office' } } })).status).toBe(201);
});
afterAll(async () => {
  await api.close();
});

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$where', 'a.b', '$set'];

/** A path segment: a real target, a random string, or one of the shapes that broke routers before. */
const segment = (name: string): fc.Arbitrary<string> => fc.oneof(
  { weight: 4, arbitrary: fc.constant(PARAM_VALUES[name] ?? 'x') },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s) || 'x') },
  { weight: 1, arbitrary: fc.constantFrom('%ZZ', '%', '%C0%AF', '%FF%FE', '%2e%2e', '..', '%2F', '%00', ...PROTO_KEYS.map(encodeURIComponent)) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 3000 }).map((n) => 'a'.repeat(n)) },
);

/** A JSON value with the usual suspects: prototype keys, deep nesting, huge strings, wrong types. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 400 }).map((depth) => { let v: unknown = 1; for (let i = 0; i < depth; i++) v = [v]; return v; }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...PROTO_KEYS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) },
);

/** A body: the route's writing body with one member changed or dropped, an extra member, or something else entirely. */
const body = (operationId: string): fc.Arbitrary<unknown> => {
  const base = WRITE_BODIES[operationId];
  const mutated = base && typeof base === 'object' && !Array.isArray(base)
    ? fc.tuple(fc.constantFrom(...Object.keys(base), 'extra', '__proto__'), hostileValue, fc.boolean()).map(([key, value, drop]) => {
      const copy: Record<string, unknown> = JSON.parse(JSON.stringify(base));
      if (drop) delete copy[key];
      else Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
      return copy;
    })
    : hostileValue;
  return fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: hostileValue }, { weight: 1, arbitrary: fc.constant(base) });
};

/** A query string: known parameters with wrong values, unknown ones, bad encodings. */
const query = fc.array(
  fc.tuple(
    fc.constantFrom('perPage', 'cursor', 'withReceipts', 'withOperationBody', 'status', 'type', 'version', 'revisionId', 'includes', 'x', '__proto__'),
    fc.oneof(fc.string({ maxLength: 20 }).map(encodeURIComponent), fc.constantFrom('True', '0', '-1', '1e309', '%ZZ', '', '99999999999')),
  ),
  { maxLength: 3 },
).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

const request = fc.constantFrom(...ROUTES).chain((route) => fc.record({
  route: fc.constant(route),
  segments: fc.tuple(...pathParamNames(route.path).map(segment)),
  query,
  body: route.body || route.method !== 'get' ? body(route.operationId).map((b) => ({ b })) : fc.constant(undefined),
  withKey: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x < 0.9),
}));

test(`${RUNS} fuzzed requests over the route table: no 5xx, the error body on every 4xx, the server up, nothing malformed stored`, async () => {
  process.stdout.write(`fuzz: seed ${SEED}, ${RUNS} runs (FUZZ_SEED=${SEED} replays it)\n`);
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(request, async ({ route, segments, query: q, body: sent, withKey }) => {
      let path = route.path;
      pathParamNames(route.path).forEach((name, i) => { path = path.replace(`{${name}}`, segments[i] as string); });
      const res = await sendRaw(api.baseUrl, route.method.toUpperCase(), `${path}${q}`, withKey ? api.adminKey : null, sent?.b);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      // 501 UNIMPLEMENTED is a documented answer (a purge of `objects`), not a server failure.
      if (res.status >= 500 && !(res.status === 501 && res.body?.type === 'UNIMPLEMENTED')) throw new Error(`${route.method.toUpperCase()} ${path}${q} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      if (res.status >= 400) {
        const ok = res.body && res.body.code === res.status && typeof res.body.type === 'string' && typeof res.body.message === 'string' && Array.isArray(res.body.details);
        if (!ok) throw new Error(`${route.method.toUpperCase()} ${path}${q} -> ${res.status} without the error body: ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  process.stdout.write(`fuzz: answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
  expect((await api.request('GET', '/health', { key: null })).status).toBe(200);
  // Every stored record is a record: data and contained are objects, the metadata is whole.
  for (const doc of await api.store.resources.find({}).toArray()) {
    expect({ id: doc._id, ok: typeof doc.data === 'object' && doc.data !== null && !Array.isArray(doc.data) && typeof doc.contained === 'object' && doc.contained !== null && typeof doc.meta?.versionId === 'string' }).toEqual({ id: doc._id, ok: true });
    expect(Object.getPrototypeOf(doc.data)).toBe(Object.prototype);
  }
}, 300_000);
