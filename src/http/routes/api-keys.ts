import { z } from 'zod';
import { CreateApiKeyBodySchema } from '../../schemas/api-keys';
import { ApiKeySchema, CreatedApiKeySchema, listOf } from '../../schemas/responses';
import { json } from '../route';
import { apiRoute } from './deps';

// Only an admin key on every source (`*`) manages keys, so no key can mint a wider one.
const ADMIN_ALL = { roles: ['admin'], scope: 'every-source' } as const;

/** Key management. */
export const apiKeyRoutes = [
  apiRoute({
    method: 'post', path: '/admin/v1/api-keys', operationId: 'createApiKey', tag: 'API keys', summary: 'Create an API key; its secret is shown only in this answer',
    access: ADMIN_ALL, body: CreateApiKeyBodySchema,
    responses: { 201: json('Created.', CreatedApiKeySchema) },
    handler: async ({ body, deps }) => ({ status: 201, body: await deps.keys.create(body) }),
  }),
  apiRoute({
    method: 'get', path: '/admin/v1/api-keys', operationId: 'listApiKeys', tag: 'API keys', summary: 'List API keys (never their secrets)',
    access: ADMIN_ALL,
    responses: { 200: json('The keys.', listOf(ApiKeySchema)) },
    handler: async ({ deps }) => ({ status: 200, body: { data: await deps.keys.list() } }),
  }),
  apiRoute({
    method: 'delete', path: '/admin/v1/api-keys/{id}', operationId: 'deleteApiKey', tag: 'API keys', summary: 'Revoke an API key',
    access: ADMIN_ALL, params: { id: z.string().min(1).describe('Key id.') },
    responses: { 204: { description: 'Revoked.' } },
    errors: { NOT_FOUND: 'no key has this id' },
    handler: async ({ params, deps }) => {
      await deps.keys.remove(params.id);
      return { status: 204 };
    },
  }),
];
