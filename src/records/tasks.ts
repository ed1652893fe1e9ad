import { newTaskId } from '../ids';
import { errorObject, notFound } from '../errors';
import { findOfSource, isDuplicateKey, type Store } from '../store/db';
import type { Actor } from './actor';
import type { Action, ReceiptStatus, TargetType, TaskKind } from '../domain';
import type { ChunkCounts, ChunkReceipt, ReceiptDoc, TaskDoc } from '../store/documents';
import { taskStatus, type StatusCounts } from '../task-status';
import { packJson, unpackJson } from '../store/packed';

/** A receipt as the API shows it: the stored one without its storage keys. */
export type Receipt = Omit<ReceiptDoc, '_id' | 'seq' | 'source'> & { index?: number };

/** An operation inside a bulk or bundle task: its task, its position, and the key its writes carry. */
export interface OperationOf {
  taskId: string;
  seq: number;
  opKey: string;
  receivedAt: string;
  /** Who sent the bulk or bundle (its task's author), for the history items. */
  userInfo: Actor;
  /**
   * The operation's order stamp (its request's, taken when the request was accepted, and its position: see
   * record-order.ts); absent on operations of requests accepted before stamps existed.
   */
  stamp?: string;
  /** Run again by a retried chunk: a first run may have been applied already. */
  retried?: boolean;
}

/** Who a single write is for: the request's actor, or the bulk operation it applies (whose task names its author). */
export type WriteBy = Actor | OperationOf;

/** The bulk operation a write applies, or undefined for a request's own write. */
export function operationOf(by: WriteBy): OperationOf | undefined {
  return 'opKey' in by ? by : undefined;
}

/** Who the write is recorded for (the history item's `userInfo`). */
export function writerOf(by: WriteBy): Actor {
  return 'opKey' in by ? by.userInfo : by;
}

/** What a receipt names: the source and the operation's target. */
export interface ReceiptTarget {
  source: string;
  action: Action;
  targetType: TargetType;
  type: string;
  id: string;
}

/** A final receipt of an operation of a bulk or bundle. */
function receiptOf(op: OperationOf, t: ReceiptTarget, status: 'SUCCESS' | 'FAILURE' | 'CANCELLED', completedAt: string, error?: ReceiptDoc['error']): ReceiptDoc {
  return {
    _id: `${op.taskId}:${op.seq}`, taskId: op.taskId, seq: op.seq, source: t.source, action: t.action, targetType: t.targetType,
    type: t.type, id: t.id, status, receivedAt: op.receivedAt, completedAt, ...(error ? { error } : {}),
  };
}

export interface SingleOperation {
  source: string;
  action: Action;
  targetType: TargetType;
  type: string;
  id: string;
  receivedAt: string;
}

/**
 * A receipt's error in the documented shape `{code, type, message, details}`: the type recorded with it, else the
 * type of its outcome (a failed operation was refused as invalid, a cancelled one lost to a newer request).
 */
function receiptError(status: ReceiptDoc['status'], error: NonNullable<ReceiptDoc['error']>): ReturnType<typeof errorObject> {
  return errorObject(error, status === 'CANCELLED' ? 'FAILED_PRECONDITION' : 'INVALID_ARGUMENT');
}

/** Renders a stored receipt in the seeds' shape. */
export function receiptOut(doc: ReceiptDoc): Receipt {
  const { taskId, action, targetType, type, id, status, receivedAt, completedAt, error, pipelineExecution } = doc;
  return {
    taskId,
    // The operation's position in its bulk or bundle request (from 0); a single request's or a purge's receipt has none.
    ...(taskId.startsWith('bk_') || taskId.startsWith('bd_') ? { index: doc.seq } : {}),
    action, targetType, type, id, status, receivedAt,
    ...(completedAt ? { completedAt } : {}),
    ...(error ? { error: receiptError(status, error) } : {}),
    ...(pipelineExecution ? { pipelineExecution } : {}),
  };
}

