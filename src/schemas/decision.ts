import { z } from 'zod';

/** Body of `POST .../pipelines/executions/{id}/decision`. */
export const DecisionBodySchema = z
  .object({ action: z.enum(['APPROVE', 'REJECT']), description: z.string().max(2000).optional() })
  .strict();
export type DecisionBody = z.infer<typeof DecisionBodySchema>;

/**
 * The payload of the `decision` signal. The API sends every field; a signal typed by hand in the Temporal
 * CLI or UI may send only `{"action":"APPROVE"}` and the workflow fills in the rest.
 */
export const DecisionSignalSchema = z
  .object({
    action: z.enum(['APPROVE', 'REJECT']),
    description: z.string().max(2000).optional(),
    id: z.string().min(1).max(100).optional(),
    author: z.object({ id: z.string().min(1), email: z.string().optional() }).strict().optional(),
    actedAt: z.string().optional(),
  })
  .strict();
export type DecisionSignal = z.infer<typeof DecisionSignalSchema>;
