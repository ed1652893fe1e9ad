import { z } from 'zod';
import { RoleSchema } from './domain';

/** Body of `POST /admin/v1/api-keys`. */
export const CreateApiKeyBodySchema = z
  .object({
    name: z.string().min(1).max(200),
    email: z.email().optional(),
    roles: z.array(RoleSchema).min(1),
    sources: z.array(z.string().regex(/^(\*|[a-zA-Z0-9-][\w-]{0,61})$/, 'must be a source key or *')).min(1),
  })
  .strict();
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBodySchema>;
