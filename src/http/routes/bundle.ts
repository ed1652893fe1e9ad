import { Router } from 'express';
import { handle } from '../validate';
import { BundleBodySchema } from '../../schemas/bundle';
import type { BundleService } from '../../services/bundle';

/** The bundle endpoint (SPEC §2, atomic): 201 PERSISTED when no operation triggers a pipeline step, else 202 ACCEPTED. */
export function bundleRoutes(bundles: BundleService): Router {
  const r = Router();
  r.post('/sources/:sourceKey/v1/bundle', handle({ body: BundleBodySchema }, async ({ res, body, params }) => {
    const out = await bundles.submit(params.sourceKey ?? '', body);
    res.status(out.status === 'PERSISTED' ? 201 : 202).json(out);
  }));
  return r;
}
