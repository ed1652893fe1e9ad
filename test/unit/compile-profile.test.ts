import { ProfileDefinitionSchema, type ProfileDefinition, type PropertyDefinition } from '../../src/schemas/profile';
import {
  compileProfile,
  ProfileCache,
  type CompiledProfile,
  type ValidationContext,
  type ValidationInput,
  type Violation,
} from '../../src/validation/compile-profile';

const noLookup = () => undefined;

/** Validates `{x: value}` against a profile with the single property `x`. */
const validateX = (def: PropertyDefinition, value: unknown, ctx?: ValidationContext): Violation[] =>
  compileProfile({ type: 'ROOT', properties: { x: def } }, noLookup).validate({ data: { x: value } }, ctx);

const at = (message: string, path = 'data.x'): Violation[] => [{ path, message }];
const OK: Violation[] = [];

const DATE_FORMAT = 'must be a date: YYYY, YYYY-MM or YYYY-MM-DD';
const DATETIME_FORMAT = 'must be a dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff] with Z or ±hh:mm';
const INSTANT_FORMAT = 'must be an instant: YYYY-MM-DDThh:mm:ss[.fff] with Z or ±hh:mm';
const TIME_FORMAT = 'must be a time: hh:mm:ss[.fff]';

describe('primitive types', () => {
  test.each<[string, PropertyDefinition, unknown, Violation[]]>([
    ['string: a string', { type: 'string' }, 'North Clinic', OK],
    ['string: empty', { type: 'string' }, '', OK],
    ['string: a number', { type: 'string' }, 5, at('must be a string (got number)')],
    ['string: an array', { type: 'string' }, ['a'], at('must be a string (got array)')],
    ['string: an object', { type: 'string' }, { a: 1 }, at('must be a string (got object)')],
    ['symbol: a token', { type: 'symbol' }, 'walk_in-2', OK],
    ['symbol: with a space', { type: 'symbol' }, 'walk in', at('must be a symbol: a string without whitespace')],
    ['symbol: with a tab', { type: 'symbol' }, 'walk\tin', at('must be a symbol: a string without whitespace')],
    ['symbol: a boolean', { type: 'symbol' }, true, at('must be a symbol (got boolean)')],
    ['code: a code', { type: 'code' }, 'active', OK],
    ['code: inner spaces', { type: 'code' }, 'on hold', OK],
    ['code: empty', { type: 'code' }, '', at('must be a code: non-empty, without leading or trailing whitespace')],
    ['code: leading space', { type: 'code' }, ' active', at('must be a code: non-empty, without leading or trailing whitespace')],
    ['code: trailing newline', { type: 'code' }, 'active\n', at('must be a code: non-empty, without leading or trailing whitespace')],
    ['code: a number', { type: 'code' }, 1, at('must be a code (got number)')],
    ['code: in the vocabulary', { type: 'code', vocabulary: ['active', 'closed'] }, 'closed', OK],
    ['code: outside the vocabulary', { type: 'code', vocabulary: ['active', 'closed'] }, 'open', at('must be one of "active", "closed"')],
    ['markdown: any string', { type: 'markdown' }, '# Title\n\n*bold*', OK],
    ['markdown: a number', { type: 'markdown' }, 1, at('must be a string (got number)')],
    ['uri: a URN', { type: 'uri' }, 'urn:oid:1.2.36.1', OK],
    ['uri: an http URI', { type: 'uri' }, 'http://example.org/fhir', OK],
    ['uri: mailto', { type: 'uri' }, 'mailto:a@example.org', OK],
    ['uri: no scheme', { type: 'uri' }, 'example.org', at('must be an absolute URI (scheme:rest, no whitespace)')],
    ['uri: a scheme starting with a digit', { type: 'uri' }, '1http://x', at('must be an absolute URI (scheme:rest, no whitespace)')],
    ['uri: nothing after the scheme', { type: 'uri' }, 'urn:', at('must be an absolute URI (scheme:rest, no whitespace)')],
    ['uri: whitespace', { type: 'uri' }, 'urn:a b', at('must be an absolute URI (scheme:rest, no whitespace)')],
    ['uri: a number', { type: 'uri' }, 1, at('must be a URI (got number)')],
    ['url: https', { type: 'url' }, 'https://example.org/a?b=1#c', OK],
    ['url: http with a port', { type: 'url' }, 'http://localhost:8080', OK],
    ['url: ftp', { type: 'url' }, 'ftp://example.org', at('must be an absolute http or https URL')],
    ['url: no scheme', { type: 'url' }, 'example.org', at('must be an absolute http or https URL')],
    ['url: a space in the host', { type: 'url' }, 'https://exa mple.org', at('must be an absolute http or https URL')],
    ['url: no host', { type: 'url' }, 'http://', at('must be an absolute http or https URL')],
    ['url: null in an array', { type: 'array', items: { type: 'url' } }, [null], at('must be a URL (got null)', 'data.x[0]')],
    ['boolean: true', { type: 'boolean' }, true, OK],
    ['boolean: false', { type: 'boolean' }, false, OK],
    ['boolean: a string', { type: 'boolean' }, 'true', at('must be a boolean (got string)')],
    ['boolean: zero', { type: 'boolean' }, 0, at('must be a boolean (got number)')],
    ['integer: zero', { type: 'integer' }, 0, OK],
    ['integer: negative', { type: 'integer' }, -5, OK],
    ['integer: the largest safe integer', { type: 'integer' }, Number.MAX_SAFE_INTEGER, OK],
    ['integer: a fraction', { type: 'integer' }, 1.5, at('must be an integer (got 1.5)')],
    ['integer: a string', { type: 'integer' }, '1', at('must be an integer (got string)')],
    ['integer: beyond the safe range', { type: 'integer' }, 2 ** 53, at('must be a safe integer (between -9007199254740991 and 9007199254740991)')],
    ['decimal: a fraction', { type: 'decimal' }, 4.25, OK],
    ['decimal: an integer', { type: 'decimal' }, 10, OK],
    ['decimal: a string', { type: 'decimal' }, '4.25', at('must be a number (got string)')],
    ['decimal: NaN', { type: 'decimal' }, Number.NaN, at('must be a number (got number)')],
    ['date: a year', { type: 'date' }, '2020', OK],
    ['date: a month', { type: 'date' }, '2020-02', OK],
    ['date: a leap day', { type: 'date' }, '2020-02-29', OK],
    ['date: year one', { type: 'date' }, '0001-01-01', OK],
    ['date: no leap day', { type: 'date' }, '2021-02-29', at('is not a valid calendar date')],
    ['date: month 13', { type: 'date' }, '2020-13', at('is not a valid calendar date')],
    ['date: day zero', { type: 'date' }, '2020-01-00', at('is not a valid calendar date')],
    ['date: year zero', { type: 'date' }, '0000', at('is not a valid calendar date')],
    ['date: a one-digit month', { type: 'date' }, '2020-1-01', at(DATE_FORMAT)],
    ['date: with a time', { type: 'date' }, '2020-01-01T00:00:00Z', at(DATE_FORMAT)],
    ['date: a number', { type: 'date' }, 2020, at('must be a date (got number)')],
    ['datetime: a year', { type: 'datetime' }, '2020', OK],
    ['datetime: a day', { type: 'datetime' }, '2020-05-01', OK],
    ['datetime: UTC', { type: 'datetime' }, '2020-05-01T10:00:00Z', OK],
    ['datetime: nanoseconds and an offset', { type: 'datetime' }, '2020-05-01T10:00:00.123456789+05:30', OK],
    ['datetime: a leap second', { type: 'datetime' }, '2016-12-31T23:59:60Z', OK],
    ['datetime: the largest offset', { type: 'datetime' }, '2020-05-01T10:00:00-14:00', OK],
    ['datetime: no seconds', { type: 'datetime' }, '2020-05-01T10:00Z', at(DATETIME_FORMAT)],
    ['datetime: no zone', { type: 'datetime' }, '2020-05-01T10:00:00', at(DATETIME_FORMAT)],
    ['datetime: a space instead of T', { type: 'datetime' }, '2020-05-01 10:00:00Z', at(DATETIME_FORMAT)],
    ['datetime: hour 24', { type: 'datetime' }, '2020-05-01T24:00:00Z', at('is not a valid time of day')],
    ['datetime: offset +15:00', { type: 'datetime' }, '2020-05-01T10:00:00+15:00', at('has an invalid timezone offset (from -14:00 to +14:00)')],
    ['datetime: offset +14:30', { type: 'datetime' }, '2020-05-01T10:00:00+14:30', at('has an invalid timezone offset (from -14:00 to +14:00)')],
    ['datetime: February 30th', { type: 'datetime' }, '2020-02-30T10:00:00Z', at('is not a valid calendar date')],
    ['datetime: a number', { type: 'datetime' }, 1588327200000, at('must be a dateTime (got number)')],
    ['instant: UTC', { type: 'instant' }, '2020-05-01T10:00:00Z', OK],
    ['instant: a fraction and an offset', { type: 'instant' }, '2020-05-01T10:00:00.5-04:00', OK],
    ['instant: a date only', { type: 'instant' }, '2020-05-01', at(INSTANT_FORMAT)],
    ['instant: a year only', { type: 'instant' }, '2020', at(INSTANT_FORMAT)],
    ['instant: no zone', { type: 'instant' }, '2020-05-01T10:00:00', at(INSTANT_FORMAT)],
    ['instant: February 30th', { type: 'instant' }, '2020-02-30T10:00:00Z', at('is not a valid calendar date')],
    ['time: a time', { type: 'time' }, '10:00:00', OK],
    ['time: a fraction', { type: 'time' }, '00:00:00.123', OK],
    ['time: a leap second', { type: 'time' }, '23:59:60', OK],
    ['time: hour 24', { type: 'time' }, '24:00:00', at('is not a valid time of day')],
    ['time: no seconds', { type: 'time' }, '10:00', at(TIME_FORMAT)],
    ['time: a zone', { type: 'time' }, '10:00:00Z', at(TIME_FORMAT)],
    ['time: a number', { type: 'time' }, 1000, at('must be a time (got number)')],
    ['reference: an id', { type: 'reference', profile: 'office' }, '2Yl1UyPZbG7WRYI0v3I4cxZ0yF8', OK],
    ['reference: a short id', { type: 'reference', profile: 'office' }, 'a', at('must be a resource id of profile "office" (2 to 93 letters, digits, "_" or "-", not starting with "_")')],
    ['reference: a path', { type: 'reference', profile: 'office' }, 'office/abc', at('must be a resource id of profile "office" (2 to 93 letters, digits, "_" or "-", not starting with "_")')],
    ['reference: an unreplaced token', { type: 'reference', profile: 'office' }, '@rootId', at('must be a resource id of profile "office" (2 to 93 letters, digits, "_" or "-", not starting with "_")')],
    ['reference: a number', { type: 'reference', profile: 'office' }, 42, at('must be a resource id (got number)')],
  ])('%s', (_name, def, value, expected) => {
    expect(validateX(def, value)).toEqual(expected);
  });
});

