import { deepEqual, evaluateOperator } from '../operators';
import type { Action } from '../domain';
import type { Operator } from '../schemas/operator';
import {
  PROPERTY_KEY_PATTERN,
  type ComplexTypeName,
  type ProfileDefinition,
  type PropertyDefinition,
  type PropertyRule,
} from '../schemas/profile';
import { COMPLEX_TYPES } from './complex-types';
import { BoundedCache } from '../bounded-cache';
import { boundsOf, dateProblem, dateTimeProblem, instantProblem, timeProblem, uriProblem, urlProblem } from './formats';

/** One problem in a record: `path` like `data.address.line[1]`, `message` like `must be a string (got number)`. */
export interface Violation {
  path: string;
  message: string;
}

/** What is validated: the record's data and contained resources (`when` operators read paths relative to data). */
export interface ValidationInput {
  data: unknown;
  contained?: unknown;
}

/** The operation being validated, for `when` operators; the action defaults to CREATE; `previous` is the stored record. */
export interface ValidationContext {
  action?: Action;
  previous?: Record<string, unknown>;
}

/** A profile compiled into a tree of checks; `validate` reports every violation, never throws on bad input. */
export interface CompiledProfile {
  readonly definition: ProfileDefinition;
  validate(input: ValidationInput, ctx?: ValidationContext): Violation[];
}

/** Finds a profile of the same source by key (contained resources name their profile by type). */
export type ProfileLookup = (profileKey: string) => ProfileDefinition | undefined;

/** The concept codes of a vocabulary (docs: terminology), for `binding`s; undefined when the vocabulary does not exist. */
export type VocabularyLookup = (vocabularyKey: string) => ReadonlySet<string> | undefined;

const NO_VOCABULARIES: VocabularyLookup = () => undefined;
/** The lookup of the compilation in progress (compiling is synchronous; see `compilingWith`). */
let vocabularies: VocabularyLookup = NO_VOCABULARIES;

function compilingWith<T>(concepts: VocabularyLookup, compile: () => T): T {
  const outer = vocabularies;
  vocabularies = concepts;
  try {
    return compile();
  } finally {
    vocabularies = outer;
  }
}

/** Resource ids a `reference` may hold (the seeds' id pattern); `@rootId` tokens are replaced before validation. */
export const REFERENCE_ID_PATTERN = /^[a-zA-Z0-9-][\w-]{0,92}$/;

/** Compiles a profile once into a validator; contained profiles are looked up and compiled on first use. */
export function compileProfile(profile: ProfileDefinition, lookup: ProfileLookup, concepts: VocabularyLookup = NO_VOCABULARIES): CompiledProfile {
  const checkData = compilingWith(concepts, () => compileObject(profile.properties, 'an object', ''));
  const checkContained = compileContained(profile, lookup, concepts);
  return {
    definition: profile,
    validate(input, ctx = {}) {
      const out: Violation[] = [];
      const action = ctx.action ?? 'CREATE';
      if (input.data === undefined || input.data === null) out.push({ path: 'data', message: 'is required' });
      else checkData(input.data, 'data', out, operatorEnv(action, input.data, dataOf(ctx.previous)), NO_SCOPE);
      checkContained(input.contained, out, action, ctx.previous);
      return out;
    },
  };
}

/** A bounded cache of compiled profiles, least recently used dropped first; key on `${source}/${profileKey}@${updatedAt}`. */
export class ProfileCache extends BoundedCache<CompiledProfile> {}

/** The array items being validated, by array path (`contacts`, `orgs[current].contacts`): what `[current]` names. */
type Scope = ReadonlyMap<string, number>;
const NO_SCOPE: Scope = new Map();

/** Answers `when` operators for one record; an operator without `[current]` is evaluated at most once per validation. */
interface Env {
  holds(op: Operator, scope: Scope): boolean;
}

/** Checks a present value at `path`, appending violations; true when the value has the declared type. */
type Check = (value: unknown, path: string, out: Violation[], env: Env, scope: Scope) => boolean;

function dataOf(record: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const data = record?.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
}

const usesCurrent = new WeakMap<Operator, boolean>();

