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
    ['symbol: a string', { type: 'symbol' }, 'North Clinic', OK],
    ['symbol: empty', { type: 'symbol' }, '', OK],
    ['symbol: a number', { type: 'symbol' }, 5, at('must be a symbol (a string) (got number)')],
    ['symbol: an array', { type: 'symbol' }, ['a'], at('must be a symbol (a string) (got array)')],
    ['symbol: an object', { type: 'symbol' }, { a: 1 }, at('must be a symbol (a string) (got object)')],
    ['symbol: a token', { type: 'symbol' }, 'walk_in-2', OK],
    ['symbol: with a space is valid now (changed: a symbol is any Unicode string, docs data-types)', { type: 'symbol' }, 'walk in', OK],
    ['symbol: with a tab and a newline is valid now (changed: a symbol is any Unicode string)', { type: 'symbol' }, 'walk\tin\n', OK],
    ['symbol: a boolean', { type: 'symbol' }, true, at('must be a symbol (a string) (got boolean)')],
    ['code: a code', { type: 'code' }, 'active', OK],
    ['code: inner spaces', { type: 'code' }, 'on hold', OK],
    ['code: empty', { type: 'code' }, '', at('must be a code: non-empty, without leading or trailing whitespace')],
    ['code: leading space', { type: 'code' }, ' active', at('must be a code: non-empty, without leading or trailing whitespace')],
    ['code: trailing newline', { type: 'code' }, 'active\n', at('must be a code: non-empty, without leading or trailing whitespace')],
    ['code: a number', { type: 'code' }, 1, at('must be a code (got number)')],
    ['code: in the vocabulary', { type: 'code', vocabulary: ['active', 'closed'] }, 'closed', OK],
    ['code: outside the vocabulary', { type: 'code', vocabulary: ['active', 'closed'] }, 'open', at('must be one of "active", "closed"')],
    ['markdown: any string', { type: 'markdown' }, '# Title\n\n*bold*', OK],
    ['markdown: a number', { type: 'markdown' }, 1, at('must be a markdown string (got number)')],
    ['xhtml: escaped html', { type: 'xhtml' }, '<div xmlns="http://www.w3.org/1999/xhtml">Hi</div>', OK],
    ['xhtml: a number', { type: 'xhtml' }, 1, at('must be an xhtml string (got number)')],
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
    ['reference: an empty id', { type: 'reference', profile: 'office' }, '', at('must be a resource id of profile "office" (1 to 93 letters, digits, "_" or "-", not starting with "_")')],
    ['reference: a path', { type: 'reference', profile: 'office' }, 'office/abc', at('must be a resource id of profile "office" (1 to 93 letters, digits, "_" or "-", not starting with "_")')],
    ['reference: an unreplaced token', { type: 'reference', profile: 'office' }, '@rootId', at('must be a resource id of profile "office" (1 to 93 letters, digits, "_" or "-", not starting with "_")')],
    ['reference: a number', { type: 'reference', profile: 'office' }, 42, at('must be a resource id (got number)')],
  ])('%s', (_name, def, value, expected) => {
    expect(validateX(def, value)).toEqual(expected);
  });
});

describe('object and array types', () => {
  const object: PropertyDefinition = { type: 'object', properties: { a: { type: 'symbol' }, b: { type: 'integer', rules: [{ required: true }] } } };
  const array: PropertyDefinition = { type: 'array', items: { type: 'symbol' } };

  test.each<[string, PropertyDefinition, unknown, Violation[]]>([
    ['object: valid', object, { a: 'x', b: 1 }, OK],
    ['object: a string', object, 'x', at('must be an object (got string)')],
    ['object: an array', object, [], at('must be an object (got array)')],
    ['object: a bad member', object, { a: 1, b: 1 }, at('must be a symbol (a string) (got number)', 'data.x.a')],
    ['object: a missing required member', object, { a: 'x' }, at('is required', 'data.x.b')],
    ['object: an unknown member', object, { b: 1, c: 1 }, at('unknown property (allowed: a, b)', 'data.x.c')],
    ['object: no declared members', { type: 'object', properties: {} }, { c: 1 }, at('unknown property: none are declared here', 'data.x.c')],
    ['array: strings', array, ['a', 'b'], OK],
    ['array: empty', array, [], OK],
    ['array: a string', array, 'a', at('must be an array (got string)')],
    ['array: bad items, each with its index', array, ['a', 2, null], [
      { path: 'data.x[1]', message: 'must be a symbol (a string) (got number)' },
      { path: 'data.x[2]', message: 'must be a symbol (a string) (got null)' },
    ]],
    ['array of arrays', { type: 'array', items: array }, [['a'], ['b', 3]], at('must be a symbol (a string) (got number)', 'data.x[1][1]')],
  ])('%s', (_name, def, value, expected) => {
    expect(validateX(def, value)).toEqual(expected);
  });
});

