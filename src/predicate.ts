import type { Action } from './domain';
import type { Predicate } from './schemas/predicate';

/** What a predicate is evaluated against: the incoming record and, on update, the stored one. */
export interface PredicateContext {
  action: Action;
  /** The record as written by this operation: `{id?, type, data, contained?, meta?}`. */
  record: Record<string, unknown>;
  /** The stored record; absent on create. */
  previous?: Record<string, unknown>;
}

/**
 * Evaluates a SPEC §4 predicate (parsed with `PredicateSchema`) against a record. Pure: no I/O, no eval.
 *
 * - `property` is a dotted path into the record (`data.address.city`, `meta.source`); a numeric
 *   segment indexes an array (`data.phones.0.value`). Only own properties are read.
 * - A value that is absent or `null` is *missing*: `exists` is false, `eq`, `in`, `gt`, `gte`, `lt`,
 *   `lte` and `matches` are false, `neq` is true.
 * - `eq`, `neq` and `in` use deep equality: arrays element by element, objects by key set and values
 *   (key order is irrelevant).
 * - `gt`, `gte`, `lt`, `lte` compare a number with a number and a string with a string (code unit order,
 *   so ISO dates of the same shape compare chronologically); any other pairing is false.
 * - `matches` tests a string value against the pattern compiled with the `u` flag; a non-string value
 *   never matches, nor does a pattern that does not compile (`PredicateSchema` rejects those up front).
 * - `changed` is true when the value differs (deeply) from the value at the same path in `previous`,
 *   missing and missing being equal; without a previous record it is true when the value exists.
 * - `and` of no predicates is true, `or` of none is false (`PredicateSchema` requires at least one).
 */
export function evaluatePredicate(p: Predicate, ctx: PredicateContext): boolean {
  if ('and' in p) return p.and.every((q) => evaluatePredicate(q, ctx));
  if ('or' in p) return p.or.some((q) => evaluatePredicate(q, ctx));
  if ('not' in p) return !evaluatePredicate(p.not, ctx);
  if ('action' in p) return p.action.in.includes(ctx.action);

  const value = present(propertyAt(ctx.record, p.property));
  if ('exists' in p) return (value !== undefined) === p.exists;
  if ('changed' in p) {
    if (ctx.previous === undefined) return value !== undefined;
    return !deepEqual(value, present(propertyAt(ctx.previous, p.property)));
  }
  if (value === undefined) return 'neq' in p;
  if ('eq' in p) return deepEqual(value, p.eq);
  if ('neq' in p) return !deepEqual(value, p.neq);
  if ('in' in p) return p.in.some((candidate) => deepEqual(value, candidate));
  if ('matches' in p) return typeof value === 'string' && (regexFor(p.matches)?.test(value) ?? false);
  if ('gt' in p) return compare(value, p.gt, (order) => order > 0);
  if ('gte' in p) return compare(value, p.gte, (order) => order >= 0);
  if ('lt' in p) return compare(value, p.lt, (order) => order < 0);
  return compare(value, p.lte, (order) => order <= 0);
}

/** The value at a dotted path (`data.address.city`, `data.phones.0`), or undefined when any segment is absent. */
export function propertyAt(record: unknown, path: string): unknown {
  let current = record;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
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

function present(value: unknown): unknown {
  return value === null ? undefined : value;
}

function compare(value: unknown, operand: number | string, accept: (order: number) => boolean): boolean {
  if (typeof value === 'number' && typeof operand === 'number') {
    return Number.isFinite(value) && accept(value - operand);
  }
  if (typeof value === 'string' && typeof operand === 'string') {
    return accept(value < operand ? -1 : value > operand ? 1 : 0);
  }
  return false;
}

const REGEX_CACHE_SIZE = 256;
const regexCache = new Map<string, RegExp | null>();

// Triggers evaluate the same few patterns over and over; compile each once.
function regexFor(source: string): RegExp | undefined {
  let compiled = regexCache.get(source);
  if (compiled === undefined) {
    try {
      compiled = new RegExp(source, 'u');
    } catch {
      compiled = null;
    }
    if (regexCache.size >= REGEX_CACHE_SIZE) {
      const oldest = regexCache.keys().next();
      if (!oldest.done) regexCache.delete(oldest.value);
    }
    regexCache.set(source, compiled);
  }
  return compiled ?? undefined;
}
