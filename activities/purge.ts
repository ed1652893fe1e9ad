import { historyItem, itemsBeforeReplacing, recordHistory } from '../src/records/history';
import { SYSTEM_ACTOR } from '../src/records/actor';
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { Collection, Filter } from 'mongodb';
import { ACTIVE_EXECUTION_STATUSES, type ExecutionStatus, type PurgeStatus, type ReceiptStatus } from '../src/domain';
import type { ExecutionDoc, PurgeDoc, RelationshipDoc } from '../src/store/documents';
import { SluiceError } from '../src/errors';
import { headKey } from '../src/records/keys';
import type { StoredRecord } from '../src/records/record-writes';
import type { ActivityDeps } from './deps';

const ACTIVE: ExecutionStatus[] = [...ACTIVE_EXECUTION_STATUSES];

/** Record workflows superseded at once while cancelling: each waits for its execution's cleanup. */
const SUPERSEDE_CONCURRENCY = 8;

/**
 * A purge runs in stages, each in batches until a batch finds nothing left: cancel the collection's active
 * executions, then delete. A resource purge deletes the relationships pointing at the type before and again
 * after the resources, so one created meanwhile is not left dangling.
 */
type Stage = 'cancel' | 'links' | 'records';

function stagesOf(collectionType: PurgeDoc['collectionType']): Stage[] {
  return collectionType === 'resources' ? ['cancel', 'links', 'records', 'links'] : ['cancel', 'records'];
}

export interface PurgeBatchOptions {
  /** Records (or executions) per batch. */
  batchSize: number;
  /** Batches one activity call runs, heartbeating after each, before it hands back to the workflow. */
  batchesPerCall: number;
}

/** The outcome a purge's workflow records at its end. */
export type PurgeOutcome = { status: 'SUCCESS' } | { status: 'FAILURE'; receipt: 'FAILURE' | 'CANCELLED'; message: string };

/**
 * The side effects of purging a collection. Progress lives in the purge document: a batch's ids are claimed
 * there before anything is deleted, and the batch is counted in the same update that releases the claim, so a
 * retried (or duplicated) activity finishes a claimed batch without counting it twice.
 */
