import { expectDocError, providerOfficeCatalog, useConformance } from './setup';

const PAGE = 'https://clinia.readme.io/docs/error-codes-and-types';
const TYPES_PAGE = 'https://docs.clinia.com/explanation/errors';

const c = useConformance('error-codes');

describe(`Error codes and types — ${PAGE} (types: ${TYPES_PAGE})`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
    await c.call('PUT', '/resources/provider/prov-1', { body: { data: { name: 'John Doe' } } });
  });

  test('400 INVALID_ARGUMENT: "the server cannot process the request due to a malformed request"', async () => {
    expectDocError(await c.call('POST', '/resources/provider', { raw: '{"data": {"name": "John Doe"' }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/resources/provider', { body: { data: { name: 7 } } }), 400, 'INVALID_ARGUMENT');
  });

  test('401 UNAUTHENTICATED: "lack of valid authentication credentials"', async () => {
    expectDocError(await c.call('GET', '/resources/provider/prov-1', { key: null }), 401, 'UNAUTHENTICATED');
    expectDocError(await c.call('GET', '/resources/provider/prov-1', { key: 'sk_not_a_key' }), 401, 'UNAUTHENTICATED');
  });

  test('403 PERMISSION_DENIED: "the provided credentials do not have sufficient authorizations on the given resource"', async () => {
    const otherSource = await c.api.key(['ingest'], ['another-source']);
    expectDocError(await c.call('GET', '/resources/provider/prov-1', { key: otherSource }), 403, 'PERMISSION_DENIED');
    const reader = await c.api.key(['read'], ['error-codes']);
    expect((await c.call('GET', '/resources/provider/prov-1', { key: reader })).status).toBe(200);
    expectDocError(await c.call('PUT', '/resources/provider/prov-1', { key: reader, body: { data: { name: 'Jane Doe' } } }), 403, 'PERMISSION_DENIED');
  });

  test('404 NOT_FOUND: "The given ID does not correlate to an existing resource"', async () => {
    expectDocError(await c.call('GET', '/resources/provider/prov-404'), 404, 'NOT_FOUND');
  });

  test('409 ALREADY_EXISTS: "trying to create a resource that already exists"', async () => {
    expectDocError(await c.call('POST', '/resources/provider', { body: { id: 'prov-1', data: { name: 'John Doe' } } }), 409, 'ALREADY_EXISTS');
  });

  test('400 OUT_OF_RANGE: "The operation was attempted past the valid range"', async () => {
    await c.call('PUT', '/collections/provider/pipeline', { body: { steps: [] } });
    expectDocError(await c.call('GET', '/collections/provider/pipeline?version=99'), 400, 'OUT_OF_RANGE');
  });

  test('501 UNIMPLEMENTED: "The operation is not implemented or is not supported/configured in this service"', async () => {
    expectDocError(await c.call('POST', '/purge', { body: { collectionType: 'objects', collectionKey: 'scanned-documents' } }), 501, 'UNIMPLEMENTED');
  });
});