describe('complex types', () => {
  const DATETIME_AT = (path: string) => at(DATETIME_FORMAT, path);
  test.each<[string, PropertyDefinition['type'], unknown, Violation[]]>([
    ['humanname: full', 'humanname', { use: 'official', text: 'Dr John Q Doe Jr', family: 'Doe', given: ['John', 'Q'], prefix: ['Dr'], suffix: ['Jr'], period: { start: '2020' } }, OK],
    ['humanname: a string', 'humanname', 'John Doe', at('must be a HumanName object (got string)')],
    ['humanname: any use code is accepted now (changed: the docs call the use values "proposed")', 'humanname', { use: 'formal' }, OK],
    ['humanname: a use that is no code', 'humanname', { use: ' official' }, at('must be a code: non-empty, without leading or trailing whitespace', 'data.x.use')],
    ['humanname: given as a string', 'humanname', { given: 'John' }, at('must be an array (got string)', 'data.x.given')],
    ['humanname: a bad given name', 'humanname', { given: ['John', 3] }, at('must be a symbol (a string) (got number)', 'data.x.given[1]')],
    ['humanname: an unknown key', 'humanname', { nick: 'JD' }, at('unknown property (allowed: use, text, family, given, prefix, suffix, period)', 'data.x.nick')],
    ['humanname: a bad period', 'humanname', { period: { start: 'soon' } }, DATETIME_AT('data.x.period.start')],
    ['address: full', 'address', { use: 'work', type: 'physical', text: '1 Main St, Montréal', line: ['1 Main St', 'Suite 2'], city: 'Montréal', district: 'Ville-Marie', state: 'QC', postalCode: 'H2X 1Y4', country: 'CA', period: { start: '2020-01-01' } }, OK],
    ['address: any type code is accepted now (changed: the docs call the type values "proposed")', 'address', { type: 'virtual', use: 'billing' }, OK],
    ['address: a bad line', 'address', { line: ['1 Main St', 2] }, at('must be a symbol (a string) (got number)', 'data.x.line[1]')],
    ['address: an unknown key', 'address', { postal_code: 'H2X' }, at('unknown property (allowed: use, type, text, line, city, district, state, postalCode, country, period)', 'data.x.postal_code')],
    ['address: an array', 'address', [], at('must be an Address object (got array)')],
    ['contactpoint: full', 'contactpoint', { system: 'email', value: 'a@example.org', use: 'work', rank: 1, period: { end: '2030' } }, OK],
    ['contactpoint: rank zero', 'contactpoint', { rank: 0 }, at('must be >= 1', 'data.x.rank')],
    ['contactpoint: a fractional rank', 'contactpoint', { rank: 1.5 }, at('must be an integer (got 1.5)', 'data.x.rank')],
    ['contactpoint: a bad system', 'contactpoint', { system: 'telegram' }, at('must be one of "phone", "fax", "email", "pager", "url", "sms", "other"', 'data.x.system')],
    ['contactpoint: any use code is accepted now (changed: the docs call the use values "proposed")', 'contactpoint', { use: 'cell' }, OK],
    ['contactpoint: every documented system', 'contactpoint', { system: 'sms' }, OK],
    ['identifier: full', 'identifier', { use: 'official', system: 'https://example.org/npi', value: '1234567890', period: { start: '2020-01-01', end: '2021' } }, OK],
    ['identifier: a type coding is not part of it', 'identifier', { type: 'NPI' }, at('unknown property (allowed: use, system, value, period)', 'data.x.type')],
    ['identifier: a numeric value', 'identifier', { value: 123 }, at('must be a symbol (a string) (got number)', 'data.x.value')],
    ['identifier: any use code is accepted now (changed: the docs call the use values "proposed")', 'identifier', { use: 'primary' }, OK],
    ['period: the same day', 'period', { start: '2020-01-01', end: '2020-01-01' }, OK],
    ['period: the same month', 'period', { start: '2020-05', end: '2020-05' }, OK],
    ['period: a day inside the end month', 'period', { start: '2020-05-10', end: '2020-05' }, OK],
    ['period: offsets compared as instants', 'period', { start: '2020-05-01T10:00:00+02:00', end: '2020-05-01T08:30:00Z' }, OK],
    ['period: start only', 'period', { start: '2020' }, OK],
    ['period: end only', 'period', { end: '2020' }, OK],
    ['period: start after end', 'period', { start: '2021', end: '2020' }, at('start must not be after end')],
    ['period: start after end by an hour', 'period', { start: '2020-05-01T10:00:00-02:00', end: '2020-05-01T11:00:00Z' }, at('start must not be after end')],
    ['period: a bad start', 'period', { start: 'soon', end: '2020' }, DATETIME_AT('data.x.start')],
    ['period: an unknown key', 'period', { begin: '2020' }, at('unknown property (allowed: id, start, end)', 'data.x.begin')],
    ['period: may carry an id now (changed: docs period)', 'period', { id: 'p1', start: '2020' }, OK],
    ['coding: full', 'coding', { system: 'http://snomed.info/sct', version: '2024', code: '22298006', display: 'Myocardial infarction' }, OK],
    ['coding: a code with a leading space', 'coding', { code: ' 22298006' }, at('must be a code: non-empty, without leading or trailing whitespace', 'data.x.code')],
    ['coding: userSelected is not part of it now (changed: docs coding)', 'coding', { userSelected: true }, at('unknown property (allowed: system, version, code, display)', 'data.x.userSelected')],
    ['geopoint: valid (changed: {latitude, longitude}, was {lat, lon})', 'geopoint', { latitude: 45.5017, longitude: -73.5673 }, OK],
    ['geopoint: the edges', 'geopoint', { latitude: -90, longitude: 180 }, OK],
    ['geopoint: latitude out of range', 'geopoint', { latitude: 91, longitude: 0 }, at('must be <= 90', 'data.x.latitude')],
    ['geopoint: longitude out of range', 'geopoint', { latitude: 0, longitude: -180.5 }, at('must be >= -180', 'data.x.longitude')],
    ['geopoint: a missing longitude', 'geopoint', { latitude: 0 }, at('is required', 'data.x.longitude')],
    ['geopoint: a null latitude', 'geopoint', { latitude: null, longitude: 0 }, at('is required', 'data.x.latitude')],
    ['geopoint: a string latitude', 'geopoint', { latitude: '45', longitude: 0 }, at('must be a number (got string)', 'data.x.latitude')],
    ['geopoint: an unknown key', 'geopoint', { latitude: 0, longitude: 0, alt: 10 }, at('unknown property (allowed: latitude, longitude)', 'data.x.alt')],
    ['geopoint: the old {lat, lon} form is refused now (changed)', 'geopoint', { lat: 45.5017, lon: -73.5673 }, [
      { path: 'data.x.lat', message: 'unknown property (allowed: latitude, longitude)' },
      { path: 'data.x.lon', message: 'unknown property (allowed: latitude, longitude)' },
      { path: 'data.x.latitude', message: 'is required' },
      { path: 'data.x.longitude', message: 'is required' },
    ]],
    ['geopoint: a string', 'geopoint', '45,-73', at('must be a GeoPoint object (got string)')],
    ['attachment: full (new type)', 'attachment', { title: 'Brochure', contentType: 'application/pdf', url: 'https://example.org/brochure.pdf', language: 'fr-CA', size: 1024, creation: '2020-01-01T10:00:00Z' }, OK],
    ['attachment: bad members', 'attachment', { url: 'ftp://example.org/a.pdf', size: -1, data: 'AAAA' }, [
      { path: 'data.x.data', message: 'unknown property (allowed: title, contentType, url, language, size, creation)' },
      { path: 'data.x.url', message: 'must be an absolute http or https URL' },
      { path: 'data.x.size', message: 'must be >= 0' },
    ]],
    ['attachment: a string', 'attachment', 'https://example.org/a.pdf', at('must be an Attachment object (got string)')],
    ['contactdetail: full (new type)', 'contactdetail', { name: 'Front desk', telecom: [{ system: 'phone', value: '+15145550000', use: 'work' }, { system: 'email', value: 'desk@example.org' }] }, OK],
    ['contactdetail: a bad telecom system, with its path', 'contactdetail', { telecom: [{ system: 'phone' }, { system: 'telegram' }] }, at('must be one of "phone", "fax", "email", "pager", "url", "sms", "other"', 'data.x.telecom[1].system')],
    ['contactdetail: an array', 'contactdetail', [], at('must be a ContactDetail object (got array)')],
  ])('%s', (_name, type, value, expected) => {
    expect(validateX({ type }, value)).toEqual(expected);
  });
});

