import type { Actor } from '../records/actor';
import type { TargetType } from '../domain';
import { newId, newTaskId } from '../ids';
import type { Store } from '../store/db';
import type { RecordOrder } from '../records/record-order';
import type { BulkChunkDoc } from '../store/documents';
import { packJson } from '../store/packed';
import type { WorkflowStarts } from '../records/workflow-starts';
import { WORKFLOW_TYPES, type BulkWorkflowInput } from '../../workflows/messages';

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
   * Stages the operations and starts the bulk's workflow: 202 `{taskId, bulkId, status:'ACCEPTED'}`. The start is
   * recorded before anything is staged: once the task is written the bulk is accepted, and if Temporal does not take
   * the start within the hand-off deadline, the worker's sweep starts it later (WorkflowStarts).
   */
  async accept(source: string, targetType: TargetType, operations: Record<string, unknown>[], by: Actor): Promise<{ taskId: string; bulkId: string; status: 'ACCEPTED' }> {
    const taskId = newTaskId('BULK');
    const at = this.now().toISOString();
    // Generated ids are fixed now, so a retried chunk creates the same records, never a second one.
    for (const op of operations) {
      const create = op.action === 'CREATE' && targetType === 'RESOURCE' ? (op.create as Record<string, unknown> | undefined) : undefined;
      if (create && typeof create === 'object' && (create.id === undefined || create.id === '@rootId')) create.id = newId();
    }
    // Chunks by count and by size; each operation is serialized once, and its chunk packed from those.
    const chunks: { start: number; parts: string[]; bytes: number }[] = [];
    operations.forEach((op, i) => {
      const json = JSON.stringify(op);
      const last = chunks[chunks.length - 1];
      if (!last || last.parts.length >= CHUNK_SIZE || last.bytes + json.length > CHUNK_BYTES) chunks.push({ start: i, parts: [json], bytes: json.length });
      else {
        last.parts.push(json);
        last.bytes += json.length;
      }
    });
    const docs: BulkChunkDoc[] = await Promise.all(chunks.map(async (c, chunk) => ({
      _id: `${taskId}:${chunk}`, taskId, chunk, start: c.start, ops: await packJson(`[${c.parts.join(',')}]`),
    })));
    const input: BulkWorkflowInput = { taskId, chunkCount: docs.length, next: 0 };
    const start = await this.starts.intend({
      _id: `bulk:${taskId}`, kind: 'BULK', taskId, workflowType: WORKFLOW_TYPES.bulk, args: [input], staged: docs.length,
      staticSummary: `Bulk ${taskId} of source ${source}: ${operations.length} ${targetType.toLowerCase()} operations`,
    });
    for (let i = 0; i < docs.length; i += 20) await this.store.bulkChunks.insertMany(docs.slice(i, i + 20));
    // The bulk's place in each of its records' order (src/records/record-order.ts): a request for one of them answered
    // after this one overtakes the operation, which then ends CANCELLED instead of writing over it.
    await this.store.tasks.insertOne({
      _id: taskId, source, kind: 'BULK', targetType, operationCount: operations.length, chunkStarts: chunks.map((c) => c.start), userInfo: by, createdAt: at,
      stamp: this.order.stamp(),
    });
    await this.starts.start(start);
    return { taskId, bulkId: taskId, status: 'ACCEPTED' };
  }
}