/** Tasks and receipts: one task per request, one receipt per operation; a task's status is derived by counting. */
export class TaskService {
  constructor(private readonly store: Store, private readonly now: () => Date = () => new Date()) {}

  /** Records the task of a synchronous single operation that has been persisted. */
  async recordPersisted(taskId: string, op: SingleOperation): Promise<void> {
    const completedAt = this.now().toISOString();
    const receipt: ReceiptDoc = {
      _id: `${taskId}:0`, taskId, seq: 0, source: op.source, action: op.action, targetType: op.targetType,
      type: op.type, id: op.id, status: 'SUCCESS', receivedAt: op.receivedAt, completedAt,
    };
    await this.store.inserts.tasks.insert({ _id: taskId, source: op.source, kind: 'SINGLE', operationCount: 1, receipt, createdAt: op.receivedAt });
  }

  /** Records a persisted operation: its receipt in its bulk or bundle, or a new single task; returns the task id. */
  async recordDone(op: OperationOf | undefined, target: ReceiptTarget, receivedAt: string, taskId = newTaskId('SINGLE')): Promise<string> {
    if (op) {
      await this.completeReceipt(op, target, 'SUCCESS');
      return op.taskId;
    }
    await this.recordPersisted(taskId, { ...target, receivedAt });
    return taskId;
  }

