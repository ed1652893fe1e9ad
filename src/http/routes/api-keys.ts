import { Router } from 'express';
import { authorize, principalOf } from '../auth';
import { handle } from '../validate';
import { CreateApiKeyBodySchema } from '../../schemas/api-keys';
import type { ApiKeyService } from '../../services/api-keys';

/** Key management (SPEC §6): only an admin key on every source (`*`) may manage keys, so no key can mint a wider one. */
export function apiKeyRoutes(keys: ApiKeyService): Router {
  const r = Router();
  r.post('/admin/v1/api-keys', handle({ body: CreateApiKeyBodySchema }, async ({ res, body }) => {
    authorize(principalOf(res), ['admin'], '*');
    res.status(201).json(await keys.create(body));
  }));
  r.get('/admin/v1/api-keys', handle({}, async ({ res }) => {
    authorize(principalOf(res), ['admin'], '*');
    res.json({ data: await keys.list() });
  }));
  r.delete('/admin/v1/api-keys/:id', handle({}, async ({ res, params }) => {
    authorize(principalOf(res), ['admin'], '*');
    await keys.remove(params.id ?? '');
    res.status(204).end();
  }));
  return r;
}
