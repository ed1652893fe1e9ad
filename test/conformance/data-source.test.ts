import { startApi, type TestApi } from '../support/api';
import { expectDocError } from './setup';
import { SourceShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/explanation/sources/data-source';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

describe(`Data source — ${PAGE}`, () => {
  test('the guides\' PUT /catalog/v1/sources/{key} with {"type": "registry"} creates the documented definition {"key": "ehr-prod", "type": "registry"}', async () => {
    const put = await api.request('PUT', '/catalog/v1/sources/ehr-prod', { body: { type: 'registry' } });
    expect(put.status).toBe(201);
    expect(expectShape(SourceShape, put.body)).toEqual(expect.objectContaining({ key: 'ehr-prod', type: 'registry' }));

    const get = await api.request('GET', '/catalog/v1/sources/ehr-prod');
    expect(get.status).toBe(200);
    expect(expectShape(SourceShape, get.body)).toEqual(expect.objectContaining({ key: 'ehr-prod', type: 'registry' }));

    // "Keep keys stable because they appear in API paths": the same PUT again keeps the source.
    const again = await api.request('PUT', '/catalog/v1/sources/ehr-prod', { body: { type: 'registry' } });
    expect(again.status).toBe(200);
    expect(expectShape(SourceShape, again.body).key).toBe('ehr-prod');
  });

  test('"Must follow this pattern: ^[a-zA-Z0-9-][\\w-]{0,61}$": a key starting with "_" or longer than 62 characters is 400 INVALID_ARGUMENT', async () => {
    expectDocError(await api.request('PUT', '/catalog/v1/sources/_ehr-prod', { body: { type: 'registry' } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await api.request('PUT', `/catalog/v1/sources/${'e'.repeat(63)}`, { body: { type: 'registry' } }), 400, 'INVALID_ARGUMENT');
    // 62 characters is the longest key the pattern allows.
    expect((await api.request('PUT', `/catalog/v1/sources/${'e'.repeat(62)}`, { body: { type: 'registry' } })).status).toBe(201);
  });

  test('"The Clinia platform only supports registry sources at this time": another type is 400 INVALID_ARGUMENT', async () => {
    expectDocError(await api.request('PUT', '/catalog/v1/sources/ehr-files', { body: { type: 'file' } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await api.request('GET', '/catalog/v1/sources/ehr-files'), 404, 'NOT_FOUND');
  });
});
