import { SYSTEM_ACTOR } from '../src/records/actor';
import type { z } from 'zod';
import type { CatalogService, PipelineDefinition, RootProfile } from '../src/catalog/catalog';
import { SluiceError, zodDetails } from '../src/errors';
import { CREATE_ID_PATTERN, newId } from '../src/ids';
import { checkCreateMeta } from '../src/meta-rules';
import { pipelineTriggered } from '../src/pipeline/trigger';
import { headKey, recordKey } from '../src/records/keys';
import { operationStamp, type RecordOrder } from '../src/records/record-order';
import { firstMeta } from '../src/records/record-writes';
import { checkResource } from '../src/records/record-shape';
import type { RelationshipService } from '../src/records/relationships';
import { type ResourceService } from '../src/records/resources';
import { documentId } from '../src/records/keys';
import type { OperationOf, TaskService } from '../src/records/tasks';
import {
  MALFORMED, RelationshipOperationSchema, ResourceOperationSchema, type RelationshipOperation, type ResourceOperation,
} from '../src/schemas/bulk';
import { ACTIVE_EXECUTION_STATUSES, type Action, type TargetType } from '../src/domain';
import type { Store } from '../src/store/db';
import type { ChunkReceipt, ReceiptDoc, ResourceDoc, TaskDoc } from '../src/store/documents';
import { writeErrorsOf } from '../src/store/insert-batcher';
import { unpackJson } from '../src/store/packed';
import type { ActivityDeps } from './deps';
import { createPipelineActivities } from './pipeline';
import { executionWorkflowId } from '../workflows/messages';
import type { PipelineService } from '../src/records/pipelines';

type Outcome = { status: 'SUCCESS' } | { status: 'FAILURE'; error: NonNullable<ReceiptDoc['error']> } | { status: 'PENDING' } | { status: 'CANCELLED'; error: NonNullable<ReceiptDoc['error']> };

function describe(raw: Record<string, unknown>): { action: Action; type: string; id: string } {
  const action = (['CREATE', 'UPSERT', 'UPDATE', 'DELETE'] as const).find((a) => a === raw.action) ?? 'CREATE';
  const body = (raw[action.toLowerCase()] ?? {}) as Record<string, unknown>;
  const from = (body.from ?? {}) as Record<string, unknown>;
  const to = (body.to ?? {}) as Record<string, unknown>;
  const id = typeof body.id === 'string' ? body.id : typeof from.id === 'string' && typeof to.id === 'string' ? `${from.id}.${to.id}` : '';
  return { action, type: typeof body.type === 'string' ? body.type : '', id };
}

function invalidOperation(error: z.ZodError): Outcome {
  return { status: 'FAILURE', error: { type: 'INVALID_ARGUMENT', message: 'invalid operation', details: zodDetails(error).slice(0, 100) } };
}

/**
 * The outcome of an operation that threw. A SluiceError is the operation's FAILURE. So is an error of the code
 * itself on this operation's data (TypeError, RangeError): a retry would throw it again and wedge the whole bulk,
 * so it fails alone. Anything else (the database, the network, a transient SluiceError) is thrown, and the chunk's
 * activity retries.
 */
function failure(err: unknown): Outcome {
  // Temporal away, a record too busy: the chunk's activity is tried again, and the operation with it.
  if (err instanceof SluiceError && err.transient) throw err;
  if (err instanceof SluiceError) return { status: 'FAILURE', error: { type: err.type, message: err.message, ...(err.details.length ? { details: err.details.slice(0, 100) } : {}) } };
  if (err instanceof TypeError || err instanceof RangeError) return { status: 'FAILURE', error: { type: 'INTERNAL', message: 'the operation could not be processed (internal error)' } };
  throw err;
}

/**
 * The outcome of an operation that took the single path: handed to its pipeline (PENDING), persisted, or settled
 * without a write of its own (its receipt written by the write path: overtaken by a newer request, CANCELLED).
 */
function outcomeOf(status: 'PERSISTED' | 'ACCEPTED' | 'SETTLED', receipt?: 'SUCCESS' | 'CANCELLED'): Outcome {
  if (status === 'ACCEPTED') return { status: 'PENDING' };
  if (status === 'SETTLED' && receipt === 'CANCELLED') return { status: 'CANCELLED', error: { type: 'FAILED_PRECONDITION', message: 'overtaken by a newer request for its record' } };
  return { status: 'SUCCESS' };
}

