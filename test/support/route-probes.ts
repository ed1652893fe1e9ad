import { request as httpRequest } from 'node:http';
import { pathParamNames } from '../../src/http/route';

// What the tests that walk the route table send: a concrete target for each path parameter in source demo, a
// body that would write something if the request got through, and a client that sends the path byte for byte.

/** Values that make each path a real target in source demo (the demo catalog, plus p-1 and o-1 made by the test). */
export const PARAM_VALUES: Record<string, string> = {
  sourceKey: 'demo', type: 'provider', id: 'p-1', containKey: 'primaryPaymentMethod', containedId: 'c-1', profileKey: 'provider',
  key: 'provider-office', collectionKey: 'provider', taskId: 's_probe', bulkId: 'bk_probe', purgeId: 'pg_probe',
};

/** A body per operationId that would write something if the request got through. */
export const WRITE_BODIES: Record<string, unknown> = {
  createResource: { data: { name: 'created by a probe' } },
  upsertResource: { data: { name: 'upserted by a probe' } },
  // JSON Patch paths are relative to data (`/name`, not `/data/name`).
  patchResource: [{ op: 'replace', path: '/name', value: 'patched by a probe' }],
  patchRelationship: [{ op: 'replace', path: '/role', value: 'locum' }],
  addContainedResource: { type: 'paymentMethod', data: { value: 'Visa' } },
  putContainedResource: { type: 'paymentMethod', data: { value: 'Visa' } },
  bulkResources: { operations: [{ action: 'CREATE', create: { type: 'provider', data: { name: 'bulk by a probe' } } }] },
  submitBundle: { resourceOperations: [{ action: 'CREATE', create: { type: 'provider', data: { name: 'bundle by a probe' } } }] },
  startPurge: { collectionType: 'resources', collectionKey: 'provider' },
  putProfile: { type: 'ROOT', properties: {} },
  putPipeline: { steps: [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } }] },
  putSource: { type: 'registry' },
  createApiKey: { name: 'escalated', roles: ['admin'], sources: ['*'] },
  // The codec routes: a JSON payload (`{}`), to encrypt or (sent as is) to decode.
  encodePayloads: { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'e30=' }] },
  decodePayloads: { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'e30=' }] },
  encodePayloadsForUi: { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'e30=' }] },
  decodePayloadsForUi: { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'e30=' }] },
};

/** The route's path with every parameter filled from PARAM_VALUES (and `overrides`). */
export function concretePath(path: string, overrides: Record<string, string> = {}): string {
  let out = path;
  for (const name of pathParamNames(path)) out = out.replace(`{${name}}`, overrides[name] ?? PARAM_VALUES[name] ?? 'x');
  return out;
}

/**
 * Sends the path byte for byte. `fetch` (a WHATWG URL) would resolve `%2e%2e` and `..` before sending, so the server
 * would never see the attack; node:http sends the request line as given.
 */
export function sendRaw(
  baseUrl: string, method: string, path: string, key: string | null, body?: unknown,
  opts: { raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const url = new URL(baseUrl);
  const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: url.hostname, port: url.port, method, path,
      headers: { ...(key !== null ? { 'x-api-key': key } : {}), ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...opts.headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => {
        let parsed: unknown = text;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: reported as text */ }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
