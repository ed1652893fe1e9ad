import { z } from 'zod';
import { KeySchema, PropertyMapSchema } from './profile';

/** Body of `PUT /catalog/v1/sources/{sourceKey}`. */
export const SourceBodySchema = z
  .object({ type: z.literal('registry'), description: z.string().max(2000).optional() })
  .strict();
export type SourceBody = z.infer<typeof SourceBodySchema>;

/** Body of `PUT /sources/{k}/v1/relationship-definitions/{key}`. */
export const RelationshipDefinitionSchema = z
  .object({
    from: z.object({ profileKey: KeySchema }).strict(),
    to: z.object({ profileKey: KeySchema }).strict(),
    description: z.string().max(2000).optional(),
    properties: PropertyMapSchema.optional(),
  })
  .strict();
export type RelationshipDefinition = z.infer<typeof RelationshipDefinitionSchema>;