/**
 * The worker's half of a bulk: runs the staged chunks in order, each operation independently (an invalid
 * one is a FAILURE receipt). CREATEs that trigger no step are validated and inserted in batches; every other
 * operation takes the single-operation path, so supersession and pipelines behave exactly as for single requests.
 * The API's half (src/services/bulk.ts) stages the chunks and starts the workflow.
 */
export class ChunkRunner {
  private readonly store: Store;
  private readonly catalog: CatalogService;
  private readonly resources: ResourceService;
  private readonly relationships: RelationshipService;
  private readonly tasks: TaskService;
  private readonly pipelines: PipelineService;
  private readonly order: RecordOrder;
  private readonly cancelQueued: (executionId: string) => Promise<unknown>;
  private readonly now: () => Date;

  constructor(deps: ActivityDeps) {
    ({ store: this.store, catalog: this.catalog, resources: this.resources, relationships: this.relationships, tasks: this.tasks } = deps);
    this.pipelines = deps.pipelines;
    this.order = deps.order;
    this.cancelQueued = createPipelineActivities(deps).cancelQueued;
    this.now = deps.now ?? (() => new Date());
  }

  /** How many of the bulk's executions are still running (not waiting for a reviewer): the workflow's brake. */
  async openExecutions(taskId: string): Promise<number> {
    return this.store.executions.countDocuments({ 'operation.taskId': taskId, status: 'IN_PROGRESS' });
  }

  /**
   * Runs the bulk's chunks from `from` on, in order, and stops after `maxChunks`, at the end, or after a
   * chunk that handed operations to pipelines (so the workflow can wait for them). One chunk's inserts and
   * progress write go on in the background while the next chunk is read and validated; they are sent in
   * order, and `progressed(next)` is called once everything before `next` is written. After the last chunk
   * the staged operations are dropped. Idempotent: see runChunk.
   */
  async processChunks(taskId: string, from: number, opts: { retry: boolean; maxChunks: number; progressed?: (next: number) => void }): Promise<{ next: number; handedOff: number }> {
    const task = await this.store.tasks.findOne({ _id: taskId });
    // No such bulk (or not a bulk): nothing is left to run.
    if (!task?.targetType || !task.chunkStarts) return { next: Number.MAX_SAFE_INTEGER, handedOff: 0 };
    const chunkCount = task.chunkStarts.length;
    const end = Math.min(chunkCount, from + opts.maxChunks);
    const batch = new CreateBatch(this.store, this.order);
    let handedOff = 0;
    let chunk = from;
    while (chunk < end) {
      handedOff += await this.runChunk(task, task.targetType, chunk, batch, opts.retry);
      const next = ++chunk;
      batch.then(() => opts.progressed?.(next));
      if (handedOff > 0) break;
    }
    await batch.flush();
    // Every chunk ran and wrote its progress: the staged operations are dropped (a retry finds none, and
    // has nothing left to do).
    if (chunk >= chunkCount) await this.store.bulkChunks.deleteMany({ _id: { $in: Array.from({ length: chunkCount }, (_, i) => `${taskId}:${i}`) } });
    return { next: chunk, handedOff };
  }

