import type { Actor } from '../records/actor';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { SluiceError, notFound } from '../errors';
import { newTaskId } from '../ids';
import { findOfSource, type Store } from '../store/db';
import type { TargetType } from '../domain';
import type { PurgeDoc, WorkflowStartDoc } from '../store/documents';
import type { RecordLocks } from '../store/record-lock';
import { SA, purgeWorkflowId, WORKFLOW_TYPES, type PurgeWorkflowInput } from '../../workflows/messages';
import type { WorkflowStarts } from '../records/workflow-starts';
import type { RecordOrder } from '../records/record-order';
import type { CatalogService } from '../catalog/catalog';
import type { Purge } from '../schemas/responses';

/** A purge as the API shows it (its type inferred from the answer's schema). */
export type { Purge };

export type CollectionType = PurgeDoc['collectionType'];

/** What a purge request names: a profile's resources or a relationship type's relationships. */
export interface PurgeRequest {
  collectionType: CollectionType | 'objects';
  collectionKey: string;
}

/** Batch sizes of the purge workflow; tests shrink them to exercise many batches and continue-as-new. */
export type PurgeTuning = Omit<PurgeWorkflowInput, 'purgeId'>;

function purgeOut(doc: PurgeDoc): Purge {
  return {
    taskId: doc._id, purgeId: doc._id, collectionType: doc.collectionType, collectionKey: doc.collectionKey, status: doc.status,
    deletedCount: doc.deletedCount, createdAt: doc.createdAt, updatedAt: doc.updatedAt ?? doc.completedAt ?? doc.createdAt,
    relationshipsDeletedCount: doc.relationshipsDeletedCount ?? 0, cancelledExecutions: doc.cancelledExecutions,
    ...(doc.completedAt ? { completedAt: doc.completedAt } : {}), ...(doc.error ? { error: doc.error } : {}),
  };
}

/** Purges: one task, one receipt and one Temporal workflow per purge of a collection. */
export class PurgeService {
  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogService,
    private readonly locks: RecordLocks,
    private readonly temporal: { client: Client; taskQueue: string },
    private readonly starts: WorkflowStarts,
    private readonly order: RecordOrder,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** 404 unless the collection is a ROOT profile (resources) or a relationship type (relationships) of the source. */
  private async checkCollection(source: string, req: { collectionType: CollectionType; collectionKey: string }): Promise<void> {
    if (req.collectionType === 'relationships') {
      await this.catalog.getRelationshipDefinition(source, req.collectionKey);
      return;
    }
    const profile = await this.catalog.getProfile(source, req.collectionKey);
    if (profile.type !== 'ROOT') throw notFound(`'${req.collectionKey}' is a CONTAINED profile of source '${source}': its records live inside root resources, so there is no such collection`);
  }