describe('object and array types', () => {
  const object: PropertyDefinition = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer', rules: { required: true } } } };
  const array: PropertyDefinition = { type: 'array', items: { type: 'string' } };

  test.each<[string, PropertyDefinition, unknown, Violation[]]>([
    ['object: valid', object, { a: 'x', b: 1 }, OK],
    ['object: a string', object, 'x', at('must be an object (got string)')],
    ['object: an array', object, [], at('must be an object (got array)')],
    ['object: a bad member', object, { a: 1, b: 1 }, at('must be a string (got number)', 'data.x.a')],
    ['object: a missing required member', object, { a: 'x' }, at('is required', 'data.x.b')],
    ['object: an unknown member', object, { b: 1, c: 1 }, at('unknown property (allowed: a, b)', 'data.x.c')],
    ['object: no declared members', { type: 'object', properties: {} }, { c: 1 }, at('unknown property: none are declared here', 'data.x.c')],
    ['array: strings', array, ['a', 'b'], OK],
    ['array: empty', array, [], OK],
    ['array: a string', array, 'a', at('must be an array (got string)')],
    ['array: bad items, each with its index', array, ['a', 2, null], [
      { path: 'data.x[1]', message: 'must be a string (got number)' },
      { path: 'data.x[2]', message: 'must be a string (got null)' },
    ]],
    ['array of arrays', { type: 'array', items: array }, [['a'], ['b', 3]], at('must be a string (got number)', 'data.x[1][1]')],
  ])('%s', (_name, def, value, expected) => {
    expect(validateX(def, value)).toEqual(expected);
  });
});

