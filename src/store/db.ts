import { InsertBatcher } from './insert-batcher';
import { RECORD_LOCKS, type LockDoc } from './record-lock';
import { MongoClient, type Collection, type Db, type Filter } from 'mongodb';

/** Metadata every stored record carries (SPEC §1). */
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
export type RelationshipDefinitionDoc = DefinitionDoc;

export interface PipelineDoc {
  _id: string;
  source: string;
  collectionKey: string;
  revision: number;
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
  /** Id of the bulk operation whose batched CREATE inserted the record (kept by later writes): a retried chunk finds its own. */
  createdBy?: string;
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
}

export type Role = 'admin' | 'ingest' | 'review' | 'read';

export interface ApiKeyDoc {
  _id: string;
  name: string;
  email?: string;
  roles: Role[];
  sources: string[];
  hash: string;
  createdAt: string;
}

export type ReceiptStatus = 'SUCCESS' | 'PENDING' | 'FAILURE' | 'CANCELLED';
export type Action = 'CREATE' | 'UPSERT' | 'UPDATE' | 'DELETE';
export type TargetType = 'RESOURCE' | 'RELATIONSHIP';

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
  kind: 'SINGLE' | 'BULK' | 'BUNDLE' | 'PURGE';
  operationCount: number;
  /** Bulk tasks: what the operations target. */
  targetType?: TargetType;
  /** Bulk tasks: the position of each staged chunk's first operation (one entry per chunk). */
  chunkStarts?: number[];
  /** Bulk tasks: each processed chunk's final counts and how many operations it handed to pipelines. */
  chunks?: Record<string, ChunkCounts>;
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
  error?: { message: string; details?: { path?: string; message: string }[] };
  pipelineExecution?: { id: string; pipelineDefinitionId: string; status: string };
}

export type ExecutionStatus = 'IN_PROGRESS' | 'IN_REVIEW' | 'SUCCESSFUL' | 'ERROR' | 'CANCELLED' | 'DROPPED';
export type StepStatus = 'PENDING' | 'IN_PROGRESS' | 'IN_REVIEW' | 'PROCESSED' | 'NOT_TRIGGERED' | 'ERROR' | 'CANCELLED';

export interface Decision {
  id: string;
  action: 'APPROVE' | 'REJECT';
  description?: string;
  author: { id: string; email?: string };
  actedAt: string;
}

export interface ExecutionStep {
  type: string;
  status: StepStatus;
  processedAt?: string;
  error?: { message: string; details?: { path?: string; message: string }[] };
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
  error?: { message: string; details?: { path?: string; message: string }[] };
}

/** The receipt's fields a ReceiptPatch sets. */
export function receiptSet(patch: ReceiptPatch): Record<string, unknown> {
  const { executionStatus, ...rest } = patch;
  return { ...rest, 'pipelineExecution.status': executionStatus };
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
  ignoredSignals: { receivedAt: string; reason: string }[];
  /**
   * What the receipt was last set to, written with the status: a retry after a crash between the
   * execution's write and the receipt's finds the execution ended and brings the receipt in line.
   */
  receiptPatch?: ReceiptPatch;
  createdAt: string;
  updatedAt: string;
}

export type PurgeStatus = 'PENDING' | 'SUCCESS' | 'FAILURE';

/** A purge of one collection (SPEC §2 purge): its counts, and the progress its workflow resumes from. */
export interface PurgeDoc {
  _id: string;
  source: string;
  collectionType: 'resources' | 'relationships';
  collectionKey: string;
  status: PurgeStatus;
  deletedCount: number;
  relationshipsDeletedCount?: number;
  cancelledExecutions: number;
  createdAt: string;
  completedAt?: string;
  error?: { message: string };
  /** The stage and batch to run next; `claim` is the batch in flight, so a retry neither loses nor recounts it. */
  progress: { stage: number; batch: number; cursor?: string };
  claim?: { stage: number; batch: number; ids: string[] };
}

