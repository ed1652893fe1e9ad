// The string formats of the profile types (the docs' data types pages): dates and times as FHIR writes them, URIs
// and URLs. Each check answers what is wrong with a value, or undefined when it is valid.

// Temporal formats follow FHIR: date = YYYY[-MM[-DD]], dateTime = date or full date-time with seconds and zone.
const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?$/;
const URI_PATTERN = /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/u;

const DATE_FORMAT = 'must be a date: YYYY, YYYY-MM or YYYY-MM-DD';
const DATETIME_FORMAT = 'must be a dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.fff] with Z or ±hh:mm';
const INSTANT_FORMAT = 'must be an instant: YYYY-MM-DDThh:mm:ss[.fff] with Z or ±hh:mm';
const TIME_FORMAT = 'must be a time: hh:mm:ss[.fff]';

export interface Bounds {
  lower: number;
  upper: number;
}

/** A valid date, dateTime or instant, split into fields; instants are computed only when compared. */
interface TemporalParts {
  year: number;
  month?: number;
  day?: number;
  time?: { hours: number; minutes: number; seconds: number; fraction: number; offsetMinutes: number };
}

/** The fields of a valid value, or what is wrong with it (no problem given: the shape, reported with the type's format). */
type Parsed = { parts: TemporalParts } | { problem?: string };

const BAD_SHAPE: Parsed = {};
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function errorOf(parsed: Parsed, formatMessage: string): string | undefined {
  if ('parts' in parsed) return undefined;
  return parsed.problem ?? formatMessage;
}

/** The first and last millisecond a dateTime covers: a partial date spans its whole year, month or day. */
export function boundsOf(value: unknown): Bounds | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = parseDateTime(value);
  if (!('parts' in parsed)) return undefined;
  const { year, month, day, time } = parsed.parts;
  if (month === undefined) return { lower: utc(year, 0, 1), upper: utc(year + 1, 0, 1) - 1 };
  if (day === undefined) return { lower: utc(year, month - 1, 1), upper: utc(year, month, 1) - 1 };
  if (time === undefined) return { lower: utc(year, month - 1, day), upper: utc(year, month - 1, day + 1) - 1 };
  const instant =
    utc(year, month - 1, day, time.hours, time.minutes, time.seconds) + time.fraction * 1000 - time.offsetMinutes * 60_000;
  return { lower: instant, upper: instant };
}

function utc(year: number, monthIndex: number, day: number, hours = 0, minutes = 0, seconds = 0): number {
  if (year >= 100) return Date.UTC(year, monthIndex, day, hours, minutes, seconds);
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  d.setUTCHours(hours, minutes, seconds, 0);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function parseDate(s: string): Parsed {
  const m = DATE_RE.exec(s);
  if (!m) return BAD_SHAPE;
  const year = Number(m[1]);
  const month = m[2] === undefined ? undefined : Number(m[2]);
  const day = m[3] === undefined ? undefined : Number(m[3]);
  if (year === 0 || (month !== undefined && (month < 1 || month > 12)) || (month !== undefined && day !== undefined && (day < 1 || day > daysInMonth(year, month)))) {
    return { problem: 'is not a valid calendar date' };
  }
  return { parts: { year, month, day } };
}

function parseDateTime(s: string): Parsed {
  if (!s.includes('T')) return parseDate(s);
  const m = DATETIME_RE.exec(s);
  if (!m) return BAD_SHAPE;
  const date = parseDate(s.slice(0, 10));
  if (!('parts' in date)) return date;
  const hours = Number(m[4]);
  const minutes = Number(m[5]);
  const seconds = Number(m[6]);
  if (hours > 23 || minutes > 59 || seconds > 60) return { problem: 'is not a valid time of day' };
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const offsetHours = Number(m[10]);
    const offsetRest = Number(m[11]);
    if (offsetHours > 14 || offsetRest > 59 || (offsetHours === 14 && offsetRest > 0)) {
      return { problem: 'has an invalid timezone offset (from -14:00 to +14:00)' };
    }
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const fraction = m[7] === undefined ? 0 : Number(`0${m[7]}`);
  return { parts: { ...date.parts, time: { hours, minutes, seconds, fraction, offsetMinutes } } };
}

/** What is wrong with a time (`hh:mm:ss[.fff]`), or undefined. */
export function timeProblem(s: string): string | undefined {
  const m = TIME_RE.exec(s);
  if (!m) return TIME_FORMAT;
  return Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 60 ? 'is not a valid time of day' : undefined;
}

function isHttpUrl(s: string): boolean {
  if (/\s/u.test(s)) return false;
  try {
    const url = new URL(s);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** What is wrong with a date (`YYYY[-MM[-DD]]`), or undefined. */
export function dateProblem(s: string): string | undefined {
  return errorOf(parseDate(s), DATE_FORMAT);
}

/** What is wrong with a dateTime (a date, or a full date-time with seconds and zone), or undefined. */
export function dateTimeProblem(s: string): string | undefined {
  return errorOf(parseDateTime(s), DATETIME_FORMAT);
}

/** What is wrong with an instant (a full date-time with seconds and zone), or undefined. */
export function instantProblem(s: string): string | undefined {
  return errorOf(DATE_RE.test(s) ? BAD_SHAPE : parseDateTime(s), INSTANT_FORMAT);
}

/** What is wrong with a URI (`scheme:rest`, no whitespace), or undefined. */
export function uriProblem(s: string): string | undefined {
  return URI_PATTERN.test(s) ? undefined : 'must be an absolute URI (scheme:rest, no whitespace)';
}

/** What is wrong with a URL (absolute http or https), or undefined. */
export function urlProblem(s: string): string | undefined {
  return isHttpUrl(s) ? undefined : 'must be an absolute http or https URL';
}
