import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import fc from 'fast-check';

import type { Action } from '../../src/domain';
import { deepEqual, distanceMeters, evaluateOperator, operatorContext, valuesAt, type OperatorContext } from '../../src/operators';
import { MAX_OPERATOR_JSON_DEPTH, OperatorSchema, type Operator, type Scalar } from '../../src/schemas/operator';

// The documentation pages each documented case comes from, named in the test names.
const OPS = 'clinia.readme.io/docs/operators';
const OPERATOR = 'docs.clinia.com/explanation/operator';
const ADVANCED = 'docs.clinia.com/explanation/field-validation/advanced';

type Issue = { path: PropertyKey[]; message: string };
const issuesOf = (input: unknown): Issue[] => {
  const result = OperatorSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path, message: i.message }));
};

const ALLOWED = 'an operator object has exactly one of: and, or, not, eq, lt, gt, any, all, match, geoDistance, changed (and an optional "id")';
const PATH_RULE = 'takes property paths relative to data, e.g. "address.city", "contacts[current].system" or "@action"';
const SCALAR_RULE = 'compares with a string, a number or a boolean (null counts as missing: use {"not": {"eq": {path: "*"}}})';

describe('OperatorSchema accepts', () => {
  test.each<[string, Operator]>([
    [`eq (${OPS})`, { eq: { name: 'John' } }],
    [`eq with the presence wildcard (${ADVANCED})`, { eq: { practiceNumber: '*' } }],
    [`lt on a number (${OPS})`, { lt: { age: 18 } }],
    [`gt on a date-time (${OPS})`, { gt: { lastModified: '2024-01-01T00:00:00Z' } }],
    [`any (${OPS})`, { any: { tags: ['a', 'b'] } }],
    [`all (${OPS})`, { all: { tags: ['a', 'b'] } }],
    [`match with a type (${OPS})`, { match: { description: { value: 'cardiac symptoms', type: 'phrase' } } }],
    [`match without a type (${OPS})`, { match: { description: { value: 'cardiac' } } }],
    [`geoDistance (${OPS})`, { geoDistance: { location: { radius: 20000, coordinates: { longitude: 45.0, latitude: -73.0 } } } }],
    [`and / or nested (clinia.readme.io/docs/standard-search)`, { and: [{ eq: { name: 'John' } }, { or: [{ eq: { gender: 'FEM*' } }, { eq: { gender: 'MAL*' } }] }] }],
    [`an id label next to the operator (docs.clinia.com api-reference search)`, { id: 'active-only', and: [{ eq: { status: 'active' } }] }],
    [`a [current] path (${ADVANCED})`, { eq: { 'contacts[current].system': 'email' } }],
    [`a dotted path into an array (${ADVANCED})`, { eq: { 'contacts.system': 'email' } }],
    ['not (Sluice)', { not: { eq: { status: 'closed' } } }],
    ['changed (Sluice)', { changed: { name: true, 'address.city': true } }],
    ['@action (Sluice)', { any: { '@action': ['CREATE', 'UPSERT'] } }],
    ['several paths in one leaf', { eq: { status: 'active', 'address.city': 'Montréal' } }],
    ['boolean and numeric operands', { eq: { open: true, beds: 12 } }],
    ['the old "data." prefix, which now names a key "data" under data', { eq: { 'data.name': 'x' } }],
  ])('%s', (_name, operator) => {
    expect(OperatorSchema.parse(operator)).toEqual(operator);
  });
});

