import { z } from 'zod';
import type { Action } from '../domain';
import { ActionSchema } from './domain';


/** The operators of a property predicate; a predicate node carries exactly one of them. */
export const PROPERTY_OPERATORS = ['exists', 'eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'matches', 'changed'] as const;
export type PropertyOperator = (typeof PROPERTY_OPERATORS)[number];

const COMBINATORS = ['and', 'or', 'not', 'action'] as const;

/** How many JSON levels a predicate may span (`{and:[...]}` uses two per level), so hostile input cannot exhaust the stack. */
export const MAX_PREDICATE_JSON_DEPTH = 64;

/** A dotted path into the record: `data.address.city`, `meta.source`, `data.phones.0.value`. */
export const PROPERTY_PATH_PATTERN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

type Comparable = number | string;

/** A predicate of SPEC §4. Null never appears as an operand: null counts as missing (see `evaluatePredicate`). */
export type Predicate =
  | { and: Predicate[] }
  | { or: Predicate[] }
  | { not: Predicate }
  | { action: { in: Action[] } }
  | { property: string; exists: boolean }
  | { property: string; eq: unknown }
  | { property: string; neq: unknown }
  | { property: string; in: unknown[] }
  | { property: string; gt: Comparable }
  | { property: string; gte: Comparable }
  | { property: string; lt: Comparable }
  | { property: string; lte: Comparable }
  | { property: string; matches: string }
  | { property: string; changed: true };

export interface JsonHazard {
  path: (string | number)[];
  message: string;
}

/**
 * Finds the first structural hazard in raw JSON before zod recurses into it: nesting deeper than
 * `maxDepth` (which would exhaust the stack) or a `__proto__` key (which zod silently drops).
 */
export function findJsonHazard(value: unknown, maxDepth: number): JsonHazard | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const current = top.value;
    if (typeof current !== 'object' || current === null) continue;
    if (top.path.length >= maxDepth) {
      return { path: top.path, message: `nests more than ${maxDepth} levels deep` };
    }
    if (Array.isArray(current)) {
      current.forEach((item: unknown, index) => stack.push({ value: item, path: [...top.path, index] }));
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (key === '__proto__') return { path: top.path, message: 'the key "__proto__" is not allowed' };
      stack.push({ value: item, path: [...top.path, key] });
    }
  }
  return undefined;
}

/** Turns `findJsonHazard` into a zod preprocess step that stops parsing at the first hazard. */
export function guardJson(maxDepth: number) {
  return (value: unknown, ctx: z.core.$RefinementCtx): unknown => {
    const hazard = findJsonHazard(value, maxDepth);
    if (hazard) ctx.addIssue({ code: 'custom', path: hazard.path, message: hazard.message, input: value });
    return value;
  };
}

/** An ECMAScript regular expression source, compiled with the `u` flag exactly as it will be used. */
export const RegexSourceSchema = z
  .string({ error: 'must be a string holding a regular expression' })
  .max(1000, 'must be at most 1000 characters long')
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'u');
    } catch (err) {
      const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      ctx.addIssue({ code: 'custom', message: `is not a valid ECMAScript regular expression (u flag): ${reason}`, input: source });
    }
  });

/**
 * Parses a SPEC §4 predicate; every issue carries the path of the offending node and a precise message.
 * Recursion goes through this one schema, so registering it for OpenAPI yields a single `$ref`.
 */
export const PredicateSchema: z.ZodType<Predicate> = z.lazy(() => GuardedPredicateSchema);

const nullMessage = (op: string) =>
  `"${op}" cannot test for null: null counts as missing, use {"property": ..., "exists": false}`;

const operand = (op: string) =>
  z.unknown().refine((value) => value !== null, { message: nullMessage(op), abort: true });

const comparable = (op: string) =>
  z.union([z.number(), z.string()], { error: `"${op}" compares with a number or a string` });

const predicateList = (op: string) =>
  z
    .array(PredicateSchema, { error: `"${op}" must be an array of predicates` })
    .min(1, `"${op}" needs at least one predicate`);

const ALLOWED_KEYS = `a predicate has one of: ${COMBINATORS.join(', ')}, or "property" with one operator (${PROPERTY_OPERATORS.join(', ')})`;

const PredicateNodeSchema = z
  .strictObject(
    {
      and: predicateList('and').optional(),
      or: predicateList('or').optional(),
      not: PredicateSchema.optional(),
      action: z
        .strictObject(
          { in: z.array(ActionSchema, { error: '"action.in" must be an array of actions' }).min(1, '"action.in" needs at least one action') },
          { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}; "action" takes only "in"` : '"action" must be an object {"in": [actions]}') },
        )
        .optional(),
      property: z
        .string({ error: '"property" must be a string' })
        .regex(PROPERTY_PATH_PATTERN, '"property" must be a dotted path such as "data.address.city" (segments of letters, digits, _ or -)')
        .optional(),
      exists: z.boolean({ error: '"exists" must be true or false' }).optional(),
      eq: operand('eq').optional(),
      neq: operand('neq').optional(),
      in: z
        .array(operand('in'), { error: '"in" must be an array of values' })
        .min(1, '"in" needs at least one value')
        .optional(),
      gt: comparable('gt').optional(),
      gte: comparable('gte').optional(),
      lt: comparable('lt').optional(),
      lte: comparable('lte').optional(),
      matches: RegexSourceSchema.optional(),
      changed: z.literal(true, { error: '"changed" must be true (wrap it in "not" to test for unchanged)' }).optional(),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown key(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}; ${ALLOWED_KEYS}`
          : `must be a predicate object; ${ALLOWED_KEYS}`,
    },
  )
  .superRefine((node, ctx) => {
    const present = (Object.keys(node) as (keyof typeof node)[]).filter((k) => node[k] !== undefined);
    const combinators = present.filter((k): k is (typeof COMBINATORS)[number] => (COMBINATORS as readonly string[]).includes(k));
    const operators = present.filter((k) => (PROPERTY_OPERATORS as readonly string[]).includes(k));
    const [first] = combinators;
    if (first !== undefined) {
      const others = present.filter((k) => k !== first);
      if (others.length > 0) {
        ctx.addIssue({
          code: 'custom',
          input: node,
          message: `"${first}" cannot be combined with ${others.map((k) => `"${k}"`).join(', ')} in one predicate; nest them inside "and" or "or"`,
        });
      }
      return;
    }
    if (node.property === undefined) {
      ctx.addIssue({
        code: 'custom',
        input: node,
        ...(operators.length > 0
          ? { path: ['property'], message: `operator "${operators[0]}" needs a "property" to test` }
          : { message: `empty predicate: ${ALLOWED_KEYS}` }),
      });
    } else if (operators.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        input: node,
        message:
          operators.length === 0
            ? `"property" needs exactly one operator: ${PROPERTY_OPERATORS.join(', ')}`
            : `one operator per predicate, got ${operators.map((k) => `"${k}"`).join(', ')}; combine them with "and"`,
      });
    }
  });

// The refinement above guarantees the exact union shape, which zod cannot infer from an object of optionals.
const GuardedPredicateSchema = z.preprocess(
  guardJson(MAX_PREDICATE_JSON_DEPTH),
  PredicateNodeSchema,
) as unknown as z.ZodType<Predicate>;

