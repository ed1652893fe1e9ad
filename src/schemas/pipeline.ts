import { z } from 'zod';
import { PredicateSchema } from './predicate';

const PropertyPath = z
  .string()
  .regex(/^data(\.[a-zA-Z_][a-zA-Z0-9_]*)+$/, 'must be a dotted path under data, e.g. data.name');

export const TriggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ALWAYS') }).strict(),
  z.object({ type: z.literal('OPERATOR'), operator: PredicateSchema }).strict(),
]);
export type Trigger = z.infer<typeof TriggerSchema>;

const NormalizeRuleSchema = z
  .object({
    property: PropertyPath,
    trim: z.boolean().optional(),
    case: z.enum(['lower', 'upper', 'title']).optional(),
    email: z.boolean().optional(),
    phone: z.object({ defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code') }).strict().optional(),
  })
  .strict();

const ValidatorRuleSchema = z
  .object({
    name: z.string().min(1),
    assert: PredicateSchema,
    message: z.string().min(1),
    onFailure: z.enum(['FAIL', 'REVIEW', 'WARN']),
  })
  .strict();

const stepBase = {
  trigger: TriggerSchema.optional(),
  onlyOnTriggeredPipeline: z.boolean().optional(),
};

/** One pipeline step (SPEC §4). */
export const StepSchema = z.discriminatedUnion('type', [
  z.object({ ...stepBase, type: z.literal('NORMALIZER'), config: z.object({ properties: z.array(NormalizeRuleSchema).min(1) }).strict() }).strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('SEGMENTER'),
      config: z
        .object({ source: PropertyPath, target: PropertyPath, maxTokens: z.number().int().min(1).max(8192), overlap: z.number().int().min(0).default(0) })
        .strict()
        .refine((c) => c.overlap < c.maxTokens, { message: 'overlap must be smaller than maxTokens', path: ['overlap'] }),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('VECTORIZER'),
      config: z.object({ source: PropertyPath, target: PropertyPath, dimensions: z.number().int().min(2).max(4096) }).strict(),
    })
    .strict(),
  z.object({ ...stepBase, type: z.literal('VALIDATOR'), config: z.object({ rules: z.array(ValidatorRuleSchema).min(1) }).strict() }).strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('HUMAN_REVIEW'),
      config: z
        .object({
          instructions: z.string().optional(),
          timeout: z.string().regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration such as 30s, 15m, 2h or 7d').optional(),
          onTimeout: z.enum(['APPROVE', 'REJECT']).optional(),
        })
        .strict()
        .refine((c) => (c.timeout === undefined) === (c.onTimeout === undefined), {
          message: 'timeout and onTimeout go together',
          path: ['onTimeout'],
        })
        .default({}),
    })
    .strict(),
]);
export type Step = z.infer<typeof StepSchema>;

/** Body of `PUT /sources/{k}/v1/collections/{collectionKey}/pipeline`. */
export const PipelineBodySchema = z.object({ steps: z.array(StepSchema).max(50) }).strict();
export type PipelineBody = z.infer<typeof PipelineBodySchema>;
