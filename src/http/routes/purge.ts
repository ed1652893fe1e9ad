import { Router } from 'express';
import { z } from 'zod';
import { KeySchema } from '../../schemas/profile';
import type { PurgeService } from '../../services/purge';
import { handle } from '../validate';

/** Body of `POST /sources/{k}/v1/purge`. */
export const PurgeBodySchema = z
  .object({
    collectionType: z.enum(['resources', 'relationships']).describe('`resources` purges a ROOT profile\'s records, `relationships` a relationship type\'s.'),
    collectionKey: KeySchema.describe('The profile key or the relationship type key.'),
  })
  .strict();
export type PurgeBody = z.infer<typeof PurgeBodySchema>;

/** Purge endpoints (SPEC §2): start a purge (ingest keys, checked upstream) and read its progress. */
export function purgeRoutes(purge: PurgeService): Router {
  const r = Router();
  const base = '/sources/:sourceKey/v1/purge';
  r.post(base, handle({ body: PurgeBodySchema }, async ({ res, body, params }) => {
    res.status(202).json(await purge.start(params.sourceKey ?? '', body));
  }));
  r.get(`${base}/:purgeId`, handle({}, async ({ res, params }) => {
    res.json(await purge.get(params.sourceKey ?? '', params.purgeId ?? ''));
  }));
  return r;
}
