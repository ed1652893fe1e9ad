import fc from 'fast-check';

import { deepEqual, evaluatePredicate, propertyAt, type PredicateContext } from '../../src/predicate';
import type { Action } from '../../src/domain';
import { PredicateSchema, type Predicate } from '../../src/schemas/predicate';

const issuesOf = (input: unknown) => {
  const result = PredicateSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path, message: i.message }));
};

const ALLOWED =
  'a predicate has one of: and, or, not, action, or "property" with one operator (exists, eq, neq, in, gt, gte, lt, lte, matches, changed)';

describe('PredicateSchema accepts', () => {
  test.each<[string, Predicate]>([
    ['and', { and: [{ property: 'data.a', exists: true }] }],
    ['or', { or: [{ property: 'data.a', eq: 1 }, { property: 'data.b', neq: 'x' }] }],
    ['not', { not: { action: { in: ['CREATE'] } } }],
    ['action', { action: { in: ['CREATE', 'UPSERT', 'UPDATE', 'DELETE'] } }],
    ['exists', { property: 'meta.source', exists: false }],
    ['eq with an object', { property: 'data.address', eq: { city: 'Montréal' } }],
    ['neq', { property: 'data.a', neq: [1, 2] }],
    ['in', { property: 'data.a', in: ['x', 2, { y: true }] }],
    ['gt number', { property: 'data.a', gt: 1 }],
    ['gte string', { property: 'data.a', gte: '2020-01-01' }],
    ['lt', { property: 'data.a', lt: -3.5 }],
    ['lte', { property: 'data.a', lte: 'm' }],
    ['matches', { property: 'data.phones.0.value', matches: '^\\+1\\d{10}$' }],
    ['changed', { property: 'data.name', changed: true }],
    ['nested', { and: [{ or: [{ not: { property: 'data.a', exists: true } }] }, { action: { in: ['UPDATE'] } }] }],
  ])('%s', (_name, predicate) => {
    expect(PredicateSchema.parse(predicate)).toEqual(predicate);
  });
});

describe('PredicateSchema rejects', () => {
  test.each<[string, unknown, { path: (string | number)[]; message: string }[]]>([
    ['a non-object', 'data.a', [{ path: [], message: `must be a predicate object; ${ALLOWED}` }]],
    ['an empty object', {}, [{ path: [], message: `empty predicate: ${ALLOWED}` }]],
    ['a property without operator', { property: 'data.a' }, [{ path: [], message: '"property" needs exactly one operator: exists, eq, neq, in, gt, gte, lt, lte, matches, changed' }]],
    ['two operators', { property: 'data.a', eq: 1, gt: 0 }, [{ path: [], message: 'one operator per predicate, got "eq", "gt"; combine them with "and"' }]],
    ['an operator without property', { eq: 1 }, [{ path: ['property'], message: 'operator "eq" needs a "property" to test' }]],
    ['a combinator mixed with a property test', { not: { property: 'data.a', exists: true }, property: 'data.b', exists: true }, [{ path: [], message: '"not" cannot be combined with "property", "exists" in one predicate; nest them inside "and" or "or"' }]],
    ['an empty and', { and: [] }, [{ path: ['and'], message: '"and" needs at least one predicate' }]],
    ['or that is not an array', { or: { property: 'data.a', exists: true } }, [{ path: ['or'], message: '"or" must be an array of predicates' }]],
    ['an unknown key', { property: 'data.a', equals: 1 }, [
      { path: [], message: `unknown key(s) "equals"; ${ALLOWED}` },
      { path: [], message: '"property" needs exactly one operator: exists, eq, neq, in, gt, gte, lt, lte, matches, changed' },
    ]],
    ['a bad nested node, with its path', { and: [{ property: 'data.a', exists: true }, { or: [{ property: 'data.b', gt: true }] }] }, [
      { path: ['and', 1, 'or', 0, 'gt'], message: '"gt" compares with a number or a string' },
    ]],
    ['an unknown action', { action: { in: ['CREATE', 'PATCH'] } }, [{ path: ['action', 'in', 1], message: 'must be one of CREATE, UPSERT, UPDATE, DELETE' }]],
    ['no actions', { action: { in: [] } }, [{ path: ['action', 'in'], message: '"action.in" needs at least one action' }]],
    ['an action object with extra keys', { action: { in: ['CREATE'], not: ['DELETE'] } }, [{ path: ['action'], message: 'unknown key(s) "not"; "action" takes only "in"' }]],
    ['an action that is a string', { action: 'CREATE' }, [{ path: ['action'], message: '"action" must be an object {"in": [actions]}' }]],
    ['an empty path segment', { property: 'data..a', exists: true }, [{ path: ['property'], message: '"property" must be a dotted path such as "data.address.city" (segments of letters, digits, _ or -)' }]],
    ['a $ path segment', { property: 'data.$where', exists: true }, [{ path: ['property'], message: '"property" must be a dotted path such as "data.address.city" (segments of letters, digits, _ or -)' }]],
    ['a non-boolean exists', { property: 'data.a', exists: 'yes' }, [{ path: ['exists'], message: '"exists" must be true or false' }]],
    ['eq null', { property: 'data.a', eq: null }, [{ path: ['eq'], message: '"eq" cannot test for null: null counts as missing, use {"property": ..., "exists": false}' }]],
    ['in that is not an array', { property: 'data.a', in: 'x' }, [{ path: ['in'], message: '"in" must be an array of values' }]],
    ['an empty in', { property: 'data.a', in: [] }, [{ path: ['in'], message: '"in" needs at least one value' }]],
    ['null inside in', { property: 'data.a', in: ['x', null] }, [{ path: ['in', 1], message: '"in" cannot test for null: null counts as missing, use {"property": ..., "exists": false}' }]],
    ['lte with an object', { property: 'data.a', lte: {} }, [{ path: ['lte'], message: '"lte" compares with a number or a string' }]],
    ['a regex that does not compile', { property: 'data.a', matches: '(' }, [{ path: ['matches'], message: 'is not a valid ECMAScript regular expression (u flag): Unterminated group' }]],
    ['a regex invalid only under the u flag', { property: 'data.a', matches: '\\-' }, [{ path: ['matches'], message: 'is not a valid ECMAScript regular expression (u flag): Invalid escape' }]],
    ['changed: false', { property: 'data.a', changed: false }, [{ path: ['changed'], message: '"changed" must be true (wrap it in "not" to test for unchanged)' }]],
  ])('%s', (_name, input, expected) => {
    expect(issuesOf(input)).toEqual(expected);
  });

  test('nesting beyond the limit, without exhausting the stack', () => {
    let deep: unknown = { property: 'data.a', exists: true };
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    const issues = issuesOf(deep);
    expect(issues).toEqual([{ path: Array(64).fill('not'), message: 'nests more than 64 levels deep' }]);
  });

  test('nesting within the limit', () => {
    let deep: Predicate = { property: 'data.a', exists: true };
    for (let i = 0; i < 30; i++) deep = { and: [deep] };
    expect(PredicateSchema.safeParse(deep).success).toBe(true);
  });
});