function operatorEnv(action: Action, data: unknown, previous: Record<string, unknown> | undefined): Env {
  // Built on the first `when` asked: most profiles have none, and every record is validated with an Env.
  let memo: Map<Operator, boolean> | undefined;
  let base: { action: Action; data: Record<string, unknown>; previous?: Record<string, unknown> } | undefined;
  return {
    holds(op, scope) {
      memo ??= new Map();
      base ??= { action, data: (isObject(data) ? data : {}) as Record<string, unknown>, ...(previous ? { previous } : {}) };
      let scoped = usesCurrent.get(op);
      if (scoped === undefined) {
        scoped = JSON.stringify(op).includes('[current]');
        usesCurrent.set(op, scoped);
      }
      if (scoped) return evaluateOperator(op, { ...base, current: scope });
      let result = memo.get(op);
      if (result === undefined) {
        result = evaluateOperator(op, base);
        memo.set(op, result);
      }
      return result;
    },
  };
}

function compileProperty(def: PropertyDefinition, at: string): Check {
  const checkType = withBinding(def, compileType(def, at));
  const ruled = (def.rules ?? []).map((rule) => ({ check: compileRule(def, rule), when: rule.when })).filter((r): r is { check: Bound; when: Operator | undefined } => r.check !== undefined);
  if (ruled.length === 0) return checkType;
  return (value, path, out, env, scope) => {
    if (!checkType(value, path, out, env, scope)) return false;
    for (const rule of ruled) {
      if (rule.when === undefined || env.holds(rule.when, scope)) rule.check(value, path, out);
    }
    return true;
  };
}

function compileObject(properties: Readonly<Record<string, PropertyDefinition>>, noun: string, base: string): Check {
  const members = Object.entries(properties).map(([key, def]) => {
    const at = base === '' ? key : `${base}.${key}`;
    const requiring = (def.rules ?? []).filter((rule) => rule.required === true).map((rule) => rule.when);
    return { key, suffix: childPath('', key), check: compileProperty(def, at), requiring };
  });
  const declared = new Set(Object.keys(properties));
  const unknown = declared.size === 0 ? 'unknown property: none are declared here' : `unknown property (allowed: ${listOf([...declared])})`;
  return (value, path, out, env, scope) => {
    if (!isObject(value)) {
      out.push({ path, message: `must be ${noun} (got ${kindOf(value)})` });
      return false;
    }
    for (const key of Object.keys(value)) {
      if (!declared.has(key)) out.push({ path: childPath(path, key), message: unknown });
    }
    for (const member of members) {
      const child = Object.hasOwn(value, member.key) ? value[member.key] : undefined;
      if (child === undefined || child === null) {
        if (member.requiring.some((when) => when === undefined || env.holds(when, scope))) {
          out.push({ path: path + member.suffix, message: 'is required' });
        }
      } else {
        member.check(child, path + member.suffix, out, env, scope);
      }
    }
    return true;
  };
}

function compileType(def: PropertyDefinition, at: string): Check {
  switch (def.type) {
    case 'symbol':
      return stringCheck('a symbol (a string)', () => undefined);
    case 'markdown':
      return stringCheck('a markdown string', () => undefined);
    case 'xhtml':
      return stringCheck('an xhtml string', () => undefined);
    case 'code':
      return codeCheck(def.vocabulary);
    case 'uri':
      return stringCheck('a URI', uriProblem);
    case 'url':
      return stringCheck('a URL', urlProblem);
    case 'boolean':
      return (value, path, out) => typed(typeof value === 'boolean', value, path, out, 'a boolean');
    case 'integer':
      return (value, path, out) => {
        if (!typed(typeof value === 'number', value, path, out, 'an integer')) return false;
        const n = value as number;
        if (!Number.isInteger(n)) out.push({ path, message: `must be an integer (got ${n})` });
        else if (!Number.isSafeInteger(n)) out.push({ path, message: `must be a safe integer (between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER})` });
        return Number.isSafeInteger(n);
      };
    case 'decimal':
      return (value, path, out) => typed(typeof value === 'number' && Number.isFinite(value), value, path, out, 'a number');
    case 'date':
      return stringCheck('a date', dateProblem);
    case 'datetime':
      return stringCheck('a dateTime', dateTimeProblem);
    case 'instant':
      return stringCheck('an instant', instantProblem);
    case 'time':
      return stringCheck('a time', timeProblem);
    case 'object':
      return compileObject(def.properties ?? {}, 'an object', at);
    case 'array':
      return compileArray(def.items, at);
    case 'reference': {
      const target = def.profile === undefined ? '' : ` of profile "${def.profile}"`;
      const message = `must be a resource id${target} (1 to 93 letters, digits, "_" or "-", not starting with "_")`;
      return stringCheck('a resource id', (s) => (REFERENCE_ID_PATTERN.test(s) ? undefined : message));
    }
    default:
      return complexCheck(def.type);
  }
}

