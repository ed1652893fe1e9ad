import { z } from 'zod';
import { CARDINALITIES, KeySchema, PROPERTY_KEY_PATTERN, PropertyMapSchema } from './profile';

/**
 * One end of a relationship definition (docs: api-reference relationship-definitions): the profile, and how the other
 * end is included when a record is read with `includes` (`includeKey`, `includeCardinality`). The explanation page's
 * `cardinality` is accepted as an input alias of `includeCardinality`.
 */
const EndSchema = z.preprocess(
  (end) => {
    if (typeof end !== 'object' || end === null || Array.isArray(end) || !('cardinality' in end) || 'includeCardinality' in end) return end;
    const { cardinality, ...rest } = end as Record<string, unknown>;
    return { ...rest, includeCardinality: cardinality };
  },
  z.strictObject({
    profileKey: KeySchema,
    includeKey: z.string({ error: 'must be a string' }).regex(PROPERTY_KEY_PATTERN, 'must be a property key (letters, digits and "_", not starting with a digit)').optional(),
    includeCardinality: z.enum(CARDINALITIES, { error: `must be one of ${CARDINALITIES.join(', ')}` }).optional(),
  }, { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}; allowed: profileKey, includeKey, includeCardinality` : 'must be an object {profileKey, includeKey?, includeCardinality?}') }),
);

/** Body of `PUT /catalog/v1/sources/{sourceKey}`. */
export const SourceBodySchema = z
  .object({ type: z.literal('registry'), description: z.string().max(2000).optional() })
  .strict();
export type SourceBody = z.infer<typeof SourceBodySchema>;

/** Body of `PUT /sources/{k}/v1/relationship-definitions/{key}`. */
export const RelationshipDefinitionSchema = z
  .object({
    from: EndSchema,
    to: EndSchema,
    description: z.string().max(2000).optional(),
    properties: PropertyMapSchema.optional(),
  })
  .strict();
export type RelationshipDefinition = z.infer<typeof RelationshipDefinitionSchema>;
