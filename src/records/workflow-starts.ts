import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Store } from '../store/db';
import type { WorkflowStartDoc } from '../store/documents';
import { DEFAULT_HANDOFF_TIMEOUT_MS, untilTemporalTakes, type TemporalHandOff } from './temporal-calls';

/**
 * The start of a bulk's, a bundle's or a purge's workflow, made safe against Temporal being down and against the API dying: the
 * API records the start (`workflow_starts`) before it stages the task, asks Temporal until it takes it (or the
 * hand-off deadline passes), then deletes the record. A start left behind is finished by the worker's sweep after a
 * grace period: started when its task was staged, its staged documents removed when the API died before the task.
 * A bulk or bundle whose task is staged is therefore accepted whatever Temporal does, and runs once it is back.
 */
export class WorkflowStarts {
  constructor(private readonly store: Store, private readonly temporal: TemporalHandOff, private readonly now: () => Date = () => new Date()) {}

  /** Records a start before anything of its task is written. */
  async intend(start: Omit<WorkflowStartDoc, 'createdAt'>): Promise<WorkflowStartDoc> {
    const doc = { ...start, createdAt: this.now().toISOString() };
    await this.store.workflowStarts.insertOne(doc);
    return doc;
  }

  /** Marks a start whose task is still being staged (a streamed bulk) as alive: the sweep leaves it alone meanwhile. */
  async touch(id: string): Promise<void> {
    await this.store.workflowStarts.updateOne({ _id: id }, { $set: { stagingAt: this.now().toISOString() } });
  }

  /** Completes a start recorded before its staging: its arguments and what was staged, now known. */
  async staged(id: string, fields: Pick<WorkflowStartDoc, 'args' | 'staged' | 'staticSummary'>): Promise<void> {
    await this.store.workflowStarts.updateOne({ _id: id }, { $set: fields, $unset: { stagingAt: '' } });
  }

  /**
   * Starts the workflow, retrying while Temporal is unavailable; a workflow of that id that runs or ran already is
   * the same start, made before. Then the record goes. False when Temporal did not take it in time (the record stays,
   * and the sweep starts it later).
   */
  async start(doc: WorkflowStartDoc): Promise<boolean> {
    try {
      await untilTemporalTakes(this.temporal.client, this.temporal.handOffTimeoutMs ?? DEFAULT_HANDOFF_TIMEOUT_MS, async () => {
        try {
          await this.temporal.client.workflow.start(doc.workflowType, {
            workflowId: doc._id,
            taskQueue: this.temporal.taskQueue,
            args: doc.args,
            staticSummary: doc.staticSummary,
            ...(doc.keywords ? { typedSearchAttributes: Object.entries(doc.keywords).map(([name, value]) => ({ key: defineSearchAttributeKey(name, SearchAttributeType.KEYWORD), value })) } : {}),
            // Never a second run of a bulk or bundle that ended: a retried or swept start of it is the same start.
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      });
    } catch {
      return false;
    }
    await this.store.workflowStarts.deleteOne({ _id: doc._id });
    return true;
  }

  /** Starts recorded more than `olderThanMs` ago and not confirmed since (the collection holds only those in flight). */
  async stranded(olderThanMs: number): Promise<WorkflowStartDoc[]> {
    const before = new Date(this.now().getTime() - olderThanMs).toISOString();
    const out: WorkflowStartDoc[] = [];
    for (let after = ''; ;) {
      const page = await this.store.workflowStarts.find({ _id: { $gt: after } }).sort({ _id: 1 }).limit(500).toArray();
      out.push(...page.filter((d) => (d.stagingAt ?? d.createdAt) < before));
      if (page.length < 500) return out;
      after = (page.at(-1) as WorkflowStartDoc)._id;
    }
  }

  /**
   * Finishes a start an API left behind: its workflow is started when its task exists (everything of a task is staged
   * before the task), else the API died while staging, nothing was accepted, and what it staged is removed.
   */
  async resume(doc: WorkflowStartDoc): Promise<'started' | 'removed' | 'unavailable'> {
    if (await this.store.tasks.findOne({ _id: doc.taskId }, { projection: { _id: 1 } })) return (await this.start(doc)) ? 'started' : 'unavailable';
    const ids = Array.from({ length: doc.staged }, (_, i) => `${doc.taskId}:${i}`);
    // A bulk's chunks by task: a streamed bulk's start does not know how many it staged before its API died.
    if (doc.kind === 'BULK') await this.store.bulkChunks.deleteMany({ taskId: doc.taskId });
    else if (doc.kind === 'PURGE') {
      await this.store.receipts.deleteMany({ _id: { $in: ids } });
      await this.store.purges.deleteOne({ _id: doc.taskId });
    } else {
      await this.store.receipts.deleteMany({ _id: { $in: ids } });
      await this.store.bundles.deleteOne({ _id: doc.taskId });
    }
    await this.store.workflowStarts.deleteOne({ _id: doc._id });
    return 'removed';
  }

  /** True while a start of this workflow is recorded and not confirmed. */
  async pending(workflowId: string): Promise<boolean> {
    return (await this.store.workflowStarts.findOne({ _id: workflowId }, { projection: { _id: 1 } })) !== null;
  }
}
