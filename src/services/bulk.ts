import type { Client } from '@temporalio/client';
import { ApiError } from '../errors';
import { newId, newTaskId, RECORD_ID_PATTERN } from '../ids';
import { checkCreateMeta } from '../meta-rules';
import { pipelineTriggered } from '../pipeline/trigger';
import {
  RelationshipOperationSchema, ResourceOperationSchema, type RelationshipOperation, type ResourceOperation,
} from '../schemas/bulk';
import type { Action, ReceiptDoc, ResourceDoc, Store, TargetType } from '../store/db';
import { firstMeta } from '../store/record-writes';
import { replaceRootIds } from '../validation/root-id';
import { bulkWorkflow } from '../../workflows/bulk';
import { formatPath } from '../http/validate';
import type { CatalogService, PipelineDefinition, RootProfile } from './catalog';
import { recordKey } from './pipelines';
import { normalizeContained } from './record-shape';
import type { RelationshipService } from './relationships';
import { resourceKey, type ResourceService } from './resources';
import { receiptOf, type OperationOf, type TaskService } from './tasks';
import type { z } from 'zod';

/** Operations staged per chunk document; a chunk is what one activity processes. */
export const CHUNK_SIZE = 1000;
/** A chunk document stays well below MongoDB's 16 MB document limit. */
const CHUNK_BYTES = 4 * 1024 * 1024;

export interface BulkChunkDoc {
  _id: string;
  taskId: string;
  chunk: number;
  /** Position of the chunk's first operation in the bulk. */
  start: number;
  ops: Record<string, unknown>[];
}

export interface BulkDoc {
  _id: string;
  source: string;
  targetType: TargetType;
  chunkCount: number;
  createdAt: string;
}

type Outcome = { status: 'SUCCESS' } | { status: 'FAILURE'; error: NonNullable<ReceiptDoc['error']> } | { status: 'PENDING' };

function describe(raw: Record<string, unknown>): { action: Action; type: string; id: string } {
  const action = (['CREATE', 'UPSERT', 'UPDATE', 'DELETE'] as const).find((a) => a === raw.action) ?? 'CREATE';
  const body = (raw[action.toLowerCase()] ?? {}) as Record<string, unknown>;
  const from = (body.from ?? {}) as Record<string, unknown>;
  const to = (body.to ?? {}) as Record<string, unknown>;
  const id = typeof body.id === 'string' ? body.id : typeof from.id === 'string' && typeof to.id === 'string' ? `${from.id}.${to.id}` : '';
  return { action, type: typeof body.type === 'string' ? body.type : '', id };
}

function invalidOperation(error: z.ZodError): Outcome {
  return { status: 'FAILURE', error: { message: 'invalid operation', details: error.issues.slice(0, 100).map((x) => ({ path: formatPath(x.path), message: x.message })) } };
}

function failure(err: unknown): Outcome {
  if (err instanceof ApiError) return { status: 'FAILURE', error: { message: err.message, ...(err.details.length ? { details: err.details.slice(0, 100) } : {}) } };
  throw err;
}

/**
 * Bulk ingestion (SPEC §2): the request is staged in MongoDB in chunks and a workflow processes them in
 * order. Each operation is independent (an invalid one is a FAILURE receipt). CREATEs that trigger no step
 * are validated and inserted in batches; every other operation takes the single-operation path, so
 * supersession and pipelines behave exactly as for single requests.
 */
