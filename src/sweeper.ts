import type { Logger } from 'pino';
import type { PipelineService } from './records/pipelines';
import type { WorkflowStarts } from './records/workflow-starts';
import type { Store } from './store/db';
import type { ExecutionDoc } from './store/documents';
import { bundleWorkflowId } from '../workflows/messages';

/** How long an execution (or a bulk's or bundle's start) may go without a workflow before a sweep acts: the default. */
export const ORPHAN_AGE_MS = 10 * 60_000;
/** How often a worker sweeps: the default. */
export const SWEEP_EVERY_MS = 5 * 60_000;

/** The reason a single operation that never reached a workflow ends with. */
export const NEVER_HANDED_OVER = 'no workflow took this operation: the API stopped before it handed it over; send it again';
const BUNDLE_GONE = "its workflow no longer runs";

/** What the sweep needs: the hand-off, the recorded starts, and the activities that end executions and bundles (all idempotent). */
export interface SweepDeps {
  store: Pick<Store, 'bundles'>;
  pipelines: Pick<PipelineService, 'stranded' | 'supersededSince' | 'handOff' | 'workflowRuns'>;
  starts: Pick<WorkflowStarts, 'stranded' | 'resume' | 'pending'>;
  finish: (executionId: string, status: 'ERROR' | 'CANCELLED', extra: { error?: string }) => Promise<void>;
  bundleDrop: (taskId: string, drop: { reason: string }) => Promise<void>;
  bundleSettle: (taskId: string) => Promise<void>;
  bundleCommit: (taskId: string) => Promise<unknown>;
}

/** What one sweep did, by id (workflow ids for starts, execution or bundle ids otherwise). */
export interface SweepResult {
  /** Bulk and bundle workflows started for an API that staged their task and did not get Temporal to take the start. */
  started: string[];
  /** Starts of tasks that were never staged (the API died while staging): their staged documents removed. */
  removed: string[];
  /** Executions handed to their record's workflow again. */
  handedOver: string[];
  /** Executions a newer request superseded while they had no workflow, or whose bundle was dropped: CANCELLED. */
  cancelled: string[];
  /** Single operations that never reached a workflow: ERROR, their task FAILURE with the reason. */
  ended: string[];
  /** Bundles whose workflow is gone: dropped (receipts CANCELLED with the reason), or their begun commit completed. */
  bundlesDropped: string[];
  bundlesCommitted: string[];
}

type Rescue = Exclude<keyof SweepResult, 'started' | 'removed'> | 'left';

function targetOf(e: ExecutionDoc): { source: string; targetType: ExecutionDoc['operation']['target']['targetType']; type: string; id: string } {
  const { target } = e.operation;
  return { source: e.source, targetType: target.targetType, type: target.type, id: target.id };
}

/**
 * An execution of no bundle without a workflow. A single operation that never ran was never accepted (the API answers
 * 202 only once Temporal took it): it ends ERROR with the reason. Anything else (a bulk's operation, or one that had
 * run: it was accepted) is handed over again, unless a newer request for its record came meanwhile: then the newer
 * request stands, and this one is CANCELLED as a supersession would have left it.
 */
async function rescue(deps: SweepDeps, e: ExecutionDoc): Promise<Rescue> {
  const ran = e.status === 'IN_REVIEW' || e.steps.some((s) => s.status !== 'PENDING');
  if (!e.opKey && !ran) {
    await deps.finish(e._id, 'ERROR', { error: NEVER_HANDED_OVER });
    return 'ended';
  }
  if (await deps.pipelines.supersededSince(e)) {
    await deps.finish(e._id, 'CANCELLED', {});
    return 'cancelled';
  }
  await deps.pipelines.handOff(targetOf(e), { executionId: e._id, ...(e.stamp ? { stamp: e.stamp } : {}) });
  return 'handedOver';
}

/**
 * An execution of a bundle without a workflow. While the bundle's workflow runs (it waits for this execution's
 * report), the execution is handed over again; the bundle's own checks at commit time keep a newer request's write.
 * A bundle already dropped: CANCELLED. A bundle whose start is recorded but not taken yet: left for that start. A
 * bundle whose workflow is gone can no longer be honoured as a whole: it is dropped with the reason (every receipt
 * CANCELLED), or, had it begun writing, its commit is completed.
 */
async function rescueOfBundle(deps: SweepDeps, e: ExecutionDoc, bundleId: string): Promise<Rescue> {
  const bundle = await deps.store.bundles.findOne({ _id: bundleId }, { projection: { state: 1 } });
  if (!bundle || bundle.state === 'DROPPED') {
    await deps.finish(e._id, 'CANCELLED', {});
    return 'cancelled';
  }
  if (bundle.state === 'COMMITTED') return 'left';
  if (await deps.pipelines.workflowRuns(bundleWorkflowId(bundleId))) {
    await deps.pipelines.handOff(targetOf(e), { executionId: e._id, ...(e.stamp ? { stamp: e.stamp } : {}) });
    return 'handedOver';
  }
  if (await deps.starts.pending(bundleWorkflowId(bundleId))) return 'left';
  if (bundle.state === 'COMMITTING') {
    await deps.bundleCommit(bundleId);
    return 'bundlesCommitted';
  }
  await deps.bundleDrop(bundleId, { reason: BUNDLE_GONE });
  await deps.bundleSettle(bundleId);
  return 'bundlesDropped';
}

/**
 * One sweep: finishes the bulk and bundle starts an API left behind, then settles every execution that no workflow
 * owns after the grace period (handed over again, or ended with a receipt that says why). Everything it calls is
 * idempotent, so several workers sweeping at once do no harm.
 */
export async function sweep(deps: SweepDeps, graceMs = ORPHAN_AGE_MS): Promise<SweepResult> {
  const out: SweepResult = { started: [], removed: [], handedOver: [], cancelled: [], ended: [], bundlesDropped: [], bundlesCommitted: [] };
  for (const start of await deps.starts.stranded(graceMs)) {
    const done = await deps.starts.resume(start);
    if (done === 'started') out.started.push(start._id);
    else if (done === 'removed') out.removed.push(start._id);
  }
  const seenBundles = new Set<string>();
  for (const e of await deps.pipelines.stranded(graceMs)) {
    if (e.bundleId && seenBundles.has(e.bundleId)) continue;
    const done = e.bundleId ? await rescueOfBundle(deps, e, e.bundleId) : await rescue(deps, e);
    if (done === 'bundlesDropped' || done === 'bundlesCommitted') {
      seenBundles.add(e.bundleId as string);
      out[done].push(e.bundleId as string);
    } else if (done !== 'left') out[done].push(e._id);
  }
  return out;
}

/** Sweeps every `everyMs` while the worker runs, each sweep acting on what is older than `graceMs`; returns the stop function. */
export function startSweeper(deps: SweepDeps, logger: Logger, opts: { everyMs?: number; graceMs?: number } = {}): () => void {
  let running = false;
  const timer = setInterval(() => {
    // One sweep at a time in a process: a slow one (Temporal or the database away) is not stacked on.
    if (running) return;
    running = true;
    sweep(deps, opts.graceMs ?? ORPHAN_AGE_MS)
      .then((r) => {
        const acted = Object.fromEntries(Object.entries(r).filter(([, ids]) => (ids as string[]).length));
        if (Object.keys(acted).length) logger.warn(acted, 'sweep: work that no workflow owned was handed over again or ended');
      })
      .catch((err: unknown) => logger.error({ err }, 'sweep failed'))
      .finally(() => (running = false));
  }, opts.everyMs ?? SWEEP_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
