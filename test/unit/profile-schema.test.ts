import {
  KEY_PATTERN,
  KeySchema,
  MAX_PROPERTY_DEPTH,
  PROPERTY_TYPES,
  ProfileDefinitionSchema,
  type ProfileDefinition,
  type PropertyDefinition,
} from '../../src/schemas/profile';

type Issue = { path: (string | number)[]; message: string };

const issuesOf = (input: unknown): Issue[] => {
  const result = ProfileDefinitionSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message }));
};

/** A ROOT profile with one property `p`. */
const withProperty = (p: unknown) => ({ type: 'ROOT', properties: { p } });

const TYPES = PROPERTY_TYPES.join(', ');
const KEY_RULE = 'must match ^[a-zA-Z_][a-zA-Z0-9_]*$ (letters, digits and "_", not starting with a digit; no "." and no leading "$")';

describe('KeySchema', () => {
  test.each(['office', 'Office-2', '0abc', '-x', 'a_b', 'a'.repeat(62)])('accepts %s', (key) => {
    expect(KeySchema.safeParse(key).success).toBe(true);
    expect(KEY_PATTERN.test(key)).toBe(true);
  });

  test.each(['', '_office', 'a.b', 'a b', 'a/b', 'é', 'a'.repeat(63)])('rejects %j', (key) => {
    expect(KeySchema.safeParse(key).error?.issues.map((i) => i.message)).toEqual([
      'must be 1 to 62 letters, digits, "_" or "-", not starting with "_"',
    ]);
  });
});

describe('ProfileDefinitionSchema accepts', () => {
  const everyType: Record<string, PropertyDefinition> = Object.fromEntries(
    PROPERTY_TYPES.map((type): [string, PropertyDefinition] => {
      if (type === 'array') return [`p_${type}`, { type, items: { type: 'symbol' } }];
      if (type === 'object') return [`p_${type}`, { type, properties: { inner: { type: 'integer' } } }];
      if (type === 'reference') return [`p_${type}`, { type, profile: 'office' }];
      if (type === 'code') return [`p_${type}`, { type, vocabulary: ['a', 'b c'] }];
      return [`p_${type}`, { type }];
    }),
  );

  test.each<[string, ProfileDefinition]>([
    ['every property type', { type: 'ROOT', properties: everyType }],
    ['no properties', { type: 'CONTAINED', properties: {} }],
    ['an empty contained map on a CONTAINED profile', { type: 'CONTAINED', properties: {}, contained: {} }],
    [
      'the seeds office profile',
      {
        type: 'ROOT',
        description: 'An office',
        properties: { name: { type: 'symbol', rules: [{ required: true, min: 1, max: 200 }] }, note: { type: 'markdown' } },
        contained: {
          primaryPaymentMethod: { types: ['paymentMethod'], cardinality: '0:1' },
          alternativePaymentMethods: { types: ['paymentMethod'], cardinality: '0:*' },
        },
      },
    ],
    [
      'every rule',
      {
        type: 'ROOT',
        properties: {
          status: { type: 'code', vocabulary: ['active', 'closed'] },
          beds: { type: 'integer', rules: [{ required: true, min: 0, max: 10_000, enum: [1, 2, 3], when: { eq: { status: 'active' } } }] },
          email: { type: 'symbol', rules: [{ pattern: '^[^@\\s]+@[^@\\s]+$', max: 254 }] },
          tags: { type: 'array', items: { type: 'symbol', rules: [{ pattern: '^\\p{Ll}+$' }] }, rules: [{ min: 1, max: 5 }] },
          opened: { type: 'date', rules: [{ pattern: '^20', enum: ['2020', '2021'] }] },
          location: { type: 'geopoint', rules: [{ required: true }] },
          price: { type: 'decimal', rules: [{ min: 0.5, max: 0.5 }] },
          contacts: { type: 'array', items: { type: 'contactpoint' }, rules: [{ required: true }] },
          _private: { type: 'boolean' },
        },
      },
    ],
    [
      'several rules, each with its own when (docs: field-validation advanced)',
      {
        type: 'ROOT',
        properties: {
          practiceNumber: { type: 'integer' },
          specialities: {
            type: 'array',
            items: { type: 'symbol' },
            rules: [{ max: 20 }, { required: true, min: 1, when: { eq: { practiceNumber: '*' } } }, { max: 3, when: { not: { gt: { practiceNumber: 1000 } } } }],
          },
          contacts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                system: { type: 'code' },
                value: { type: 'symbol', rules: [{ required: true, when: { eq: { 'contacts[current].system': 'email' } } }] },
              },
            },
          },
        },
      },
    ],
    ['an empty rules array', { type: 'ROOT', properties: { a: { type: 'symbol', rules: [] } } }],
  ])('%s', (_name, profile) => {
    expect(ProfileDefinitionSchema.parse(profile)).toEqual(profile);
  });

  test.each<[string, unknown, PropertyDefinition]>([
    ['type "string" is stored as "symbol" (an input alias)', { type: 'string' }, { type: 'symbol' }],
    ['one rule object is stored as a one-rule array (an input alias)', { type: 'symbol', rules: { required: true, when: { eq: { b: '*' } } } }, { type: 'symbol', rules: [{ required: true, when: { eq: { b: '*' } } }] }],
    ['the aliases nest', { type: 'array', items: { type: 'string', rules: { max: 3 } } }, { type: 'array', items: { type: 'symbol', rules: [{ max: 3 }] } }],
  ])('%s', (_name, input, stored) => {
    expect(ProfileDefinitionSchema.parse({ type: 'ROOT', properties: { p: input } }).properties.p).toEqual(stored);
  });

  test(`properties nested ${MAX_PROPERTY_DEPTH} levels deep`, () => {
    let def: PropertyDefinition = { type: 'symbol' };
    for (let i = 1; i < MAX_PROPERTY_DEPTH; i++) def = i % 2 ? { type: 'array', items: def } : { type: 'object', properties: { x: def } };
    expect(issuesOf({ type: 'ROOT', properties: { x: def } })).toEqual([]);
  });
});

