import { z } from 'zod';

import { guardJson, RegexSourceSchema } from './json-guard';
import { OperatorSchema } from './operator';

/** Source, profile and relationship keys. */
export const KEY_PATTERN = /^[a-zA-Z0-9-][\w-]{0,61}$/;
export const KeySchema = z
  .string({ error: 'must be a string' })
  .regex(KEY_PATTERN, 'must be 1 to 62 letters, digits, "_" or "-", not starting with "_"');

/** Property and contain keys: no `.` and no leading `$`, which MongoDB forbids in field names. */
export const PROPERTY_KEY_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Types whose values are strings and whose min/max bound the length (docs: field-validation basic, "String data types"). */
export const STRING_TYPES = ['symbol', 'code', 'markdown', 'uri', 'url', 'xhtml'] as const;
/** Types whose values are strings in a FHIR date/time format. */
export const TEMPORAL_TYPES = ['date', 'datetime', 'instant', 'time'] as const;
/** Fixed-shape object types, defined once in `src/validation/complex-types.ts`. */
export const COMPLEX_TYPE_NAMES = [
  'address', 'attachment', 'coding', 'contactdetail', 'contactpoint', 'geopoint', 'humanname', 'identifier', 'period',
] as const;
export const PROPERTY_TYPES = [
  ...STRING_TYPES,
  'boolean',
  'integer',
  'decimal',
  ...TEMPORAL_TYPES,
  'object',
  'array',
  'reference',
  ...COMPLEX_TYPE_NAMES,
] as const;

export type PropertyType = (typeof PROPERTY_TYPES)[number];
export type ComplexTypeName = (typeof COMPLEX_TYPE_NAMES)[number];

export const CARDINALITIES = ['0:1', '1:1', '0:*', '1:*'] as const;
export type Cardinality = (typeof CARDINALITIES)[number];

/** How many object/array levels a profile's properties may nest. */
export const MAX_PROPERTY_DEPTH = 16;
/** Raw JSON nesting allowed in a profile body (properties, items, rules and `when` operators included). */
export const MAX_PROFILE_JSON_DEPTH = 200;

const NUMBER_TYPES: readonly PropertyType[] = ['integer', 'decimal'];
const LENGTH_TYPES: readonly PropertyType[] = [...STRING_TYPES, 'array'];
const PATTERN_TYPES: readonly PropertyType[] = [...STRING_TYPES, ...TEMPORAL_TYPES, 'reference'];
const STRING_LIKE: readonly PropertyType[] = [...STRING_TYPES, ...TEMPORAL_TYPES, 'reference'];
const OBJECT_TYPES: readonly PropertyType[] = ['object', ...COMPLEX_TYPE_NAMES];

const quoteList = (values: readonly string[]) => values.map((v) => `"${v}"`).join(', ');

const unknownKeys = (allowed: readonly string[]) => (iss: z.core.$ZodRawIssue) =>
  iss.code === 'unrecognized_keys'
    ? `unknown key(s) ${quoteList(iss.keys)}; allowed: ${allowed.join(', ')}`
    : `must be an object with keys ${allowed.join(', ')}`;

const keyed = <V extends z.ZodType>(what: string, value: V) =>
  z.record(
    z.string().superRefine((key, ctx) => {
      if (!PROPERTY_KEY_PATTERN.test(key)) {
        ctx.addIssue({
          code: 'custom',
          input: key,
          message: `invalid ${what} key ${JSON.stringify(key)}: must match ^[a-zA-Z_][a-zA-Z0-9_]*$ (letters, digits and "_", not starting with a digit; no "." and no leading "$")`,
        });
      }
    }),
    value,
    {
      error: (iss) => {
        if (iss.code === 'invalid_key') return iss.issues[0]?.message;
        const expected = `an object mapping ${what} keys to ${what} definitions`;
        return iss.input === undefined ? `is required: ${expected}` : `must be ${expected}`;
      },
    },
  );

const RULE_KEYS = ['required', 'min', 'max', 'enum', 'pattern', 'when'] as const;

