import { z } from 'zod';
import { guardJson } from './json-guard';

/**
 * Clinia's operator language (docs: explanation/operator, readme "Search Operators"), the one language of triggers,
 * validator rules and `when` clauses. A node is one operator keyed by its name; a leaf operator maps property
 * paths (relative to the record's data) to operands, e.g. `{"eq": {"practiceNumber": "*"}}`, `{"gt": {"age": 18}}`.
 */
export const LEAF_OPERATORS = ['eq', 'lt', 'gt', 'any', 'all', 'match', 'geoDistance', 'changed'] as const;
export type LeafOperator = (typeof LEAF_OPERATORS)[number];
export const COMBINATORS = ['and', 'or', 'not'] as const;
export const OPERATOR_NAMES = [...COMBINATORS, ...LEAF_OPERATORS] as const;

/** How many JSON levels an operator may span (`{and:[...]}` uses two per level), so hostile input cannot exhaust the stack. */
export const MAX_OPERATOR_JSON_DEPTH = 64;

/**
 * A property path relative to data: keys joined by `.` (`address.city`), a key followed by `[current]` naming the
 * array item being validated (`contacts[current].system`), or `@action`, the operation's action (Sluice).
 */
export const OPERATOR_PATH_PATTERN = /^(?:@action|[A-Za-z_][A-Za-z0-9_]*(?:\[current\])?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[current\])?)*)$/;

export const MATCH_TYPES = ['word', 'wordPrefix', 'phrase'] as const;
export type MatchType = (typeof MATCH_TYPES)[number];

export type Scalar = string | number | boolean;
export interface MatchOperand { value: string; type?: MatchType | undefined }
export interface GeoOperand { radius: number; coordinates: { latitude: number; longitude: number } }

/** One operator node; `id` is the optional label the docs show on trigger operators. */
export type Operator = { id?: string | undefined } & (
  | { and: Operator[] }
  | { or: Operator[] }
  | { not: Operator }
  | { eq: Record<string, Scalar> }
  | { lt: Record<string, number | string> }
  | { gt: Record<string, number | string> }
  | { any: Record<string, Scalar[]> }
  | { all: Record<string, Scalar[]> }
  | { match: Record<string, MatchOperand> }
  | { geoDistance: Record<string, GeoOperand> }
  | { changed: Record<string, true> }
);

/** Parses an operator; recursion goes through this one schema, so OpenAPI gets a single `$ref`. */
export const OperatorSchema: z.ZodType<Operator> = z.lazy(() => GuardedOperatorSchema);

const scalar = (op: string) =>
  z.union([z.string(), z.number(), z.boolean()], { error: `"${op}" compares with a string, a number or a boolean (null counts as missing: use {"not": {"eq": {path: "*"}}})` });

const pathMap = <V extends z.ZodType>(op: string, operand: V) =>
  z
    .record(
      z.string().regex(OPERATOR_PATH_PATTERN, `"${op}" takes property paths relative to data, e.g. "address.city", "contacts[current].system" or "@action"`),
      operand,
      {
        // A bad key is reported with the path pattern's own message (zod reports it as one `invalid_key` issue).
        error: (iss) =>
          iss.code === 'invalid_key' ? iss.issues[0]?.message : `"${op}" must be an object mapping property paths to operands, e.g. {"${op}": {"name": ...}}`,
      },
    )
    .refine((map) => Object.keys(map).length > 0, `"${op}" needs at least one property path`);

const list = (op: string) =>
  z.array(scalar(op), { error: `"${op}" takes an array of values per property` }).min(1, `"${op}" needs at least one value`);

const LEAF_SHAPES = {
  eq: pathMap('eq', scalar('eq')),
  lt: pathMap('lt', z.union([z.number(), z.string()], { error: '"lt" compares with a number, a date or a time' })),
  gt: pathMap('gt', z.union([z.number(), z.string()], { error: '"gt" compares with a number, a date or a time' })),
  any: pathMap('any', list('any')),
  all: pathMap('all', list('all')),
  match: pathMap('match', z.strictObject({
    value: z.string({ error: '"match" needs a "value" string' }).min(1, '"match" needs a non-empty "value"'),
    type: z.enum(MATCH_TYPES, { error: `"match" type must be one of ${MATCH_TYPES.join(', ')}` }).optional(),
  }, { error: '"match" takes {"value": text, "type"?: "word" | "wordPrefix" | "phrase"} per property' })),
  geoDistance: pathMap('geoDistance', z.strictObject({
    radius: z.number({ error: '"radius" must be a distance in meters' }).positive('"radius" must be a positive distance in meters'),
    coordinates: z.strictObject({
      latitude: z.number({ error: '"latitude" must be a number' }).min(-90, '"latitude" must be between -90 and 90').max(90, '"latitude" must be between -90 and 90'),
      longitude: z.number({ error: '"longitude" must be a number' }).min(-180, '"longitude" must be between -180 and 180').max(180, '"longitude" must be between -180 and 180'),
    }, { error: '"coordinates" must be {"latitude": number, "longitude": number}' }),
  }, { error: '"geoDistance" takes {"radius": meters, "coordinates": {"latitude", "longitude"}} per property' })),
  changed: pathMap('changed', z.literal(true, { error: '"changed" takes true per property (wrap it in "not" for unchanged)' })),
} as const;

const operatorList = (op: string) =>
  z.array(OperatorSchema, { error: `"${op}" must be an array of operators` }).min(1, `"${op}" needs at least one operator`);

const ALLOWED = `an operator object has exactly one of: ${OPERATOR_NAMES.join(', ')} (and an optional "id")`;

const OperatorNodeSchema = z
  .strictObject(
    {
      id: z.string({ error: '"id" must be a string' }).max(200).optional(),
      and: operatorList('and').optional(),
      or: operatorList('or').optional(),
      not: OperatorSchema.optional(),
      ...Object.fromEntries(Object.entries(LEAF_SHAPES).map(([k, v]) => [k, v.optional()])),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown operator(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}; ${ALLOWED}`
          : `must be an operator object; ${ALLOWED}`,
    },
  )
  .superRefine((node, ctx) => {
    const present = OPERATOR_NAMES.filter((k) => (node as Record<string, unknown>)[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        input: node,
        message: present.length === 0 ? `empty operator: ${ALLOWED}` : `one operator per object, got ${present.map((k) => `"${k}"`).join(', ')}; combine them with "and"`,
      });
    }
  });

// The refinement above guarantees the exact union shape, which zod cannot infer from an object of optionals.
const GuardedOperatorSchema = z.preprocess(guardJson(MAX_OPERATOR_JSON_DEPTH), OperatorNodeSchema) as unknown as z.ZodType<Operator>;
