import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PurgeStatus } from '../src/domain';

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
  /**
   * The order stamp its request claimed the record with (src/records/record-order.ts): of two executions, the record's
   * workflow keeps the one with the newer stamp, whichever reached it first. Absent on older hand-offs: arrival order.
   */
  stamp?: string;
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

// The workflows the API starts, by type name, with their inputs and results. The API starts them by name with
// these types and never imports workflow code (test/unit/workflow-contracts.test.ts checks that the functions
// of workflows/ have these names and shapes).

/** The workflow type names, as workflows/index.ts exports them. */
export const WORKFLOW_TYPES = {
  record: 'recordWorkflow',
  execution: 'pipelineExecutionWorkflow',
  bulk: 'bulkWorkflow',
  bundle: 'bundleWorkflow',
  purge: 'purgeWorkflow',
} as const;

export interface RecordWorkflowInput {
  recordKey: string;
  pending?: ExecutionRef;
  toCancel?: string[];
}

/** The one writer of a record's executions (workflows/record.ts). */
export type RecordWorkflow = (input: RecordWorkflowInput) => Promise<void>;

export interface BulkWorkflowInput {
  taskId: string;
  chunkCount: number;
  next: number;
  /** Operations handed to pipelines by the chunks run so far (absent: none). */
  handedOff?: number;
}

/** Processes a bulk's staged chunks (workflows/bulk.ts). */
export type BulkWorkflow = (input: BulkWorkflowInput) => Promise<void>;

/** The workflow id of a bundle: its task id, so Temporal runs one workflow per bundle. */
export function bundleWorkflowId(taskId: string): string {
  return `bundle:${taskId}`;
}

export interface BundleWorkflowInput {
  taskId: string;
}

export interface BundleResult {
  status: 'COMMITTED' | 'DROPPED';
  reason?: string;
}

/** One atomic bundle (workflows/bundle.ts). */
export type BundleWorkflow = (input: BundleWorkflowInput) => Promise<BundleResult>;

export interface PurgeWorkflowInput {
  purgeId: string;
  /** Records per batch (default 500). */
  batchSize?: number;
  /** Batches per activity call (default 20). */
  batchesPerCall?: number;
  /** Activity calls before the workflow continues as new (default 100), to keep each run's history short. */
  callsPerRun?: number;
}

/** The workflow id of a purge: its business id. */
export function purgeWorkflowId(purgeId: string): string {
  return `purge:${purgeId}`;
}

/** Purges one collection (workflows/purge.ts). */
export type PurgeWorkflow = (input: PurgeWorkflowInput) => Promise<PurgeStatus | undefined>;