/** A `required` binding: the code (a coding's `code`) must be a concept of the vocabulary; `preferred` checks nothing. */
function withBinding(def: PropertyDefinition, check: Check): Check {
  const binding = def.binding?.vocabulary;
  if (binding === undefined || binding.strength !== 'required') return check;
  const codes = vocabularies(binding.key);
  const message = codes === undefined ? `vocabulary '${binding.key}' does not exist` : `must be a concept code of vocabulary '${binding.key}'`;
  return (value, path, out, env, scope) => {
    if (!check(value, path, out, env, scope)) return false;
    const code = def.type === 'coding' ? (value as Record<string, unknown>).code : value;
    if (code === undefined && def.type === 'coding') return true;
    if (typeof code !== 'string' || !codes?.has(code)) out.push({ path: def.type === 'coding' ? `${path}.code` : path, message });
    return true;
  };
}

function compileArray(items: PropertyDefinition | undefined, at: string): Check {
  const itemsAt = `${at}[current]`;
  const checkItem = items === undefined ? undefined : compileProperty(items, itemsAt);
  return (value, path, out, env, scope) => {
    if (!Array.isArray(value)) {
      out.push({ path, message: `must be an array (got ${kindOf(value)})` });
      return false;
    }
    if (checkItem) value.forEach((item: unknown, i) => checkItem(item, `${path}[${i}]`, out, env, new Map(scope).set(at, i)));
    return true;
  };
}

function codeCheck(vocabulary: string[] | undefined): Check {
  const allowed = vocabulary === undefined ? undefined : new Set(vocabulary);
  const notAllowed = `must be one of ${listOf((vocabulary ?? []).map((c) => JSON.stringify(c)))}`;
  return stringCheck('a code', (s) => {
    if (s.length === 0 || s.trim() !== s) return 'must be a code: non-empty, without leading or trailing whitespace';
    // Docs (data-types): "no whitespace other than single spaces in the contents".
    if (/[^\S ]| {2}/.test(s)) return 'must be a code: no whitespace other than single spaces';
    return allowed !== undefined && !allowed.has(s) ? notAllowed : undefined;
  });
}

/** A string type with a format: a non-string is a type violation, a bad format a message of its own. */
function stringCheck(noun: string, format: (s: string) => string | undefined): Check {
  return (value, path, out) => {
    if (!typed(typeof value === 'string', value, path, out, noun)) return false;
    const problem = format(value as string);
    if (problem !== undefined) out.push({ path, message: problem });
    return problem === undefined;
  };
}

function typed(ok: boolean, value: unknown, path: string, out: Violation[], noun: string): boolean {
  if (!ok) out.push({ path, message: `must be ${noun} (got ${kindOf(value)})` });
  return ok;
}

const complexChecks = new Map<ComplexTypeName, Check>();

// Complex types do not depend on the profile, so each is compiled once per process.
function complexCheck(name: ComplexTypeName): Check {
  let check = complexChecks.get(name);
  if (check === undefined) {
    const complex = COMPLEX_TYPES[name];
    const checkFields = compileObject(complex.properties, `${/^[AEIOU]/.test(complex.label) ? 'an' : 'a'} ${complex.label} object`, '');
    const ordered = complex.ordered;
    check =
      ordered === undefined
        ? checkFields
        : (value, path, out, env, scope) => {
            if (!checkFields(value, path, out, env, scope)) return false;
            const record = value as Record<string, unknown>;
            const first = boundsOf(record[ordered.first]);
            const second = boundsOf(record[ordered.second]);
            if (first !== undefined && second !== undefined && first.lower > second.upper) {
              out.push({ path, message: `${ordered.first} must not be after ${ordered.second}` });
            }
            return true;
          };
    complexChecks.set(name, check);
  }
  return check;
}