/** One rule of a property (docs: field-validation basic and advanced); `when` makes it conditional on an operator. */
export const PropertyRuleSchema = z
  .strictObject(
    {
      required: z.boolean({ error: 'must be true or false' }).optional(),
      min: z.number({ error: 'must be a number' }).optional(),
      max: z.number({ error: 'must be a number' }).optional(),
      enum: z.array(z.union([z.string(), z.number()], { error: 'must be a string or a number' }), { error: 'must be an array of allowed values' }).min(1, 'must list at least one value').optional(),
      pattern: RegexSourceSchema.optional(),
      when: OperatorSchema.optional(),
    },
    { error: unknownKeys(RULE_KEYS) },
  )
  .superRefine((rule, ctx) => {
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
      ctx.addIssue({ code: 'custom', input: rule, path: ['min'], message: `min (${rule.min}) must not be greater than max (${rule.max})` });
    }
    if (rule.when !== undefined && RULE_KEYS.every((k) => k === 'when' || rule[k] === undefined)) {
      ctx.addIssue({ code: 'custom', input: rule, path: ['when'], message: 'has no effect without another rule (required, min, max, enum or pattern)' });
    }
  });
export type PropertyRule = z.infer<typeof PropertyRuleSchema>;

/**
 * The `rules` array, evaluated in order (the documented form). One rule object alone is accepted as an input alias and
 * stored as a one-item array, so reads always answer the documented form.
 */
export const PropertyRulesSchema = z.preprocess(
  (value) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? [value] : value),
  z.array(PropertyRuleSchema, { error: 'must be an array of rule objects, e.g. [{"required": true}]' }).max(50, 'at most 50 rules per property'),
);

/** One property of a profile; `items`, `properties`, `vocabulary` and `profile` each belong to one type. */
export interface PropertyDefinition {
  type: PropertyType;
  description?: string | undefined;
  rules?: PropertyRule[] | undefined;
  items?: PropertyDefinition | undefined;
  properties?: Record<string, PropertyDefinition> | undefined;
  vocabulary?: string[] | undefined;
  binding?: Binding | undefined;
  profile?: string | undefined;
}

/** A vocabulary binding (docs: field-validation/vocabulary): `required` rejects a code outside the vocabulary, `preferred` only advises. */
export interface Binding {
  vocabulary: { key: string; strength: 'preferred' | 'required' };
}

export const BindingSchema = z.strictObject({
  vocabulary: z.strictObject({
    key: KeySchema,
    strength: z.enum(['preferred', 'required'], { error: 'must be "preferred" or "required"' }),
  }, { error: 'must be {"key": vocabulary key, "strength": "preferred" | "required"}' }),
}, { error: 'must be {"vocabulary": {"key", "strength"}}' });

const PROPERTY_KEYS = ['type', 'description', 'rules', 'items', 'properties', 'vocabulary', 'binding', 'profile'] as const;

const CodeSchema = z
  .string({ error: 'must be a string' })
  .refine((code) => code.length > 0 && code.trim() === code, 'must be a non-empty code without leading or trailing whitespace');

/** Parses one property definition; recursion goes through this schema (register it once for OpenAPI). */
export const PropertyDefinitionSchema: z.ZodType<PropertyDefinition> = z.lazy(() => PropertyNodeSchema);