const record = {
  id: 'clinic-1',
  type: 'clinic',
  data: {
    name: 'North Clinic',
    beds: 12,
    rating: 4.5,
    open: true,
    note: null,
    tags: ['walk-in', 'pediatrics'],
    opened: '2020-05-01',
    address: { city: 'Montréal', line: ['1 Main St', 'Suite 2'] },
    phones: [{ value: '+15145550000', use: 'work' }],
  },
  meta: { source: 'demo' },
};
const previous = {
  ...record,
  data: { ...record.data, name: 'Old Clinic', address: { line: ['1 Main St', 'Suite 2'], city: 'Montréal' }, tags: ['pediatrics', 'walk-in'] },
};

describe('evaluatePredicate', () => {
  const ctx = (action: Action = 'UPDATE', withPrevious = true): PredicateContext =>
    withPrevious ? { action, record, previous } : { action, record };

  test.each<[string, Predicate, boolean]>([
    ['exists: a present value', { property: 'data.name', exists: true }, true],
    ['exists: a missing value', { property: 'data.fax', exists: true }, false],
    ['exists: null counts as missing', { property: 'data.note', exists: false }, true],
    ['exists: through an array index', { property: 'data.phones.0.value', exists: true }, true],
    ['exists: an index out of range', { property: 'data.phones.1.value', exists: true }, false],
    ['exists: a non-numeric segment on an array', { property: 'data.phones.value', exists: true }, false],
    ['exists: inherited members are not properties', { property: 'data.constructor', exists: true }, false],
    ['eq: a string', { property: 'data.name', eq: 'North Clinic' }, true],
    ['eq: a different type', { property: 'data.beds', eq: '12' }, false],
    ['eq: an object, key order irrelevant', { property: 'data.address', eq: { line: ['1 Main St', 'Suite 2'], city: 'Montréal' } }, true],
    ['eq: an array, order relevant', { property: 'data.tags', eq: ['pediatrics', 'walk-in'] }, false],
    ['eq: a missing value', { property: 'data.fax', eq: 'x' }, false],
    ['neq: a different value', { property: 'data.name', neq: 'South Clinic' }, true],
    ['neq: the same value', { property: 'data.beds', neq: 12 }, false],
    ['neq: a missing value', { property: 'data.fax', neq: 'x' }, true],
    ['neq: null counts as missing', { property: 'data.note', neq: 'x' }, true],
    ['in: a member', { property: 'data.beds', in: [10, 12] }, true],
    ['in: an object member', { property: 'data.phones.0', in: [{ use: 'work', value: '+15145550000' }] }, true],
    ['in: not a member', { property: 'data.beds', in: [10, 11] }, false],
    ['in: a missing value', { property: 'data.fax', in: ['x'] }, false],
    ['gt: numbers', { property: 'data.beds', gt: 11 }, true],
    ['gt: equal numbers', { property: 'data.beds', gt: 12 }, false],
    ['gte: equal numbers', { property: 'data.beds', gte: 12 }, true],
    ['lt: decimals', { property: 'data.rating', lt: 5 }, true],
    ['lte: smaller', { property: 'data.rating', lte: 4 }, false],
    ['gt: ISO dates as strings', { property: 'data.opened', gt: '2019-12-31' }, true],
    ['lt: ISO dates as strings', { property: 'data.opened', lt: '2020-05-01' }, false],
    ['gt: a number against a string', { property: 'data.beds', gt: '1' }, false],
    ['lt: a string against a number', { property: 'data.name', lt: 100 }, false],
    ['gte: a missing value', { property: 'data.fax', gte: 0 }, false],
    ['lte: an object', { property: 'data.address', lte: 'z' }, false],
    ['matches: a string', { property: 'data.phones.0.value', matches: '^\\+1\\d{10}$' }, true],
    ['matches: unicode', { property: 'data.address.city', matches: '^\\p{Lu}\\p{Ll}+$' }, true],
    ['matches: no match', { property: 'data.name', matches: '^South' }, false],
    ['matches: a number never matches', { property: 'data.beds', matches: '12' }, false],
    ['matches: a missing value', { property: 'data.fax', matches: '.*' }, false],
    ['changed: a different value', { property: 'data.name', changed: true }, true],
    ['changed: the same value', { property: 'data.beds', changed: true }, false],
    ['changed: an equal object with other key order', { property: 'data.address', changed: true }, false],
    ['changed: a reordered array', { property: 'data.tags', changed: true }, true],
    ['changed: missing in both', { property: 'data.fax', changed: true }, false],
    ['action: included', { action: { in: ['CREATE', 'UPDATE'] } }, true],
    ['action: excluded', { action: { in: ['DELETE'] } }, false],
    ['not', { not: { property: 'data.name', exists: true } }, false],
    ['and: all true', { and: [{ property: 'data.name', exists: true }, { property: 'meta.source', eq: 'demo' }] }, true],
    ['and: one false', { and: [{ property: 'data.name', exists: true }, { property: 'meta.source', eq: 'other' }] }, false],
    ['or: one true', { or: [{ property: 'data.fax', exists: true }, { property: 'type', eq: 'clinic' }] }, true],
    ['or: none true', { or: [{ property: 'data.fax', exists: true }, { property: 'id', eq: 'x' }] }, false],
    ['and: empty is true', { and: [] }, true],
    ['or: empty is false', { or: [] }, false],
  ])('%s', (_name, predicate, expected) => {
    expect(evaluatePredicate(predicate, ctx())).toBe(expected);
  });

  test.each<[string, Predicate, boolean]>([
    ['a present value counts as changed', { property: 'data.name', changed: true }, true],
    ['a missing value does not', { property: 'data.fax', changed: true }, false],
    ['null does not', { property: 'data.note', changed: true }, false],
  ])('changed without a previous record: %s', (_name, predicate, expected) => {
    expect(evaluatePredicate(predicate, ctx('CREATE', false))).toBe(expected);
  });

  test('a pattern that does not compile never matches', () => {
    expect(evaluatePredicate({ property: 'data.name', matches: '(' }, ctx())).toBe(false);
  });
});

