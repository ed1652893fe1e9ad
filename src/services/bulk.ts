import type { Actor } from '../records/actor';
import type { TargetType } from '../domain';
import { newId, newTaskId } from '../ids';
import type { Store } from '../store/db';
import type { RecordOrder } from '../records/record-order';
import type { BulkChunkDoc } from '../store/documents';
import { packJson } from '../store/packed';
import type { WorkflowStarts } from '../records/workflow-starts';
import { WORKFLOW_TYPES, type BulkWorkflowInput } from '../../workflows/messages';
import { SluiceError } from '../errors';
import type { StreamedOperation } from './bulk-stream';
import { MALFORMED } from '../schemas/bulk';

/** Operations staged per chunk document; a chunk is what one activity processes. */
export const CHUNK_SIZE = 1000;
/** A chunk document stays well below MongoDB's 16 MB document limit. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The API's half of a bulk: stages the request in MongoDB in chunks and starts the bulk's workflow,
 * whose activities run the chunks in order (activities/bulk-chunks.ts).
 */
export class BulkService {
  constructor(
    private readonly store: Store,
    private readonly starts: WorkflowStarts,
    private readonly order: RecordOrder,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Stages the operations as they arrive and starts the bulk's workflow: 202 `{taskId, bulkId, status:'ACCEPTED'}`.
   * `operations` is a list, or the stream of a request body (bulk-stream.ts): the body is never held whole, each chunk
   * is written as soon as it is full. The start is recorded before anything is staged, and touched with each chunk, so
   * that the sweep neither starts a bulk whose task is missing nor removes a bulk still arriving. Once the task is
   * written the bulk is accepted, and if Temporal does not take the start within the hand-off deadline, the worker's
   * sweep starts it later (WorkflowStarts). A body that ends with an error (malformed envelope, over the limit, the
   * client gone) leaves nothing: what was staged is removed, and no task is written.
   */
  async accept(
    source: string, targetType: TargetType, operations: Iterable<Record<string, unknown>> | AsyncIterable<StreamedOperation>, by: Actor,
    opts: { idempotencyKey?: string } = {},
  ): Promise<{ taskId: string; bulkId: string; status: 'ACCEPTED'; replayed?: true }> {
    const key = opts.idempotencyKey === undefined ? undefined : `${source}:${opts.idempotencyKey}`;
    const before = key ? await this.acceptedWith(key) : undefined;
    if (before) return { taskId: before.taskId, bulkId: before.taskId, status: 'ACCEPTED', replayed: true };
    const taskId = newTaskId('BULK');
    const at = this.now().toISOString();
    const start = await this.starts.intend({
      _id: `bulk:${taskId}`, kind: 'BULK', taskId, workflowType: WORKFLOW_TYPES.bulk, args: [], staged: 0, stagingAt: at,
      staticSummary: `Bulk ${taskId} of source ${source}`,
    });
    const winner = key ? await this.claimKey(key, taskId, start._id) : undefined;
    if (winner) return { ...winner, bulkId: winner.taskId, status: 'ACCEPTED', replayed: true };
    const chunkStarts: number[] = [];
    let count = 0;
    try {
      let parts: string[] = [];
      let bytes = 0;
      // One chunk's write is in flight while the next one fills: the body is read at the pace the database takes it.
      let writing: Promise<void> = Promise.resolve();
      const flush = async (): Promise<void> => {
        if (parts.length === 0) return;
        const chunk = chunkStarts.length;
        chunkStarts.push(count - parts.length);
        const packed = packJson(`[${parts.join(',')}]`);
        parts = [];
        bytes = 0;
        const doc: BulkChunkDoc = { _id: `${taskId}:${chunk}`, taskId, chunk, start: chunkStarts[chunk] as number, ops: await packed };
        await writing;
        writing = (async () => {
          await this.store.bulkChunks.insertOne(doc);
        })();
        // Awaited by the next flush or after the last; a failure meanwhile must not count as unhandled.
        writing.catch(() => undefined);
      };
      let touched = Date.now();
      for await (const item of items(operations)) {
        if (Date.now() - touched > TOUCH_EVERY_MS) {
          touched = Date.now();
          await this.starts.touch(start._id);
        }
        // Generated ids are fixed now, so a retried chunk creates the same records, never a second one.
        const op = 'op' in item ? withGeneratedId(item.op, targetType) : { [MALFORMED]: item.malformed };
        const json = JSON.stringify(op);
        if (parts.length >= CHUNK_SIZE || bytes + json.length > CHUNK_BYTES) await flush();
        parts.push(json);
        bytes += json.length;
        count++;
      }
      await flush();
      await writing;
      if (count === 0) throw new SluiceError('INVALID_ARGUMENT', 'invalid request body', [{ path: 'operations', message: 'must hold at least one operation' }]);
    } catch (err) {
      await this.dropStaged(taskId, start._id, chunkStarts.length);
      throw err;
    }
    const input: BulkWorkflowInput = { taskId, chunkCount: chunkStarts.length, next: 0 };
    const summary = `Bulk ${taskId} of source ${source}: ${count} ${targetType.toLowerCase()} operations`;
    await this.starts.staged(start._id, { args: [input], staged: chunkStarts.length, staticSummary: summary });
    // The bulk's place in each of its records' order (src/records/record-order.ts): a request for one of them answered
    // after this one overtakes the operation, which then ends CANCELLED instead of writing over it.
    await this.store.tasks.insertOne({
      _id: taskId, source, kind: 'BULK', targetType, operationCount: count, chunkStarts, userInfo: by, createdAt: at,
      stamp: this.order.stamp(),
    });
    await this.starts.start({ ...start, args: [input], staged: chunkStarts.length, staticSummary: summary });
    return { taskId, bulkId: taskId, status: 'ACCEPTED' };
  }

  /**
   * The bulk an earlier request with this `Idempotency-Key` made, when it was accepted (its task exists). A 409 while
   * that request is still arriving (its start is recorded, its task not written yet). Undefined when no request used
   * the key, or the one that did was not accepted (refused, cut, or its API died): this request then takes the key over.
   */
  private async acceptedWith(key: string): Promise<{ taskId: string } | undefined> {
    const doc = await this.store.idempotencyKeys.findOne({ _id: key });
    if (!doc) return undefined;
    const state = await this.stateOf(doc.taskId);
    if (state === 'accepted') return { taskId: doc.taskId };
    if (state === 'arriving') throw arriving(doc.taskId);
    return undefined;
  }

  /**
   * Where the bulk of a task id stands. The start is read before the task: an API records the start, writes the task,
   * then removes the start (or removes the start without a task when the bulk was refused), so a start found missing
   * and then no task means the bulk was not accepted, and never will be.
   */
  private async stateOf(taskId: string): Promise<'accepted' | 'arriving' | 'gone'> {
    const started = await this.store.workflowStarts.findOne({ _id: `bulk:${taskId}` }, { projection: { _id: 1 } });
    if (await this.store.tasks.findOne({ _id: taskId }, { projection: { _id: 1 } })) return 'accepted';
    return started ? 'arriving' : 'gone';
  }

  /**
   * Binds the key to this request's task, after its start is recorded (so that a request that finds the key with neither
   * the task nor the start knows the earlier one was not accepted). Conditional writes: of requests racing for the key,
   * one binds it; each other one gets the winner's answer once it is accepted, or a 409 while it arrives. Undefined when
   * this request holds the key; else the answer to give (its own recorded start then removed).
   */
  private async claimKey(key: string, taskId: string, startId: string): Promise<{ taskId: string } | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const at = this.now().toISOString();
      const existing = await this.store.idempotencyKeys.findOne({ _id: key });
      if (!existing) {
        const inserted = await this.store.idempotencyKeys.insertOne({ _id: key, taskId, createdAt: at }).then(() => true, (err: unknown) => {
          if ((err as { code?: number }).code === 11000) return false;
          throw err;
        });
        if (inserted) return undefined;
        continue;
      }
      const state = await this.stateOf(existing.taskId);
      if (state !== 'gone') {
        await this.store.workflowStarts.deleteOne({ _id: startId });
        if (state === 'accepted') return { taskId: existing.taskId };
        throw arriving(existing.taskId);
      }
      const res = await this.store.idempotencyKeys.updateOne({ _id: key, taskId: existing.taskId }, { $set: { taskId, createdAt: at } });
      if (res.matchedCount === 1) return undefined;
    }
    await this.store.workflowStarts.deleteOne({ _id: startId });
    throw arriving('(another request)');
  }

  /** Removes what a bulk that was not accepted staged, and its recorded start; what fails here the sweep removes. */
  private async dropStaged(taskId: string, startId: string, chunks: number): Promise<void> {
    try {
      if (chunks > 0) await this.store.bulkChunks.deleteMany({ _id: { $in: Array.from({ length: chunks }, (_, i) => `${taskId}:${i}`) } });
      await this.store.workflowStarts.deleteOne({ _id: startId });
    } catch {
      // The sweep finds the start without a task after its grace period and removes the chunks (WorkflowStarts.resume).
    }
  }
}

function arriving(taskId: string): SluiceError {
  return new SluiceError('ALREADY_EXISTS', `a bulk with this Idempotency-Key is still being received (task ${taskId}); send again once it is answered`);
}


/** How often a bulk still arriving touches its start: the sweep leaves a start alone while it is touched (its grace is minutes). */
const TOUCH_EVERY_MS = 30_000;

function items(operations: Iterable<Record<string, unknown>> | AsyncIterable<StreamedOperation>): AsyncIterable<StreamedOperation> {
  if (Symbol.asyncIterator in operations) return operations;
  return (async function* () {
    for (const op of operations) yield { op };
  })();
}

function withGeneratedId(op: Record<string, unknown>, targetType: TargetType): Record<string, unknown> {
  const create = op.action === 'CREATE' && targetType === 'RESOURCE' ? (op.create as Record<string, unknown> | undefined) : undefined;
  if (create && typeof create === 'object' && (create.id === undefined || create.id === '@rootId')) create.id = newId();
  return op;
}