const PropertyNodeSchema = z
  .strictObject(
    {
      type: z.preprocess((t) => (t === 'string' ? 'symbol' : t), z.enum(PROPERTY_TYPES, {
        error: (iss) =>
          iss.input === undefined
            ? `is required: one of ${PROPERTY_TYPES.join(', ')}`
            : `unknown type ${JSON.stringify(iss.input)}; expected one of ${PROPERTY_TYPES.join(', ')}`,
      })),
      description: z.string({ error: 'must be a string' }).optional(),
      rules: PropertyRulesSchema.optional(),
      items: PropertyDefinitionSchema.optional(),
      properties: keyed('property', PropertyDefinitionSchema).optional(),
      vocabulary: z.array(CodeSchema, { error: 'must be an array of codes' }).min(1, 'must list at least one code').optional(),
      binding: BindingSchema.optional(),
      profile: KeySchema.optional(),
    },
    { error: unknownKeys(PROPERTY_KEYS) },
  )
  .superRefine((def, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', input: def, path, message });
    const exclusive = [
      ['items', 'array', def.items],
      ['properties', 'object', def.properties],
      ['profile', 'reference', def.profile],
    ] as const;
    for (const [key, owner, value] of exclusive) {
      if (def.type === owner && value === undefined) issue([key], `is required for type "${owner}"`);
      if (def.type !== owner && value !== undefined) issue([key], `is only allowed for type "${owner}", not "${def.type}"`);
    }
    if (def.binding !== undefined && def.type !== 'code' && def.type !== 'coding') issue(['binding'], `is only allowed for types "code" and "coding", not "${def.type}"`);
    if (def.vocabulary !== undefined) {
      if (def.type !== 'code') issue(['vocabulary'], `is only allowed for type "code", not "${def.type}"`);
      def.vocabulary.forEach((code, i) => {
        if (def.vocabulary?.indexOf(code) !== i) issue(['vocabulary', i], `duplicate code ${JSON.stringify(code)}`);
      });
    }
    (def.rules ?? []).forEach((rule, i) => {
      const at = (key: string) => ['rules', i, key];
      if (OBJECT_TYPES.includes(def.type)) {
        for (const key of ['min', 'max', 'enum', 'pattern'] as const) {
          if (rule[key] !== undefined) issue(at(key), `does not apply to type "${def.type}": object and complex-type properties accept only "required"; put rules on their properties`);
        }
        return;
      }
      for (const bound of ['min', 'max'] as const) {
        const limit = rule[bound];
        if (limit === undefined) continue;
        if (!NUMBER_TYPES.includes(def.type) && !LENGTH_TYPES.includes(def.type)) {
          issue(at(bound), `does not apply to type "${def.type}" (min and max bound numbers, string length and array length)`);
        } else if (LENGTH_TYPES.includes(def.type) && !(Number.isInteger(limit) && limit >= 0)) {
          issue(at(bound), `must be a non-negative integer: it bounds the ${def.type === 'array' ? 'number of items of an array' : `length of a ${def.type}`}`);
        }
      }
      if (rule.enum !== undefined) {
        if (!NUMBER_TYPES.includes(def.type) && !STRING_LIKE.includes(def.type)) issue(at('enum'), `does not apply to type "${def.type}" (enum applies to numeric and string-based types)`);
        else {
          const want = NUMBER_TYPES.includes(def.type) ? 'number' : 'string';
          rule.enum.forEach((v, j) => { if (typeof v !== want) issue(['rules', i, 'enum', j], `must be a ${want}, like the values of ${/^[aeiou]/.test(def.type) ? 'an' : 'a'} ${def.type}`); });
        }
      }
      if (rule.pattern !== undefined && !PATTERN_TYPES.includes(def.type)) {
        issue(at('pattern'), `does not apply to type "${def.type}" (pattern applies to string values)`);
      }
    });
  });

const ContainedDefinitionSchema = z.strictObject(
  {
    types: z
      .array(KeySchema, { error: 'must be an array of CONTAINED profile keys' })
      .min(1, 'must list at least one CONTAINED profile key'),
    cardinality: z.enum(CARDINALITIES, {
      error: (iss) =>
        iss.input === undefined ? `is required: one of ${CARDINALITIES.join(', ')}` : `must be one of ${CARDINALITIES.join(', ')}`,
    }),
  },
  { error: unknownKeys(['types', 'cardinality']) },
);
export type ContainedDefinition = z.infer<typeof ContainedDefinitionSchema>;

const PROFILE_KEYS = ['type', 'description', 'properties', 'contained'] as const;

