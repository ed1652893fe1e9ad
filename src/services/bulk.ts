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
  async accept(source: string, targetType: TargetType, operations: Iterable<Record<string, unknown>> | AsyncIterable<StreamedOperation>, by: Actor): Promise<{ taskId: string; bulkId: string; status: 'ACCEPTED' }> {
    const taskId = newTaskId('BULK');
    const at = this.now().toISOString();
    const start = await this.starts.intend({
      _id: `bulk:${taskId}`, kind: 'BULK', taskId, workflowType: WORKFLOW_TYPES.bulk, args: [], staged: 0, stagingAt: at,
      staticSummary: `Bulk ${taskId} of source ${source}`,
    });
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

/** The key a staged operation that could not be parsed is kept under: its chunk's run gives it a FAILURE receipt. */
export const MALFORMED = '$malformed';

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
