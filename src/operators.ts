import type { Action } from './domain';
import type { GeoOperand, MatchOperand, Operator, Scalar } from './schemas/operator';

/** What an operator is evaluated against: the record's data as written by the operation and, on update, the stored data. */
export interface OperatorContext {
  data: Record<string, unknown>;
  action?: Action;
  /** The stored record's data; absent on create. */
  previous?: Record<string, unknown>;
  /** The index of the array item being validated, per array path (`contacts`, `orgs[current].contacts`): what `[current]` names. */
  current?: ReadonlyMap<string, number>;
}

/** The context of an operation on a record: its action, the data it writes and the stored record's data. */
export function operatorContext(action: Action, data: Record<string, unknown>, previous?: { data?: unknown } | Record<string, unknown>): OperatorContext {
  const stored = previous?.data;
  return { action, data, ...(typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? { previous: stored as Record<string, unknown> } : {}) };
}

/**
 * Evaluates an operator (parsed with `OperatorSchema`) against a record. Pure: no I/O, no eval. The semantics are the
 * documented ones (docs: explanation/operator, readme "Search Operators", field-validation advanced):
 *
 * - Paths are relative to data. A path through an array reaches every item (a test holds when it holds for one of the
 *   values reached); `key[current]` reaches only the item being validated. Absent and null values are missing: no
 *   leaf operator holds on a missing value.
 * - `eq`: `"*"` alone holds when the property has a value; a string with `*` is a wildcard pattern (`"FEM*"`); strings
 *   compare case-insensitively; a string operand equals a number or boolean it spells (`"123"`, `"true"`).
 * - `lt` / `gt`: less / greater **or equal**, on numbers, dates and date-times (compared as instants) and times.
 * - `any`: the property equals (as `eq`) one of the values; `all`: the values reached include (as `eq`) every value.
 * - `match`: full-text on strings: `word` (default) every query word is a word of the text, `wordPrefix` every query
 *   word starts a word of the text, `phrase` the query words appear in order, next to each other.
 * - `geoDistance`: a geopoint (`{latitude, longitude}` or `{lat, lon}`) within `radius` meters (great-circle) of the point.
 * - `and` / `or` / `not` combine; several paths in one leaf operator must all hold.
 * - Sluice adds `changed` (the value differs from the stored record's; without one, it holds when the value exists)
 *   and the path `@action` (the operation's action: `{"any": {"@action": ["CREATE", "UPSERT"]}}`).
 */
export function evaluateOperator(op: Operator, ctx: OperatorContext): boolean {
  if ('and' in op) return op.and.every((o) => evaluateOperator(o, ctx));
  if ('or' in op) return op.or.some((o) => evaluateOperator(o, ctx));
  if ('not' in op) return !evaluateOperator(op.not, ctx);
  if ('eq' in op) return every(op.eq, ctx, (values, operand) => values.some((v) => equals(v, operand)));
  if ('lt' in op) return every(op.lt, ctx, (values, operand) => values.some((v) => compare(v, operand, (order) => order <= 0)));
  if ('gt' in op) return every(op.gt, ctx, (values, operand) => values.some((v) => compare(v, operand, (order) => order >= 0)));
  if ('any' in op) return every(op.any, ctx, (values, operand) => values.some((v) => operand.some((o) => equals(v, o))));
  if ('all' in op) return every(op.all, ctx, (values, operand) => operand.every((o) => values.some((v) => equals(v, o))));
  if ('match' in op) return every(op.match, ctx, (values, operand) => values.some((v) => matches(v, operand)));
  if ('geoDistance' in op) return every(op.geoDistance, ctx, (values, operand) => values.some((v) => within(v, operand)));
  return Object.keys(op.changed).every((path) => {
    const now = valuesAt(ctx, ctx.data, path);
    if (ctx.previous === undefined) return now.length > 0;
    return !deepEqual(now, valuesAt(ctx, ctx.previous, path));
  });
}

function every<T>(map: Record<string, T>, ctx: OperatorContext, test: (values: unknown[], operand: T) => boolean): boolean {
  return Object.entries(map).every(([path, operand]) => test(valuesAt(ctx, ctx.data, path), operand));
}

/**
 * The present (non-null) values a path reaches in `data`: an array on the way is entered item by item (or at the
 * current item for `key[current]`); an array at the end gives its items.
 */