type Bound = (value: unknown, path: string, out: Violation[]) => void;

function compileRule(def: PropertyDefinition, rule: PropertyRule): Bound | undefined {
  const checks: Bound[] = [];
  const measure = measureOf(def);
  if (measure !== undefined) {
    const { min, max } = rule;
    if (min !== undefined) {
      checks.push((value, path, out) => {
        const size = measure.size(value);
        if (size !== undefined && size < min) out.push({ path, message: measure.tooSmall(min) });
      });
    }
    if (max !== undefined) {
      checks.push((value, path, out) => {
        const size = measure.size(value);
        if (size !== undefined && size > max) out.push({ path, message: measure.tooLarge(max) });
      });
    }
  }
  if (rule.enum !== undefined) {
    const options = rule.enum;
    const message = `must be one of ${listOf(options.map((o) => JSON.stringify(o)))}`;
    checks.push((value, path, out) => {
      if (!options.some((option) => deepEqual(value, option))) out.push({ path, message });
    });
  }
  if (rule.pattern !== undefined) {
    const regex = new RegExp(rule.pattern, 'u');
    const message = `must match the pattern ${rule.pattern}`;
    checks.push((value, path, out) => {
      if (typeof value === 'string' && !regex.test(value)) out.push({ path, message });
    });
  }
  if (checks.length === 0) return undefined;
  return (value, path, out) => checks.forEach((check) => check(value, path, out));
}

interface Measure {
  size(value: unknown): number | undefined;
  tooSmall(limit: number): string;
  tooLarge(limit: number): string;
}

function measureOf(def: PropertyDefinition): Measure | undefined {
  switch (def.type) {
    case 'integer':
    case 'decimal':
      return {
        size: (v) => (typeof v === 'number' ? v : undefined),
        tooSmall: (limit) => `must be >= ${limit}`,
        tooLarge: (limit) => `must be <= ${limit}`,
      };
    case 'array':
      return {
        size: (v) => (Array.isArray(v) ? v.length : undefined),
        tooSmall: (limit) => `must have at least ${limit} item${limit === 1 ? '' : 's'}`,
        tooLarge: (limit) => `must have at most ${limit} item${limit === 1 ? '' : 's'}`,
      };
    case 'symbol':
    case 'code':
    case 'markdown':
    case 'uri':
    case 'url':
    case 'xhtml':
      return {
        size: (v) => (typeof v === 'string' ? codePoints(v) : undefined),
        tooSmall: (limit) => `must be at least ${limit} character${limit === 1 ? '' : 's'} long`,
        tooLarge: (limit) => `must be at most ${limit} character${limit === 1 ? '' : 's'} long`,
      };
    default:
      return undefined;
  }
}

// Lengths count code points, like the `u`-flag patterns, so an emoji is one character: each surrogate pair
// counts once (a lone surrogate counts as one, as Array.from does).
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

const CONTAINED_ITEM_KEYS = new Set(['id', 'type', 'data']);

type ContainedCheck = (contained: unknown, out: Violation[], action: Action, previous: Record<string, unknown> | undefined) => void;