describe('OperatorSchema rejects, with a message saying what to write instead', () => {
  test.each<[string, unknown, Issue[]]>([
    ['a non-object', 'name', [{ path: [], message: `must be an operator object; ${ALLOWED}` }]],
    ['an empty object', {}, [{ path: [], message: `empty operator: ${ALLOWED}` }]],
    ['an id alone', { id: 'x' }, [{ path: [], message: `empty operator: ${ALLOWED}` }]],
    ['two operators in one object', { eq: { a: 1 }, lt: { a: 2 } }, [{ path: [], message: 'one operator per object, got "eq", "lt"; combine them with "and"' }]],
    ['a combinator next to a leaf', { not: { eq: { a: 1 } }, eq: { b: 1 } }, [{ path: [], message: 'one operator per object, got "not", "eq"; combine them with "and"' }]],
    ['an unknown operator', { equals: { a: 1 } }, [
      { path: [], message: `unknown operator(s) "equals"; ${ALLOWED}` },
      { path: [], message: `empty operator: ${ALLOWED}` },
    ]],
    ['an old {property, eq} predicate (no alias)', { property: 'data.a', eq: 1 }, [
      { path: ['eq'], message: '"eq" must be an object mapping property paths to operands, e.g. {"eq": {"name": ...}}' },
      { path: [], message: `unknown operator(s) "property"; ${ALLOWED}` },
    ]],
    ['an old {action: {in}} predicate (no alias)', { action: { in: ['CREATE'] } }, [
      { path: [], message: `unknown operator(s) "action"; ${ALLOWED}` },
      { path: [], message: `empty operator: ${ALLOWED}` },
    ]],
    ['an empty path map', { eq: {} }, [{ path: ['eq'], message: '"eq" needs at least one property path' }]],
    ['a path map that is an array', { eq: [] }, [{ path: ['eq'], message: '"eq" must be an object mapping property paths to operands, e.g. {"eq": {"name": ...}}' }]],
    ['a path with an empty segment', { eq: { 'address..city': 'x' } }, [{ path: ['eq', 'address..city'], message: `"eq" ${PATH_RULE}` }]],
    ['a path with an array index (not a path any more)', { eq: { 'phones.0.value': 'x' } }, [{ path: ['eq', 'phones.0.value'], message: `"eq" ${PATH_RULE}` }]],
    ['a $ path', { gt: { $where: 1 } }, [{ path: ['gt', '$where'], message: `"gt" ${PATH_RULE}` }]],
    ['an action path spelt differently', { eq: { '@Action': 'CREATE' } }, [{ path: ['eq', '@Action'], message: `"eq" ${PATH_RULE}` }]],
    ['a null operand', { eq: { a: null } }, [{ path: ['eq', 'a'], message: `"eq" ${SCALAR_RULE}` }]],
    ['an object operand', { eq: { address: { city: 'x' } } }, [{ path: ['eq', 'address'], message: `"eq" ${SCALAR_RULE}` }]],
    ['a boolean lt operand', { lt: { a: true } }, [{ path: ['lt', 'a'], message: '"lt" compares with a number, a date or a time' }]],
    ['null inside any', { any: { a: ['x', null] } }, [{ path: ['any', 'a', 1], message: `"any" ${SCALAR_RULE}` }]],
    ['any that is not an array', { any: { a: 'x' } }, [{ path: ['any', 'a'], message: '"any" takes an array of values per property' }]],
    ['an empty all', { all: { a: [] } }, [{ path: ['all', 'a'], message: '"all" needs at least one value' }]],
    ['an unknown match type', { match: { a: { value: 'x', type: 'fuzzy' } } }, [{ path: ['match', 'a', 'type'], message: '"match" type must be one of word, wordPrefix, phrase' }]],
    ['an empty match value', { match: { a: { value: '' } } }, [{ path: ['match', 'a', 'value'], message: '"match" needs a non-empty "value"' }]],
    ['geoDistance with {lat, lon} coordinates', { geoDistance: { a: { radius: 10, coordinates: { lat: 1, lon: 2 } } } }, [
      { path: ['geoDistance', 'a', 'coordinates', 'latitude'], message: '"latitude" must be a number' },
      { path: ['geoDistance', 'a', 'coordinates', 'longitude'], message: '"longitude" must be a number' },
      { path: ['geoDistance', 'a', 'coordinates'], message: '"coordinates" must be {"latitude": number, "longitude": number}' },
    ]],
    ['geoDistance with a negative radius and a latitude out of range', { geoDistance: { a: { radius: -1, coordinates: { latitude: 91, longitude: 2 } } } }, [
      { path: ['geoDistance', 'a', 'radius'], message: '"radius" must be a positive distance in meters' },
      { path: ['geoDistance', 'a', 'coordinates', 'latitude'], message: '"latitude" must be between -90 and 90' },
    ]],
    ['changed: false', { changed: { a: false } }, [{ path: ['changed', 'a'], message: '"changed" takes true per property (wrap it in "not" for unchanged)' }]],
    ['an empty and', { and: [] }, [{ path: ['and'], message: '"and" needs at least one operator' }]],
    ['or that is not an array', { or: { eq: { a: 1 } } }, [{ path: ['or'], message: '"or" must be an array of operators' }]],
    ['a bad nested node, with its path', { and: [{ eq: { a: 1 } }, { or: [{ gt: { b: true } }] }] }, [
      { path: ['and', 1, 'or', 0, 'gt', 'b'], message: '"gt" compares with a number, a date or a time' },
    ]],
    ['a __proto__ path from JSON', JSON.parse('{"eq":{"__proto__":"x"}}'), [{ path: ['eq'], message: 'the key "__proto__" is not allowed' }]],
    ['a __proto__ operator from JSON', JSON.parse('{"and":[{"__proto__":{"eq":{"a":1}}}]}'), [{ path: ['and', 0], message: 'the key "__proto__" is not allowed' }]],
  ])('%s', (_name, input, expected) => {
    expect(issuesOf(input)).toEqual(expected);
  });

  test('nesting beyond the limit, without exhausting the stack', () => {
    let deep: unknown = { eq: { a: 1 } };
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    expect(issuesOf(deep)).toEqual([{ path: Array(MAX_OPERATOR_JSON_DEPTH).fill('not'), message: `nests more than ${MAX_OPERATOR_JSON_DEPTH} levels deep` }]);
  });

  test('nesting within the limit', () => {
    let deep: Operator = { eq: { a: 1 } };
    for (let i = 0; i < 30; i++) deep = { and: [deep] };
    expect(OperatorSchema.safeParse(deep).success).toBe(true);
  });
});

