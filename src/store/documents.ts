import type { Binary } from 'mongodb';
import type { ErrorType } from '../errors';
import type {
  Action, Decision, ExecutionStatus, PurgeCollectionType, PurgeStatus, ReceiptStatus, Role, StepStatus, TargetType, TaskKind,
} from '../domain';

// The shapes of the documents Sluice stores, one interface per collection (src/store/db.ts opens the collections).

/** Metadata every stored record carries. */
export interface RecordMeta {
  createdAt: string;
  updatedAt: string;
  identifier: Identifier[];
  source: string;
  versionId: string;
}

export interface Identifier {
  id?: string;
  system?: string;
  value?: string;
  use?: string;
  period?: { id?: string; start?: string; end?: string };
}

export interface ContainedItem {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export type ContainedMap = Record<string, ContainedItem[]>;

export interface SourceDoc {
  _id: string;
  key: string;
  type: 'registry';
  description?: string;
  createdAt: string;
  updatedAt: string;
}

/** A stored catalog definition (a profile or a relationship definition). */
export interface DefinitionDoc {
  _id: string;
  source: string;
  key: string;
  definition: unknown;
  /** Bumped on every change: compiled validators are cached per version. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type ProfileDoc = DefinitionDoc;

/** A vocabulary of the terminology module (docs: explanation/vocabularies); `version` is bumped by every concept change. */
export interface VocabularyDoc {
  _id: string;
  key: string;
  title: string;
  description?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A concept of a vocabulary (docs: explanation/concepts); `_id` is `{vocabularyKey}/{code}`. */
export interface ConceptDoc {
  _id: string;
  vocabularyKey: string;
  code: string;
  definition?: string;
  designation?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}
export type RelationshipDefinitionDoc = DefinitionDoc;

export interface PipelineDoc {
  _id: string;
  source: string;
  collectionKey: string;
  /** The version: 1, 2, ... (`{collectionKey}.{revision}` is the pipeline definition id). */
  revision: number;
  /** A generated id per revision (the docs' `revisionId`); absent on revisions written before it existed. */
  revisionId?: string;
  steps: unknown[];
  createdAt: string;
}

export interface ResourceDoc {
  _id: string;
  source: string;
  type: string;
  id: string;
  data: Record<string, unknown>;
  contained: ContainedMap;
  meta: RecordMeta;
  /** Id of the operation (task or execution) that wrote this version: a retried write finds its own. */
  lastWrite?: string;
  /** When that operation wrote it (its history item's time). */
  lastWriteAt?: string;
  /** Id of the bulk operation whose batched CREATE inserted the record (kept by later writes): a retried chunk finds its own. */
  createdBy?: string;
  /**
   * The history entry of this version's write, as JSON (HistoryEntryDoc; one string costs FerretDB far less than
   * nested fields): the version is its own history item until it is replaced (src/records/history.ts).
   */
  lastEntry?: string;
}

/** What a write records in its record's history besides the record: the action, its task and who asked. */
export interface HistoryEntryDoc {
  action: Action;
  taskId: string;
  userInfo: { id: string; email?: string };
}

export interface RelationshipDoc {
  _id: string;
  source: string;
  type: string;
  id: string;
  from: { id: string; type: string };
  to: { id: string; type: string };
  data: Record<string, unknown>;
  meta: RecordMeta;
  lastWrite?: string;
  /** When that operation wrote it (its history item's time). */
  lastWriteAt?: string;
  /** As on ResourceDoc. */
  lastEntry?: string;
}

export interface ApiKeyDoc {
  _id: string;
  name: string;
  email?: string;
  roles: Role[];
  sources: string[];
  hash: string;
  createdAt: string;
}

/** What one run of a bulk chunk ended with: its final outcomes, and how many it handed to pipelines. */
export interface ChunkCounts {
  SUCCESS: number;
  FAILURE: number;
  CANCELLED: number;
  handedOff: number;
}

export interface TaskDoc {
  _id: string;
  source: string;
  kind: TaskKind;
  operationCount: number;
  /** Bulk tasks: what the operations target. */
  targetType?: TargetType;
  /** Bulk tasks: who sent the bulk (history `userInfo`); a bundle and a purge keep theirs on their own document. */
  userInfo?: { id: string; email?: string };
  /** Bulk tasks: the position of each staged chunk's first operation (one entry per chunk). */
  chunkStarts?: number[];
  /** Bulk tasks: each processed chunk's final counts and how many operations it handed to pipelines. */
  chunks?: Record<string, ChunkCounts>;
  /** Bulk tasks: the order stamp taken when the bulk was accepted (src/records/record-order.ts). */
  stamp?: string;
  /**
   * A synchronous single operation's receipt, final when written: kept in its task, so persisting a record
   * costs one write less. Every other receipt is a document of its own (`receipts`).
   */
  receipt?: ReceiptDoc;
  createdAt: string;
}

export interface ReceiptDoc {
  _id: string;
  taskId: string;
  seq: number;
  source: string;
  action: Action;
  targetType: TargetType;
  type: string;
  id: string;
  status: ReceiptStatus;
  receivedAt: string;
  completedAt?: string;
  error?: { message: string; details?: { path?: string; message: string }[]; type?: ErrorType };
  pipelineExecution?: { id: string; pipelineDefinitionId: string; status: string };
}

export interface ExecutionStep {
  type: string;
  status: StepStatus;
  processedAt?: string;
  error?: { message: string; details?: { path?: string; message: string }[]; type?: ErrorType };
  decision?: Decision;
  issues?: { path?: string; message: string }[];
}

/** The working copy of a record inside a pipeline: what the operation asks for, as augmented so far. */
export interface OperationBody {
  data: Record<string, unknown>;
  contained?: ContainedMap;
  meta?: { createdAt?: string; updatedAt?: string; identifier?: Identifier[] };
  from?: { id: string; type: string };
  to?: { id: string; type: string };
}

/** What an execution's status makes of its receipt (`pipelineExecution.status` is `executionStatus`). */
export interface ReceiptPatch {
  status: ReceiptStatus;
  executionStatus: ExecutionStatus;
  completedAt?: string;
  error?: { message: string; details?: { path?: string; message: string }[]; type?: ErrorType };
}

/** The receipt's fields a ReceiptPatch sets. */
export function receiptSet(patch: ReceiptPatch): Record<string, unknown> {
  const { executionStatus, ...rest } = patch;
  return { ...rest, 'pipelineExecution.status': executionStatus };
}

/**
 * The receipt of an execution as its patch leaves it, whole: for a receipt that is missing (a worker died between
 * writing a bulk operation's execution and its receipt), so that an execution's end always reaches its receipt.
 */
export function receiptOfExecution(doc: ExecutionDoc, patch: ReceiptPatch): ReceiptDoc {
  const { executionStatus, ...rest } = patch;
  const { taskId, action, target } = doc.operation;
  return {
    _id: doc.receiptId, taskId, seq: Number(doc.receiptId.slice(doc.receiptId.lastIndexOf(':') + 1)), source: doc.source, action,
    targetType: target.targetType, type: target.type, id: target.id, receivedAt: doc.createdAt, ...rest,
    pipelineExecution: { id: doc._id, pipelineDefinitionId: doc.pipelineDefinitionId, status: executionStatus },
  };
}

export interface ExecutionDoc {
  _id: string;
  source: string;
  recordKey: string;
  pipelineDefinitionId: string;
  status: ExecutionStatus;
  steps: ExecutionStep[];
  operation: { taskId: string; action: Action; target: { id: string; targetType: TargetType; type: string }; body: OperationBody };
  processedOperation: OperationBody;
  /** The stored record when the request arrived, for `changed` triggers; absent on create. */
  previous?: Record<string, unknown>;
  receiptId: string;
  /** `{taskId}:{seq}` of a bulk or bundle operation: a retried chunk finds the execution it already made. */
  opKey?: string;
  /** The bundle this execution belongs to: it persists only with the whole bundle. */
  bundleId?: string;
  /**
   * The order stamp its request claimed the record with (src/records/record-order.ts): the commit writes only while
   * the execution (`opKey`, else `_id`) still holds the record's head. Absent on executions made before claims.
   */
  stamp?: string;
  ignoredSignals: { receivedAt: string; reason: string }[];
  /**
   * What the receipt was last set to, written with the status: a retry after a crash between the
   * execution's write and the receipt's finds the execution ended and brings the receipt in line.
   */
  receiptPatch?: ReceiptPatch;
  /** Who asked for the operation (history `userInfo`); absent on executions made before it was recorded. */
  userInfo?: { id: string; email?: string };
  createdAt: string;
  updatedAt: string;
}

/** A purge of one collection: its counts, and the progress its workflow resumes from. */
export interface PurgeDoc {
  _id: string;
  source: string;
  collectionType: PurgeCollectionType;
  collectionKey: string;
  status: PurgeStatus;
  deletedCount: number;
  relationshipsDeletedCount?: number;
  cancelledExecutions: number;
  createdAt: string;
  /** The last change: a batch deleted or the end. */
  updatedAt?: string;
  /** Who asked for the purge (history `userInfo` of the records it deletes). */
  userInfo?: { id: string; email?: string };
  completedAt?: string;
  error?: { message: string };
  /** The stage and batch to run next; `claim` is the batch in flight, so a retry neither loses nor recounts it. */
  progress: { stage: number; batch: number; cursor?: string };
  /** The order stamp taken when the purge was accepted: records claimed by newer requests stay (src/records/record-order.ts). */
  stamp?: string;
  claim?: { stage: number; batch: number; ids: string[] };
}

/**
 * One applied operation of a record (the docs' version history item): who, when, which task and operation, and the
 * record as written (packed; as it was, for a DELETE). `_id` is `{r|l}/{source}/{type}/{id}/{write key}`, the
 * write key being the payload of the operation id (the same on every attempt of the write).
 */
export interface HistoryDoc {
  _id: string;
  /** The record's `_id`. */
  record: string;
  targetType: TargetType;
  source: string;
  type: string;
  id: string;
  operationId: string;
  taskId: string;
  timestamp: string;
  action: Action;
  userInfo: { id: string; email?: string };
  /** The record as written, as JSON (a string costs FerretDB far less than nested fields, and no deflate here). */
  payload: string;
}

/**
 * The history items of one batch of writes (a bulk's batched CREATEs, a purge batch, a resource deleted with its
 * relationships): one document instead of one per item, as a bulk's staged chunk is. Reads merge these with single
 * items and keep one item per `_id` (a retried batch grouped otherwise writes its items again under another batch).
 */
export interface HistoryBatchDoc {
  _id: string;
  source: string;
  /** The `_id`s of the records with an item in the batch: what a record's history is read by. */
  records: string[];
  /** The items (HistoryDoc[]), packed. */
  items: Binary;
  createdAt: string;
}

/**
 * A bulk's or bundle's workflow start, recorded by the API before it stages the task and deleted once Temporal took
 * the start; the sweep finishes a start an API left behind (src/records/workflow-starts.ts).
 */
export interface WorkflowStartDoc {
  /** The workflow id. */
  _id: string;
  kind: 'BULK' | 'BUNDLE' | 'PURGE';
  taskId: string;
  workflowType: string;
  args: unknown[];
  staticSummary: string;
  /** Keyword search attributes to start the workflow with, by name (ids only). */
  keywords?: Record<string, string>;
  /** How many documents the API stages under `{taskId}:{n}` (a bulk's chunks, a bundle's receipts, a purge's receipt), to remove if the task never came to be. */
  staged: number;
  /** While a streamed bulk is still arriving: when it last staged a chunk (the sweep's grace counts from it). */
  stagingAt?: string;
  createdAt: string;
}

/** A bulk request's `Idempotency-Key` in its source, and the task the request made with it. */
export interface IdempotencyKeyDoc {
  /** `{source}:{key}` */
  _id: string;
  taskId: string;
  createdAt: string;
}

/** A chunk of a bulk's staged operations, packed (see packJson): ids of generated records are fixed in it. */
export interface BulkChunkDoc {
  _id: string;
  taskId: string;
  chunk: number;
  /** Position of the chunk's first operation in the bulk. */
  start: number;
  ops: Binary;
}

/** A receipt a bulk chunk settled itself, without the fields every receipt of the bulk shares. */
export type ChunkReceipt = Pick<ReceiptDoc, 'seq' | 'action' | 'targetType' | 'type' | 'id' | 'status' | 'completedAt' | 'error'>;

/**
 * What one run of a bulk chunk left: the positions it handed to pipelines (their receipts are documents of
 * their own, updated by the executions), and the final receipts of the operations it settled itself, packed
 * into one field: one write per chunk instead of one per operation.
 */
export interface ChunkProgressDoc {
  _id: string;
  taskId: string;
  chunk: number;
  handedOff: number[];
  receipts: Binary;
}

/** One operation of a bundle as staged: checked at the door, ids resolved, what it writes. */
export interface BundleOp {
  /** Position in the bundle: resource operations first, then relationship operations. */
  seq: number;
  targetType: TargetType;
  action: Action;
  type: string;
  id: string;
  /** The version to write (absent for DELETE); an operation with a pipeline writes what its execution made of it. */
  body?: OperationBody;
  /** The record's `versionId` at the door (null: absent). An operation without a pipeline is written only over it. */
  expectedVersion: string | null;
  /** The pipeline revision (`clinic.2`) the operation runs through, and the record it read (for `changed` triggers). */
  pipelineDefinitionId?: string;
  previous?: Record<string, unknown>;
}

/**
 * A bundle's staged operations and its progress. Only the bundle's workflow writes it after the door:
 * OPEN (executions running) → COMMITTING (the intent of the write is recorded) → COMMITTED, or DROPPED.
 */
export interface BundleDoc {
  _id: string;
  source: string;
  receivedAt: string;
  ops: BundleOp[];
  state: 'OPEN' | 'COMMITTING' | 'COMMITTED' | 'DROPPED';
  /** Seqs whose execution was handed to its record's workflow (a retried start skips them). */
  started: number[];
  /** The write decided: its time, and each record's `versionId` (by seq) when it was decided. */
  intent?: { at: string; expected: (string | null)[] };
  reason?: string;
  /** Who sent the bundle (history `userInfo`). */
  userInfo?: { id: string; email?: string };
  /** The order stamp taken when the bundle was accepted (src/records/record-order.ts). */
  stamp?: string;
  createdAt: string;
  settledAt?: string;
}

/**
 * The decision of one review step (`{executionId}:{stepIndex}`): inserted once, by the first decision the API takes
 * for the step, so a second decision of the same step is refused (src/records/pipelines.ts, decide).
 */
export interface StepDecisionDoc {
  _id: string;
  source: string;
  executionId: string;
  stepIndex: number;
  decision: Decision;
}

/**
 * The head of a record (src/records/record-order.ts): the newest order stamp that claimed it and who holds it. Keyed
 * by `headKey` (src/records/keys.ts); it outlives the record, so a delete keeps its place in the record's order.
 */
export interface HeadDoc {
  _id: string;
  stamp: string;
  holder: string;
  /** The holder is a pipeline execution that has not written yet (a synchronous write answered later claims again). */
  pending?: true;
}

/** A lock (src/store/record-lock.ts): one document per locked job, with a lease. */
export interface LockDoc {
  _id: string;
  token: string;
  expiresAt: Date;
}

/**
 * One execution waiting for a reviewer (the review queue): a small copy of what the queue filters, sorts and shows,
 * written by the execution's workflow when it enters review and deleted when it leaves (src/records/review-queue.ts).
 * `_id` is the execution id (a KSUID: creation order).
 */
export interface ReviewEntryDoc {
  _id: string;
  source: string;
  targetType: TargetType;
  type: string;
  recordId: string;
  action: Action;
  pipelineDefinitionId: string;
  taskId: string;
  /** The step that waits: HUMAN_REVIEW, or a VALIDATOR whose rule sent the execution to review. */
  stepIndex: number;
  stepType: string;
  /** The bundle of the execution: a newer request for any of its records, or a failure of another operation, drops it. */
  bundleId?: string;
  /** When the request was accepted (the execution's `createdAt`). */
  createdAt: string;
  reviewSince: string;
  /** When the step's `timeout` runs out and `onTimeout` decides (about: the workflow's timer starts just after). */
  timeoutAt?: string;
  onTimeout?: 'APPROVE' | 'REJECT';
}

/**
 * A reviewer's claim on an execution waiting in review; `_id` is the execution id, so a claim is one insert and two
 * reviewers cannot both hold it (docs/ferretdb.md: inserts on `_id` are atomic, conditional updates are not).
 */
export interface AssignmentDoc {
  _id: string;
  source: string;
  by: { id: string; name: string; email?: string };
  at: string;
}