export function valuesAt(ctx: Pick<OperatorContext, 'action' | 'current'>, data: unknown, path: string): unknown[] {
  if (path === '@action') return ctx.action === undefined ? [] : [ctx.action];
  let level: unknown[] = [data];
  let prefix = '';
  for (const raw of path.split('.')) {
    const isCurrent = raw.endsWith('[current]');
    const key = isCurrent ? raw.slice(0, -'[current]'.length) : raw;
    prefix = prefix === '' ? key : `${prefix}.${key}`;
    const next: unknown[] = [];
    for (const node of level) {
      if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, key)) continue;
      const value = (node as Record<string, unknown>)[key];
      if (isCurrent) {
        const index = ctx.current?.get(prefix);
        if (Array.isArray(value) && index !== undefined && index < value.length) next.push(value[index]);
      } else if (Array.isArray(value)) {
        next.push(...(value as unknown[]));
      } else {
        next.push(value);
      }
    }
    if (isCurrent) prefix = `${prefix}[current]`;
    level = next;
  }
  return level.filter((v) => v !== null && v !== undefined);
}

function equals(value: unknown, operand: Scalar): boolean {
  if (typeof operand === 'string') {
    if (operand === '*') return true;
    if (typeof value === 'string') {
      return operand.includes('*') ? wildcard(operand).test(value) : fold(value) === fold(operand);
    }
    if (typeof value === 'number') return operand.trim() !== '' && Number(operand) === value;
    if (typeof value === 'boolean') return fold(operand) === String(value);
    return false;
  }
  return value === operand;
}

function fold(s: string): string {
  return s.normalize('NFC').toLowerCase();
}

const WILDCARD_CACHE = new Map<string, RegExp>();

function wildcard(pattern: string): RegExp {
  let re = WILDCARD_CACHE.get(pattern);
  if (re === undefined) {
    const source = pattern.normalize('NFC').split('*').map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&')).join('.*');
    re = new RegExp(`^${source}$`, 'isu');
    if (WILDCARD_CACHE.size > 256) WILDCARD_CACHE.clear();
    WILDCARD_CACHE.set(pattern, re);
  }
  return re;
}

const TIME = /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const DATE_LIKE = /^\d{4}(-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;

function compare(value: unknown, operand: number | string, accept: (order: number) => boolean): boolean {
  const right = typeof operand === 'string' && operand.trim() !== '' && !Number.isNaN(Number(operand)) && typeof value === 'number' ? Number(operand) : operand;
  if (typeof value === 'number' && typeof right === 'number') return Number.isFinite(value) && accept(value - right);
  if (typeof value !== 'string' || typeof right !== 'string') return false;
  if (TIME.test(value) && TIME.test(right)) return accept(secondsOf(value) - secondsOf(right));
  if (DATE_LIKE.test(value) && DATE_LIKE.test(right)) {
    const a = instantOf(value);
    const b = instantOf(right);
    return Number.isFinite(a) && Number.isFinite(b) && accept(a - b);
  }
  return false;
}

// Times compare by value, so `10:00` equals `10:00:00` and `10:00:00.5` equals `10:00:00.50`.
function secondsOf(time: string): number {
  const [h = 0, m = 0, s = 0] = time.split(':').map(Number);
  return h * 3600 + m * 60 + s;
}

// A date-time without a zone is read as UTC (as dates are), not in the server's time zone.
function instantOf(text: string): number {
  const iso = text.replace(' ', 'T');
  return Date.parse(/T[^Z+-]*$/.test(iso) ? `${iso}Z` : iso);
}

function words(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

function matches(value: unknown, operand: MatchOperand): boolean {
  if (typeof value !== 'string') return false;
  const text = words(value);
  const query = words(operand.value);
  if (query.length === 0) return false;
  switch (operand.type ?? 'word') {
    case 'word':
      return query.every((q) => text.includes(q));
    case 'wordPrefix':
      return query.every((q) => text.some((w) => w.startsWith(q)));
    case 'phrase':
      for (let i = 0; i + query.length <= text.length; i += 1) {
        if (query.every((q, j) => text[i + j] === q)) return true;
      }
      return false;
  }
}

const EARTH_RADIUS_M = 6_371_008.8;

function within(value: unknown, operand: GeoOperand): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const point = value as Record<string, unknown>;
  const lat = point.latitude ?? point.lat;
  const lon = point.longitude ?? point.lon;
  if (typeof lat !== 'number' || typeof lon !== 'number') return false;
  return distanceMeters(lat, lon, operand.coordinates.latitude, operand.coordinates.longitude) <= operand.radius;
}

/** Great-circle (haversine) distance in meters. */
export function distanceMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Structural equality of JSON values: arrays by position, objects by key set (ignoring undefined values). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item: unknown, i) => deepEqual(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((k) => left[k] !== undefined);
  if (keys.length !== Object.keys(right).filter((k) => right[k] !== undefined).length) return false;
  return keys.every((k) => Object.hasOwn(right, k) && deepEqual(left[k], right[k]));
}