export function createPurgeActivities(deps: ActivityDeps) {
  const { store } = deps;
  const { pipelines, order } = deps;
  const now = deps.now ?? (() => new Date());

  async function load(purgeId: string): Promise<PurgeDoc | null> {
    return store.purges.findOne({ _id: purgeId });
  }

  function targetTypeOf(doc: PurgeDoc): 'RESOURCE' | 'RELATIONSHIP' {
    return doc.collectionType === 'resources' ? 'RESOURCE' : 'RELATIONSHIP';
  }

  function linksFilter(doc: PurgeDoc): Filter<RelationshipDoc> {
    return { source: doc.source, $or: [{ 'from.type': doc.collectionKey }, { 'to.type': doc.collectionKey }] };
  }

  /** The ids of the next batch of a stage: executions after the cursor (an orphan cannot stall it), or records left. */
  async function select(doc: PurgeDoc, stage: Stage, size: number): Promise<string[]> {
    const idsOnly = { projection: { _id: 1 } } as const;
    if (stage === 'cancel') {
      const filter: Filter<ExecutionDoc> = {
        source: doc.source, status: { $in: ACTIVE },
        'operation.target.targetType': targetTypeOf(doc), 'operation.target.type': doc.collectionKey,
        ...(doc.progress.cursor ? { _id: { $gt: doc.progress.cursor } } : {}),
      };
      return (await store.executions.find(filter, idsOnly).sort({ _id: 1 }).limit(size).toArray()).map((d) => d._id);
    }
    if (stage === 'links') return (await store.relationships.find(linksFilter(doc), idsOnly).limit(size).toArray()).map((d) => d._id);
    // In `_id` order from the last batch on: records a newer request claimed stay, and are not selected again.
    const filter = { source: doc.source, type: doc.collectionKey, ...(doc.progress.cursor ? { _id: { $gt: doc.progress.cursor } } : {}) };
    const docs = doc.collectionType === 'resources'
      ? await store.resources.find(filter, idsOnly).sort({ _id: 1 }).limit(size).toArray()
      : await store.relationships.find(filter, idsOnly).sort({ _id: 1 }).limit(size).toArray();
    return docs.map((d) => d._id);
  }

  /** Supersedes the record workflows of the claimed executions; counts those that ended CANCELLED. */
  async function cancelBatch(ids: string[]): Promise<number> {
    const execs = await store.executions.find({ _id: { $in: ids } }, { projection: { recordKey: 1 } }).toArray();
    const keys = [...new Set(execs.map((e) => e.recordKey))];
    for (let i = 0; i < keys.length; i += SUPERSEDE_CONCURRENCY) {
      await Promise.all(keys.slice(i, i + SUPERSEDE_CONCURRENCY).map((key) => pipelines.supersedeActive(key)));
      heartbeat();
    }
    return store.executions.countDocuments({ _id: { $in: ids }, status: 'CANCELLED' });
  }

  /**
   * The records of a batch the purge may delete: those that no request answered after the purge was accepted has
   * claimed (src/records/record-order.ts). A newer write stands, as it would against a single DELETE sent earlier.
   */
  async function notOvertaken<R extends { _id: string }>(doc: PurgeDoc, targetType: 'RESOURCE' | 'RELATIONSHIP', found: R[]): Promise<R[]> {
    if (!doc.stamp) return found;
    const heads = await order.heads(found.map((r) => headKey(targetType, r._id)));
    return found.filter((r) => (heads.get(headKey(targetType, r._id))?.stamp ?? '') < (doc.stamp as string));
  }

  /** Deletes the claimed records; counts the claimed ids that are gone (each existed when it was claimed). */
  async function deleteBatch(doc: PurgeDoc, stage: Stage, ids: string[]): Promise<number> {
    const byId = { _id: { $in: ids } };
    const entry = { action: 'DELETE' as const, taskId: doc._id, userInfo: doc.userInfo ?? SYSTEM_ACTOR };
    const at = now().toISOString();
    // Each purged record gets its DELETE history item, first: a retried batch finds the items it wrote (same `_id`s)
    // and the records it has not deleted yet. Each delete is conditional on the version read: a record written since
    // (by a newer request) stays.
    if (stage === 'records') {
      const targetType = targetTypeOf(doc);
      const records = (targetType === 'RESOURCE' ? store.resources : store.relationships) as unknown as Collection<StoredRecord>;
      const found = await notOvertaken(doc, targetType, await records.find(byId).toArray());
      await recordHistory(store, [...(await itemsBeforeReplacing(store, targetType, found)), ...found.map((r) => historyItem(targetType, r, entry, doc._id, at))]);
      await Promise.all(found.map((r) => records.deleteOne({ _id: r._id, 'meta.versionId': r.meta.versionId })));
      return ids.length - (await records.countDocuments(byId));
    }
    const found = await store.relationships.find(byId).toArray();
    await recordHistory(store, [...(await itemsBeforeReplacing(store, 'RELATIONSHIP', found)), ...found.map((r) => historyItem('RELATIONSHIP', r, entry, doc._id, at))]);
    await store.relationships.deleteMany(byId);
    return ids.length - (await store.relationships.countDocuments(byId));
  }

  /** The field a stage's batches add to. */
  function counter(doc: PurgeDoc, stage: Stage): { field: 'cancelledExecutions' | 'relationshipsDeletedCount' | 'deletedCount'; value: number } {
    if (stage === 'cancel') return { field: 'cancelledExecutions', value: doc.cancelledExecutions };
    if (stage === 'links') return { field: 'relationshipsDeletedCount', value: doc.relationshipsDeletedCount ?? 0 };
    return { field: 'deletedCount', value: doc.deletedCount };
  }

  /** Runs one batch from the recorded progress; false when every stage is done. */
  async function step(purgeId: string, tuning: PurgeBatchOptions): Promise<boolean> {
    let doc = await load(purgeId);
    if (!doc) throw new SluiceError('NOT_FOUND', `purge ${purgeId} does not exist`);
    if (doc.status !== 'PENDING') return false;
    const { stage: s, batch } = doc.progress;
    const stage = stagesOf(doc.collectionType)[s];
    if (!stage) return false;
    const atProgress = { _id: purgeId, 'progress.stage': s, 'progress.batch': batch, claim: { $exists: false } };
    if (!doc.claim) {
      const ids = await select(doc, stage, tuning.batchSize);
      if (ids.length === 0) {
        await store.purges.updateOne(atProgress, { $set: { progress: { stage: s + 1, batch: 0 } } });
        return true;
      }
      await store.purges.updateOne(atProgress, { $set: { claim: { stage: s, batch, ids } } });
      // Work on whichever claim was recorded: a duplicate attempt may have claimed first.
      doc = await load(purgeId);
    }
    const claimed = doc?.claim;
    if (!doc || !claimed || claimed.stage !== s || claimed.batch !== batch) return true;
    const count = stage === 'cancel' ? await cancelBatch(claimed.ids) : await deleteBatch(doc, stage, claimed.ids);
    // The totals are re-read, and only the update that releases the claim adds to them.
    const current = await load(purgeId);
    if (!current?.claim || current.claim.stage !== s || current.claim.batch !== batch) return true;
    const { field, value } = counter(current, stage);
    const set: Record<string, unknown> = { [field]: value + count, 'progress.batch': batch + 1 };
    if (stage === 'cancel' || stage === 'records') set['progress.cursor'] = claimed.ids[claimed.ids.length - 1];
    await store.purges.updateOne({ _id: purgeId, 'claim.stage': s, 'claim.batch': batch }, { $set: { ...set, updatedAt: now().toISOString() }, $unset: { claim: '' } });
    return true;
  }

  return {
    /**
     * Runs up to `batchesPerCall` batches of a purge from its recorded progress, heartbeating after each;
     * `done` once every stage found nothing left. Safe to retry at any point.
     */
    async purgeBatches(purgeId: string, tuning: PurgeBatchOptions): Promise<{ done: boolean }> {
      for (let n = 0; n < tuning.batchesPerCall; n++) {
        if (!(await step(purgeId, tuning))) return { done: true };
        heartbeat({ batches: n + 1 });
        // A timed-out attempt that is still running stops here rather than racing its retry.
        if (cancellationSignal().aborted) throw new CancelledFailure('purge batch attempt was cancelled');
      }
      return { done: false };
    },

    /** Ends a purge and its receipt; a retry, or a second outcome after the first, changes nothing. */
    async finishPurge(purgeId: string, outcome: PurgeOutcome): Promise<PurgeStatus | undefined> {
      const doc = await load(purgeId);
      if (!doc) return undefined;
      // The receipt is closed first: once the purge reads SUCCESS, its task does too.
      const status = doc.status === 'PENDING' ? outcome.status : doc.status;
      const completedAt = doc.completedAt ?? now().toISOString();
      const message = doc.error?.message ?? (outcome.status === 'FAILURE' ? outcome.message : undefined);
      const receipt: ReceiptStatus = status === 'SUCCESS' ? 'SUCCESS' : outcome.status === 'FAILURE' ? outcome.receipt : 'FAILURE';
      await store.receipts.updateOne(
        { _id: `${purgeId}:0`, status: 'PENDING' },
        { $set: { status: receipt, completedAt, ...(status === 'FAILURE' && message ? { error: { message } } : {}) } },
      );
      if (doc.status === 'PENDING') {
        await store.purges.updateOne({ _id: purgeId, status: 'PENDING' }, { $set: { status, completedAt, updatedAt: completedAt, ...(status === 'FAILURE' && message ? { error: { message } } : {}) }, $unset: { claim: '' } });
      }
      return status;
    },
  };
}