describe('complex types', () => {
  const DATETIME_AT = (path: string) => at(DATETIME_FORMAT, path);
  test.each<[string, PropertyDefinition['type'], unknown, Violation[]]>([
    ['humanname: full', 'humanname', { use: 'official', text: 'Dr John Q Doe Jr', family: 'Doe', given: ['John', 'Q'], prefix: ['Dr'], suffix: ['Jr'], period: { start: '2020' } }, OK],
    ['humanname: a string', 'humanname', 'John Doe', at('must be a HumanName object (got string)')],
    ['humanname: a bad use', 'humanname', { use: 'formal' }, at('must be one of "usual", "official", "temp", "nickname", "anonymous", "old", "maiden"', 'data.x.use')],
    ['humanname: given as a string', 'humanname', { given: 'John' }, at('must be an array (got string)', 'data.x.given')],
    ['humanname: a bad given name', 'humanname', { given: ['John', 3] }, at('must be a string (got number)', 'data.x.given[1]')],
    ['humanname: an unknown key', 'humanname', { nick: 'JD' }, at('unknown property (allowed: use, text, family, given, prefix, suffix, period)', 'data.x.nick')],
    ['humanname: a bad period', 'humanname', { period: { start: 'soon' } }, DATETIME_AT('data.x.period.start')],
    ['address: full', 'address', { use: 'work', type: 'physical', text: '1 Main St, Montréal', line: ['1 Main St', 'Suite 2'], city: 'Montréal', district: 'Ville-Marie', state: 'QC', postalCode: 'H2X 1Y4', country: 'CA', period: { start: '2020-01-01' } }, OK],
    ['address: a bad type', 'address', { type: 'virtual' }, at('must be one of "postal", "physical", "both"', 'data.x.type')],
    ['address: a bad line', 'address', { line: ['1 Main St', 2] }, at('must be a string (got number)', 'data.x.line[1]')],
    ['address: an unknown key', 'address', { postal_code: 'H2X' }, at('unknown property (allowed: use, type, text, line, city, district, state, postalCode, country, period)', 'data.x.postal_code')],
    ['address: an array', 'address', [], at('must be an Address object (got array)')],
    ['contactpoint: full', 'contactpoint', { system: 'email', value: 'a@example.org', use: 'work', rank: 1, period: { end: '2030' } }, OK],
    ['contactpoint: rank zero', 'contactpoint', { rank: 0 }, at('must be >= 1', 'data.x.rank')],
    ['contactpoint: a fractional rank', 'contactpoint', { rank: 1.5 }, at('must be an integer (got 1.5)', 'data.x.rank')],
    ['contactpoint: a bad system', 'contactpoint', { system: 'telegram' }, at('must be one of "phone", "fax", "email", "pager", "url", "sms", "other"', 'data.x.system')],
    ['contactpoint: a bad use', 'contactpoint', { use: 'cell' }, at('must be one of "home", "work", "temp", "old", "mobile"', 'data.x.use')],
    ['identifier: full', 'identifier', { use: 'official', system: 'https://example.org/npi', value: '1234567890', period: { start: '2020-01-01', end: '2021' } }, OK],
    ['identifier: a type coding is not part of it', 'identifier', { type: 'NPI' }, at('unknown property (allowed: use, system, value, period)', 'data.x.type')],
    ['identifier: a numeric value', 'identifier', { value: 123 }, at('must be a string (got number)', 'data.x.value')],
    ['identifier: a bad use', 'identifier', { use: 'primary' }, at('must be one of "usual", "official", "temp", "secondary", "old"', 'data.x.use')],
    ['period: the same day', 'period', { start: '2020-01-01', end: '2020-01-01' }, OK],
    ['period: the same month', 'period', { start: '2020-05', end: '2020-05' }, OK],
    ['period: a day inside the end month', 'period', { start: '2020-05-10', end: '2020-05' }, OK],
    ['period: offsets compared as instants', 'period', { start: '2020-05-01T10:00:00+02:00', end: '2020-05-01T08:30:00Z' }, OK],
    ['period: start only', 'period', { start: '2020' }, OK],
    ['period: end only', 'period', { end: '2020' }, OK],
    ['period: start after end', 'period', { start: '2021', end: '2020' }, at('start must not be after end')],
    ['period: start after end by an hour', 'period', { start: '2020-05-01T10:00:00-02:00', end: '2020-05-01T11:00:00Z' }, at('start must not be after end')],
    ['period: a bad start', 'period', { start: 'soon', end: '2020' }, DATETIME_AT('data.x.start')],
    ['period: an unknown key', 'period', { begin: '2020' }, at('unknown property (allowed: start, end)', 'data.x.begin')],
    ['coding: full', 'coding', { system: 'http://snomed.info/sct', version: '2024', code: '22298006', display: 'Myocardial infarction', userSelected: true }, OK],
    ['coding: a code with a leading space', 'coding', { code: ' 22298006' }, at('must be a code: non-empty, without leading or trailing whitespace', 'data.x.code')],
    ['coding: userSelected as a string', 'coding', { userSelected: 'yes' }, at('must be a boolean (got string)', 'data.x.userSelected')],
    ['geopoint: valid', 'geopoint', { lat: 45.5017, lon: -73.5673 }, OK],
    ['geopoint: the edges', 'geopoint', { lat: -90, lon: 180 }, OK],
    ['geopoint: latitude out of range', 'geopoint', { lat: 91, lon: 0 }, at('must be <= 90', 'data.x.lat')],
    ['geopoint: longitude out of range', 'geopoint', { lat: 0, lon: -180.5 }, at('must be >= -180', 'data.x.lon')],
    ['geopoint: a missing longitude', 'geopoint', { lat: 0 }, at('is required', 'data.x.lon')],
    ['geopoint: a null latitude', 'geopoint', { lat: null, lon: 0 }, at('is required', 'data.x.lat')],
    ['geopoint: a string latitude', 'geopoint', { lat: '45', lon: 0 }, at('must be a number (got string)', 'data.x.lat')],
    ['geopoint: an unknown key', 'geopoint', { lat: 0, lon: 0, alt: 10 }, at('unknown property (allowed: lat, lon)', 'data.x.alt')],
    ['geopoint: a string', 'geopoint', '45,-73', at('must be a GeoPoint object (got string)')],
  ])('%s', (_name, type, value, expected) => {
    expect(validateX({ type }, value)).toEqual(expected);
  });
});