test('a profile without type is a ROOT profile (docs: clinia.readme.io/docs/managing-profiles examples carry none)', () => {
  expect(ProfileDefinitionSchema.parse({ properties: { name: { type: 'symbol' } } })).toEqual({ type: 'ROOT', properties: { name: { type: 'symbol' } } });
});

describe('ProfileDefinitionSchema rejects', () => {
  test.each<[string, unknown, Issue[]]>([
    ['a non-object', [], [{ path: [], message: 'must be an object with keys type, description, properties, contained' }]],
    ['missing properties (a missing type is ROOT, as the readme examples write profiles)', {}, [
      { path: ['properties'], message: 'is required: an object mapping property keys to property definitions' },
    ]],
    ['properties that is an array', { type: 'ROOT', properties: [] }, [
      { path: ['properties'], message: 'must be an object mapping property keys to property definitions' },
    ]],
    ['an unknown profile type', { type: 'NESTED', properties: {} }, [{ path: ['type'], message: 'must be "ROOT" or "CONTAINED"' }]],
    ['an unknown top-level key', { type: 'ROOT', properties: {}, relationships: {} }, [
      { path: [], message: 'unknown key(s) "relationships"; allowed: type, description, properties, contained' },
    ]],
    ['a property key with a dot', { type: 'ROOT', properties: { 'a.b': { type: 'symbol' } } }, [
      { path: ['properties', 'a.b'], message: `invalid property key "a.b": ${KEY_RULE}` },
    ]],
    ['a property key with a leading $', { type: 'ROOT', properties: { $where: { type: 'symbol' } } }, [
      { path: ['properties', '$where'], message: `invalid property key "$where": ${KEY_RULE}` },
    ]],
    ['a property key starting with a digit', { type: 'ROOT', properties: { '1st': { type: 'symbol' } } }, [
      { path: ['properties', '1st'], message: `invalid property key "1st": ${KEY_RULE}` },
    ]],
    ['a __proto__ property key', JSON.parse('{"type":"ROOT","properties":{"__proto__":{"type":"symbol"}}}'), [
      { path: ['properties'], message: 'the key "__proto__" is not allowed' },
    ]],
    ['a bad contain key', { type: 'ROOT', properties: {}, contained: { 'pay-method': { types: ['x'], cardinality: '0:1' } } }, [
      { path: ['contained', 'pay-method'], message: `invalid contain key "pay-method": ${KEY_RULE}` },
    ]],
    ['a property without type', withProperty({}), [{ path: ['properties', 'p', 'type'], message: `is required: one of ${TYPES}` }]],
    ['an unknown property type', withProperty({ type: 'text' }), [{ path: ['properties', 'p', 'type'], message: `unknown type "text"; expected one of ${TYPES}` }]],
    ['an unknown property key', withProperty({ type: 'symbol', format: 'email' }), [
      { path: ['properties', 'p'], message: 'unknown key(s) "format"; allowed: type, description, rules, items, properties, vocabulary, binding, profile' },
    ]],
    ['an array without items', withProperty({ type: 'array' }), [{ path: ['properties', 'p', 'items'], message: 'is required for type "array"' }]],
    ['items on a symbol', withProperty({ type: 'symbol', items: { type: 'symbol' } }), [
      { path: ['properties', 'p', 'items'], message: 'is only allowed for type "array", not "symbol"' },
    ]],
    ['items on the "string" alias, named by the type it stands for', withProperty({ type: 'string', items: { type: 'symbol' } }), [
      { path: ['properties', 'p', 'items'], message: 'is only allowed for type "array", not "symbol"' },
    ]],
    ['an object without properties', withProperty({ type: 'object' }), [{ path: ['properties', 'p', 'properties'], message: 'is required for type "object"' }]],
    ['properties on an array', withProperty({ type: 'array', items: { type: 'symbol' }, properties: {} }), [
      { path: ['properties', 'p', 'properties'], message: 'is only allowed for type "object", not "array"' },
    ]],
    ['a reference without profile', withProperty({ type: 'reference' }), [{ path: ['properties', 'p', 'profile'], message: 'is required for type "reference"' }]],
    ['profile on a symbol', withProperty({ type: 'symbol', profile: 'office' }), [
      { path: ['properties', 'p', 'profile'], message: 'is only allowed for type "reference", not "symbol"' },
    ]],
    ['a reference to a bad profile key', withProperty({ type: 'reference', profile: 'a.b' }), [
      { path: ['properties', 'p', 'profile'], message: 'must be 1 to 62 letters, digits, "_" or "-", not starting with "_"' },
    ]],
    ['vocabulary on a symbol', withProperty({ type: 'symbol', vocabulary: ['a'] }), [
      { path: ['properties', 'p', 'vocabulary'], message: 'is only allowed for type "code", not "symbol"' },
    ]],
    ['an empty vocabulary', withProperty({ type: 'code', vocabulary: [] }), [{ path: ['properties', 'p', 'vocabulary'], message: 'must list at least one code' }]],
    ['a vocabulary code with whitespace around it', withProperty({ type: 'code', vocabulary: ['a', ' b'] }), [
      { path: ['properties', 'p', 'vocabulary', 1], message: 'must be a non-empty code without leading or trailing whitespace' },
    ]],
    ['a duplicate vocabulary code', withProperty({ type: 'code', vocabulary: ['a', 'b', 'a'] }), [
      { path: ['properties', 'p', 'vocabulary', 2], message: 'duplicate code "a"' },
    ]],
    ['an error deep inside nested properties', withProperty({ type: 'object', properties: { q: { type: 'array', items: { type: 'array' } } } }), [
      { path: ['properties', 'p', 'properties', 'q', 'items', 'items'], message: 'is required for type "array"' },
    ]],
    ['rules that are neither an array nor an object', withProperty({ type: 'symbol', rules: 'required' }), [
      { path: ['properties', 'p', 'rules'], message: 'must be an array of rule objects, e.g. [{"required": true}]' },
    ]],
    ['a rule that is not an object', withProperty({ type: 'symbol', rules: [{ required: true }, 'max'] }), [
      { path: ['properties', 'p', 'rules', 1], message: 'must be an object with keys required, min, max, enum, pattern, when' },
    ]],
    ['more than 50 rules', withProperty({ type: 'symbol', rules: Array.from({ length: 51 }, () => ({ required: true })) }), [
      { path: ['properties', 'p', 'rules'], message: 'at most 50 rules per property' },
    ]],
    ['an unknown rule', withProperty({ type: 'symbol', rules: [{ minLength: 1 }] }), [
      { path: ['properties', 'p', 'rules', 0], message: 'unknown key(s) "minLength"; allowed: required, min, max, enum, pattern, when' },
    ]],
    ['an unknown rule in the single-object alias, at its array path', withProperty({ type: 'symbol', rules: { minLength: 1 } }), [
      { path: ['properties', 'p', 'rules', 0], message: 'unknown key(s) "minLength"; allowed: required, min, max, enum, pattern, when' },
    ]],
    ['a non-boolean required', withProperty({ type: 'symbol', rules: [{ required: 'yes' }] }), [
      { path: ['properties', 'p', 'rules', 0, 'required'], message: 'must be true or false' },
    ]],
    ['min greater than max, in the second rule', withProperty({ type: 'integer', rules: [{ min: 1 }, { min: 5, max: 3 }] }), [
      { path: ['properties', 'p', 'rules', 1, 'min'], message: 'min (5) must not be greater than max (3)' },
    ]],
    ['a non-numeric min', withProperty({ type: 'integer', rules: [{ min: '5' }] }), [{ path: ['properties', 'p', 'rules', 0, 'min'], message: 'must be a number' }]],
    ['min on a boolean', withProperty({ type: 'boolean', rules: [{ min: 1 }] }), [
      { path: ['properties', 'p', 'rules', 0, 'min'], message: 'does not apply to type "boolean" (min and max bound numbers, string length and array length)' },
    ]],
    ['max on a date', withProperty({ type: 'date', rules: [{ max: 2020 }] }), [
      { path: ['properties', 'p', 'rules', 0, 'max'], message: 'does not apply to type "date" (min and max bound numbers, string length and array length)' },
    ]],
    ['a fractional string length', withProperty({ type: 'symbol', rules: [{ max: 2.5 }] }), [
      { path: ['properties', 'p', 'rules', 0, 'max'], message: 'must be a non-negative integer: it bounds the length of a symbol' },
    ]],
    ['a negative array length', withProperty({ type: 'array', items: { type: 'symbol' }, rules: [{ min: -1 }] }), [
      { path: ['properties', 'p', 'rules', 0, 'min'], message: 'must be a non-negative integer: it bounds the number of items of an array' },
    ]],
    ['an empty enum', withProperty({ type: 'symbol', rules: [{ enum: [] }] }), [{ path: ['properties', 'p', 'rules', 0, 'enum'], message: 'must list at least one value' }]],
    ['an enum value of another kind than a string type (docs: "Must match property type")', withProperty({ type: 'code', rules: [{ enum: ['a', 2] }] }), [
      { path: ['properties', 'p', 'rules', 0, 'enum', 1], message: 'must be a string, like the values of a code' },
    ]],
    ['an enum value of another kind than a numeric type (docs: "Must match property type")', withProperty({ type: 'decimal', rules: [{ enum: [10.5, '12.2'] }] }), [
      { path: ['properties', 'p', 'rules', 0, 'enum', 1], message: 'must be a number, like the values of a decimal' },
    ]],
    ['an enum value that is an object', withProperty({ type: 'symbol', rules: [{ enum: [{ a: 1 }] }] }), [
      { path: ['properties', 'p', 'rules', 0, 'enum', 0], message: 'must be a string or a number' },
    ]],
    ['enum on a boolean (docs: numeric or string-based types)', withProperty({ type: 'boolean', rules: [{ enum: ['true'] }] }), [
      { path: ['properties', 'p', 'rules', 0, 'enum'], message: 'does not apply to type "boolean" (enum applies to numeric and string-based types)' },
    ]],
    ['enum on an object (docs: objects accept only "required")', withProperty({ type: 'object', properties: {}, rules: [{ enum: ['x'] }] }), [
      { path: ['properties', 'p', 'rules', 0, 'enum'], message: 'does not apply to type "object": object and complex-type properties accept only "required"; put rules on their properties' },
    ]],
    ['pattern on a complex type (docs: complex types accept only "required")', withProperty({ type: 'contactpoint', rules: [{ required: true, pattern: '^a' }] }), [
      { path: ['properties', 'p', 'rules', 0, 'pattern'], message: 'does not apply to type "contactpoint": object and complex-type properties accept only "required"; put rules on their properties' },
    ]],
    ['max on an object', withProperty({ type: 'object', properties: {}, rules: [{ max: 1 }] }), [
      { path: ['properties', 'p', 'rules', 0, 'max'], message: 'does not apply to type "object": object and complex-type properties accept only "required"; put rules on their properties' },
    ]],
    ['a pattern that does not compile', withProperty({ type: 'symbol', rules: [{ pattern: '[a-' }] }), [
      { path: ['properties', 'p', 'rules', 0, 'pattern'], message: 'is not a valid ECMAScript regular expression (u flag): Unterminated character class' },
    ]],
    ['a pattern on an integer', withProperty({ type: 'integer', rules: [{ pattern: '^1' }] }), [
      { path: ['properties', 'p', 'rules', 0, 'pattern'], message: 'does not apply to type "integer" (pattern applies to string values)' },
    ]],
    ['a when alone', withProperty({ type: 'symbol', rules: [{ when: { eq: { '@action': 'CREATE' } } }] }), [
      { path: ['properties', 'p', 'rules', 0, 'when'], message: 'has no effect without another rule (required, min, max, enum or pattern)' },
    ]],
    ['a when with two operators', withProperty({ type: 'symbol', rules: [{ required: true, when: { eq: { x: 1 }, lt: { x: 2 } } }] }), [
      { path: ['properties', 'p', 'rules', 0, 'when'], message: 'one operator per object, got "eq", "lt"; combine them with "and"' },
    ]],
    ['a when in the old predicate form (no alias)', withProperty({ type: 'symbol', rules: [{ required: true, when: { property: 'data.x', exists: true } }] }), [
      { path: ['properties', 'p', 'rules', 0, 'when'], message: 'unknown operator(s) "property", "exists"; an operator object has exactly one of: and, or, not, eq, lt, gt, any, all, match, geoDistance, changed (and an optional "id")' },
      { path: ['properties', 'p', 'rules', 0, 'when'], message: 'empty operator: an operator object has exactly one of: and, or, not, eq, lt, gt, any, all, match, geoDistance, changed (and an optional "id")' },
    ]],
    ['a when path with the old array index', withProperty({ type: 'symbol', rules: [{ required: true, when: { eq: { 'phones.0.system': 'email' } } }] }), [
      { path: ['properties', 'p', 'rules', 0, 'when', 'eq', 'phones.0.system'], message: '"eq" takes property paths relative to data, e.g. "address.city", "contacts[current].system" or "@action"' },
    ]],
    ['contained on a CONTAINED profile', { type: 'CONTAINED', properties: {}, contained: { x: { types: ['y'], cardinality: '0:1' } } }, [
      { path: ['contained'], message: 'is only allowed on ROOT profiles; a CONTAINED profile cannot contain resources' },
    ]],
    ['a contained declaration without types', { type: 'ROOT', properties: {}, contained: { x: { types: [], cardinality: '0:1' } } }, [
      { path: ['contained', 'x', 'types'], message: 'must list at least one CONTAINED profile key' },
    ]],
    ['a contained declaration with a bad cardinality', { type: 'ROOT', properties: {}, contained: { x: { types: ['y'], cardinality: '1:n' } } }, [
      { path: ['contained', 'x', 'cardinality'], message: 'must be one of 0:1, 1:1, 0:*, 1:*' },
    ]],
    ['a contained declaration without cardinality', { type: 'ROOT', properties: {}, contained: { x: { types: ['y'] } } }, [
      { path: ['contained', 'x', 'cardinality'], message: 'is required: one of 0:1, 1:1, 0:*, 1:*' },
    ]],
    ['a contained declaration with an unknown key', { type: 'ROOT', properties: {}, contained: { x: { types: ['y'], cardinality: '0:1', min: 1 } } }, [
      { path: ['contained', 'x'], message: 'unknown key(s) "min"; allowed: types, cardinality' },
    ]],
  ])('%s', (_name, input, expected) => {
    expect(issuesOf(input)).toEqual(expected);
  });

  test('every independent problem at once', () => {
    expect(
      issuesOf({
        type: 'ROOT',
        properties: { ok: { type: 'symbol' }, 'bad.key': { type: 'symbol' }, list: { type: 'array' }, n: { type: 'number' } },
      }),
    ).toEqual([
      { path: ['properties', 'bad.key'], message: `invalid property key "bad.key": ${KEY_RULE}` },
      { path: ['properties', 'list', 'items'], message: 'is required for type "array"' },
      { path: ['properties', 'n', 'type'], message: `unknown type "number"; expected one of ${TYPES}` },
    ]);
  });

  test(`properties nested more than ${MAX_PROPERTY_DEPTH} levels deep`, () => {
    let def: PropertyDefinition = { type: 'symbol' };
    for (let i = 0; i < MAX_PROPERTY_DEPTH; i++) def = { type: 'object', properties: { x: def } };
    const path = ['properties', 'x', ...Array<string[]>(MAX_PROPERTY_DEPTH).fill(['properties', 'x']).flat()];
    expect(issuesOf({ type: 'ROOT', properties: { x: def } })).toEqual([
      { path, message: `nests more than ${MAX_PROPERTY_DEPTH} levels of object and array properties` },
    ]);
  });

  test('hostile nesting is refused without exhausting the stack', () => {
    let def: unknown = { type: 'symbol' };
    for (let i = 0; i < 50_000; i++) def = { type: 'array', items: def };
    const issues = issuesOf({ type: 'ROOT', properties: { x: def } });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toBe('nests more than 200 levels deep');
  });
});
