import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://clinia.readme.io/docs/contactpoint';

const c = useConformance('contactpoint-type');

describe(`ContactPoint — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'clinic', { type: 'ROOT', properties: { telecom: { type: 'array', items: { type: 'contactpoint' } } } });
  });

  test('the template {system, value, use, rank, period} with its placeholders filled is a valid contact point', async () => {
    const telecom = [
      { system: 'phone', value: '+1-617-555-0199', use: 'work', rank: 1, period: { start: '2020-01-01T00:00:00Z' } },
      { system: 'email', value: 'frontdesk@bostonheart.org', use: 'work', rank: 2 },
      { system: 'url', value: 'https://bostonheart.org', use: 'work' },
    ];
    const res = await c.call('POST', '/resources/clinic', { body: { data: { telecom } } });
    expect(res.status).toBe(201);
    expect(expectShape(ResourceWriteShape, res.body).resource.data).toEqual({ telecom });
  });

  test('every "available" system value (phone, fax, email, pager, url, sms, other) is accepted; "proposed" use values are not enforced', async () => {
    const telecom = ['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other'].map((system) => ({ system, value: 'x', use: 'mobile' }));
    expect((await c.call('POST', '/resources/clinic', { body: { data: { telecom: [...telecom, { system: 'phone', value: '+1-617-555-0100', use: 'after-hours' }] } } })).status).toBe(201);
  });

  test('a system outside the available values, or a rank that is not an integer, is refused', async () => {
    for (const [point, path] of [
      [{ system: 'telegram', value: '@bostonheart' }, 'data.telecom[0].system'],
      [{ system: 'phone', value: '+1-617-555-0199', rank: 'first' }, 'data.telecom[0].rank'],
    ] as const) {
      const res = expectDocError(await c.call('POST', '/resources/clinic', { body: { data: { telecom: [point] } } }), 400, 'INVALID_ARGUMENT');
      expect(JSON.stringify(res.details)).toContain(path);
    }
  });
});