describe('rules', () => {
  test.each<[string, PropertyDefinition, unknown, Violation[]]>([
    ['required: present', { type: 'string', rules: { required: true } }, 'x', OK],
    ['required: missing', { type: 'string', rules: { required: true } }, undefined, at('is required')],
    ['required: null counts as missing', { type: 'string', rules: { required: true } }, null, at('is required')],
    ['optional: null is allowed', { type: 'string' }, null, OK],
    ['min: a number below', { type: 'integer', rules: { min: 1, max: 10 } }, 0, at('must be >= 1')],
    ['min: a number at the bound', { type: 'integer', rules: { min: 1, max: 10 } }, 1, OK],
    ['max: a number at the bound', { type: 'integer', rules: { min: 1, max: 10 } }, 10, OK],
    ['max: a number above', { type: 'integer', rules: { min: 1, max: 10 } }, 11, at('must be <= 10')],
    ['max: a decimal above', { type: 'decimal', rules: { max: 0.5 } }, 0.51, at('must be <= 0.5')],
    ['min: a short string', { type: 'string', rules: { min: 2, max: 3 } }, 'a', at('must be at least 2 characters long')],
    ['max: a long string', { type: 'string', rules: { min: 2, max: 3 } }, 'abcd', at('must be at most 3 characters long')],
    ['max: one character', { type: 'code', rules: { max: 1 } }, 'ab', at('must be at most 1 character long')],
    ['length counts code points', { type: 'string', rules: { min: 2, max: 2 } }, '😀😀', OK],
    ['min: too few items', { type: 'array', items: { type: 'string' }, rules: { min: 1, max: 2 } }, [], at('must have at least 1 item')],
    ['max: too many items', { type: 'array', items: { type: 'string' }, rules: { min: 1, max: 2 } }, ['a', 'b', 'c'], at('must have at most 2 items')],
    ['enum: a member', { type: 'string', rules: { enum: ['a', 'b'] } }, 'b', OK],
    ['enum: not a member', { type: 'string', rules: { enum: ['a', 'b'] } }, 'c', at('must be one of "a", "b"')],
    ['enum: numbers', { type: 'integer', rules: { enum: [1, 2] } }, 3, at('must be one of 1, 2')],
    ['enum: deep equality on objects', { type: 'object', properties: { k: { type: 'integer' }, v: { type: 'string' } }, rules: { enum: [{ k: 1, v: 'a' }] } }, { v: 'a', k: 1 }, OK],
    ['enum: an object not in the list', { type: 'object', properties: { k: { type: 'integer' } }, rules: { enum: [{ k: 1 }] } }, { k: 2 }, at('must be one of {"k":1}')],
    ['pattern: a match', { type: 'string', rules: { pattern: '^[A-Z]{2}\\d$' } }, 'AB1', OK],
    ['pattern: no match', { type: 'string', rules: { pattern: '^[A-Z]{2}\\d$' } }, 'ab1', at('must match the pattern ^[A-Z]{2}\\d$')],
    ['pattern: unicode classes', { type: 'string', rules: { pattern: '^\\p{Lu}\\p{Ll}+$' } }, 'Élise', OK],
    ['pattern: on a date', { type: 'date', rules: { pattern: '^20' } }, '1999', at('must match the pattern ^20')],
    ['every failing rule is reported', { type: 'string', rules: { min: 5, pattern: '^a', enum: ['abcdef'] } }, 'b', [
      { path: 'data.x', message: 'must be at least 5 characters long' },
      { path: 'data.x', message: 'must be one of "abcdef"' },
      { path: 'data.x', message: 'must match the pattern ^a' },
    ]],
    ['rules are skipped when the type is wrong', { type: 'integer', rules: { min: 5, enum: [5] } }, 'x', at('must be an integer (got string)')],
    ['rules apply to array items', { type: 'array', items: { type: 'string', rules: { max: 1 } } }, ['a', 'bc'], at('must be at most 1 character long', 'data.x[1]')],
  ])('%s', (_name, def, value, expected) => {
    expect(validateX(def, value)).toEqual(expected);
  });
});

