import { SluiceError, notFound } from '../errors';
import { newId, newTaskId } from '../ids';
import type { Action, TargetType } from '../domain';
import type { Store } from '../store/db';
import type { OperationBody } from '../store/documents';
import type { PipelineDefinition } from '../catalog/catalog';
import { historyItem, historyItemId, readHistory, recordHistory } from './history';
import { documentId, headKey, recordKey } from './keys';
import { deleteRecord, readRecord, writeRecord, type RecordWrite, type StoredRecord } from './record-writes';
import type { PipelineService } from './pipelines';
import type { RecordOrder } from './record-order';
import { operationOf, writerOf, type OperationOf, type ReceiptTarget, type TaskService, type WriteBy } from './tasks';

/** The record a write is for. */
export interface WriteTarget {
  source: string;
  targetType: TargetType;
  type: string;
  id: string;
}

/** An operation decided against the stored version: the version to write, and the pipeline it triggers. */
export interface Decided {
  /** The version to write, without what the write path adds (ids, history, time). */
  write: DistributiveOmit<RecordWrite, 'source' | 'type' | 'id' | 'writeId' | 'at' | 'history'>;
  /** The operation's body as a pipeline execution keeps it. */
  body: OperationBody;
  previous?: Record<string, unknown>;
  pipeline?: PipelineDefinition;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a write did, for the caller's answer. */
export type WriteDone<D extends StoredRecord> =
  | { status: 'PERSISTED'; taskId: string; doc: D; created: boolean }
  | { status: 'ACCEPTED'; taskId: string }
  | Settled;

/** A bulk operation that ended without a write of its own: overtaken by a newer request (or applied by an earlier run). */
export interface Settled {
  status: 'SETTLED';
  taskId: string;
  receipt: 'SUCCESS' | 'CANCELLED';
}

/** Attempts before a write that keeps losing races is refused (409): each lost attempt means another writer wrote. */
const MAX_ATTEMPTS = 25;

/**
 * The one write path of a record (docs/durability.md): every single write, bulk operation and contained write decides
 * here against the stored version, claims the record's head (record-order.ts) and writes conditionally on that version
 * (record-writes.ts), or hands the operation to its pipeline with the claim. A write that loses a race to another writer
 * decides again against what is stored now. A bulk operation runs with its bulk's stamp: when a newer request claimed
 * the record since the bulk was accepted, the operation ends CANCELLED and writes nothing.
 */
export class RecordWritePath {
  constructor(
    private readonly store: Store,
    private readonly order: RecordOrder,
    private readonly tasks: TaskService,
    private readonly pipelines: PipelineService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * CREATE, UPSERT or UPDATE of a record: `decide` checks the operation against the stored version (a 4xx throws, and
   * nothing is claimed) and builds the version to write. `freshId`: the server has just made the id, nobody else knows
   * it, so there is nothing to supersede, claim or read.
   */
  async write<D extends StoredRecord>(t: WriteTarget, action: Action, by: WriteBy, decide: (current: D | null) => Promise<Decided>, freshId = false): Promise<WriteDone<D>> {
    const { receivedAt, op, taskId, writeId, _id, key } = this.begin(t, by);
    const receipt: ReceiptTarget = { ...t, action };
    // A newer request cancels the record's active execution now (a Temporal update); the head's claim below keeps any
    // execution that escapes it (its workflow not started yet) from committing.
    if (!freshId) await this.pipelines.supersedeActive(recordKey(t.source, t.targetType, t.type, t.id));
    let written: { doc: StoredRecord; created: boolean } | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = freshId ? null : (await readRecord(this.store, t.targetType, _id)) as D | null;
      if (written && current?.lastWrite === writeId) return { status: 'PERSISTED', taskId, doc: current, created: written.created };
      if (op && current?.lastWrite === op.opKey) {
        // A retried operation of a bulk that already wrote: its history item (recorded once) and its receipt, nothing else.
        if (!current.lastEntry) await recordHistory(this.store, [historyItem(t.targetType, current, { action, taskId: op.taskId, userInfo: op.userInfo }, op.opKey, current.lastWriteAt ?? current.meta.updatedAt)]);
        await this.tasks.completeReceipt(op, receipt, 'SUCCESS');
        return { status: 'PERSISTED', taskId, doc: current, created: false };
      }
      const decided = await decide(current);
      const executionId = decided.pipeline && !op ? newId() : undefined;
      const holder = op?.opKey ?? executionId ?? writeId;
      let stamp: string | undefined;
      if (!freshId) {
        const claim = await this.claim(key, holder, op, action === 'CREATE', Boolean(decided.pipeline));
        if (claim === 'overtaken') return this.overtaken(t, action, op as OperationOf, _id, taskId);
        stamp = claim;
      }
      if (decided.pipeline) {
        // The decision holds only if the record is still the version it was decided against.
        if (!freshId && !(await this.unchanged(t.targetType, _id, current))) continue;
        const accepted = await this.pipelines.accept({
          ...t, action, body: decided.body, ...(decided.previous ? { previous: decided.previous } : {}), pipeline: decided.pipeline, receivedAt,
          userInfo: writerOf(by), ...(op ? { task: op } : {}), ...(executionId ? { executionId } : {}), ...(stamp ? { stamp } : {}),
        });
        return { status: 'ACCEPTED', taskId: accepted.taskId };
      }
      const w = { ...decided.write, source: t.source, type: t.type, id: t.id, writeId, at: this.now().toISOString(), history: { action, taskId, userInfo: writerOf(by) } } as RecordWrite;
      const res = await writeRecord(this.store, current as never, w, {
        // The receipt is written with the history item, once the record is (once: a write made again has it).
        alongside: () => (written ? Promise.resolve() : op ? this.tasks.completeReceipt(op, receipt, 'SUCCESS') : this.tasks.recordPersisted(taskId, { ...receipt, receivedAt })),
      });
      if ('conflict' in res) continue;
      written = res;
      // A request answered now must stand against an execution that claimed the record while this one was writing (and
      // was answered 202 first): claimed again, the execution can no longer commit; had it committed already, this
      // write is made again on top. Bulk operations were answered long ago, and writers answered now claim anew.
      if (!op && !freshId && (await this.overtakenByPending(key, holder, writeId, t.targetType, _id))) continue;
      return { status: 'PERSISTED', taskId, doc: written.doc as D, created: written.created };
    }
    throw new SluiceError('FAILED_PRECONDITION', `${t.targetType.toLowerCase()} ${t.type}/${t.id} is busy with other writes; nothing was written, try again`, [], { transient: true });
  }