describe('rules', () => {
  test.each<[string, PropertyDefinition, unknown, Violation[]]>([
    ['required: present', { type: 'symbol', rules: [{ required: true }] }, 'x', OK],
    ['required: missing', { type: 'symbol', rules: [{ required: true }] }, undefined, at('is required')],
    ['required: null counts as missing', { type: 'symbol', rules: [{ required: true }] }, null, at('is required')],
    ['required: an empty array is present', { type: 'array', items: { type: 'symbol' }, rules: [{ required: true }] }, [], OK],
    ['required: on an object', { type: 'object', properties: {}, rules: [{ required: true }] }, undefined, at('is required')],
    ['required: on a complex type', { type: 'address', rules: [{ required: true }] }, null, at('is required')],
    ['optional: null is allowed', { type: 'symbol' }, null, OK],
    ['min: a number below', { type: 'integer', rules: [{ min: 1, max: 10 }] }, 0, at('must be >= 1')],
    ['min: a number at the bound', { type: 'integer', rules: [{ min: 1, max: 10 }] }, 1, OK],
    ['max: a number at the bound', { type: 'integer', rules: [{ min: 1, max: 10 }] }, 10, OK],
    ['max: a number above', { type: 'integer', rules: [{ min: 1, max: 10 }] }, 11, at('must be <= 10')],
    ['max: a decimal above', { type: 'decimal', rules: [{ max: 0.5 }] }, 0.51, at('must be <= 0.5')],
    ['min: a short string', { type: 'symbol', rules: [{ min: 2, max: 3 }] }, 'a', at('must be at least 2 characters long')],
    ['max: a long string', { type: 'symbol', rules: [{ min: 2, max: 3 }] }, 'abcd', at('must be at most 3 characters long')],
    ['max: one character', { type: 'code', rules: [{ max: 1 }] }, 'ab', at('must be at most 1 character long')],
    ['max: on xhtml', { type: 'xhtml', rules: [{ max: 3 }] }, '<p/>', at('must be at most 3 characters long')],
    ['length counts code points', { type: 'symbol', rules: [{ min: 2, max: 2 }] }, '😀😀', OK],
    ['min: too few items', { type: 'array', items: { type: 'symbol' }, rules: [{ min: 1, max: 2 }] }, [], at('must have at least 1 item')],
    ['max: too many items', { type: 'array', items: { type: 'symbol' }, rules: [{ min: 1, max: 2 }] }, ['a', 'b', 'c'], at('must have at most 2 items')],
    ['enum: a member', { type: 'symbol', rules: [{ enum: ['a', 'b'] }] }, 'b', OK],
    ['enum: not a member', { type: 'symbol', rules: [{ enum: ['a', 'b'] }] }, 'c', at('must be one of "a", "b"')],
    ['enum: numbers', { type: 'integer', rules: [{ enum: [1, 2] }] }, 3, at('must be one of 1, 2')],
    ['enum: decimals, as the docs\' taxRate', { type: 'decimal', rules: [{ enum: [10.5, 12.2, 15.05] }] }, 12.2, OK],
    ['enum: a code, as the docs\' gender', { type: 'code', rules: [{ enum: ['male', 'female', 'non-binary'] }] }, 'other', at('must be one of "male", "female", "non-binary"')],
    ['pattern: a match', { type: 'symbol', rules: [{ pattern: '^[A-Z]{2}\\d$' }] }, 'AB1', OK],
    ['pattern: no match', { type: 'symbol', rules: [{ pattern: '^[A-Z]{2}\\d$' }] }, 'ab1', at('must match the pattern ^[A-Z]{2}\\d$')],
    ['pattern: unicode classes', { type: 'symbol', rules: [{ pattern: '^\\p{Lu}\\p{Ll}+$' }] }, 'Élise', OK],
    ['pattern: on a date', { type: 'date', rules: [{ pattern: '^20' }] }, '1999', at('must match the pattern ^20')],
    ['every failing rule of one rule object is reported', { type: 'symbol', rules: [{ min: 5, pattern: '^a', enum: ['abcdef'] }] }, 'b', [
      { path: 'data.x', message: 'must be at least 5 characters long' },
      { path: 'data.x', message: 'must be one of "abcdef"' },
      { path: 'data.x', message: 'must match the pattern ^a' },
    ]],
    ['every failing rule object of the array is reported, in order', { type: 'symbol', rules: [{ pattern: '^a' }, { min: 5 }, { enum: ['abcdef'] }] }, 'b', [
      { path: 'data.x', message: 'must match the pattern ^a' },
      { path: 'data.x', message: 'must be at least 5 characters long' },
      { path: 'data.x', message: 'must be one of "abcdef"' },
    ]],
    ['rules are skipped when the type is wrong', { type: 'integer', rules: [{ min: 5, enum: [5] }] }, 'x', at('must be an integer (got string)')],
    ['rules apply to array items', { type: 'array', items: { type: 'symbol', rules: [{ max: 1 }] } }, ['a', 'bc'], at('must be at most 1 character long', 'data.x[1]')],
  ])('%s', (_name, def, value, expected) => {
    expect(validateX(def, value)).toEqual(expected);
  });

  test.each<[string, unknown, { path: (string | number)[]; message: string }[]]>([
    ['enum on an object is refused now (changed: enum applies to numeric and string types only)', { type: 'object', properties: { k: { type: 'integer' } }, rules: [{ enum: [1] }] }, [
      { path: ['properties', 'x', 'rules', 0, 'enum'], message: 'does not apply to type "object": object and complex-type properties accept only "required"; put rules on their properties' },
    ]],
    ['pattern on an object is refused', { type: 'object', properties: {}, rules: [{ required: true }, { pattern: '^a' }] }, [
      { path: ['properties', 'x', 'rules', 1, 'pattern'], message: 'does not apply to type "object": object and complex-type properties accept only "required"; put rules on their properties' },
    ]],
    ['enum and pattern on a complex type are refused', { type: 'address', rules: [{ enum: ['x'], pattern: '^a' }] }, [
      { path: ['properties', 'x', 'rules', 0, 'enum'], message: 'does not apply to type "address": object and complex-type properties accept only "required"; put rules on their properties' },
      { path: ['properties', 'x', 'rules', 0, 'pattern'], message: 'does not apply to type "address": object and complex-type properties accept only "required"; put rules on their properties' },
    ]],
    ['min on a geopoint is refused', { type: 'geopoint', rules: [{ min: 1 }] }, [
      { path: ['properties', 'x', 'rules', 0, 'min'], message: 'does not apply to type "geopoint": object and complex-type properties accept only "required"; put rules on their properties' },
    ]],
    ['an enum value of another kind than the property', { type: 'integer', rules: [{ enum: [1, '2'] }] }, [
      { path: ['properties', 'x', 'rules', 0, 'enum', 1], message: 'must be a number, like the values of an integer' },
    ]],
  ])('the profile schema: %s', (_name, def, expected) => {
    const result = ProfileDefinitionSchema.safeParse({ type: 'ROOT', properties: { x: def } });
    expect(result.success ? [] : result.error.issues.map((i) => ({ path: i.path, message: i.message }))).toEqual(expected);
  });

  test('type "string" is accepted as an alias of "symbol" and validates as one (changed: "string" is gone as a type of its own)', () => {
    const body = ProfileDefinitionSchema.parse({ type: 'ROOT', properties: { name: { type: 'string', rules: [{ required: true }] } } });
    expect(body.properties.name).toEqual({ type: 'symbol', rules: [{ required: true }] });
    const profile = compileProfile(body, noLookup);
    expect(profile.validate({ data: { name: 'North Clinic' } })).toEqual(OK);
    expect(profile.validate({ data: { name: 5 } })).toEqual(at('must be a symbol (a string) (got number)', 'data.name'));
  });

  test('one rule object alone is accepted as an alias of a one-rule array', () => {
    const body = ProfileDefinitionSchema.parse({ type: 'ROOT', properties: { name: { type: 'symbol', rules: { required: true, max: 3 } } } });
    expect(body.properties.name?.rules).toEqual([{ required: true, max: 3 }]);
    expect(compileProfile(body, noLookup).validate({ data: { name: 'abcd' } })).toEqual(at('must be at most 3 characters long', 'data.name'));
  });
});