const ProfileNodeSchema = z
  .strictObject(
    {
      // The readme's profile examples carry no `type`: a profile without one is a ROOT profile (answered with its type).
      type: z.enum(['ROOT', 'CONTAINED'], { error: 'must be "ROOT" or "CONTAINED"' }).default('ROOT'),
      description: z.string({ error: 'must be a string' }).optional(),
      properties: keyed('property', PropertyDefinitionSchema),
      contained: keyed('contain', ContainedDefinitionSchema).optional(),
    },
    { error: unknownKeys(PROFILE_KEYS) },
  )
  .superRefine((profile, ctx) => {
    if (profile.type === 'CONTAINED' && profile.contained !== undefined && Object.keys(profile.contained).length > 0) {
      ctx.addIssue({ code: 'custom', input: profile, path: ['contained'], message: 'is only allowed on ROOT profiles; a CONTAINED profile cannot contain resources' });
    }
    checkPropertyMap(profile.properties, ['properties'], ctx);
  });

/** Most property definitions a profile (or relationship definition) may hold, nested ones included. */
export const MAX_PROPERTIES = 2000;

function countProperties(properties: Record<string, PropertyDefinition>): number {
  let n = 0;
  const visit = (def: PropertyDefinition): void => {
    if (def.items) visit(def.items);
    if (def.properties) n += countProperties(def.properties);
  };
  for (const def of Object.values(properties)) {
    n += 1;
    visit(def);
  }
  return n;
}

function checkPropertyMap(properties: Record<string, PropertyDefinition>, path: (string | number)[], ctx: z.core.$RefinementCtx): void {
  const tooDeep = findTooDeep(properties, path, 1);
  if (tooDeep) ctx.addIssue({ code: 'custom', input: properties, path: tooDeep, message: `nests more than ${MAX_PROPERTY_DEPTH} levels of object and array properties` });
  const count = countProperties(properties);
  if (count > MAX_PROPERTIES) ctx.addIssue({ code: 'custom', input: properties, path, message: `defines ${count} properties; at most ${MAX_PROPERTIES} are allowed` });
}

/** A map of property definitions with the same key, depth and size rules as a profile's (relationship definitions use it). */
export const PropertyMapSchema = z.preprocess(
  guardJson(MAX_PROFILE_JSON_DEPTH),
  keyed('property', PropertyDefinitionSchema).superRefine((properties, ctx) => checkPropertyMap(properties, [], ctx)),
);

/** The body of `PUT /sources/{k}/v1/profiles/{profileKey}`; every issue names its path and what is wrong. */
export const ProfileDefinitionSchema = z.preprocess(guardJson(MAX_PROFILE_JSON_DEPTH), ProfileNodeSchema);
export type ProfileDefinition = z.infer<typeof ProfileNodeSchema>;

// The JSON guard already bounds this recursion.
function findTooDeep(properties: Record<string, PropertyDefinition>, path: (string | number)[], depth: number): (string | number)[] | undefined {
  for (const [key, def] of Object.entries(properties)) {
    const found = findTooDeepIn(def, [...path, key], depth);
    if (found) return found;
  }
  return undefined;
}

function findTooDeepIn(def: PropertyDefinition, path: (string | number)[], depth: number): (string | number)[] | undefined {
  if (depth > MAX_PROPERTY_DEPTH) return path;
  if (def.items) return findTooDeepIn(def.items, [...path, 'items'], depth + 1);
  if (def.properties) return findTooDeep(def.properties, [...path, 'properties'], depth + 1);
  return undefined;
}

/** The vocabulary keys a map of properties binds to (items and nested properties included). */
export function boundVocabularies(properties: Record<string, PropertyDefinition>): string[] {
  const keys = new Set<string>();
  const visit = (def: PropertyDefinition): void => {
    if (def.binding) keys.add(def.binding.vocabulary.key);
    if (def.items) visit(def.items);
    if (def.properties) Object.values(def.properties).forEach(visit);
  };
  Object.values(properties).forEach(visit);
  return [...keys].sort();
}