const data = {
  name: 'North Clinic',
  gender: 'Female',
  beds: 12,
  rating: 4.5,
  open: true,
  note: null,
  code: '0042',
  tags: ['walk-in', 'pediatrics'],
  opened: '2020-05-01',
  lastModified: '2024-03-01T10:00:00+02:00',
  opens: '08:30:00',
  description: 'Cardiac care and cardiology surgery for adults',
  address: { city: 'Montréal', line: ['1 Main St', 'Suite 2'] },
  location: { latitude: 45.5017, longitude: -73.5673 },
  legacyLocation: { lat: 45.5017, lon: -73.5673 },
  phones: [
    { system: 'phone', value: '+15145550000', use: 'work' },
    { system: 'email', value: 'desk@north.example', use: 'home' },
  ],
};
const previous = { ...data, name: 'Old Clinic', address: { line: ['1 Main St', 'Suite 2'], city: 'Montréal' }, tags: ['pediatrics', 'walk-in'] };

/** 20 km around downtown Montréal. */
const nearMontreal = (path: string): Operator => ({ geoDistance: { [path]: { radius: 20_000, coordinates: { latitude: 45.5, longitude: -73.6 } } } });
/** 20 km around downtown Toronto. */
const nearToronto = (path: string): Operator => ({ geoDistance: { [path]: { radius: 20_000, coordinates: { latitude: 43.6532, longitude: -79.3832 } } } });