  /**
   * Reads, validates and runs one chunk; returns how many operations it handed to pipelines. Its batched
   * CREATEs and its progress write may still be in flight in `batch` when it returns. Operations the chunk
   * settles itself (CREATEs inserted in batches, operations that fail validation) leave their receipts in
   * the chunk's progress document and are simply redone by a retried run (their writes carry
   * `{taskId}:{seq}`, so a record inserted by the lost run is recognised). Operations on the single path write
   * a receipt document each, and a retried run skips those.
   */
  private async runChunk(task: TaskDoc, targetType: TargetType, chunk: number, batch: CreateBatch, retry: boolean): Promise<number> {
    const { _id: taskId, source } = task;
    const doc = await this.store.bulkChunks.findOne({ _id: `${taskId}:${chunk}` });
    if (!doc) return 0;
    const ops = await unpackJson<Record<string, unknown>[]>(doc.ops);
    // On a retry, an operation with a receipt document already ran: final, or handed to its pipeline. A first
    // attempt has none to find, and skips the query.
    const receipts = retry ? await this.store.receipts.find({ taskId, seq: { $gte: doc.start, $lt: doc.start + ops.length } }, { projection: { seq: 1, status: 1 } }).toArray() : [];
    const done = new Set(receipts.map((r) => r.seq));
    const counts = { SUCCESS: 0, FAILURE: 0, CANCELLED: 0 };
    const handedOff: number[] = [];
    const settledHere: ChunkReceipt[] = [];
    const count = (seq: number, status: ReceiptDoc['status']): void => {
      if (status === 'PENDING') handedOff.push(seq);
      else counts[status]++;
    };
    for (const r of receipts) {
      count(r.seq, r.status);
      if (r.status === 'PENDING') await this.handOffAgain(`${taskId}:${r.seq}`);
    }
    const ctx = { source, taskId, profiles: new Map<string, RootProfile | SluiceError>(), pipelineOf: new Map<string, PipelineDefinition | undefined>() };
    const active = await this.activeRecords(source, targetType, ops);
    /** An outcome this run settles: its receipt goes to the chunk's progress document. */
    const settleHere: Settle = (seq, raw, outcome) => {
      count(seq, outcome.status);
      if (outcome.status === 'PENDING') return;
      settledHere.push({ seq, targetType, ...describe(raw), status: outcome.status, completedAt: this.now().toISOString(), ...('error' in outcome ? { error: outcome.error } : {}) });
    };
    /** An outcome of the single path: a failure gets its receipt document now, so a retried run skips it. */
    const settleSingle = async (op: OperationOf, raw: Record<string, unknown>, outcome: Outcome): Promise<void> => {
      count(op.seq, outcome.status);
      if (outcome.status === 'FAILURE') await this.tasks.completeReceipt(op, { source, targetType, ...describe(raw) }, 'FAILURE', outcome.error);
    };
    for (const [i, raw] of ops.entries()) {
      const seq = doc.start + i;
      if (done.has(seq)) continue;
      const op: OperationOf = {
        taskId, seq, opKey: `${taskId}:${seq}`, receivedAt: task.createdAt, userInfo: task.userInfo ?? SYSTEM_ACTOR,
        ...(task.stamp ? { stamp: operationStamp(task.stamp, seq) } : {}), ...(retry ? { retried: true } : {}),
      };
      const malformed = raw[MALFORMED] as { line: number; message: string } | undefined;
      if (malformed) {
        // A line of an NDJSON body that was not an operation: its receipt names the line.
        settleHere(seq, raw, { status: 'FAILURE', error: { type: 'INVALID_ARGUMENT', message: malformed.message, details: [{ path: `line ${malformed.line}`, message: malformed.message }] } });
        continue;
      }
      if (targetType === 'RESOURCE') {
        const parsed = ResourceOperationSchema.safeParse(raw);
        if (!parsed.success) {
          settleHere(seq, raw, invalidOperation(parsed.error));
          continue;
        }
        const fast = parsed.data.action === 'CREATE' ? await this.prepareCreate(ctx, parsed.data, active) : undefined;
        if (fast && 'doc' in fast) {
          if (batch.has(fast.doc._id)) await batch.flush();
          batch.add(op, raw, fast.doc, settleHere);
          continue;
        }
        if (fast) {
          settleHere(seq, raw, fast.outcome);
          continue;
        }
        await batch.flush();
        await settleSingle(op, raw, await this.resourceOp(source, parsed.data, op));
        // Later CREATEs of this record in the chunk must take the single path too, which supersedes.
        active.add(recordKey(source, 'RESOURCE', describe(raw).type, describe(raw).id));
      } else {
        await batch.flush();
        const parsed = RelationshipOperationSchema.safeParse(raw);
        if (!parsed.success) settleHere(seq, raw, invalidOperation(parsed.error));
        else await settleSingle(op, raw, await this.relationshipOp(source, parsed.data, op));
      }
    }
    // The progress is written once the chunk's last batch is in.
    batch.then(() => this.tasks.recordChunkProgress(taskId, chunk, counts, handedOff, settledHere));
    return handedOff.length;
  }

  /**
   * On a retried chunk, an operation handed to a pipeline may have been recorded without reaching Temporal (the
   * lost attempt failed between the two). Its execution, still IN_PROGRESS with no workflow of its own, is handed
   * over again, unless a newer request for its record came meanwhile (a newer execution, or a synchronous write or
   * delete: PipelineService.supersededSince): then the newer request stands, and this one is cancelled, as it would
   * have been superseded. An ended execution, or one whose workflow runs, is left alone.
   */
  private async handOffAgain(opKey: string): Promise<void> {
    const execution = await this.store.executions.findOne({ opKey });
    if (!execution || execution.status !== 'IN_PROGRESS') return;
    if (await this.pipelines.workflowRuns(executionWorkflowId(execution._id))) return;
    if (await this.pipelines.supersededSince(execution)) {
      await this.cancelQueued(execution._id);
      return;
    }
    const { target } = execution.operation;
    await this.pipelines.handOff({ source: execution.source, targetType: target.targetType, type: target.type, id: target.id }, { executionId: execution._id, ...(execution.stamp ? { stamp: execution.stamp } : {}) });
  }