/** Typed handles on every collection Sluice uses. */
export interface Store {
  client: MongoClient;
  db: Db;
  sources: Collection<SourceDoc>;
  profiles: Collection<ProfileDoc>;
  relationshipDefinitions: Collection<RelationshipDefinitionDoc>;
  pipelines: Collection<PipelineDoc>;
  resources: Collection<ResourceDoc>;
  relationships: Collection<RelationshipDoc>;
  apiKeys: Collection<ApiKeyDoc>;
  tasks: Collection<TaskDoc>;
  receipts: Collection<ReceiptDoc>;
  executions: Collection<ExecutionDoc>;
  purges: Collection<PurgeDoc>;
  /** Inserts of the write paths (single writes, hand-offs to pipelines, record locks), group-committed (see InsertBatcher). */
  inserts: {
    resources: InsertBatcher<ResourceDoc>;
    relationships: InsertBatcher<RelationshipDoc>;
    tasks: InsertBatcher<TaskDoc>;
    receipts: InsertBatcher<ReceiptDoc>;
    executions: InsertBatcher<ExecutionDoc>;
    recordLocks: InsertBatcher<LockDoc>;
  };
  close(): Promise<void>;
}

/** Connects to MongoDB (or FerretDB) and returns the collections; the driver reconnects by itself. */
export async function connectStore(uri: string, dbName: string): Promise<Store> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, appName: 'sluice' });
  await client.connect();
  const db = client.db(dbName);
  return {
    client,
    db,
    inserts: {
      resources: new InsertBatcher(db.collection<ResourceDoc>('resources')),
      relationships: new InsertBatcher(db.collection<RelationshipDoc>('relationships')),
      tasks: new InsertBatcher(db.collection<TaskDoc>('tasks')),
      receipts: new InsertBatcher(db.collection<ReceiptDoc>('receipts')),
      executions: new InsertBatcher(db.collection<ExecutionDoc>('executions')),
      recordLocks: new InsertBatcher(db.collection<LockDoc>(RECORD_LOCKS)),
    },
    sources: db.collection('sources'),
    profiles: db.collection('profiles'),
    relationshipDefinitions: db.collection('relationship_definitions'),
    pipelines: db.collection('pipelines'),
    resources: db.collection('resources'),
    relationships: db.collection('relationships'),
    apiKeys: db.collection('api_keys'),
    tasks: db.collection('tasks'),
    receipts: db.collection('receipts'),
    executions: db.collection('executions'),
    purges: db.collection('purges'),
    close: () => client.close(),
  };
}

/** Creates the indexes the reads need; idempotent, run at start-up by the API and the worker. */
export async function ensureIndexes(store: Store): Promise<void> {
  await Promise.all([
    store.profiles.createIndex({ source: 1, key: 1 }, { unique: true }),
    store.relationshipDefinitions.createIndex({ source: 1, key: 1 }, { unique: true }),
    store.pipelines.createIndex({ source: 1, collectionKey: 1, revision: 1 }, { unique: true }),
    store.resources.createIndex({ source: 1, type: 1, id: 1 }, { unique: true }),
    store.relationships.createIndex({ source: 1, type: 1, id: 1 }, { unique: true }),
    store.relationships.createIndex({ source: 1, 'from.type': 1, 'from.id': 1 }),
    store.relationships.createIndex({ source: 1, 'to.type': 1, 'to.id': 1 }),
    store.apiKeys.createIndex({ hash: 1 }, { unique: true }),
    store.receipts.createIndex({ taskId: 1, seq: 1 }, { unique: true }),
    store.receipts.createIndex({ taskId: 1, status: 1 }),
    store.executions.createIndex({ recordKey: 1, status: 1 }),
    store.executions.createIndex({ source: 1, status: 1, _id: 1 }),
    store.executions.createIndex({ opKey: 1 }),
  ]);
}

/** True when a write failed on a unique index (E11000). */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * A document of one source by its `_id`, null when absent or another source's. The filter is the `_id`
 * alone, the only one FerretDB on SQLite answers from an index; the source is checked here.
 */
export async function findOfSource<T extends { _id: string; source: string }>(collection: Collection<T>, _id: string, source: string): Promise<T | null> {
  const doc = (await collection.findOne({ _id } as Filter<T>)) as T | null;
  return doc?.source === source ? doc : null;
}
