import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';

/** A pipeline execution handed to a record's workflow: ids only, the operation itself is in MongoDB. */
export interface ExecutionRef {
  executionId: string;
}

/** A newer operation for the record: supersedes whatever runs or waits. */
export const enqueueSignal = defineSignal<[ExecutionRef]>('enqueue');

/** A synchronous write is about to happen: cancel what runs, and answer once nothing of it is in flight. */
export const supersedeUpdate = defineUpdate<void, []>('supersede');

/** A reviewer's decision; the payload is checked by the workflow (a malformed one is recorded and ignored). */
export const decisionSignal = defineSignal<[unknown]>('decision');

/** Workflow ids are business ids, so Temporal enforces one record workflow per record. */
export function recordWorkflowId(recordKey: string): string {
  return `record:${recordKey}`;
}

/** The workflow id of one pipeline execution: signal decisions to it. */
export function executionWorkflowId(executionId: string): string {
  return `execution:${executionId}`;
}

/** Names of the search attributes the dev server registers (see scripts/search-attributes.json). */
export const SA = {
  source: 'SluiceSource',
  recordType: 'SluiceRecordType',
  recordId: 'SluiceRecordId',
  taskId: 'SluiceTaskId',
  status: 'SluiceExecutionStatus',
  action: 'SluiceAction',
  targetType: 'SluiceTargetType',
} as const;

/** Typed keys of the search attributes, for starting and upserting. */
export const SA_KEYS = {
  source: defineSearchAttributeKey(SA.source, SearchAttributeType.KEYWORD),
  recordType: defineSearchAttributeKey(SA.recordType, SearchAttributeType.KEYWORD),
  recordId: defineSearchAttributeKey(SA.recordId, SearchAttributeType.KEYWORD),
  taskId: defineSearchAttributeKey(SA.taskId, SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey(SA.status, SearchAttributeType.KEYWORD),
  action: defineSearchAttributeKey(SA.action, SearchAttributeType.KEYWORD),
  targetType: defineSearchAttributeKey(SA.targetType, SearchAttributeType.KEYWORD),
};
