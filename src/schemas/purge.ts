import { z } from 'zod';
import { PurgeCollectionTypeSchema } from './domain';
import { KeySchema } from './profile';

/** Body of `POST /sources/{k}/v1/purge`. */
export const PurgeBodySchema = z
  .object({
    collectionType: PurgeCollectionTypeSchema.describe('`resources` purges a ROOT profile\'s records, `relationships` a relationship type\'s.'),
    collectionKey: KeySchema.describe('The profile key or the relationship type key.'),
  })
  .strict();
export type PurgeBody = z.infer<typeof PurgeBodySchema>;