describe('the data object', () => {
  const profile = compileProfile({ type: 'ROOT', properties: { name: { type: 'symbol', rules: [{ required: true }] } } }, noLookup);

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
        name: { type: 'symbol', rules: [{ required: true }] },
        address: { type: 'address' },
        contacts: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              person: { type: 'humanname', rules: [{ required: true }] },
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
        location: { point: { latitude: 100, longitude: 0 }, floor: '2' },
      },
    });
    expect(violations).toEqual([
      { path: 'data.name', message: 'is required' },
      { path: 'data.address.line[1]', message: 'must be a symbol (a string) (got number)' },
      { path: 'data.contacts[1].role', message: 'unknown property (allowed: person, phones)' },
      { path: 'data.contacts[1].person', message: 'is required' },
      { path: 'data.contacts[1].phones[0].value', message: 'must be a symbol (a string) (got number)' },
      { path: 'data.contacts[1].phones[1].rank', message: 'must be >= 1' },
      { path: 'data.location.point.latitude', message: 'must be <= 90' },
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
        closedAt: { type: 'date', rules: [{ required: true, when: { eq: { status: 'closed' } } }] },
        beds: { type: 'integer', rules: [{ min: 1, when: { eq: { '@action': 'CREATE' } } }] },
        name: { type: 'symbol', rules: [{ pattern: '^\\p{Lu}', when: { changed: { name: true } } }] },
        region: { type: 'code' },
        code: { type: 'symbol', rules: [{ required: true, when: { eq: { region: 'strict' } } }] },
      },
    },
    noLookup,
  );

  test.each<[string, ValidationInput, ValidationContext | undefined, Violation[]]>([
    ['required applies when the operator holds', { data: { status: 'closed' } }, undefined, at('is required', 'data.closedAt')],
    ['eq is case-insensitive in when too', { data: { status: 'CLOSED' } }, undefined, [
      { path: 'data.status', message: 'must be one of "active", "closed"' },
      { path: 'data.closedAt', message: 'is required' },
    ]],
    ['required is skipped when it does not', { data: { status: 'active' } }, undefined, OK],
    ['the type check applies regardless', { data: { status: 'active', closedAt: 5 } }, undefined, at('must be a date (got number)', 'data.closedAt')],
    ['an @action operator, on CREATE', { data: { beds: 0 } }, { action: 'CREATE' }, at('must be >= 1', 'data.beds')],
    ['an @action operator, defaulting to CREATE', { data: { beds: 0 } }, undefined, at('must be >= 1', 'data.beds')],
    ['an @action operator, on UPDATE', { data: { beds: 0 } }, { action: 'UPDATE' }, OK],
    ['changed: a new value must follow the rule', { data: { name: 'lower' } }, { action: 'UPDATE', previous: { data: { name: 'Upper' } } }, at('must match the pattern ^\\p{Lu}', 'data.name')],
    ['changed: an unchanged value is left alone', { data: { name: 'lower' } }, { action: 'UPDATE', previous: { data: { name: 'lower' } } }, OK],
    ['changed: without previous, a value counts as changed', { data: { name: 'lower' } }, { action: 'CREATE' }, at('must match the pattern ^\\p{Lu}', 'data.name')],
    ['paths are relative to data (changed: "data." prefix gone)', { data: { region: 'strict' } }, undefined, at('is required', 'data.code')],
    ['and skip when the data does not match', { data: { region: 'lenient' } }, undefined, OK],
    ['meta passed with the input is not visible to when any more (changed: paths are relative to data)', { data: {}, meta: { region: 'strict' } } as ValidationInput, undefined, OK],
  ])('%s', (_name, input, ctx, expected) => {
    expect(profile.validate(input, ctx)).toEqual(expected);
  });

  test('several rules in one array, each with its own when (docs.clinia.com/explanation/field-validation/advanced: "Combine multiple rules in the same array")', () => {
    const rooms = compileProfile(
      {
        type: 'ROOT',
        properties: {
          size: { type: 'code' },
          status: { type: 'code' },
          beds: {
            type: 'integer',
            rules: [
              { min: 1 },
              { max: 10, when: { eq: { size: 'small' } } },
              { min: 50, when: { eq: { size: 'large' } } },
              { required: true, when: { eq: { status: 'open' } } },
            ],
          },
        },
      },
      noLookup,
    );
    const check = (data: Record<string, unknown>) => rooms.validate({ data });
    expect(check({ beds: 0 })).toEqual(at('must be >= 1', 'data.beds'));
    expect(check({ beds: 20 })).toEqual(OK);
    expect(check({ size: 'small', beds: 20 })).toEqual(at('must be <= 10', 'data.beds'));
    expect(check({ size: 'large', beds: 20 })).toEqual(at('must be >= 50', 'data.beds'));
    expect(check({ size: 'large', beds: 0 })).toEqual([
      { path: 'data.beds', message: 'must be >= 1' },
      { path: 'data.beds', message: 'must be >= 50' },
    ]);
    expect(check({ size: 'large' })).toEqual(OK);
    expect(check({ status: 'open' })).toEqual(at('is required', 'data.beds'));
    expect(check({ status: 'open', size: 'small', beds: 5 })).toEqual(OK);
  });

  describe('the docs\' provider: "Specialities are required and must be at least one item if the Practice Number is specified" (clinia.readme.io/docs/conditional-validation-advanced)', () => {
    const provider = compileProfile(
      ProfileDefinitionSchema.parse({
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
      }),
      noLookup,
    );

    test.each<[string, Record<string, unknown>, Violation[]]>([
      ['a practice number without specialities', { name: 'Dr. Wilson', practiceNumber: 1234 }, at('is required', 'data.specialities')],
      ['a practice number with no speciality', { name: 'Dr. Wilson', practiceNumber: 1234, specialities: [] }, at('must have at least 1 item', 'data.specialities')],
      ['a practice number with a speciality', { name: 'Dr. Wilson', practiceNumber: 1234, specialities: ['cardiology'] }, OK],
      ['no practice number', { name: 'Dr. Wilson' }, OK],
      ['a null practice number counts as none', { name: 'Dr. Wilson', practiceNumber: null, specialities: [] }, OK],
    ])('%s', (_name, data, expected) => {
      expect(provider.validate({ data })).toEqual(expected);
    });
  });

  describe('arrays of contact points (docs.clinia.com/explanation/field-validation/advanced)', () => {
    const clinic = compileProfile(
      {
        type: 'ROOT',
        properties: {
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
          contactPoints: { type: 'array', items: { type: 'contactpoint' } },
          emailCC: { type: 'symbol', rules: [{ required: true, when: { eq: { 'contactPoints.system': 'email' } } }] },
          orgs: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                kind: { type: 'code' },
                contacts: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      system: { type: 'code' },
                      value: { type: 'symbol', rules: [{ required: true, when: { and: [{ eq: { 'orgs[current].contacts[current].system': 'email' } }, { eq: { 'orgs[current].kind': 'public' } }] } }] },
                    },
                  },
                },
              },
            },
          },
        },
      },
      noLookup,
    );
    const check = (data: Record<string, unknown>) => clinic.validate({ data });

    test('"value must be defined if the contact system is email": [current] is the item being validated', () => {
      expect(check({ contacts: [{ system: 'phone' }, { system: 'email' }, { system: 'email', value: 'a@example.org' }, { system: 'EMAIL' }] })).toEqual([
        { path: 'data.contacts[1].value', message: 'is required' },
        { path: 'data.contacts[3].value', message: 'is required' },
      ]);
      expect(check({ contacts: [{ system: 'phone' }, { system: 'fax' }] })).toEqual(OK);
    });

    test('"emailCC is required if ANY contact point system is of type email": a plain path reaches every item', () => {
      expect(check({ contactPoints: [{ system: 'phone', value: '+15145550000' }, { system: 'email', value: 'a@example.org' }] })).toEqual(at('is required', 'data.emailCC'));
      expect(check({ contactPoints: [{ system: 'phone', value: '+15145550000' }] })).toEqual(OK);
      expect(check({ contactPoints: [] })).toEqual(OK);
    });

    test('[current] in nested arrays names the current item of each', () => {
      expect(check({
        orgs: [
          { kind: 'public', contacts: [{ system: 'email' }, { system: 'phone' }] },
          { kind: 'private', contacts: [{ system: 'email' }] },
          { kind: 'public', contacts: [{ system: 'phone' }, { system: 'email', value: 'x@example.org' }, { system: 'email' }] },
        ],
      })).toEqual([
        { path: 'data.orgs[0].contacts[0].value', message: 'is required' },
        { path: 'data.orgs[2].contacts[2].value', message: 'is required' },
      ]);
    });
  });
});

