import { z } from 'zod';

/** Body of `POST .../pipelines/executions/{id}/decision`. */
export const DecisionBodySchema = z
  .object({ action: z.enum(['APPROVE', 'REJECT']), description: z.string().max(2000).optional() })
  .strict();
export type DecisionBody = z.infer<typeof DecisionBodySchema>;
