import { expectDocError, putProfile, useConformance } from './setup';

const PAGE = 'https://docs.clinia.com/docs/authentication';

const c = useConformance('authentication');

describe(`Authentication — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'provider', { type: 'ROOT', properties: { name: { type: 'symbol' } } });
  });

  test('"Provide your API key in the headers with an X-Clinia-Api-Key key" (the API reference writes X-Clinia-API-Key)', async () => {
    for (const header of ['X-Clinia-Api-Key', 'X-Clinia-API-Key']) {
      const res = await c.call('PUT', '/resources/provider/prov-1', { key: null, headers: { [header]: c.api.adminKey }, body: { data: { name: 'John Doe' } } });
      expect(res.status).toBeLessThan(300);
    }
    const read = await c.call('GET', '/resources/provider/prov-1', { key: null, headers: { 'X-Clinia-API-Key': c.api.adminKey } });
    expect(read.status).toBe(200);
  });

  test('"calls without authentication fail": 401 UNAUTHENTICATED', async () => {
    expectDocError(await c.call('GET', '/resources/provider/prov-1', { key: null }), 401, 'UNAUTHENTICATED');
    expectDocError(await c.call('GET', '/resources/provider/prov-1', { key: null, headers: { 'X-Clinia-API-Key': 'sk_revoked' } }), 401, 'UNAUTHENTICATED');
  });
});
