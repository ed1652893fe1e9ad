import type { CatalogService } from '../catalog/catalog';
import { parseDuration } from '../pipeline/duration';
import type { Step } from '../schemas/pipeline';
import type { ExecutionDoc, ReviewEntryDoc } from '../store/documents';
import { isDuplicateKey, type Store } from '../store/db';

// The review queue holds one small document per execution waiting in review, so the queue's reads scan what waits and
// nothing else (FerretDB reads a whole collection for any filter but `_id`: docs/ferretdb.md). Its one writer is the
// execution's workflow, through these functions; the claims on entries are the API's (src/records/assignments.ts).

/** The queue entry of an execution that waits in review on its step `index` since its last write (`updatedAt`). */
export function reviewEntryOf(doc: ExecutionDoc, index: number, step: Step | undefined): ReviewEntryDoc {
  const { target, action, taskId } = doc.operation;
  const review = step?.type === 'HUMAN_REVIEW' ? step.humanReview : undefined;
  const since = doc.updatedAt;
  return {
    _id: doc._id, source: doc.source, targetType: target.targetType, type: target.type, recordId: target.id, action,
    pipelineDefinitionId: doc.pipelineDefinitionId, taskId, stepIndex: index, stepType: step?.type ?? doc.steps[index]?.type ?? 'HUMAN_REVIEW',
    ...(doc.bundleId ? { bundleId: doc.bundleId } : {}),
    createdAt: doc.createdAt, reviewSince: since,
    ...(review?.timeout && review.onTimeout
      ? { timeoutAt: new Date(Date.parse(since) + parseDuration(review.timeout)).toISOString(), onTimeout: review.onTimeout }
      : {}),
  };
}

/**
 * Brings the queue in line with an execution as written: an entry while it is IN_REVIEW, none (and no claim) once it
 * has left. Idempotent, so the execution's writer calls it after every write that enters or leaves review and again on
 * a retry; `steps` are the execution's pipeline steps (for the review step's timeout).
 */
export async function syncReviewEntry(store: Pick<Store, 'reviewQueue' | 'reviewAssignments'>, doc: ExecutionDoc, steps: readonly Step[]): Promise<void> {
  if (doc.status !== 'IN_REVIEW') {
    await store.reviewQueue.deleteOne({ _id: doc._id });
    await store.reviewAssignments.deleteOne({ _id: doc._id });
    return;
  }
  const index = doc.steps.findIndex((s) => s.status === 'IN_REVIEW');
  try {
    await store.reviewQueue.insertOne(reviewEntryOf(doc, Math.max(index, 0), steps[index]));
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** The steps of the pipeline revision an execution runs (`{collectionKey}.{version}`); none when it is gone. */
export async function executionSteps(catalog: Pick<CatalogService, 'pipeline'>, doc: ExecutionDoc): Promise<readonly Step[]> {
  const dot = doc.pipelineDefinitionId.lastIndexOf('.');
  const pipeline = await catalog.pipeline(doc.source, doc.pipelineDefinitionId.slice(0, dot), Number(doc.pipelineDefinitionId.slice(dot + 1)));
  return pipeline?.steps ?? [];
}

/**
 * Adds the entries missing for executions that were waiting in review before the queue existed (an upgrade). Reads the
 * executions collection whole: for a start-up, never for a request.
 */
export async function backfillReviewQueue(store: Pick<Store, 'executions' | 'reviewQueue'>, stepsOf: (doc: ExecutionDoc) => Promise<readonly Step[]>): Promise<number> {
  const waiting = await store.executions.find({ status: 'IN_REVIEW' }).toArray();
  if (waiting.length === 0) return 0;
  const present = new Set((await store.reviewQueue.find({}, { projection: { _id: 1 } }).toArray()).map((e) => e._id));
  let added = 0;
  for (const doc of waiting) {
    if (present.has(doc._id)) continue;
    const index = doc.steps.findIndex((s) => s.status === 'IN_REVIEW');
    try {
      await store.reviewQueue.insertOne(reviewEntryOf(doc, Math.max(index, 0), (await stepsOf(doc))[index]));
      added++;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  return added;
}