describe('the data object', () => {
  const profile = compileProfile({ type: 'ROOT', properties: { name: { type: 'string', rules: { required: true } } } }, noLookup);

  test.each<[string, ValidationInput, Violation[]]>([
    ['valid', { data: { name: 'x' } }, OK],
    ['missing', { data: undefined }, at('is required', 'data')],
    ['null', { data: null }, at('is required', 'data')],
    ['an array', { data: [] }, at('must be an object (got array)', 'data')],
    ['unknown properties, odd keys quoted', { data: { name: 'x', foo: 1, 'a.b': 2, $set: 3 } }, [
      { path: 'data.foo', message: 'unknown property (allowed: name)' },
      { path: 'data["a.b"]', message: 'unknown property (allowed: name)' },
      { path: 'data["$set"]', message: 'unknown property (allowed: name)' },
    ]],
    ['a __proto__ key from JSON', JSON.parse('{"data":{"name":"x","__proto__":{"polluted":true}}}') as ValidationInput, [
      { path: 'data.__proto__', message: 'unknown property (allowed: name)' },
    ]],
  ])('%s', (_name, input, expected) => {
    expect(profile.validate(input)).toEqual(expected);
  });

  test('every violation in a nested record, each with its full path', () => {
    const clinic: ProfileDefinition = {
      type: 'ROOT',
      properties: {
        name: { type: 'string', rules: { required: true } },
        address: { type: 'address' },
        contacts: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              person: { type: 'humanname', rules: { required: true } },
              phones: { type: 'array', items: { type: 'contactpoint' } },
            },
          },
        },
        location: { type: 'object', properties: { point: { type: 'geopoint' }, floor: { type: 'integer' } } },
      },
    };
    const violations = compileProfile(clinic, noLookup).validate({
      data: {
        address: { line: ['1 Main St', 2], city: 'Montréal' },
        contacts: [
          { person: { family: 'Doe' }, phones: [{ system: 'phone', value: '+15145550000' }] },
          { phones: [{ system: 'phone', value: 5145550000 }, { rank: -1 }], role: 'manager' },
        ],
        location: { point: { lat: 100, lon: 0 }, floor: '2' },
      },
    });
    expect(violations).toEqual([
      { path: 'data.name', message: 'is required' },
      { path: 'data.address.line[1]', message: 'must be a string (got number)' },
      { path: 'data.contacts[1].role', message: 'unknown property (allowed: person, phones)' },
      { path: 'data.contacts[1].person', message: 'is required' },
      { path: 'data.contacts[1].phones[0].value', message: 'must be a string (got number)' },
      { path: 'data.contacts[1].phones[1].rank', message: 'must be >= 1' },
      { path: 'data.location.point.lat', message: 'must be <= 90' },
      { path: 'data.location.floor', message: 'must be an integer (got string)' },
    ]);
  });
});