  /**
   * Writes the final receipt of one operation of a bulk or bundle, once, final (docs/ferretdb.md: no PENDING
   * receipt updated later). A retried operation finds its receipt there already and the duplicate is ignored.
   */
  async completeReceipt(op: OperationOf, target: ReceiptTarget, status: 'SUCCESS' | 'FAILURE' | 'CANCELLED', error?: ReceiptDoc['error']): Promise<void> {
    try {
      await this.store.receipts.insertOne(receiptOf(op, target, status, this.now().toISOString(), error));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  /**
   * Reads receipts by `_id` only, so a task's reads do not grow with every other task (docs/ferretdb.md).
   */
  private async receiptDocs(taskId: string, seqs: number[]): Promise<ReceiptDoc[]> {
    const out: ReceiptDoc[] = [];
    for (let i = 0; i < seqs.length; i += 64) {
      const batch = await Promise.all(seqs.slice(i, i + 64).map((seq) => this.store.receipts.findOne({ _id: `${taskId}:${seq}` })));
      for (const doc of batch) if (doc) out.push(doc);
    }
    return out;
  }

  /**
   * The receipts of a task at the given positions, in position order. A bulk's processed chunks hold the
   * receipts they settled themselves in their progress document; every other receipt is a document.
   */
  private async receiptsAt(task: TaskDoc, seqs: number[]): Promise<ReceiptDoc[]> {
    if (task.receipt) return seqs.includes(task.receipt.seq) ? [task.receipt] : [];
    const packed = new Map<number, ReceiptDoc>();
    const starts = task.chunkStarts;
    if (starts && task.chunks) {
      const chunks = [...new Set(seqs.map((seq) => chunkOf(starts, seq)))].filter((c) => task.chunks?.[c] !== undefined);
      const docs = await Promise.all(chunks.map((c) => this.progress.findOne({ _id: `${task._id}:${c}` })));
      for (const doc of docs) {
        if (!doc) continue;
        for (const r of await unpackJson<ChunkReceipt[]>(doc.receipts)) {
          packed.set(r.seq, { _id: `${task._id}:${r.seq}`, taskId: task._id, source: task.source, receivedAt: task.createdAt, ...r });
        }
      }
    }
    const wanted = seqs.filter((seq) => !packed.has(seq));
    const docs = new Map((await this.receiptDocs(task._id, wanted)).map((d) => [d.seq, d]));
    return seqs.flatMap((seq) => {
      const r = packed.get(seq) ?? docs.get(seq);
      return r ? [r] : [];
    });
  }

  /**
   * Counts of a task's operations per status; PENDING is every operation not yet final, with or without a
   * receipt. A bulk's task holds each processed chunk's final counts; only the operations a chunk handed to
   * pipelines are read one by one.
   */
  async counts(task: TaskDoc): Promise<StatusCounts> {
    const c = { SUCCESS: 0, FAILURE: 0, CANCELLED: 0 };
    const add = (status: ReceiptStatus, n = 1): void => {
      if (status !== 'PENDING') c[status] += n;
    };
    if (task.kind === 'BULK') {
      const withOpen: string[] = [];
      for (const [chunk, p] of Object.entries(task.chunks ?? {})) {
        add('SUCCESS', p.SUCCESS);
        add('FAILURE', p.FAILURE);
        add('CANCELLED', p.CANCELLED);
        if (p.handedOff > 0) withOpen.push(chunk);
      }
      const progress = await Promise.all(withOpen.map((chunk) => this.progress.findOne({ _id: `${task._id}:${chunk}` }, { projection: { handedOff: 1 } })));
      const open = progress.flatMap((p) => p?.handedOff ?? []);
      for (const r of await this.receiptDocs(task._id, open)) add(r.status);
    } else {
      for (const r of await this.receiptsAt(task, Array.from({ length: task.operationCount }, (_, i) => i))) add(r.status);
    }
    return { ...c, PENDING: Math.max(0, task.operationCount - c.SUCCESS - c.FAILURE - c.CANCELLED) };
  }

  private get progress() {
    return this.store.bulkProgress;
  }

  /**
   * Records what a run of a bulk chunk did: its progress document, then its counts in the task (the single
   * writer of a bulk's task is its workflow, one chunk at a time). A retried run writes both again, whole.
   */
  async recordChunkProgress(taskId: string, chunk: number, counts: Omit<ChunkCounts, 'handedOff'>, handedOff: number[], receipts: ChunkReceipt[]): Promise<void> {
    const _id = `${taskId}:${chunk}`;
    await this.progress.replaceOne({ _id }, { taskId, chunk, handedOff, receipts: await packJson(JSON.stringify(receipts)) }, { upsert: true });
    await this.store.tasks.updateOne({ _id: taskId }, { $set: { [`chunks.${chunk}`]: { ...counts, handedOff: handedOff.length } } });
  }

  /** The task of a source with its status, counts and, on request, a page of receipts. */
  async get(
    source: string,
    taskId: string,
    opts: { withReceipts: boolean; perPage: number; cursor?: string },
    expect?: { kind: TaskKind; targetType: TargetType },
  ): Promise<{ taskId: string; status: ReceiptStatus; counts: StatusCounts; receipts?: Receipt[]; nextCursor?: string }> {
    const task = await findOfSource(this.store.tasks, taskId, source);
    if (!task) throw notFound(`task '${taskId}' does not exist in source '${source}'`);
    if (expect && (task.kind !== expect.kind || task.targetType !== expect.targetType)) {
      throw notFound(`task '${taskId}' is not a bulk of ${expect.targetType === 'RESOURCE' ? 'resources' : 'relationships'} in source '${source}'`);
    }
    const counts = await this.counts(task);
    const out: { taskId: string; status: ReceiptStatus; counts: StatusCounts; receipts?: Receipt[]; nextCursor?: string } = {
      taskId, status: taskStatus(counts), counts,
    };
    if (opts.withReceipts) {
      // A page is a range of positions; operations a bulk has not reached yet have no receipt and are skipped.
      const after = opts.cursor ? Number.parseInt(Buffer.from(opts.cursor, 'base64url').toString('utf8'), 10) : -1;
      const from = Number.isFinite(after) ? after + 1 : 0;
      const to = Math.min(task.operationCount, from + opts.perPage);
      const seqs = Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
      out.receipts = (await this.receiptsAt(task, seqs)).map(receiptOut);
      if (to < task.operationCount) out.nextCursor = Buffer.from(String(to - 1), 'utf8').toString('base64url');
    }
    return out;
  }
}

/** The chunk holding a position, from the positions of each chunk's first operation (ascending). */
export function chunkOf(starts: number[], seq: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= seq) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
