import { z } from 'zod';
import { OperatorSchema } from './operator';

/** A property path relative to data (`abstract`, `address.city`), as the docs' `inputProperty` values. */
export const DATA_PATH_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*$/;
const DataPath = z
  .string({ error: 'must be a property path relative to data, e.g. "abstract" or "address.city"' })
  .regex(DATA_PATH_PATTERN, 'must be a property path relative to data, e.g. "abstract" or "address.city" (keys joined by ".")');
const PropertyKey = z
  .string({ error: 'must be a property key' })
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a property key (letters, digits and "_", not starting with a digit)');
const ModelId = z.string({ error: 'must be a model id, e.g. "mte-base.1"' }).min(1, 'must be a model id, e.g. "mte-base.1"').max(200);

/** `{type: "ALWAYS"}` or `{type: "OPERATOR", operator}` with Clinia's operator language. */
export const TriggerSchema = z.preprocess(
  // The collection page's example writes `{"operator": {...}}` without `type`: read as OPERATOR, answered with it.
  (t) => (typeof t === 'object' && t !== null && !Array.isArray(t) && !('type' in t) && 'operator' in t ? { type: 'OPERATOR', ...t } : t),
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('ALWAYS') }),
    z.strictObject({ type: z.literal('OPERATOR'), operator: OperatorSchema }),
  ], { error: 'must be {"type": "ALWAYS"} or {"type": "OPERATOR", "operator": {...}}' }),
);
export type Trigger = z.infer<typeof TriggerSchema>;

const NormalizeRuleSchema = z.strictObject({
  property: DataPath,
  trim: z.boolean().optional(),
  case: z.enum(['lower', 'upper', 'title']).optional(),
  email: z.boolean().optional(),
  phone: z.strictObject({ defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code') }).optional(),
});

const ValidatorRuleSchema = z.strictObject({
  name: z.string().min(1),
  assert: OperatorSchema,
  message: z.string().min(1),
  onFailure: z.enum(['FAIL', 'REVIEW', 'WARN']),
});

/** The settings of each step type, under the step's `<stepKey>` (docs: built-in processors). */
export const SegmenterSchema = z
  .strictObject({
    inputProperty: DataPath,
    propertyKey: PropertyKey,
    propertyDescription: z.string().max(2000).optional(),
    modelId: ModelId,
    maxTokens: z.number().int().min(1).max(8192).optional().describe('Tokens per passage; the model\'s default when absent.'),
    overlap: z.number().int().min(0).optional().describe('Sluice adds: tokens shared by consecutive passages (default 0).'),
  })
  .refine((c) => c.overlap === undefined || c.maxTokens === undefined || c.overlap < c.maxTokens, { message: 'overlap must be smaller than maxTokens', path: ['overlap'] });
export const VectorizerSchema = z.strictObject({
  inputProperty: DataPath,
  propertyKey: PropertyKey,
  propertyDescription: z.string().max(2000).optional(),
  modelId: ModelId,
  dimensions: z.number().int().min(2).max(4096).optional().describe('The model\'s dimensions when absent.'),
});
export const NormalizerSchema = z.strictObject({ properties: z.array(NormalizeRuleSchema).min(1) });
export const ValidatorSchema = z.strictObject({ rules: z.array(ValidatorRuleSchema).min(1) });
export const HumanReviewSchema = z
  .strictObject({
    instructions: z.string().optional(),
    timeout: z.string().regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration such as 30s, 15m, 2h or 7d').optional(),
    onTimeout: z.enum(['APPROVE', 'REJECT']).optional(),
    distinctReviewer: z.boolean({ error: 'must be true or false' }).optional()
      .describe('When true, a key that decided an earlier step of the same execution cannot decide this one (409): two people must look.'),
  })
  .refine((c) => (c.timeout === undefined) === (c.onTimeout === undefined), { message: 'timeout and onTimeout go together', path: ['onTimeout'] });

const stepBase = {
  trigger: TriggerSchema.optional(),
  onlyOnTriggeredPipeline: z.boolean({ error: 'must be true or false' }).optional(),
};

/** The step key of each type: the camel-case name of the type. */
export const STEP_KEYS = {
  SEGMENTER: 'segmenter', VECTORIZER: 'vectorizer', NORMALIZER: 'normalizer', VALIDATOR: 'validator', HUMAN_REVIEW: 'humanReview',
} as const;

const stepError = (type: string, key: string) => (iss: z.core.$ZodRawIssue) =>
  iss.code === 'unrecognized_keys'
    ? `unknown key(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}; a ${type} step is {"type": "${type}", "trigger"?, "onlyOnTriggeredPipeline"?, "${key}": {...}}`
    : undefined;

/** One pipeline step, `{type, trigger?, onlyOnTriggeredPipeline?, <stepKey>: {...}}`. */
export const StepSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...stepBase, type: z.literal('SEGMENTER'), segmenter: SegmenterSchema }, { error: stepError('SEGMENTER', 'segmenter') }),
  z.strictObject({ ...stepBase, type: z.literal('VECTORIZER'), vectorizer: VectorizerSchema }, { error: stepError('VECTORIZER', 'vectorizer') }),
  z.strictObject({ ...stepBase, type: z.literal('NORMALIZER'), normalizer: NormalizerSchema }, { error: stepError('NORMALIZER', 'normalizer') }),
  z.strictObject({ ...stepBase, type: z.literal('VALIDATOR'), validator: ValidatorSchema }, { error: stepError('VALIDATOR', 'validator') }),
  z.strictObject({ ...stepBase, type: z.literal('HUMAN_REVIEW'), humanReview: HumanReviewSchema.default({}) }, { error: stepError('HUMAN_REVIEW', 'humanReview') }),
], { error: (iss) => (iss.code === 'invalid_union' ? `"type" must be one of ${Object.keys(STEP_KEYS).join(', ')}` : undefined) });
export type Step = z.infer<typeof StepSchema>;

/** Body of `PUT /sources/{k}/v1/collections/{collectionKey}/pipeline`. */
export const PipelineBodySchema = z.strictObject({ steps: z.array(StepSchema).max(50) });
export type PipelineBody = z.infer<typeof PipelineBodySchema>;

/**
 * Where each step's output goes, in definition order: a step writes `propertyKey` next to its input (input
 * `abstract`, key `passages` → `passages`; input `address.text`, key `vector` → `address.vector`), and an input path
 * naming an earlier step's input and key (`abstract.passages`, as the docs chain a segmenter and a vectorizer) reads
 * that step's output.
 */
export function stepPaths(steps: readonly Step[]): ({ input: string; output: string } | undefined)[] {
  const outputs = new Map<string, string>();
  return steps.map((step) => {
    const cfg = step.type === 'SEGMENTER' ? step.segmenter : step.type === 'VECTORIZER' ? step.vectorizer : undefined;
    if (cfg === undefined) return undefined;
    const input = outputs.get(cfg.inputProperty) ?? cfg.inputProperty;
    const parent = input.includes('.') ? input.slice(0, input.lastIndexOf('.') + 1) : '';
    const output = `${parent}${cfg.propertyKey}`;
    outputs.set(`${cfg.inputProperty}.${cfg.propertyKey}`, output);
    return { input, output };
  });
}