describe('propertyAt', () => {
  test.each<[string, unknown]>([
    ['data.address.city', 'Montréal'],
    ['data.address.line.1', 'Suite 2'],
    ['data.phones.0', { value: '+15145550000', use: 'work' }],
    ['data.phones.-1', undefined],
    ['data.name.length', undefined],
    ['data.note', null],
    ['meta.source', 'demo'],
    ['nothing.here', undefined],
  ])('%s', (path, expected) => {
    expect(propertyAt(record, path)).toEqual(expected);
  });
});

describe('deepEqual', () => {
  test.each<[unknown, unknown, boolean]>([
    [1, 1, true],
    [1, '1', false],
    [null, null, true],
    [null, {}, false],
    [[1, [2]], [1, [2]], true],
    [[1, 2], [2, 1], false],
    [[], {}, false],
    [{ a: 1, b: { c: [1] } }, { b: { c: [1] }, a: 1 }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [new Date(5), new Date(5), true],
    [new Date(5), {}, false],
  ])('%j vs %j', (a, b, expected) => {
    expect(deepEqual(a, b)).toBe(expected);
    expect(deepEqual(b, a)).toBe(expected);
  });

  test('a JSON value equals its deep copy with keys reordered', () => {
    const reorder = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reorder)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)]))
          : v;
    fc.assert(fc.property(fc.jsonValue(), (v) => deepEqual(v, reorder(JSON.parse(JSON.stringify(v))))));
  });
});