describe('evaluateOperator', () => {
  const ctx: OperatorContext = { action: 'UPDATE', data, previous };

  test.each<[string, Operator, boolean]>([
    // eq (clinia.readme.io/docs/operators: "same value, or some equivalence (ex: Case insensitive for symbol type)")
    [`eq: the same string (${OPS})`, { eq: { name: 'North Clinic' } }, true],
    [`eq: strings compare case-insensitively (${OPS})`, { eq: { name: 'NORTH clinic' } }, true],
    [`eq: a different string (${OPS})`, { eq: { name: 'South Clinic' } }, false],
    ['eq: only case is folded, not accents (Sluice)', { eq: { 'address.city': 'Montreal' } }, false],
    [`eq: "*" alone holds when the property has a value (${OPS})`, { eq: { name: '*' } }, true],
    [`eq: "*" holds on an object value (${OPS})`, { eq: { address: '*' } }, true],
    [`eq: "*" fails on a missing property (${ADVANCED})`, { eq: { fax: '*' } }, false],
    [`eq: "FEM*" matches a value starting with it, in any case (${OPS}, clinia.readme.io/docs/standard-search)`, { eq: { gender: 'FEM*' } }, true],
    [`eq: "MAL*" does not match "Female" (${OPS})`, { eq: { gender: 'MAL*' } }, false],
    [`eq: a wildcard anywhere in the text (${OPS})`, { eq: { name: '*clin*' } }, true],
    [`eq: without a wildcard the whole value must match (${OPS})`, { eq: { name: 'North' } }, false],
    [`eq: a trailing wildcard tests for a partial match (${OPS})`, { eq: { name: 'north *' } }, true],
    ['eq: regex characters in a wildcard pattern are literal (Sluice)', { eq: { name: 'North.*' } }, false],
    [`eq: a numeric string equals the number (${OPS})`, { eq: { beds: '12' } }, true],
    [`eq: a numeric string with a fraction (${OPS})`, { eq: { rating: '4.5' } }, true],
    [`eq: a different numeric string (${OPS})`, { eq: { beds: '13' } }, false],
    [`eq: an empty string is not zero (${OPS})`, { eq: { beds: '' } }, false],
    [`eq: a string of digits compares as text with a string value (${OPS})`, { eq: { code: '42' } }, false],
    [`eq: numbers (${OPS})`, { eq: { beds: 12 } }, true],
    [`eq: booleans (${OPS})`, { eq: { open: true } }, true],
    [`eq: a boolean spelt as a string (${OPS})`, { eq: { open: 'TRUE' } }, true],
    [`eq: a missing value equals nothing (${OPS})`, { eq: { fax: 'x' } }, false],
    [`eq: null counts as missing (${OPS})`, { eq: { note: '*' } }, false],
    [`eq: a nested path (${ADVANCED}: dot notation)`, { eq: { 'address.city': 'montréal' } }, true],
    [`eq: several paths must all hold (${OPS})`, { eq: { name: 'north clinic', beds: 13 } }, false],
    // lt / gt: "lower or equal" / "greater or equal"
    [`lt: a smaller number holds (${OPS})`, { lt: { beds: 20 } }, true],
    [`lt: is inclusive, an equal number holds (${OPS}: "lower or equal"; ${ADVANCED})`, { lt: { beds: 12 } }, true],
    [`lt: a greater number fails (${OPS})`, { lt: { beds: 11 } }, false],
    [`gt: is inclusive, an equal number holds (${OPS}: "greater or equal"; ${ADVANCED})`, { gt: { beds: 12 } }, true],
    [`gt: a greater number fails (${OPS})`, { gt: { beds: 13 } }, false],
    [`gt: decimals (${OPS})`, { gt: { rating: 4.49 } }, true],
    [`lt: a numeric string operand on a number (${OPS})`, { lt: { beds: '12' } }, true],
    [`gt: dates (${OPS})`, { gt: { opened: '2019-12-31' } }, true],
    [`lt: dates, inclusive (${OPS})`, { lt: { opened: '2020-05-01' } }, true],
    [`lt: an earlier date fails (${OPS})`, { lt: { opened: '2020-04-30' } }, false],
    [`gt: a date against a date-time at its midnight UTC (${OPS})`, { gt: { opened: '2020-05-01T00:00:00Z' } }, true],
    [`gt: date-times compare as instants, offsets applied (docs.clinia.com/explanation/search)`, { gt: { lastModified: '2024-03-01T08:00:00Z' } }, true],
    [`lt: the same instant in another offset (${OPS})`, { lt: { lastModified: '2024-03-01T08:00:00Z' } }, true],
    [`lt: an earlier instant fails (${OPS})`, { lt: { lastModified: '2024-03-01T07:59:59Z' } }, false],
    [`gt: times (${OPS})`, { gt: { opens: '08:00:00' } }, true],
    [`lt: times, inclusive across precisions (${OPS})`, { lt: { opens: '08:30' } }, true],
    [`gt: a later time fails (${OPS})`, { gt: { opens: '09:00' } }, false],
    [`lt: a number against a date string fails (${OPS})`, { lt: { beds: '2020-01-01' } }, false],
    [`lt: text that is neither a date nor a time (${OPS})`, { lt: { name: 'z' } }, false],
    [`gt: a missing value fails (${OPS})`, { gt: { fax: 0 } }, false],
    // any / all (docs.clinia.com/explanation/operator: "Collection" operators)
    [`any: the value is one of (${OPERATOR}, ${OPS})`, { any: { beds: [10, 12] } }, true],
    [`any: compares as eq, case-insensitively (${OPS})`, { any: { name: ['south clinic', 'NORTH CLINIC'] } }, true],
    [`any: none of (${OPS})`, { any: { beds: [10, 11] } }, false],
    [`any: one item of an array is one of (${OPERATOR})`, { any: { tags: ['geriatrics', 'walk-in'] } }, true],
    [`all: the array has every value (${OPERATOR}, ${OPS})`, { all: { tags: ['Pediatrics', 'walk-in'] } }, true],
    [`all: a value is missing (${OPS})`, { all: { tags: ['walk-in', 'geriatrics'] } }, false],
    [`all: on a missing array (${OPS})`, { all: { specialities: ['x'] } }, false],
    // match
    [`match word: every word, in any order (${OPS})`, { match: { description: { value: 'surgery cardiac', type: 'word' } } }, true],
    [`match word: is the default type (${OPS})`, { match: { description: { value: 'CARDIAC care' } } }, true],
    [`match word: a partial word is not a word (${OPS})`, { match: { description: { value: 'cardio' } } }, false],
    [`match word: a missing word (${OPS})`, { match: { description: { value: 'cardiac pediatrics' } } }, false],
    [`match wordPrefix: every query word starts a word (${OPS})`, { match: { description: { value: 'card surg', type: 'wordPrefix' } } }, true],
    [`match wordPrefix: a word that starts nothing (${OPS})`, { match: { description: { value: 'card ped', type: 'wordPrefix' } } }, false],
    [`match phrase: the words next to each other, in order (docs.clinia.com/explanation/search)`, { match: { description: { value: 'Cardiac Care', type: 'phrase' } } }, true],
    [`match phrase: the words out of order (docs.clinia.com/explanation/search)`, { match: { description: { value: 'care cardiac', type: 'phrase' } } }, false],
    [`match phrase: words not adjacent (docs.clinia.com/explanation/search)`, { match: { description: { value: 'cardiac surgery', type: 'phrase' } } }, false],
    [`match: a number is no text (${OPS})`, { match: { beds: { value: '12' } } }, false],
    // geoDistance
    [`geoDistance: a {latitude, longitude} point inside the radius (${OPS})`, nearMontreal('location'), true],
    [`geoDistance: a {latitude, longitude} point outside the radius (${OPS})`, nearToronto('location'), false],
    [`geoDistance: a {lat, lon} point inside the radius (${OPS})`, nearMontreal('legacyLocation'), true],
    [`geoDistance: a {lat, lon} point outside the radius (${OPS})`, nearToronto('legacyLocation'), false],
    [`geoDistance: not a geopoint (${OPS})`, nearMontreal('address'), false],
    [`geoDistance: a missing point (${OPS})`, nearMontreal('fax'), false],
    // and / or / not
    [`and: all hold (clinia.readme.io/docs/standard-search)`, { and: [{ eq: { name: 'North Clinic' } }, { gt: { beds: 10 } }] }, true],
    [`and: one fails (clinia.readme.io/docs/standard-search)`, { and: [{ eq: { name: 'North Clinic' } }, { gt: { beds: 13 } }] }, false],
    [`or: one holds (clinia.readme.io/docs/standard-search)`, { or: [{ eq: { gender: 'MAL*' } }, { eq: { gender: 'FEM*' } }] }, true],
    [`or: none holds (clinia.readme.io/docs/standard-search)`, { or: [{ eq: { gender: 'MAL*' } }, { eq: { fax: '*' } }] }, false],
    ['not: negates (Sluice)', { not: { eq: { fax: '*' } } }, true],
    ['not: the old neq, a different value (Sluice)', { not: { eq: { name: 'South Clinic' } } }, true],
    ['not: null counts as missing (Sluice)', { not: { eq: { note: '*' } } }, true],
    ['an id label does not change the result', { id: 'label', eq: { beds: 12 } }, true],
    // arrays: "refer directly to the property (inside or outside the array)" tests any element
    [`arrays: a path through an array reaches every item (${ADVANCED})`, { eq: { 'phones.system': 'email' } }, true],
    [`arrays: the second item matches (${ADVANCED})`, { eq: { 'phones.value': 'desk@north.example' } }, true],
    [`arrays: no item matches (${ADVANCED})`, { eq: { 'phones.system': 'fax' } }, false],
    [`arrays: an array at the end gives its items (${ADVANCED})`, { eq: { tags: 'PEDIATRICS' } }, true],
    [`arrays: a string array inside an object (${ADVANCED})`, { eq: { 'address.line': 'suite 2' } }, true],
    [`arrays: several paths need not hold on the same item (${ADVANCED})`, { eq: { 'phones.system': 'email', 'phones.use': 'work' } }, true],
    [`arrays: [current] without a current item reaches nothing (${ADVANCED})`, { eq: { 'phones[current].system': 'phone' } }, false],
    // changed and @action (Sluice)
    ['changed: a different value (Sluice)', { changed: { name: true } }, true],
    ['changed: the same value (Sluice)', { changed: { beds: true } }, false],
    ['changed: an equal object with other key order (Sluice)', { changed: { address: true } }, false],
    ['changed: a reordered array (Sluice)', { changed: { tags: true } }, true],
    ['changed: missing in both (Sluice)', { changed: { fax: true } }, false],
    ['changed: several paths must all have changed (Sluice)', { changed: { name: true, beds: true } }, false],
    ['@action: any of the actions (Sluice)', { any: { '@action': ['CREATE', 'UPDATE'] } }, true],
    ['@action: none of the actions (Sluice)', { any: { '@action': ['CREATE', 'UPSERT'] } }, false],
    ['@action: eq, case-insensitive (Sluice)', { eq: { '@action': 'update' } }, true],
    ['@action: eq another action (Sluice)', { eq: { '@action': 'DELETE' } }, false],
  ])('%s', (_name, operator, expected) => {
    expect(OperatorSchema.parse(operator)).toEqual(operator);
    expect(evaluateOperator(operator, ctx)).toBe(expected);
  });

  describe(`[current] names the array item being validated (${ADVANCED})`, () => {
    const contacts = { contacts: [{ system: 'phone', value: '+15145550000' }, { system: 'email' }], orgs: [{ contacts: [{ system: 'url' }, { system: 'fax' }] }] };
    const at = (current: [string, number][]): OperatorContext => ({ data: contacts, current: new Map(current) });

    test.each<[string, Operator, [string, number][], boolean]>([
      ['the current item is the email one', { eq: { 'contacts[current].system': 'email' } }, [['contacts', 1]], true],
      ['the current item is the phone one', { eq: { 'contacts[current].system': 'email' } }, [['contacts', 0]], false],
      ['a plain path still reaches any item', { eq: { 'contacts.system': 'email' } }, [['contacts', 0]], true],
      ['a missing property of the current item', { eq: { 'contacts[current].value': '*' } }, [['contacts', 1]], false],
      ['an index past the end', { eq: { 'contacts[current].system': '*' } }, [['contacts', 5]], false],
      ['nested arrays, each with its current item', { eq: { 'orgs[current].contacts[current].system': 'fax' } }, [['orgs', 0], ['orgs[current].contacts', 1]], true],
      ['nested arrays, the other inner item', { eq: { 'orgs[current].contacts[current].system': 'fax' } }, [['orgs', 0], ['orgs[current].contacts', 0]], false],
      ['no current item for the array', { eq: { 'contacts[current].system': 'phone' } }, [['orgs', 0]], false],
    ])('%s', (_name, operator, current, expected) => {
      expect(evaluateOperator(operator, at(current))).toBe(expected);
    });
  });

  describe('without a previous record (a create)', () => {
    const created: OperatorContext = { action: 'CREATE', data };
    test.each<[string, Operator, boolean]>([
      ['changed: a present value counts as changed (Sluice)', { changed: { name: true } }, true],
      ['changed: a missing value does not (Sluice)', { changed: { fax: true } }, false],
      ['changed: null does not (Sluice)', { changed: { note: true } }, false],
      ['@action is the create (Sluice)', { eq: { '@action': 'CREATE' } }, true],
    ])('%s', (_name, operator, expected) => {
      expect(evaluateOperator(operator, created)).toBe(expected);
    });

    test('@action holds for no action when there is none (Sluice)', () => {
      expect(evaluateOperator({ eq: { '@action': '*' } }, { data })).toBe(false);
    });
  });

  test('a date-time without a zone is read as UTC, whatever the server\'s time zone', () => {
    // The time zone is fixed when a process starts, so each zone gets a process of its own.
    const operators = resolve(__dirname, '../../src/operators.ts');
    const script = `const { evaluateOperator } = require(${JSON.stringify(operators)});
      const ctx = { data: { at: '2024-03-01T08:00:00Z' } };
      process.stdout.write(JSON.stringify([
        evaluateOperator({ lt: { at: '2024-03-01T08:00:00' } }, ctx),
        evaluateOperator({ gt: { at: '2024-03-01T08:00:00' } }, ctx),
        evaluateOperator({ gt: { at: '2024-03-01 08:00:01' } }, ctx),
      ]));`;
    for (const TZ of ['America/Toronto', 'Asia/Tokyo']) {
      const out = execFileSync(process.execPath, ['-r', resolve(__dirname, '../support/swc-register.js'), '-e', script], { env: { ...process.env, TZ } });
      expect([TZ, JSON.parse(out.toString())]).toEqual([TZ, [true, true, false]]);
    }
  });

  test('operatorContext takes the stored data of the previous record, when it has any', () => {
    expect(operatorContext('UPDATE', { a: 1 }, { data: { a: 2 } })).toEqual({ action: 'UPDATE', data: { a: 1 }, previous: { a: 2 } });
    expect(operatorContext('CREATE', { a: 1 })).toEqual({ action: 'CREATE', data: { a: 1 } });
    expect(operatorContext('UPDATE', { a: 1 }, { data: null })).toEqual({ action: 'UPDATE', data: { a: 1 } });
  });
});

