import { z } from 'zod';
import { ActionSchema, RoleSchema, TargetTypeSchema } from './domain';
import { KeySchema } from './profile';

// The review queue across a key's sources, the claims on executions and the signed-in key (issue #12: the console).

const Timestamp = z.iso.datetime({ offset: true });
const Duration = z.string().regex(/^\d{1,9}(ms|s|m|h|d)$/, 'must be a duration such as 30m, 2h or 7d');

/** Who holds a claim. */
export const CLAIM_FILTERS = ['anyone', 'me', 'nobody', 'others'] as const;
export type ClaimFilter = (typeof CLAIM_FILTERS)[number];

/** The ages the counts answer for (`olderThan` takes any duration). */
export const AGE_BUCKETS = ['1h', '1d', '7d'] as const;

/** The filters of the queue and of its counts. */
const QueueFilterShape = {
  source: KeySchema.optional().describe('Only this source (one of the key\'s).'),
  type: z.string().min(1).max(200).optional().describe('Only records of this resource or relationship type.'),
  pipeline: z.string().min(1).max(200).optional().describe('Only executions of this pipeline definition (`{collectionKey}.{version}`, e.g. `clinic.2`).'),
  claimedBy: z.enum(CLAIM_FILTERS).default('anyone').describe('`me`: claimed by this key; `nobody`: unclaimed; `others`: claimed by another key; `anyone`: all.'),
  olderThan: Duration.optional().describe('Only requests accepted at least this long ago (`30m`, `2h`, `7d`).'),
};

/** Query of `GET /review/v1/queue`. */
export const QueueQuerySchema = z.strictObject({
  ...QueueFilterShape,
  order: z.enum(['oldest', 'newest']).default('oldest').describe('By the time the request was accepted.'),
  perPage: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});
export type QueueQuery = z.infer<typeof QueueQuerySchema>;

/** Query of `GET /review/v1/queue/counts`. */
export const QueueCountsQuerySchema = z.strictObject(QueueFilterShape);
export type QueueCountsQuery = z.infer<typeof QueueCountsQuerySchema>;

export const AssignmentSchema = z.object({
  executionId: z.string(),
  source: z.string(),
  by: z.object({ id: z.string().describe('Id of the API key that claimed.'), name: z.string(), email: z.string().optional() }),
  at: Timestamp,
});

/** One execution waiting in review, as the queue lists it. */
export const QueueItemSchema = z.object({
  id: z.string().describe('The pipeline execution id.'),
  source: z.string(),
  targetType: TargetTypeSchema,
  type: z.string().describe('The record\'s resource or relationship type.'),
  recordId: z.string(),
  action: ActionSchema,
  pipelineDefinitionId: z.string(),
  taskId: z.string(),
  stepIndex: z.number().int().describe('The step that waits (its index in the execution\'s `steps`).'),
  stepType: z.string().describe('HUMAN_REVIEW, or VALIDATOR when a rule sent the execution to review.'),
  bundleId: z.string().optional().describe('The bundle the operation belongs to.'),
  createdAt: Timestamp.describe('When the request was accepted.'),
  reviewSince: Timestamp,
  timeoutAt: Timestamp.optional().describe('When the step\'s `timeout` runs out and `onTimeout` decides.'),
  onTimeout: z.enum(['APPROVE', 'REJECT']).optional(),
  assignment: AssignmentSchema.optional().describe('The claim on the execution, when someone holds one.'),
});
export type QueueItem = z.infer<typeof QueueItemSchema>;

const CountMap = z.record(z.string(), z.number().int());

/** Counts per value of each filter; each filter's counts apply the other filters, not itself. */
export const QueueCountsSchema = z.object({
  total: z.number().int().describe('Items matching every filter.'),
  sources: CountMap,
  types: CountMap,
  pipelines: CountMap,
  claimedBy: z.object({ anyone: z.number().int(), me: z.number().int(), nobody: z.number().int(), others: z.number().int() }),
  olderThan: CountMap.describe('Items accepted at least `1h`, `1d` and `7d` ago.'),
});
export type QueueCounts = z.infer<typeof QueueCountsSchema>;

/** `GET /review/v1/me`: the signed-in key, what it may reach and where its executions show in Temporal. */
export const ReviewerSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().optional(),
  roles: z.array(RoleSchema),
  sources: z.array(z.string()).describe('The sources the key reaches (every existing one for `*`).'),
  temporal: z.object({
    uiUrl: z.string().optional().describe('The Temporal Web UI, when configured (TEMPORAL_UI_URL).'),
    namespace: z.string(),
  }),
});
export type Reviewer = z.infer<typeof ReviewerSchema>;
