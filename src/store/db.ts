import { MongoClient, type Collection, type Db, type Filter } from 'mongodb';
import type {
  AssignmentDoc,
  ConceptDoc,
  HistoryBatchDoc,
  HistoryDoc,
  VocabularyDoc,
  ApiKeyDoc, BulkChunkDoc, BundleDoc, ChunkProgressDoc, ExecutionDoc, HeadDoc, LockDoc, StepDecisionDoc, PipelineDoc, ProfileDoc, PurgeDoc, ReceiptDoc,
  RelationshipDefinitionDoc, RelationshipDoc, ResourceDoc, ReviewEntryDoc, SourceDoc, TaskDoc, WorkflowStartDoc, IdempotencyKeyDoc } from './documents';
import { InsertBatcher } from './insert-batcher';
import { insertHistoryBatch } from './history-batches';

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
  /** A bundle's staged operations and progress (written by its workflow only). */
  bundles: Collection<BundleDoc>;
  /** A bulk's staged operations, one document per chunk, dropped once every chunk ran. */
  bulkChunks: Collection<BulkChunkDoc>;
  /** What each run of a bulk chunk did (its receipts, packed). */
  bulkProgress: Collection<ChunkProgressDoc>;
  /** Locks of one-at-a-time jobs such as a purge's start (src/store/record-lock.ts). */
  recordLocks: Collection<LockDoc>;
  /** Each record's head: the newest request that claimed it (src/records/record-order.ts). */
  recordHeads: Collection<HeadDoc>;
  /** The decision of each review step, one document per step (src/records/pipelines.ts, decide). */
  stepDecisions: Collection<StepDecisionDoc>;
  /** Every applied operation of every record (version history), written by the record's writer. */
  history: Collection<HistoryDoc>;
  historyBatches: Collection<HistoryBatchDoc>;
  /** The terminology module: vocabularies and their concepts, for profile `binding`s. */
  vocabularies: Collection<VocabularyDoc>;
  concepts: Collection<ConceptDoc>;
  /** The executions waiting in review (written by their workflows) and reviewers' claims on them (written by the API). */
  reviewQueue: Collection<ReviewEntryDoc>;
  reviewAssignments: Collection<AssignmentDoc>;
  /** A bulk's `Idempotency-Key` and the task it made (src/services/bulk.ts). */
  idempotencyKeys: Collection<IdempotencyKeyDoc>;
  /** Bulk and bundle workflow starts an API recorded and Temporal has not confirmed yet (src/records/workflow-starts.ts). */
  workflowStarts: Collection<WorkflowStartDoc>;
  /** Inserts of the write paths (single writes, hand-offs to pipelines, locks), group-committed (see InsertBatcher). */
  inserts: {
    resources: InsertBatcher<ResourceDoc>;
    relationships: InsertBatcher<RelationshipDoc>;
    tasks: InsertBatcher<TaskDoc>;
    receipts: InsertBatcher<ReceiptDoc>;
    executions: InsertBatcher<ExecutionDoc>;
    recordLocks: InsertBatcher<LockDoc>;
    history: InsertBatcher<HistoryDoc>;
  };
  close(): Promise<void>;
}

/** Connects to MongoDB (or FerretDB) and returns the collections; the driver reconnects by itself. */
export async function connectStore(uri: string, dbName: string): Promise<Store> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, appName: 'sluice' });
  await client.connect();
  const db = client.db(dbName);
  const historyBatches = db.collection<HistoryBatchDoc>('history_batches');
  return {
    client,
    db,
    inserts: {
      resources: new InsertBatcher(db.collection<ResourceDoc>('resources')),
      relationships: new InsertBatcher(db.collection<RelationshipDoc>('relationships')),
      tasks: new InsertBatcher(db.collection<TaskDoc>('tasks')),
      receipts: new InsertBatcher(db.collection<ReceiptDoc>('receipts')),
      executions: new InsertBatcher(db.collection<ExecutionDoc>('executions')),
      recordLocks: new InsertBatcher(db.collection<LockDoc>('record_locks')),
      // Single writes' history items: a group of several goes out as one batch document.
      history: new InsertBatcher(db.collection<HistoryDoc>('history'), 500, (items) => insertHistoryBatch(historyBatches, items as HistoryDoc[])),
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
    bundles: db.collection('bundles'),
    bulkChunks: db.collection('bulk_chunks'),
    bulkProgress: db.collection('bulk_progress'),
    recordLocks: db.collection('record_locks'),
    recordHeads: db.collection('record_heads'),
    stepDecisions: db.collection('step_decisions'),
    history: db.collection('history'),
    historyBatches,
    vocabularies: db.collection('vocabularies'),
    concepts: db.collection('concepts'),
    reviewQueue: db.collection('review_queue'),
    reviewAssignments: db.collection('review_assignments'),
    workflowStarts: db.collection('workflow_starts'),
    idempotencyKeys: db.collection('idempotency_keys'),
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
    store.history.createIndex({ record: 1, timestamp: 1, operationId: 1 }),
    store.concepts.createIndex({ vocabularyKey: 1, code: 1 }),
    store.historyBatches.createIndex({ records: 1 }),
    store.reviewQueue.createIndex({ source: 1, _id: 1 }),
    store.reviewAssignments.createIndex({ source: 1 }),
  ]);
}

/** True when a write failed on a unique index (E11000). */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** A document of one source by its `_id`, null when absent or another source's: `_id` alone is indexed (docs/ferretdb.md). */
export async function findOfSource<T extends { _id: string; source: string }>(collection: Collection<T>, _id: string, source: string): Promise<T | null> {
  const doc = (await collection.findOne({ _id } as Filter<T>)) as T | null;
  return doc?.source === source ? doc : null;
}