function compileContained(profile: ProfileDefinition, lookup: ProfileLookup, concepts: VocabularyLookup): ContainedCheck {
  const declarations = Object.entries(profile.contained ?? {});
  const declared = new Set(declarations.map(([key]) => key));
  const unknownKey =
    declared.size === 0 ? 'unknown contain key: this profile declares no contained resources' : `unknown contain key (allowed: ${listOf([...declared])})`;
  const compiled = new Map<string, { definition: ProfileDefinition; check: Check }>();

  const dataCheckFor = (type: string): Check | string => {
    const definition = lookup(type);
    if (definition === undefined) return `unknown contained profile "${type}"`;
    if (definition.type !== 'CONTAINED') return `profile "${type}" is a ROOT profile; only CONTAINED profiles can be contained`;
    const cached = compiled.get(type);
    if (cached !== undefined && cached.definition === definition) return cached.check;
    const check = compilingWith(concepts, () => compileObject(definition.properties, 'an object', ''));
    compiled.set(type, { definition, check });
    return check;
  };

  return (contained, out, action, previous) => {
    if (contained !== undefined && contained !== null && !isObject(contained)) {
      out.push({ path: 'contained', message: `must be an object mapping contain keys to arrays of resources (got ${kindOf(contained)})` });
      return;
    }
    const given = contained ?? {};
    for (const key of Object.keys(given)) {
      if (!declared.has(key)) out.push({ path: childPath('contained', key), message: unknownKey });
    }
    const previousContained = previous?.contained;
    for (const [key, declaration] of declarations) {
      const path = childPath('contained', key);
      const items = Object.hasOwn(given, key) ? given[key] : undefined;
      if (items !== undefined && items !== null && !Array.isArray(items)) {
        out.push({ path, message: `must be an array of contained resources (got ${kindOf(items)})` });
        continue;
      }
      const list: unknown[] = items ?? [];
      const cardinality = cardinalityProblem(declaration.cardinality, list.length);
      if (cardinality !== undefined) out.push({ path, message: cardinality });
      const previousItems = isObject(previousContained) && Array.isArray(previousContained[key]) ? (previousContained[key] as unknown[]) : [];
      list.forEach((item, i) => {
        const itemPath = `${path}[${i}]`;
        if (!isObject(item)) {
          out.push({ path: itemPath, message: `must be a contained resource {id?, type, data} (got ${kindOf(item)})` });
          return;
        }
        for (const itemKey of Object.keys(item)) {
          if (!CONTAINED_ITEM_KEYS.has(itemKey)) out.push({ path: childPath(itemPath, itemKey), message: 'unknown key (allowed: id, type, data)' });
        }
        const { id, type, data } = item;
        if (id !== undefined && id !== null && typeof id !== 'string') out.push({ path: `${itemPath}.id`, message: `must be a string (got ${kindOf(id)})` });
        let check: Check | undefined;
        if (type === undefined || type === null) {
          out.push({ path: `${itemPath}.type`, message: 'is required' });
        } else if (typeof type !== 'string') {
          out.push({ path: `${itemPath}.type`, message: `must be a string (got ${kindOf(type)})` });
        } else if (!declaration.types.includes(type)) {
          out.push({ path: `${itemPath}.type`, message: `must be one of the types declared for "${key}": ${listOf(declaration.types.map((t) => JSON.stringify(t)))}` });
        } else {
          const found = dataCheckFor(type);
          if (typeof found === 'string') out.push({ path: `${itemPath}.type`, message: found });
          else check = found;
        }
        const dataPath = `${itemPath}.data`;
        if (data === undefined || data === null) {
          out.push({ path: dataPath, message: 'is required' });
        } else if (check === undefined) {
          if (!isObject(data)) out.push({ path: dataPath, message: `must be an object (got ${kindOf(data)})` });
        } else {
          const previousItem = typeof id === 'string' ? previousItems.find((p) => isObject(p) && p.id === id) : undefined;
          check(data, dataPath, out, operatorEnv(action, data, isObject(previousItem) ? dataOf(previousItem) : undefined), NO_SCOPE);
        }
      });
    }
  };
}

function cardinalityProblem(cardinality: string, count: number): string | undefined {
  switch (cardinality) {
    case '0:1':
      return count > 1 ? `allows at most 1 item (cardinality 0:1), got ${count}` : undefined;
    case '1:1':
      return count !== 1 ? `requires exactly 1 item (cardinality 1:1), got ${count}` : undefined;
    case '1:*':
      return count < 1 ? 'requires at least 1 item (cardinality 1:*), got 0' : undefined;
    default:
      return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// Declared keys are identifiers; anything else (an unknown key with a dot, say) is quoted so paths stay unambiguous.
function childPath(path: string, key: string): string {
  return PROPERTY_KEY_PATTERN.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function listOf(items: readonly string[], limit = 20): string {
  return items.length > limit ? `${items.slice(0, limit).join(', ')}, … (${items.length - limit} more)` : items.join(', ');
}