  /** DELETE of a record (a resource with the relationships that point at it); 404 when it does not exist. */
  async remove(t: WriteTarget, by: WriteBy): Promise<{ taskId: string; status: 'PERSISTED' } | Settled> {
    const { receivedAt, op, taskId, writeId, _id, key } = this.begin(t, by);
    await this.pipelines.supersedeActive(recordKey(t.source, t.targetType, t.type, t.id));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await readRecord(this.store, t.targetType, _id);
      if (!current) {
        // A retried bulk DELETE whose first run deleted the record still holds its claim: it was applied.
        if (op && (await this.order.holds(key, op.opKey))) break;
        throw notFound(`${t.targetType.toLowerCase()} ${t.type}/${t.id} does not exist`);
      }
      const claim = await this.claim(key, writeId, op, false);
      if (claim === 'overtaken') return this.overtaken(t, 'DELETE', op as OperationOf, _id, taskId);
      const history = { entry: { action: 'DELETE' as const, taskId, userInfo: writerOf(by) }, writeId, at: this.now().toISOString() };
      if ((await deleteRecord(this.store, t, history)) === 'deleted') {
        await this.tasks.recordDone(op, { ...t, action: 'DELETE' }, receivedAt, taskId);
        return { taskId, status: 'PERSISTED' };
      }
    }
    if (op) {
      await this.tasks.recordDone(op, { ...t, action: 'DELETE' }, receivedAt, taskId);
      return { taskId, status: 'PERSISTED' };
    }
    throw new SluiceError('FAILED_PRECONDITION', `${t.targetType.toLowerCase()} ${t.type}/${t.id} is busy with other writes; nothing was deleted, try again`, [], { transient: true });
  }

  /** What every write of a record starts from: its time, its bulk operation (if any), its task and write id, its keys. */
  private begin(t: WriteTarget, by: WriteBy): { receivedAt: string; op: OperationOf | undefined; taskId: string; writeId: string; _id: string; key: string } {
    const op = operationOf(by);
    const taskId = op?.taskId ?? newTaskId('SINGLE');
    const _id = documentId(t.source, t.type, t.id);
    return { receivedAt: this.now().toISOString(), op, taskId, writeId: op?.opKey ?? taskId, _id, key: headKey(t.targetType, _id) };
  }

  /** Claims the record: now for a request, with its bulk's stamp for a bulk operation (`overtaken` when newer came). */
  private async claim(key: string, holder: string, op: OperationOf | undefined, fresh: boolean, pending = false): Promise<string | 'overtaken'> {
    if (!op?.stamp) return this.order.claimNow(key, holder, fresh, pending);
    const claim = await this.order.claimAt(key, holder, op.stamp, fresh, pending);
    return claim.claimed ? claim.stamp : 'overtaken';
  }

  /**
   * After a write: whether a pipeline execution claimed the record since, and had written over this write by the time
   * this request claims it again (then the caller writes again). The claim made again fences the execution's commit.
   */
  private async overtakenByPending(key: string, holder: string, writeId: string, targetType: TargetType, _id: string): Promise<boolean> {
    const head = await this.order.head(key);
    if (!head || head.holder === holder || !head.pending) return false;
    await this.order.claimNow(key, holder);
    return (await readRecord(this.store, targetType, _id))?.lastWrite !== writeId;
  }

  /** Whether the record is still the version `current` (null: still absent). */
  private async unchanged(targetType: TargetType, _id: string, current: StoredRecord | null): Promise<boolean> {
    const now = await readRecord(this.store, targetType, _id);
    return (now?.meta.versionId ?? null) === (current?.meta.versionId ?? null) && now?.lastWrite === current?.lastWrite;
  }

  /**
   * A bulk operation overtaken by a newer request for its record: CANCELLED, unless a first run of it was applied
   * before it was overtaken (a retried chunk), which its history item shows: then SUCCESS.
   */
  private async overtaken(t: WriteTarget, action: Action, op: OperationOf, _id: string, taskId: string): Promise<Settled> {
    const receipt: ReceiptTarget = { ...t, action };
    const itemId = historyItemId(t.targetType, _id, op.opKey);
    if (op.retried && (await readHistory(this.store, t.targetType, _id)).some((item) => item._id === itemId)) {
      await this.tasks.completeReceipt(op, receipt, 'SUCCESS');
      return { status: 'SETTLED', taskId, receipt: 'SUCCESS' };
    }
    await this.tasks.completeReceipt(op, receipt, 'CANCELLED', {
      type: 'FAILED_PRECONDITION',
      message: `a newer request for ${t.targetType.toLowerCase()} ${t.type}/${t.id} was answered after this operation's request was accepted; the newer one stands`,
    });
    return { status: 'SETTLED', taskId, receipt: 'CANCELLED' };
  }
}
