import { z } from 'zod';
import { RelationshipOperationSchema, ResourceOperationSchema } from './bulk';

/** Operations one bundle may hold: it is written at once, and each of its pipeline executions reports to it. */
export const MAX_BUNDLE_OPERATIONS = 1000;

/**
 * Body of `POST /sources/{k}/v1/bundle`: the operation shapes of bulk. Unlike a bulk, every operation
 * is checked at the door, and the bundle is written whole or not at all.
 */
export const BundleBodySchema = z
  .object({
    resourceOperations: z.array(ResourceOperationSchema).default([]).describe('Written first; `@rootIdN` is the id of the N-th of them.'),
    relationshipOperations: z.array(RelationshipOperationSchema).default([]).describe('`from.id` and `to.id` may be `@rootIdN`.'),
  })
  .strict()
  .superRefine((body, ctx) => {
    const count = body.resourceOperations.length + body.relationshipOperations.length;
    if (count === 0) ctx.addIssue({ code: 'custom', message: 'a bundle holds at least one operation' });
    if (count > MAX_BUNDLE_OPERATIONS) ctx.addIssue({ code: 'custom', message: `a bundle holds at most ${MAX_BUNDLE_OPERATIONS} operations (got ${count})` });
  });
export type BundleBody = z.infer<typeof BundleBodySchema>;