describe('when', () => {
  const profile = compileProfile(
    {
      type: 'ROOT',
      properties: {
        status: { type: 'code', vocabulary: ['active', 'closed'] },
        closedAt: { type: 'date', rules: { required: true, when: { property: 'data.status', eq: 'closed' } } },
        beds: { type: 'integer', rules: { min: 1, when: { action: { in: ['CREATE'] } } } },
        name: { type: 'string', rules: { pattern: '^\\p{Lu}', when: { property: 'data.name', changed: true } } },
        code: { type: 'string', rules: { required: true, when: { property: 'meta.source', eq: 'strict' } } },
      },
    },
    noLookup,
  );

  test.each<[string, ValidationInput, ValidationContext | undefined, Violation[]]>([
    ['required applies when the predicate holds', { data: { status: 'closed' } }, undefined, at('is required', 'data.closedAt')],
    ['required is skipped when it does not', { data: { status: 'active' } }, undefined, OK],
    ['the type check applies regardless', { data: { status: 'active', closedAt: 5 } }, undefined, at('must be a date (got number)', 'data.closedAt')],
    ['an action predicate, on CREATE', { data: { beds: 0 } }, { action: 'CREATE' }, at('must be >= 1', 'data.beds')],
    ['an action predicate, defaulting to CREATE', { data: { beds: 0 } }, undefined, at('must be >= 1', 'data.beds')],
    ['an action predicate, on UPDATE', { data: { beds: 0 } }, { action: 'UPDATE' }, OK],
    ['changed: a new value must follow the rule', { data: { name: 'lower' } }, { action: 'UPDATE', previous: { data: { name: 'Upper' } } }, at('must match the pattern ^\\p{Lu}', 'data.name')],
    ['changed: an unchanged value is left alone', { data: { name: 'lower' } }, { action: 'UPDATE', previous: { data: { name: 'lower' } } }, OK],
    ['changed: without previous, a value counts as changed', { data: { name: 'lower' } }, { action: 'CREATE' }, at('must match the pattern ^\\p{Lu}', 'data.name')],
    ['the predicate sees meta passed with the input', { data: {}, meta: { source: 'strict' } }, undefined, at('is required', 'data.code')],
    ['and skips when meta does not match', { data: {}, meta: { source: 'lenient' } }, undefined, OK],
  ])('%s', (_name, input, ctx, expected) => {
    expect(profile.validate(input, ctx)).toEqual(expected);
  });
});