  /** Records that have an active execution: their operations take the single path, which supersedes. */
  private async activeRecords(source: string, targetType: TargetType, ops: Record<string, unknown>[]): Promise<Set<string>> {
    if (!(await this.store.executions.findOne({ source, status: { $in: [...ACTIVE_EXECUTION_STATUSES] } }, { projection: { _id: 1 } }))) return new Set();
    const keys = ops.map((raw) => {
      const { type, id } = describe(raw);
      return recordKey(source, targetType, type, id);
    });
    const found = await this.store.executions.find({ recordKey: { $in: keys }, status: { $in: [...ACTIVE_EXECUTION_STATUSES] } }, { projection: { recordKey: 1 } }).toArray();
    return new Set(found.map((e) => e.recordKey));
  }

  /**
   * The fast path of a CREATE that triggers no step: validated here, inserted with its batch. Returns
   * undefined when the operation must take the single path (it triggers a step, or its record is active).
   */
  private async prepareCreate(
    ctx: { source: string; taskId: string; profiles: Map<string, RootProfile | SluiceError>; pipelineOf: Map<string, PipelineDefinition | undefined> },
    op: Extract<ResourceOperation, { action: 'CREATE' }>,
    active: Set<string>,
  ): Promise<{ doc: ResourceDoc } | { outcome: Outcome } | undefined> {
    const { type, data, contained, meta } = op.create;
    const id = op.create.id ?? newId();
    if (active.has(recordKey(ctx.source, 'RESOURCE', type, id))) return undefined;
    if (!ctx.profiles.has(type)) ctx.profiles.set(type, await this.catalog.rootProfile(ctx.source, type).catch((err: unknown) => { if (err instanceof SluiceError) return err; throw err; }));
    const profile = ctx.profiles.get(type);
    if (profile instanceof SluiceError) return { outcome: failure(profile) };
    if (!profile) return undefined;
    if (!ctx.pipelineOf.has(type)) ctx.pipelineOf.set(type, await this.catalog.pipeline(ctx.source, type));
    const checked = checkResource(profile, type, id, { data, contained }, { action: 'CREATE' });
    const details = [
      ...(CREATE_ID_PATTERN.test(id) ? [] : [{ path: 'create.id', message: `must match ${CREATE_ID_PATTERN.source}` }]),
      ...checkCreateMeta(meta, this.now(), 'create.meta'),
      ...checked.details,
    ];
    if (details.length) return { outcome: { status: 'FAILURE', error: { type: 'INVALID_ARGUMENT', message: `the ${type} resource is invalid`, details: details.slice(0, 100) } } };
    const pipeline = ctx.pipelineOf.get(type);
    if (pipeline && pipelineTriggered(pipeline.steps, { action: 'CREATE', data: checked.data })) return undefined;
    const at = this.now().toISOString();
    const first = firstMeta(ctx.source, meta, at);
    return {
      doc: {
        _id: documentId(ctx.source, type, id), source: ctx.source, type, id, data: checked.data, contained: checked.contained,
        // The write's time, kept apart only when the sender dated the version otherwise (historical import's meta).
        meta: first, ...(first.updatedAt === at ? {} : { lastWriteAt: at }),
      },
    };
  }

  private async resourceOp(source: string, op: ResourceOperation, of: OperationOf): Promise<Outcome> {
    try {
      const out =
        op.action === 'CREATE' ? await this.resources.create(source, op.create.type, op.create, of)
        : op.action === 'UPSERT' ? await this.resources.upsert(source, op.upsert.type, op.upsert.id, op.upsert, of)
        : op.action === 'UPDATE' ? await this.resources.patch(source, op.update.type, op.update.id, op.update.patch, of)
        : await this.resources.remove(source, op.delete.type, op.delete.id, of);
      return outcomeOf(out.status, 'receipt' in out ? out.receipt : undefined);
    } catch (err) {
      return failure(err);
    }
  }

  private async relationshipOp(source: string, op: RelationshipOperation, of: OperationOf): Promise<Outcome> {
    try {
      const out =
        op.action === 'CREATE' ? await this.relationships.create(source, op.create.type, op.create, of)
        : op.action === 'UPSERT' ? await this.relationships.create(source, op.upsert.type, op.upsert, of, 'UPSERT')
        : op.action === 'UPDATE' ? await this.relationships.patch(source, op.update.type, op.update.id, op.update.patch, of)
        : await this.relationships.remove(source, op.delete.type, op.delete.id, of);
      return outcomeOf(out.status, 'receipt' in out ? out.receipt : undefined);
    } catch (err) {
      return failure(err);
    }
  }
}

