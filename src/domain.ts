// The vocabulary of the product: every status, action and kind as one `as const` array and the type
// it gives. Workflows import it (it has no dependency at all); the zod enums of src/schemas/domain.ts are built
// from the same arrays, so a value added here is accepted everywhere at once.

/** What an operation does to a record. */
export const ACTIONS = ['CREATE', 'UPSERT', 'UPDATE', 'DELETE'] as const;
export type Action = (typeof ACTIONS)[number];

/** What an operation targets. */
export const TARGET_TYPES = ['RESOURCE', 'RELATIONSHIP'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

/** A receipt's status, and a task's (derived from its receipts). */
export const RECEIPT_STATUSES = ['SUCCESS', 'PENDING', 'FAILURE', 'CANCELLED'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

/** A pipeline execution's status. */
export const EXECUTION_STATUSES = ['IN_PROGRESS', 'IN_REVIEW', 'SUCCESSFUL', 'ERROR', 'CANCELLED', 'DROPPED'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** Executions that have not ended: a newer request for their record supersedes them. */
export const ACTIVE_EXECUTION_STATUSES = ['IN_PROGRESS', 'IN_REVIEW'] as const satisfies readonly ExecutionStatus[];

/** A pipeline step's status within its execution. */
export const STEP_STATUSES = ['PENDING', 'IN_PROGRESS', 'IN_REVIEW', 'PROCESSED', 'NOT_TRIGGERED', 'ERROR', 'CANCELLED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** A purge's status. */
export const PURGE_STATUSES = ['PENDING', 'SUCCESS', 'FAILURE'] as const;
export type PurgeStatus = (typeof PURGE_STATUSES)[number];

/** What a purge deletes. */
export const PURGE_COLLECTION_TYPES = ['resources', 'relationships'] as const;
export type PurgeCollectionType = (typeof PURGE_COLLECTION_TYPES)[number];

/** A reviewer's decision. */
export const DECISION_ACTIONS = ['APPROVE', 'REJECT'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** The roles an API key may hold; admin holds every role. */
export const ROLES = ['admin', 'ingest', 'review', 'read'] as const;
export type Role = (typeof ROLES)[number];

/** The kinds of task, by request (`s_`, `bk_`, `bd_`, `pg_`). */
export const TASK_KINDS = ['SINGLE', 'BULK', 'BUNDLE', 'PURGE'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** A reviewer's decision as recorded on the review step. */
export interface Decision {
  id: string;
  action: DecisionAction;
  description?: string;
  author: { id: string; email?: string };
  actedAt: string;
}