describe('contained resources', () => {
  const paymentMethod: ProfileDefinition = {
    type: 'CONTAINED',
    properties: {
      value: { type: 'string', rules: { required: true } },
      label: { type: 'string', rules: { pattern: '^\\p{Lu}', when: { property: 'data.label', changed: true } } },
    },
  };
  const office: ProfileDefinition = {
    type: 'ROOT',
    properties: { name: { type: 'string' }, note: { type: 'string' } },
    contained: {
      primaryPaymentMethod: { types: ['paymentMethod'], cardinality: '0:1' },
      alternativePaymentMethods: { types: ['paymentMethod'], cardinality: '0:*' },
      ghosts: { types: ['ghost'], cardinality: '0:*' },
      offices: { types: ['office'], cardinality: '0:*' },
    },
  };
  const profiles: Record<string, ProfileDefinition> = { paymentMethod, office };
  const lookup = (key: string) => profiles[key];
  const compiled = compileProfile(office, lookup);
  const pm = (value: unknown, extra: Record<string, unknown> = {}) => ({ type: 'paymentMethod', data: { value }, ...extra });

  test('the seeds example is valid', () => {
    const input = {
      data: { name: 'South West Clinic', note: 'Offering the best services in Toronto' },
      contained: {
        primaryPaymentMethod: [pm('Visa', { id: 'office/abc/primaryPaymentMethod/def' })],
        alternativePaymentMethods: [pm('Mastercard', { id: 'office/abc/alternativePaymentMethods/ghi' }), pm('Amex')],
      },
    };
    expect(compiled.validate(input)).toEqual(OK);
  });

  test.each<[string, unknown, Violation[]]>([
    ['absent', undefined, OK],
    ['null', null, OK],
    ['an array', [], at('must be an object mapping contain keys to arrays of resources (got array)', 'contained')],
    ['an unknown contain key', { payment: [] }, at('unknown contain key (allowed: primaryPaymentMethod, alternativePaymentMethods, ghosts, offices)', 'contained.payment')],
    ['an odd unknown contain key', { 'a.b': [] }, at('unknown contain key (allowed: primaryPaymentMethod, alternativePaymentMethods, ghosts, offices)', 'contained["a.b"]')],
    ['a contain key that is not an array', { alternativePaymentMethods: pm('Visa') }, at('must be an array of contained resources (got object)', 'contained.alternativePaymentMethods')],
    ['an item that is not an object', { alternativePaymentMethods: ['Visa'] }, at('must be a contained resource {id?, type, data} (got string)', 'contained.alternativePaymentMethods[0]')],
    ['an item with an unknown key', { alternativePaymentMethods: [pm('Visa', { meta: {} })] }, at('unknown key (allowed: id, type, data)', 'contained.alternativePaymentMethods[0].meta')],
    ['an item with a numeric id', { alternativePaymentMethods: [pm('Visa', { id: 7 })] }, at('must be a string (got number)', 'contained.alternativePaymentMethods[0].id')],
    ['an item without type or data', { alternativePaymentMethods: [{}] }, [
      { path: 'contained.alternativePaymentMethods[0].type', message: 'is required' },
      { path: 'contained.alternativePaymentMethods[0].data', message: 'is required' },
    ]],
    ['an item with a numeric type', { alternativePaymentMethods: [{ type: 1, data: {} }] }, at('must be a string (got number)', 'contained.alternativePaymentMethods[0].type')],
    ['an item whose data is not an object', { alternativePaymentMethods: [{ type: 'paymentMethod', data: 'Visa' }] }, at('must be an object (got string)', 'contained.alternativePaymentMethods[0].data')],
    ['an undeclared type', { alternativePaymentMethods: [{ type: 'card', data: { value: 'Visa' } }] }, at('must be one of the types declared for "alternativePaymentMethods": "paymentMethod"', 'contained.alternativePaymentMethods[0].type')],
    ['a declared type without profile', { ghosts: [{ type: 'ghost', data: {} }] }, at('unknown contained profile "ghost"', 'contained.ghosts[0].type')],
    ['a ROOT profile as contained type', { offices: [{ type: 'office', data: {} }] }, at('profile "office" is a ROOT profile; only CONTAINED profiles can be contained', 'contained.offices[0].type')],
    ['data violations with their full paths', { alternativePaymentMethods: [pm('Visa'), pm(5), { type: 'paymentMethod', data: { value: 'Amex', brand: 'x' } }] }, [
      { path: 'contained.alternativePaymentMethods[1].data.value', message: 'must be a string (got number)' },
      { path: 'contained.alternativePaymentMethods[2].data.brand', message: 'unknown property (allowed: value, label)' },
    ]],
    ['a required field missing in contained data', { primaryPaymentMethod: [{ type: 'paymentMethod', data: {} }] }, at('is required', 'contained.primaryPaymentMethod[0].data.value')],
  ])('%s', (_name, contained, expected) => {
    expect(compiled.validate({ data: {}, contained })).toEqual(expected);
  });

  test.each<[string, number, string | undefined]>([
    ['0:1', 0, undefined],
    ['0:1', 1, undefined],
    ['0:1', 2, 'allows at most 1 item (cardinality 0:1), got 2'],
    ['1:1', 0, 'requires exactly 1 item (cardinality 1:1), got 0'],
    ['1:1', 1, undefined],
    ['1:1', 2, 'requires exactly 1 item (cardinality 1:1), got 2'],
    ['0:*', 0, undefined],
    ['0:*', 3, undefined],
    ['1:*', 0, 'requires at least 1 item (cardinality 1:*), got 0'],
    ['1:*', 1, undefined],
    ['1:*', 3, undefined],
  ])('cardinality %s with %i item(s)', (cardinality, count, message) => {
    const root = compileProfile({ type: 'ROOT', properties: {}, contained: { methods: { types: ['paymentMethod'], cardinality: cardinality as '0:1' } } }, lookup);
    const items = Array.from({ length: count }, (_, i) => pm(`m${i}`));
    expect(root.validate({ data: {}, contained: { methods: items } })).toEqual(message ? at(message, 'contained.methods') : OK);
    if (count === 0) expect(root.validate({ data: {} })).toEqual(message ? at(message, 'contained.methods') : OK);
  });

  test('a profile without contain keys rejects any', () => {
    const root = compileProfile({ type: 'ROOT', properties: {} }, lookup);
    expect(root.validate({ data: {}, contained: { x: [] } })).toEqual(at('unknown contain key: this profile declares no contained resources', 'contained.x'));
    expect(root.validate({ data: {}, contained: {} })).toEqual(OK);
  });

  test.each<[string, Record<string, unknown> | undefined, Violation[]]>([
    ['a label unchanged from the stored item (same id) is left alone', { contained: { alternativePaymentMethods: [pm('Visa', { id: 'm1', data: { value: 'Visa', label: 'lower' } })] } }, OK],
    ['a label changed from the stored item must follow the rule', { contained: { alternativePaymentMethods: [pm('Visa', { id: 'm1', data: { value: 'Visa', label: 'Upper' } })] } }, at('must match the pattern ^\\p{Lu}', 'contained.alternativePaymentMethods[0].data.label')],
    ['without a stored record the label counts as changed', undefined, at('must match the pattern ^\\p{Lu}', 'contained.alternativePaymentMethods[0].data.label')],
  ])('when inside contained data: %s', (_name, previous, expected) => {
    const input = { data: {}, contained: { alternativePaymentMethods: [pm('Visa', { id: 'm1', data: { value: 'Visa', label: 'lower' } })] } };
    expect(compiled.validate(input, previous ? { action: 'UPDATE', previous } : { action: 'CREATE' })).toEqual(expected);
  });

  test('contained profiles are looked up lazily, and a changed definition takes effect', () => {
    const current: Record<string, ProfileDefinition> = { paymentMethod };
    const spy = jest.fn((key: string) => current[key]);
    const root = compileProfile(office, spy);
    expect(spy).not.toHaveBeenCalled();
    const input = { data: {}, contained: { primaryPaymentMethod: [pm('Visa')] } };
    expect(root.validate(input)).toEqual(OK);
    expect(spy).toHaveBeenCalledWith('paymentMethod');
    current.paymentMethod = { type: 'CONTAINED', properties: { value: { type: 'integer' } } };
    expect(root.validate(input)).toEqual(at('must be an integer (got string)', 'contained.primaryPaymentMethod[0].data.value'));
  });
});