  /**
   * A purge still running on the same collection blocks a new one (409): two would race for the same
   * records. One whose workflow is gone (the API died before starting it) is closed as FAILURE instead.
   */
  private async refuseIfRunning(source: string, req: { collectionType: CollectionType; collectionKey: string }): Promise<void> {
    const running = await this.store.purges.findOne({ source, collectionType: req.collectionType, collectionKey: req.collectionKey, status: 'PENDING' }, { projection: { _id: 1 } });
    if (!running) return;
    let state: string | undefined;
    try {
      state = (await this.temporal.client.workflow.getHandle(purgeWorkflowId(running._id)).describe()).status.name;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) && (err as { name?: string }).name !== 'WorkflowNotFoundError') throw err;
    }
    // A start recorded and not confirmed yet (Temporal away): the sweep starts it; it counts as running.
    if (state === 'RUNNING' || (await this.starts.pending(purgeWorkflowId(running._id)))) throw new SluiceError('FAILED_PRECONDITION', `purge '${running._id}' of ${req.collectionType} '${req.collectionKey}' is still running`);
    await this.close(running._id, 'the purge workflow is not running');
  }

  /** Ends a purge that will not run, and its receipt. */
  private async close(purgeId: string, message: string): Promise<void> {
    const completedAt = this.now().toISOString();
    await this.store.purges.updateOne({ _id: purgeId, status: 'PENDING' }, { $set: { status: 'FAILURE', completedAt, error: { message } } });
    await this.store.receipts.updateOne({ _id: `${purgeId}:0`, status: 'PENDING' }, { $set: { status: 'FAILURE', completedAt, error: { message } } });
  }

  /** Records the purge, its task and its receipt, then starts its workflow: 202 ACCEPTED. */
  async start(source: string, request: PurgeRequest, by: Actor, tuning: PurgeTuning = {}): Promise<{ taskId: string; status: 'ACCEPTED'; purgeOperation: Purge }> {
    if (request.collectionType === 'objects') throw new SluiceError('UNIMPLEMENTED', 'collectionType "objects" (binary objects) is not part of Sluice; purge "resources" or "relationships"');
    const req = { collectionType: request.collectionType, collectionKey: request.collectionKey };
    await this.checkCollection(source, req);
    const targetType: TargetType = req.collectionType === 'resources' ? 'RESOURCE' : 'RELATIONSHIP';
    const purgeId = newTaskId('PURGE');
    let created: PurgeDoc | undefined;
    let recorded: WorkflowStartDoc | undefined;
    // Checking for a running purge and starting this one happen under one lock, so two requests cannot both start.
    await this.locks.run(`purge:${source}:${targetType}:${req.collectionKey}`, async () => {
      await this.refuseIfRunning(source, req);
      // The start is recorded before the purge, like a bulk's (src/records/workflow-starts.ts).
      const start = await this.starts.intend({
        _id: purgeWorkflowId(purgeId), kind: 'PURGE', taskId: purgeId, workflowType: WORKFLOW_TYPES.purge, args: [{ purgeId, ...tuning } satisfies PurgeWorkflowInput], staged: 1,
        staticSummary: `Purge ${req.collectionType} '${req.collectionKey}' of source ${source} (task ${purgeId})`,
        keywords: { [SA.source]: source, [SA.recordType]: req.collectionKey, [SA.targetType]: targetType, [SA.taskId]: purgeId },
      });
      const at = this.now().toISOString();
      created = {
        _id: purgeId, source, collectionType: req.collectionType, collectionKey: req.collectionKey, status: 'PENDING',
        deletedCount: 0, ...(req.collectionType === 'resources' ? { relationshipsDeletedCount: 0 } : {}), cancelledExecutions: 0,
        createdAt: at, updatedAt: at, userInfo: by, progress: { stage: 0, batch: 0 }, stamp: this.order.stamp(),
      };
      await this.store.purges.insertOne({ ...created });
      await this.store.receipts.insertOne({
        _id: `${purgeId}:0`, taskId: purgeId, seq: 0, source, action: 'DELETE', targetType, type: req.collectionKey, id: req.collectionKey,
        status: 'PENDING', receivedAt: at,
      });
      // The task last: once it exists the purge is accepted (a start left behind is made by the sweep).
      await this.store.tasks.insertOne({ _id: purgeId, source, kind: 'PURGE', operationCount: 1, createdAt: at });
      recorded = start;
    });
    // Accepted once its documents are written: if Temporal does not take the start within the hand-off deadline (or its
    // answer is lost), the recorded start is made by the worker's sweep later, never closed as a failure while it may be
    // deleting. Outside the lock, which is short-lived: a running purge is seen by its recorded start meanwhile.
    if (recorded) await this.starts.start(recorded);
    if (!created) throw new SluiceError('INTERNAL', 'the purge was not recorded');
    return { taskId: purgeId, status: 'ACCEPTED', purgeOperation: purgeOut(created) };
  }

  /** One purge of a source; 404 when absent (or another source's). */
  async get(source: string, purgeId: string): Promise<Purge> {
    const doc = await findOfSource(this.store.purges, purgeId, source);
    if (!doc) throw notFound(`purge '${purgeId}' does not exist in source '${source}'`);
    return purgeOut(doc);
  }
}
