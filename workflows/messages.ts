import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';

/** A pipeline execution handed to a record's workflow: ids only, the operation itself is in MongoDB. */
export interface ExecutionRef {
  executionId: string;
  /** What the child workflow is started with (ids only); absent, the record's workflow asks describeExecution. */
  summary?: ExecutionSummary;
  /**
   * No step of its pipeline can wait for a reviewer and it belongs to no bundle: the record's workflow runs
   * it itself (its steps, then its commit) instead of starting an execution workflow, and nothing ever
   * signals it.
   */
  inline?: boolean;
}

/** The static summary and search attributes of an execution's workflow: ids, never record data. */
export interface ExecutionSummary {
  summary: string;
  source: string;
  type: string;
  id: string;
  taskId: string;
  action: string;
  targetType: string;
}

/** The summary of an execution of `action` on a record, as the API and describeExecution both write it. */
export function executionSummary(s: Omit<ExecutionSummary, 'summary'> & { pipelineDefinitionId: string }): ExecutionSummary {
  const { pipelineDefinitionId, ...ids } = s;
  return { ...ids, summary: `${s.action} ${s.targetType.toLowerCase()} ${s.type}/${s.id} (source ${s.source}, pipeline ${pipelineDefinitionId}, task ${s.taskId})` };
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