/** CREATEs per `insertMany`: the fastest size for FerretDB in `scripts/probe-ferretdb.mjs` (against 250 and 10,000). */
const INSERT_BATCH = 1000;

type Settle = (seq: number, raw: Record<string, unknown>, outcome: Outcome) => void;

interface BatchItem {
  op: OperationOf;
  raw: Record<string, unknown>;
  doc: ResourceDoc;
  settle: Settle;
}

/**
 * Consecutive CREATEs of distinct new records, inserted with one `insertMany` per batch, and the writes
 * that must follow them. Everything is sent in order on one queue, never two calls at once, while the
 * caller goes on validating what comes next; `flush` sends what is left and waits for the queue to drain.
 */
class CreateBatch {
  private items: BatchItem[] = [];
  private ids = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store, private readonly order: RecordOrder) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(op: OperationOf, raw: Record<string, unknown>, doc: ResourceDoc, settle: Settle): void {
    // The record is its own history item until a later write replaces it: its entry is its task's CREATE, named by
    // `createdBy` (src/records/history.ts), so the batch's records carry no entry of their own.
    this.items.push({ op, raw, doc: { ...doc, createdBy: op.opKey }, settle });
    this.ids.add(doc._id);
    if (this.items.length >= INSERT_BATCH) this.send();
  }

  /** Queues a write after the batches sent so far (the pending items are sent first). */
  then(fn: () => unknown): void {
    this.send();
    this.enqueue(async () => {
      await fn();
    });
  }

  /** Sends what is left and waits until the queue is drained; a failure of any queued write surfaces here. */
  async flush(): Promise<void> {
    this.send();
    await this.queue;
  }

  private send(): void {
    if (!this.items.length) return;
    const items = this.items;
    this.items = [];
    this.ids = new Set();
    this.enqueue(() => this.insert(items));
  }

  private enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn);
    // Marked handled here; the rejection is still thrown to whoever awaits the queue in flush.
    this.queue.catch(() => undefined);
  }

  /** Inserts the records; a duplicate is this operation's own write (a retried run) or a FAILURE. */
  private async insert(items: BatchItem[]): Promise<void> {
    const failedIndexes = new Set<number>();
    try {
      await this.store.resources.insertMany(items.map((i) => i.doc), { ordered: false });
    } catch (err) {
      const list = writeErrorsOf(err);
      if (!list.length) throw err;
      for (const e of list) {
        if (e.code !== 11000) throw err;
        failedIndexes.add(e.index);
      }
    }
    // A duplicate is this operation's own earlier insert when a chunk is retried (a later operation of the bulk may
    // have changed the record since: `createdBy` stays); else the id was taken.
    const mine = await Promise.all(items.map(async (item, index) => {
      if (!failedIndexes.has(index)) return true;
      const stored = await this.store.resources.findOne({ _id: item.doc._id }, { projection: { createdBy: 1 } });
      return stored?.createdBy === item.op.opKey;
    }));
    // The batch's records were inserted without claims: a newer request that claimed one of them since the bulk was
    // accepted (src/records/record-order.ts) overtakes its CREATE, which is taken back while it is still the version
    // the bulk inserted, and ends CANCELLED. A version written over it since counts as applied.
    const heads = await this.order.heads(items.map((i) => headKey('RESOURCE', i.doc._id)));
    const overtaken = await Promise.all(items.map(async (item) => {
      const head = heads.get(headKey('RESOURCE', item.doc._id));
      if (!item.op.stamp || !head || head.stamp <= item.op.stamp || head.holder === item.op.opKey) return false;
      const res = await this.store.resources.deleteOne({ _id: item.doc._id, 'meta.versionId': '1', createdBy: item.op.opKey });
      return res.deletedCount === 1 || !mine[items.indexOf(item)];
    }));
    for (const [index, item] of items.entries()) {
      const what = `resource ${item.doc.type}/${item.doc.id}`;
      item.settle(item.op.seq, item.raw, overtaken[index]
        ? { status: 'CANCELLED', error: { type: 'FAILED_PRECONDITION', message: `a newer request for ${what} was answered after this operation's request was accepted; the newer one stands` } }
        : mine[index] ? { status: 'SUCCESS' } : { status: 'FAILURE', error: { type: 'ALREADY_EXISTS', message: `${what} already exists` } });
    }
  }
}