describe('evaluatePredicate laws (property-based)', () => {
  const paths = ['data.a', 'data.b', 'data.c.d', 'data.list.0', 'meta.source'];
  const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', '2020-01-01', '2021'), fc.boolean());
  const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }), fc.constant(null));
  const operand = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }));
  const comparable = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', '2020-01-01'));
  const path = fc.constantFrom(...paths);

  const leaf: fc.Arbitrary<Predicate> = fc.oneof(
    fc.record({ action: fc.record({ in: fc.subarray(['CREATE', 'UPSERT', 'UPDATE', 'DELETE'] as Action[], { minLength: 1 }) }) }),
    fc.record({ property: path, exists: fc.boolean() }),
    fc.record({ property: path, eq: operand }),
    fc.record({ property: path, neq: operand }),
    fc.record({ property: path, in: fc.array(operand, { minLength: 1, maxLength: 3 }) }),
    fc.record({ property: path, gt: comparable }),
    fc.record({ property: path, gte: comparable }),
    fc.record({ property: path, lt: comparable }),
    fc.record({ property: path, lte: comparable }),
    fc.record({ property: path, matches: fc.constantFrom('^a', '\\d', '^\\p{L}+$') }),
    fc.record({ property: path, changed: fc.constant(true as const) }),
  );
  const { predicate } = fc.letrec<{ predicate: Predicate }>((tie) => ({
    predicate: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ and: fc.array(tie('predicate'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ or: fc.array(tie('predicate'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: tie('predicate') }),
    ),
  }));

  const recordArb = fc.record(
    {
      data: fc.record({ a: value, b: value, c: fc.record({ d: value }, { requiredKeys: [] }), list: fc.array(value, { maxLength: 2 }) }, { requiredKeys: [] }),
      meta: fc.record({ source: value }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );
  const context: fc.Arbitrary<PredicateContext> = fc.record(
    { action: fc.constantFrom<Action>('CREATE', 'UPSERT', 'UPDATE', 'DELETE'), record: recordArb, previous: recordArb },
    { requiredKeys: ['action', 'record'] },
  );

  test('every generated predicate passes the schema unchanged', () => {
    fc.assert(fc.property(predicate, (p) => deepEqual(PredicateSchema.parse(p), p)));
  });

  test('not(not p) ≡ p', () => {
    fc.assert(fc.property(predicate, context, (p, c) => evaluatePredicate({ not: { not: p } }, c) === evaluatePredicate(p, c)));
  });

  test('and([p]) ≡ p ≡ or([p])', () => {
    fc.assert(
      fc.property(predicate, context, (p, c) => {
        const expected = evaluatePredicate(p, c);
        return evaluatePredicate({ and: [p] }, c) === expected && evaluatePredicate({ or: [p] }, c) === expected;
      }),
    );
  });

  test('De Morgan: not(and[p, q]) ≡ or[not p, not q] and not(or[p, q]) ≡ and[not p, not q]', () => {
    fc.assert(
      fc.property(predicate, predicate, context, (p, q, c) => {
        const notAnd = evaluatePredicate({ not: { and: [p, q] } }, c) === evaluatePredicate({ or: [{ not: p }, { not: q }] }, c);
        const notOr = evaluatePredicate({ not: { or: [p, q] } }, c) === evaluatePredicate({ and: [{ not: p }, { not: q }] }, c);
        return notAnd && notOr;
      }),
    );
  });

  test('neq ≡ not eq, and exists:false ≡ not exists:true', () => {
    fc.assert(
      fc.property(path, operand, context, (property, v, c) => {
        const neq = evaluatePredicate({ property, neq: v }, c) === !evaluatePredicate({ property, eq: v }, c);
        const exists = evaluatePredicate({ property, exists: false }, c) === !evaluatePredicate({ property, exists: true }, c);
        return neq && exists;
      }),
    );
  });

  test('gte ≡ gt or eq for comparable values', () => {
    fc.assert(
      fc.property(path, comparable, context, (property, v, c) =>
        evaluatePredicate({ property, gte: v }, c) === evaluatePredicate({ or: [{ property, gt: v }, { property, eq: v }] }, c),
      ),
    );
  });
});
