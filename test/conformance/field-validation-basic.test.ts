import { expectDocError, putProfile, useConformance, type Conformance } from './setup';
import { ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/explanation/field-validation/basic';

const c = useConformance('field-validation-basic');

// The page's examples show the `properties` of a profile; the profile itself is ROOT (explanation/sources/profile).
const REQUIRED_EXAMPLE = { properties: { propertyName: { type: 'symbol', rules: [{ required: true }] } } };
const NUMERIC_EXAMPLE = {
  properties: {
    age: { type: 'integer', rules: [{ required: true, min: 18, max: 120 }] },
    taxRate: { type: 'decimal', rules: [{ enum: [10.5, 12.2, 15.05] }] },
  },
};
const STRING_EXAMPLE = {
  properties: {
    comment: { type: 'symbol', rules: [{ min: 5, max: 120 }] },
    gender: { type: 'code', rules: [{ enum: ['male', 'female', 'non-binary'] }] },
    email: { type: 'symbol', rules: [{ pattern: '^[\\w\\-\\.]+@([\\w-]+\\.)+[\\w-]{2,4}$' }] },
  },
};

/** Creates a record of `type` and returns the answer's status, or the error details' paths on a 400. */
async function write(ctx: Conformance, type: string, data: Record<string, unknown>): Promise<{ status: number; paths: string[] }> {
  const res = await ctx.call('POST', `/resources/${type}`, { body: { data } });
  if (res.status === 201) {
    expect(expectShape(ResourceWriteShape, res.body).resource.data).toEqual(data);
    return { status: 201, paths: [] };
  }
  const error = expectDocError(res, 400, 'INVALID_ARGUMENT');
  return { status: 400, paths: (error.details as { path?: string }[]).map((d) => d.path ?? '') };
}

describe(`Field validation, basic — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'required-example', { type: 'ROOT', ...REQUIRED_EXAMPLE });
    await putProfile(c, 'numeric-example', { type: 'ROOT', ...NUMERIC_EXAMPLE });
    await putProfile(c, 'string-example', { type: 'ROOT', ...STRING_EXAMPLE });
  });

  test('the examples are accepted and answered with the "rules" array as sent', async () => {
    for (const [key, example] of [['required-example', REQUIRED_EXAMPLE], ['numeric-example', NUMERIC_EXAMPLE], ['string-example', STRING_EXAMPLE]] as const) {
      const res = await c.call('GET', `/profiles/${key}`);
      expect(res.status).toBe(200);
      expect(res.body.properties).toEqual(example.properties);
    }
  });

  test('required: "the key must be present and not null"', async () => {
    expect(await write(c, 'required-example', { propertyName: 'Dr. Sarah Wilson' })).toEqual({ status: 201, paths: [] });
    expect(await write(c, 'required-example', {})).toEqual({ status: 400, paths: ['data.propertyName'] });
    expect(await write(c, 'required-example', { propertyName: null })).toEqual({ status: 400, paths: ['data.propertyName'] });
  });

  test('numeric min & max: required, 18 to 120, bounds included (https://clinia.readme.io/docs/field-validation: "cannot be less than the specified value, but can be equal")', async () => {
    expect((await write(c, 'numeric-example', { age: 18 })).status).toBe(201);
    expect((await write(c, 'numeric-example', { age: 120 })).status).toBe(201);
    expect((await write(c, 'numeric-example', { age: 45 })).status).toBe(201);
    expect(await write(c, 'numeric-example', { age: 17 })).toEqual({ status: 400, paths: ['data.age'] });
    expect(await write(c, 'numeric-example', { age: 121 })).toEqual({ status: 400, paths: ['data.age'] });
    expect(await write(c, 'numeric-example', {})).toEqual({ status: 400, paths: ['data.age'] });
  });

  test('numeric enum: taxRate is one of 10.5, 12.2, 15.05', async () => {
    expect((await write(c, 'numeric-example', { age: 30, taxRate: 12.2 })).status).toBe(201);
    expect((await write(c, 'numeric-example', { age: 30, taxRate: 15.05 })).status).toBe(201);
    expect(await write(c, 'numeric-example', { age: 30, taxRate: 13 })).toEqual({ status: 400, paths: ['data.taxRate'] });
  });

  test('string min & max bound the length: comment of 5 to 120 characters', async () => {
    expect((await write(c, 'string-example', { comment: 'Great' })).status).toBe(201);
    expect((await write(c, 'string-example', { comment: 'Friendly staff and short wait times' })).status).toBe(201);
    expect(await write(c, 'string-example', { comment: 'Good' })).toEqual({ status: 400, paths: ['data.comment'] });
    expect(await write(c, 'string-example', { comment: 'x'.repeat(121) })).toEqual({ status: 400, paths: ['data.comment'] });
  });

  test('string enum: gender is male, female or non-binary', async () => {
    expect((await write(c, 'string-example', { gender: 'non-binary' })).status).toBe(201);
    expect(await write(c, 'string-example', { gender: 'unknown' })).toEqual({ status: 400, paths: ['data.gender'] });
  });

  test('pattern (ECMAScript regex ^[\\w\\-\\.]+@([\\w-]+\\.)+[\\w-]{2,4}$): e-mail addresses pass, other strings fail', async () => {
    expect((await write(c, 'string-example', { email: 'sarah.wilson@bostonheart.org' })).status).toBe(201);
    expect((await write(c, 'string-example', { email: 'j-doe@clinic.example.ca' })).status).toBe(201);
    expect(await write(c, 'string-example', { email: 'sarah.wilson' })).toEqual({ status: 400, paths: ['data.email'] });
    expect(await write(c, 'string-example', { email: 'sarah@clinic.museum1' })).toEqual({ status: 400, paths: ['data.email'] });
  });

  test('"Rules are evaluated in order. You can mix multiple constraints": every broken rule is reported', async () => {
    const res = expectDocError(await c.call('POST', '/resources/string-example', { body: { data: { comment: 'Bad', gender: 'other', email: 'nobody' } } }), 400, 'INVALID_ARGUMENT');
    expect((res.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['data.comment', 'data.email', 'data.gender']);
  });

  test('arrays: "required forces the array to be present (it can still be empty)", min/max count the elements, nested rules apply to every item', async () => {
    await putProfile(c, 'array-example', {
      type: 'ROOT',
      properties: {
        specialities: { type: 'array', rules: [{ required: true, max: 2 }], items: { type: 'symbol', rules: [{ min: 3 }] } },
        languages: { type: 'array', rules: [{ min: 1 }], items: { type: 'code' } },
      },
    });
    expect((await write(c, 'array-example', { specialities: [] })).status).toBe(201);
    expect((await write(c, 'array-example', { specialities: ['Cardiology', 'Pediatrics'], languages: ['en'] })).status).toBe(201);
    expect(await write(c, 'array-example', {})).toEqual({ status: 400, paths: ['data.specialities'] });
    expect(await write(c, 'array-example', { specialities: ['Cardiology', 'Pediatrics', 'Oncology'] })).toEqual({ status: 400, paths: ['data.specialities'] });
    expect(await write(c, 'array-example', { specialities: ['ENT'] })).toEqual({ status: 201, paths: [] });
    expect(await write(c, 'array-example', { specialities: ['GP'] })).toEqual({ status: 400, paths: ['data.specialities[0]'] });
    expect(await write(c, 'array-example', { specialities: [], languages: [] })).toEqual({ status: 400, paths: ['data.languages'] });
  });

  test('objects and complex types "only accept required at the top level": sub-fields take their own rules', async () => {
    // min on an address property is refused at the profile.
    const bad = expectDocError(await c.call('PUT', '/profiles/object-bad', { body: { type: 'ROOT', properties: { clinicAddress: { type: 'address', rules: [{ required: true, min: 1 }] } } } }), 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(bad.details)).toContain('clinicAddress');
    await putProfile(c, 'object-example', {
      type: 'ROOT',
      properties: {
        clinicAddress: { type: 'address', rules: [{ required: true }] },
        license: { type: 'object', rules: [{ required: true }], properties: { number: { type: 'symbol', rules: [{ required: true, min: 4 }] } } },
      },
    });
    expect((await write(c, 'object-example', { clinicAddress: { city: 'Boston' }, license: { number: 'MA-10442' } })).status).toBe(201);
    expect(await write(c, 'object-example', { license: { number: 'MA-10442' } })).toEqual({ status: 400, paths: ['data.clinicAddress'] });
    expect(await write(c, 'object-example', { clinicAddress: { city: 'Boston' }, license: { number: 'MA' } })).toEqual({ status: 400, paths: ['data.license.number'] });
  });

  test('rule formats: "min & max (on value) integer or decimal", "enum must match property type", "pattern" only on string-based types: others are 400 at the profile', async () => {
    expectDocError(await c.call('PUT', '/profiles/rules-bad', { body: { type: 'ROOT', properties: { age: { type: 'integer', rules: [{ enum: ['eighteen'] }] } } } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PUT', '/profiles/rules-bad', { body: { type: 'ROOT', properties: { age: { type: 'integer', rules: [{ pattern: '^\\d+$' }] } } } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PUT', '/profiles/rules-bad', { body: { type: 'ROOT', properties: { active: { type: 'boolean', rules: [{ min: 1 }] } } } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PUT', '/profiles/rules-bad', { body: { type: 'ROOT', properties: { email: { type: 'symbol', rules: [{ pattern: '^[a-z' }] } } } }), 400, 'INVALID_ARGUMENT');
  });
});
