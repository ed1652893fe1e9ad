import { expectDocError, putProfile, useConformance } from './setup';
import { ProfileShape, ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://clinia.readme.io/docs/conditional-validation-advanced';

const c = useConformance('conditional-validation');

// "Specialities are required and must be at least one item if the Practice Number is specified". The page shows the
// profile's properties; "type": "ROOT" is the newer docs' profile type (the missing "type" is covered in
// managing-profiles.test.ts).
const PROVIDER = {
  type: 'ROOT',
  properties: {
    name: { type: 'symbol' },
    practiceNumber: { type: 'integer' },
    specialities: {
      type: 'array',
      rules: [{ required: true, min: 1, when: { eq: { practiceNumber: '*' } } }],
      items: { type: 'symbol' },
    },
  },
};

async function create(data: Record<string, unknown>): Promise<{ status: number; paths: string[] }> {
  const res = await c.call('POST', '/resources/provider', { body: { data } });
  if (res.status === 201) {
    expectShape(ResourceWriteShape, res.body);
    return { status: 201, paths: [] };
  }
  return { status: res.status, paths: (expectDocError(res, 400, 'INVALID_ARGUMENT').details as { path: string }[]).map((d) => d.path) };
}

describe(`Conditional field validation (advanced) — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'provider', PROVIDER);
  });

  test('the provider example is accepted and read back with its "when" clause', async () => {
    const res = await c.call('GET', '/profiles/provider');
    expect(res.status).toBe(200);
    expect(expectShape(ProfileShape, res.body).properties).toEqual(PROVIDER.properties);
  });

  test('with a practice number, specialities are required and hold at least one item', async () => {
    expect(await create({ name: 'Dr. Sarah Wilson', practiceNumber: 1020993, specialities: ['Cardiology'] })).toEqual({ status: 201, paths: [] });
    expect(await create({ name: 'Dr. Sarah Wilson', practiceNumber: 1020993 })).toEqual({ status: 400, paths: ['data.specialities'] });
    expect(await create({ name: 'Dr. Sarah Wilson', practiceNumber: 1020993, specialities: [] })).toEqual({ status: 400, paths: ['data.specialities'] });
  });

  test('"the wildcard * tests for the presence of a value": without a practice number the rule does not apply', async () => {
    expect(await create({ name: 'John Doe' })).toEqual({ status: 201, paths: [] });
    expect(await create({ name: 'John Doe', specialities: [] })).toEqual({ status: 201, paths: [] });
    expect(await create({ name: 'John Doe', practiceNumber: null })).toEqual({ status: 201, paths: [] });
  });

  test('"multiple conditional validation criteria can be specified on a single property": each applies when its own "when" is true', async () => {
    await putProfile(c, 'provider-two-rules', {
      type: 'ROOT',
      properties: {
        name: { type: 'symbol' },
        practiceNumber: { type: 'integer' },
        specialities: {
          type: 'array',
          rules: [
            { required: true, min: 1, when: { eq: { practiceNumber: '*' } } },
            { max: 1, when: { lt: { practiceNumber: 999 } } },
          ],
          items: { type: 'symbol' },
        },
      },
    });
    const write = async (data: Record<string, unknown>) => (await c.call('POST', '/resources/provider-two-rules', { body: { data } })).status;
    expect(await write({ name: 'A', practiceNumber: 5000, specialities: ['Cardiology', 'Oncology'] })).toBe(201);
    expect(await write({ name: 'B', practiceNumber: 120, specialities: ['Cardiology'] })).toBe(201);
    expect(await write({ name: 'C', practiceNumber: 120, specialities: ['Cardiology', 'Oncology'] })).toBe(400);
    expect(await write({ name: 'D', practiceNumber: 120 })).toBe(400);
  });

  test('"when" takes operators (eq, lt, gt): anything else is 400 INVALID_ARGUMENT at the profile', async () => {
    const res = expectDocError(await c.call('PUT', '/profiles/provider-bad', {
      body: { type: 'ROOT', properties: { practiceNumber: { type: 'integer' }, specialities: { type: 'array', items: { type: 'symbol' }, rules: [{ required: true, when: { exists: { practiceNumber: true } } }] } } },
    }), 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(res.details)).toContain('when');
  });
});
