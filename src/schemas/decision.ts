import { z } from 'zod';
import { DecisionActionSchema } from './domain';

/** Body of `POST .../pipelines/executions/{id}/decision`. */
export const DecisionBodySchema = z
  .object({ action: DecisionActionSchema, description: z.string().max(2000).optional() })
  .strict();
export type DecisionBody = z.infer<typeof DecisionBodySchema>;