describe('contained resources', () => {
  const paymentMethod: ProfileDefinition = {
    type: 'CONTAINED',
    properties: {
      value: { type: 'symbol', rules: [{ required: true }] },
      label: { type: 'symbol', rules: [{ pattern: '^\\p{Lu}', when: { changed: { label: true } } }] },
    },
  };
  const office: ProfileDefinition = {
    type: 'ROOT',
    properties: { name: { type: 'symbol' }, note: { type: 'symbol' } },
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
      { path: 'contained.alternativePaymentMethods[1].data.value', message: 'must be a symbol (a string) (got number)' },
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
    const profile = compileProfile({ type: 'ROOT', properties: { x: { type: 'symbol', rules: [{ pattern: '^a' }] } } }, noLookup);
    const compiledCalls = spy.mock.calls.length;
    for (let i = 0; i < 10; i++) profile.validate({ data: { x: i % 2 ? 'ab' : 'b' } });
    expect(spy.mock.calls.length).toBe(compiledCalls);
    spy.mockRestore();
  });

  test('a definition that passed the schema compiles and validates', () => {
    const body = ProfileDefinitionSchema.parse({
      type: 'ROOT',
      properties: { name: { type: 'symbol', rules: [{ required: true, max: 3, when: { any: { '@action': ['CREATE'] } } }] } },
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