export class BulkService {
  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogService,
    private readonly resources: ResourceService,
    private readonly relationships: RelationshipService,
    private readonly tasks: TaskService,
    private readonly temporal: { client: Client; taskQueue: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get bulks() {
    return this.store.db.collection<BulkDoc>('bulks');
  }

  private get chunks() {
    return this.store.db.collection<BulkChunkDoc>('bulk_chunks');
  }

  /** Stages the operations and starts the bulk's workflow: 202 `{taskId, bulkId, status:'ACCEPTED'}`. */
  async accept(source: string, targetType: TargetType, operations: Record<string, unknown>[]): Promise<{ taskId: string; bulkId: string; status: 'ACCEPTED' }> {
    const taskId = newTaskId('BULK');
    const at = this.now().toISOString();
    // Generated ids are fixed now, so a retried chunk creates the same records, never a second one.
    for (const op of operations) {
      const create = op.action === 'CREATE' && targetType === 'RESOURCE' ? (op.create as Record<string, unknown> | undefined) : undefined;
      if (create && typeof create === 'object' && (create.id === undefined || create.id === '@rootId')) create.id = newId();
    }
    const docs: BulkChunkDoc[] = [];
    let current: BulkChunkDoc | undefined;
    let bytes = 0;
    operations.forEach((op, i) => {
      const size = JSON.stringify(op).length;
      if (!current || current.ops.length >= CHUNK_SIZE || bytes + size > CHUNK_BYTES) {
        current = { _id: `${taskId}:${docs.length}`, taskId, chunk: docs.length, start: i, ops: [] };
        docs.push(current);
        bytes = 0;
      }
      current.ops.push(op);
      bytes += size;
    });
    for (let i = 0; i < docs.length; i += 20) await this.chunks.insertMany(docs.slice(i, i + 20));
    await this.bulks.insertOne({ _id: taskId, source, targetType, chunkCount: docs.length, createdAt: at });
    await this.store.tasks.insertOne({ _id: taskId, source, kind: 'BULK', operationCount: operations.length, chunkCount: docs.length, createdAt: at });
    await this.temporal.client.workflow.start(bulkWorkflow, {
      workflowId: `bulk:${taskId}`,
      taskQueue: this.temporal.taskQueue,
      args: [{ taskId, chunkCount: docs.length, next: 0 }],
      staticSummary: `Bulk ${taskId} of source ${source}: ${operations.length} ${targetType.toLowerCase()} operations`,
    });
    return { taskId, bulkId: taskId, status: 'ACCEPTED' };
  }

  /** How many of the bulk's executions are still running (not waiting for a reviewer): the workflow's brake. */
  async openExecutions(taskId: string): Promise<number> {
    return this.store.executions.countDocuments({ 'operation.taskId': taskId, status: 'IN_PROGRESS' });
  }

  /** Drops the staged operations once every chunk ran. */
  async cleanup(taskId: string): Promise<void> {
    await this.chunks.deleteMany({ taskId });
  }

  /** Runs one chunk; idempotent: operations whose receipt is final are skipped, writes carry `{taskId}:{seq}`. */
  async processChunk(taskId: string, chunk: number, retry = true): Promise<{ processed: number }> {
    const bulk = await this.bulks.findOne({ _id: taskId });
    const doc = await this.chunks.findOne({ _id: `${taskId}:${chunk}` });
    if (!bulk || !doc) return { processed: 0 };
    // On a retry, an operation with a receipt already ran: final, or handed to its pipeline. A first attempt
    // has none to find, and skips the query.
    const receipts = retry ? await this.store.receipts.find({ taskId, seq: { $gte: doc.start, $lt: doc.start + doc.ops.length } }, { projection: { seq: 1, status: 1 } }).toArray() : [];
    const done = new Set(receipts.map((r) => r.seq));
    // What this run leaves in the chunk's progress document (counted by the task API without scanning receipts).
    const progress = { SUCCESS: 0, FAILURE: 0, CANCELLED: 0, handedOff: [] as number[] };
    const count = (seq: number, status: ReceiptDoc['status']): void => {
      if (status === 'PENDING') progress.handedOff.push(seq);
      else progress[status]++;
    };
    for (const r of receipts) count(r.seq, r.status);
    const receivedAt = bulk.createdAt;
    const batch = new CreateBatch(this.store, this.now);
    const ctx = { source: bulk.source, taskId, profiles: new Map<string, RootProfile | ApiError>(), pipelineOf: new Map<string, PipelineDefinition | undefined>() };
    const active = await this.activeRecords(bulk.source, bulk.targetType, doc.ops);
    const settle = async (op: OperationOf, raw: Record<string, unknown>, outcome: Outcome): Promise<void> => {
      count(op.seq, outcome.status);
      if (outcome.status === 'FAILURE') await this.tasks.completeReceipt(op, { source: bulk.source, targetType: bulk.targetType, ...describe(raw) }, 'FAILURE', outcome.error);
    };
    const flush = (): Promise<void> => batch.flush(settle);
    for (const [i, raw] of doc.ops.entries()) {
      const seq = doc.start + i;
      if (done.has(seq)) continue;
      const op: OperationOf = { taskId, seq, opKey: `${taskId}:${seq}`, receivedAt };
      if (bulk.targetType === 'RESOURCE') {
        const parsed = ResourceOperationSchema.safeParse(raw);
        if (!parsed.success) {
          await settle(op, raw, invalidOperation(parsed.error));
          continue;
        }
        const fast = parsed.data.action === 'CREATE' ? await this.prepareCreate(ctx, parsed.data, active) : undefined;
        if (fast && 'doc' in fast) {
          if (batch.has(fast.doc._id)) await flush();
          batch.add(op, raw, fast.doc);
          continue;
        }
        await flush();
        await settle(op, raw, fast?.outcome ?? (await this.resourceOp(bulk.source, parsed.data, op)));
        // Later CREATEs of this record in the chunk must take the single path too, which supersedes.
        active.add(recordKey(bulk.source, 'RESOURCE', describe(raw).type, describe(raw).id));
      } else {
        await flush();
        const parsed = RelationshipOperationSchema.safeParse(raw);
        await settle(op, raw, parsed.success ? await this.relationshipOp(bulk.source, parsed.data, op) : invalidOperation(parsed.error));
      }
    }
    await flush();
    await this.tasks.recordChunkProgress(taskId, chunk, progress);
    return { processed: doc.ops.length };
  }

  /** Records that have an active execution: their operations take the single path, which supersedes. */
  private async activeRecords(source: string, targetType: TargetType, ops: Record<string, unknown>[]): Promise<Set<string>> {
    if (!(await this.store.executions.findOne({ source, status: { $in: ['IN_PROGRESS', 'IN_REVIEW'] } }, { projection: { _id: 1 } }))) return new Set();
    const keys = ops.map((raw) => {
      const { type, id } = describe(raw);
      return recordKey(source, targetType, type, id);
    });
    const found = await this.store.executions.find({ recordKey: { $in: keys }, status: { $in: ['IN_PROGRESS', 'IN_REVIEW'] } }, { projection: { recordKey: 1 } }).toArray();
    return new Set(found.map((e) => e.recordKey));
  }

  /**
   * The fast path of a CREATE that triggers no step: validated here, inserted with its batch. Returns
   * undefined when the operation must take the single path (it triggers a step, or its record is active).
   */
  private async prepareCreate(
    ctx: { source: string; taskId: string; profiles: Map<string, RootProfile | ApiError>; pipelineOf: Map<string, PipelineDefinition | undefined> },
    op: Extract<ResourceOperation, { action: 'CREATE' }>,
    active: Set<string>,
  ): Promise<{ doc: ResourceDoc } | { outcome: Outcome } | undefined> {
    const { type, data, contained, meta } = op.create;
    const id = op.create.id ?? newId();
    if (active.has(recordKey(ctx.source, 'RESOURCE', type, id))) return undefined;
    if (!ctx.profiles.has(type)) ctx.profiles.set(type, await this.catalog.rootProfile(ctx.source, type).catch((err: unknown) => { if (err instanceof ApiError) return err; throw err; }));
    const profile = ctx.profiles.get(type);
    if (profile instanceof ApiError) return { outcome: failure(profile) };
    if (!profile) return undefined;
    if (!ctx.pipelineOf.has(type)) ctx.pipelineOf.set(type, await this.catalog.pipeline(ctx.source, type));
    const tokens = new Map([['@rootId', id]]);
    const replaced = replaceRootIds(data, profile.definition, tokens);
    const normalized = normalizeContained(contained, type, id, tokens, profile.lookup);
    const details = [
      ...(RECORD_ID_PATTERN.test(id) ? [] : [{ path: 'create.id', message: `must match ${RECORD_ID_PATTERN.source}` }]),
      ...checkCreateMeta(meta, this.now(), 'create.meta'),
      ...replaced.unknownTokens, ...normalized.details,
      ...profile.compiled.validate({ data: replaced.data, contained: normalized.contained }, { action: 'CREATE' }),
    ];
    if (details.length) return { outcome: { status: 'FAILURE', error: { message: `the ${type} resource is invalid`, details: details.slice(0, 100) } } };
    const pipeline = ctx.pipelineOf.get(type);
    if (pipeline && pipelineTriggered(pipeline.steps, { action: 'CREATE', record: { id, type, data: replaced.data, contained: normalized.contained } })) return undefined;
    const at = this.now().toISOString();
    return {
      doc: {
        _id: resourceKey(ctx.source, type, id), source: ctx.source, type, id, data: replaced.data, contained: normalized.contained,
        meta: firstMeta(ctx.source, meta, at),
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
      return { status: out.status === 'ACCEPTED' ? 'PENDING' : 'SUCCESS' };
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
      return { status: out.status === 'ACCEPTED' ? 'PENDING' : 'SUCCESS' };
    } catch (err) {
      return failure(err);
    }
  }
}

/** Consecutive CREATEs of distinct new records, inserted with one `insertMany` and closed with one update. */
class CreateBatch {
  private items: { op: OperationOf; raw: Record<string, unknown>; doc: ResourceDoc }[] = [];

  constructor(private readonly store: Store, private readonly now: () => Date) {}

  private receipt(item: { op: OperationOf; doc: ResourceDoc }, at: string): ReceiptDoc {
    const { source, type, id } = item.doc;
    return receiptOf(item.op, { source, action: 'CREATE', targetType: 'RESOURCE', type, id }, 'SUCCESS', at);
  }

  has(id: string): boolean {
    return this.items.some((i) => i.doc._id === id);
  }

  add(op: OperationOf, raw: Record<string, unknown>, doc: ResourceDoc): void {
    this.items.push({ op, raw, doc: { ...doc, lastWrite: op.opKey } });
  }

  /** Inserts the records, then their final receipts; a duplicate is this operation's own write (a retry) or a FAILURE. */
  async flush(settle: (op: OperationOf, raw: Record<string, unknown>, outcome: Outcome) => Promise<void>): Promise<void> {
    if (!this.items.length) return;
    const items = this.items;
    this.items = [];
    const failedIndexes = new Set<number>();
    try {
      await this.store.resources.insertMany(items.map((i) => i.doc), { ordered: false });
    } catch (err) {
      const writeErrors = (err as { writeErrors?: Array<{ index: number; code?: number }> | { index: number; code?: number } }).writeErrors;
      const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      if (!list.length) throw err;
      for (const e of list) {
        if (e.code !== 11000) throw err;
        failedIndexes.add(e.index);
      }
    }
    const at = this.now().toISOString();
    const ok: ReceiptDoc[] = [];
    for (const [index, item] of items.entries()) {
      // A duplicate is this operation's own earlier write when a chunk is retried; else the id was taken.
      const mine = !failedIndexes.has(index) || (await this.store.resources.findOne({ _id: item.doc._id }, { projection: { lastWrite: 1 } }))?.lastWrite === item.op.opKey;
      if (mine) {
        ok.push(this.receipt(item, at));
        await settle(item.op, item.raw, { status: 'SUCCESS' });
      } else {
        await settle(item.op, item.raw, { status: 'FAILURE', error: { message: `resource ${item.doc.type}/${item.doc.id} already exists` } });
      }
    }
    if (ok.length) {
      try {
        await this.store.receipts.insertMany(ok, { ordered: false });
      } catch (err) {
        const list = (err as { writeErrors?: Array<{ code?: number }> | { code?: number } }).writeErrors;
        const errors = Array.isArray(list) ? list : list ? [list] : [];
        if (!errors.length || errors.some((e) => e.code !== 11000)) throw err;
      }
    }
  }
}