describe('valuesAt', () => {
  test.each<[string, unknown[]]>([
    ['address.city', ['Montréal']],
    ['address.line', ['1 Main St', 'Suite 2']],
    ['phones.use', ['work', 'home']],
    ['phones', data.phones],
    ['note', []],
    ['fax', []],
    ['name.length', []],
    ['constructor', []],
    ['@action', ['UPDATE']],
  ])('%s', (path, expected) => {
    expect(valuesAt({ action: 'UPDATE' }, data, path)).toEqual(expected);
  });
});

describe('distanceMeters', () => {
  test('Montréal to Toronto is about 504 km; a point is 0 m from itself', () => {
    expect(distanceMeters(45.5017, -73.5673, 43.6532, -79.3832) / 1000).toBeCloseTo(504, -1);
    expect(distanceMeters(45.5, -73.6, 45.5, -73.6)).toBe(0);
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

describe('evaluateOperator laws (property-based)', () => {
  const paths = ['a', 'b', 'c.d', 'list', 'list.k', '@action'];
  const scalar: fc.Arbitrary<Scalar> = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'B', '2', '2020-01-01', '10:00:00', '*', 'a*'), fc.boolean());
  const comparable = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('2020-01-01', '2021', '10:00:00', '09:30'));
  const path = fc.constantFrom(...paths);
  const values = fc.array(scalar, { minLength: 1, maxLength: 3 });
  const one = <K extends string, V>(key: K, operand: fc.Arbitrary<V>) => fc.tuple(path, operand).map(([p, v]) => ({ [key]: { [p]: v } }) as unknown as Operator);

  const leaf: fc.Arbitrary<Operator> = fc.oneof(
    one('eq', scalar),
    one('lt', comparable),
    one('gt', comparable),
    one('any', values),
    one('all', values),
    one('match', fc.record({ value: fc.constantFrom('a', 'a b', 'B'), type: fc.constantFrom('word', 'wordPrefix', 'phrase') })),
    one('changed', fc.constant(true)),
  );
  const { operator } = fc.letrec<{ operator: Operator }>((tie) => ({
    operator: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ and: fc.array(tie('operator'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ or: fc.array(tie('operator'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: tie('operator') }),
    ),
  }));

  const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }), fc.constant(null));
  const dataArb = fc.record(
    {
      a: value,
      b: value,
      c: fc.record({ d: value }, { requiredKeys: [] }),
      list: fc.array(fc.oneof(scalar, fc.record({ k: value }, { requiredKeys: [] })), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, unknown>>;
  const context: fc.Arbitrary<OperatorContext> = fc.record(
    { action: fc.constantFrom<Action>('CREATE', 'UPSERT', 'UPDATE', 'DELETE'), data: dataArb, previous: dataArb },
    { requiredKeys: ['action', 'data'] },
  );

  test('every generated operator passes the schema unchanged', () => {
    fc.assert(fc.property(operator, (op) => deepEqual(OperatorSchema.parse(op), op)));
  });

  test('not(not p) ≡ p', () => {
    fc.assert(fc.property(operator, context, (p, c) => evaluateOperator({ not: { not: p } }, c) === evaluateOperator(p, c)));
  });

  test('and([p]) ≡ p ≡ or([p])', () => {
    fc.assert(
      fc.property(operator, context, (p, c) => {
        const expected = evaluateOperator(p, c);
        return evaluateOperator({ and: [p] }, c) === expected && evaluateOperator({ or: [p] }, c) === expected;
      }),
    );
  });

  test('De Morgan: not(and[p, q]) ≡ or[not p, not q] and not(or[p, q]) ≡ and[not p, not q]', () => {
    fc.assert(
      fc.property(operator, operator, context, (p, q, c) => {
        const notAnd = evaluateOperator({ not: { and: [p, q] } }, c) === evaluateOperator({ or: [{ not: p }, { not: q }] }, c);
        const notOr = evaluateOperator({ not: { or: [p, q] } }, c) === evaluateOperator({ and: [{ not: p }, { not: q }] }, c);
        return notAnd && notOr;
      }),
    );
  });

  test('any {x: [v1, v2]} ≡ or[eq {x: v1}, eq {x: v2}], and all {x: [v1, v2]} ≡ and[all {x: [v1]}, all {x: [v2]}]', () => {
    fc.assert(
      fc.property(path, values, context, (p, vs, c) => {
        const any = evaluateOperator({ any: { [p]: vs } }, c) === evaluateOperator({ or: vs.map((v) => ({ eq: { [p]: v } })) }, c);
        const all = evaluateOperator({ all: { [p]: vs } }, c) === evaluateOperator({ and: vs.map((v) => ({ all: { [p]: [v] } })) }, c);
        return any && all;
      }),
    );
  });

  test('several paths in one leaf ≡ and of one-path leaves', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(path, scalar), { minLength: 1, maxLength: 3, selector: ([p]) => p }), context, (pairs, c) => {
        const together = evaluateOperator({ eq: Object.fromEntries(pairs) }, c);
        return together === evaluateOperator({ and: pairs.map(([p, v]) => ({ eq: { [p]: v } })) }, c);
      }),
    );
  });

  test('no leaf operator holds on a missing value; eq "*" tells which values are missing', () => {
    fc.assert(
      fc.property(leaf, context, (op, c) => {
        const [[, map]] = Object.entries(op) as [[string, Record<string, unknown>]];
        const [p] = Object.keys(map) as [string];
        const missing = !evaluateOperator({ eq: { [p]: '*' } }, c);
        const isChanged = 'changed' in op;
        return !missing || isChanged || !evaluateOperator(op, c);
      }),
    );
  });

  test('on one number, lt and gt both hold exactly when eq holds (both are inclusive)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }), (x, v) => {
        const c: OperatorContext = { data: { x } };
        const both = evaluateOperator({ lt: { x: v } }, c) && evaluateOperator({ gt: { x: v } }, c);
        return both === evaluateOperator({ eq: { x: v } }, c) && (evaluateOperator({ lt: { x: v } }, c) || evaluateOperator({ gt: { x: v } }, c));
      }),
    );
  });
});
