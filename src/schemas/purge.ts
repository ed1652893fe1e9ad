import { z } from 'zod';
import { PURGE_COLLECTION_TYPES } from '../domain';
import { KeySchema } from './profile';

/** The documented collection types: `objects` (binary objects) is part of the contract, and answered 501 UNIMPLEMENTED. */
export const PURGE_REQUEST_TYPES = [...PURGE_COLLECTION_TYPES, 'objects'] as const;

/** Body of `POST /sources/{k}/v1/purge`. */
export const PurgeBodySchema = z
  .object({
    collectionType: z.enum(PURGE_REQUEST_TYPES).describe('`resources` purges a ROOT profile\'s records, `relationships` a relationship type\'s; `objects` (binary objects, not part of Sluice) is 501 UNIMPLEMENTED.'),
    collectionKey: KeySchema.describe('The profile key or the relationship type key.'),
  })
  .strict();
export type PurgeBody = z.infer<typeof PurgeBodySchema>;