describe('compiled once', () => {
  test('a pattern is compiled at compile time, not per validation', () => {
    const spy = jest.spyOn(global, 'RegExp');
    const profile = compileProfile({ type: 'ROOT', properties: { x: { type: 'string', rules: { pattern: '^a' } } } }, noLookup);
    const compiledCalls = spy.mock.calls.length;
    for (let i = 0; i < 10; i++) profile.validate({ data: { x: i % 2 ? 'ab' : 'b' } });
    expect(spy.mock.calls.length).toBe(compiledCalls);
    spy.mockRestore();
  });

  test('a definition that passed the schema compiles and validates', () => {
    const body = ProfileDefinitionSchema.parse({
      type: 'ROOT',
      properties: { name: { type: 'string', rules: { required: true, max: 3, when: { action: { in: ['CREATE'] } } } } },
    });
    expect(compileProfile(body, noLookup).validate({ data: { name: 'abcd' } })).toEqual(at('must be at most 3 characters long', 'data.name'));
  });
});

describe('ProfileCache', () => {
  const fake = (): CompiledProfile => ({ definition: { type: 'ROOT', properties: {} }, validate: () => [] });

  test('compiles once per key', () => {
    const cache = new ProfileCache();
    const compile = jest.fn(fake);
    const first = cache.get('demo/clinic@2024-01-01T00:00:00.000Z', compile);
    expect(cache.get('demo/clinic@2024-01-01T00:00:00.000Z', compile)).toBe(first);
    expect(compile).toHaveBeenCalledTimes(1);
    cache.get('demo/clinic@2024-02-01T00:00:00.000Z', compile);
    expect(compile).toHaveBeenCalledTimes(2);
  });

  test('drops the least recently used entry beyond its size', () => {
    const cache = new ProfileCache(2);
    const compile = jest.fn(fake);
    cache.get('a', compile);
    cache.get('b', compile);
    cache.get('a', compile);
    cache.get('c', compile);
    expect(cache.size).toBe(2);
    expect(compile).toHaveBeenCalledTimes(3);
    cache.get('a', compile);
    expect(compile).toHaveBeenCalledTimes(3);
    cache.get('b', compile);
    expect(compile).toHaveBeenCalledTimes(4);
  });

  test('caches nothing when compiling throws', () => {
    const cache = new ProfileCache();
    expect(() => cache.get('x', () => { throw new Error('bad profile'); })).toThrow('bad profile');
    expect(cache.size).toBe(0);
  });
});
