import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://clinia.readme.io/docs/coding';

const c = useConformance('coding-type');

describe(`Coding — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'condition', { type: 'ROOT', properties: { code: { type: 'coding' } } });
  });

  test('the template {system, version, code, display} with its placeholders filled is a valid coding', async () => {
    const code = { system: 'http://snomed.info/sct', version: 'http://snomed.info/sct/900000000000207008/version/20240301', code: '38341003', display: 'Hypertensive disorder' };
    const res = await c.call('POST', '/resources/condition', { body: { data: { code } } });
    expect(res.status).toBe(201);
    expect(expectShape(ResourceWriteShape, res.body).resource.data).toEqual({ code });
  });

  test('system is a uri and code a code; a key the template does not have (FHIR\'s userSelected) is refused', async () => {
    for (const [code, path] of [
      [{ system: 'SNOMED CT', code: '38341003' }, 'data.code.system'],
      [{ system: 'http://snomed.info/sct', code: ' 38341003' }, 'data.code.code'],
      [{ system: 'http://snomed.info/sct', code: '38341003', userSelected: true }, 'data.code'],
    ] as const) {
      const res = expectDocError(await c.call('POST', '/resources/condition', { body: { data: { code } } }), 400, 'INVALID_ARGUMENT');
      expect(JSON.stringify(res.details)).toContain(path);
    }
  });
});
