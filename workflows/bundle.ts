import {
  CancellationScope, condition, defineSignal, getExternalWorkflowHandle, isCancellation, log, patched, setHandler,
} from '@temporalio/workflow';
import { activitiesWith } from './activity-options';
import { executionWorkflowId, type BundleResult, type BundleWorkflowInput } from './messages';

/** What an execution of a bundle reports to it: READY (steps done, not written), or how it ended without a write. */
export interface BundleOpReport {
  executionId: string;
  status: 'READY' | 'ERROR' | 'DROPPED' | 'CANCELLED';
}

/** Sent by a bundle's executions to the bundle's workflow. */
export const bundleOpSignal = defineSignal<[BundleOpReport]>('bundleOp');

/** The bundle's outcome, sent by its workflow to each of its executions. */
export interface BundleOutcome {
  outcome: 'COMMITTED' | 'DROPPED';
}

/** Sent by a bundle's workflow to its executions once it has written everything, or dropped everything. */
export const bundleOutcomeSignal = defineSignal<[BundleOutcome]>('bundleOutcome');

// Heartbeats let a lost worker be noticed within seconds, while a large bundle may take a while to hand out or write.
const acts = activitiesWith({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
});

/** Patch id: a dropped bundle tells its outcome to every execution, also those that reported their end. */
const DROP_TELLS_EVERY_EXECUTION = 'drop-tells-every-execution';

/** How long a dropped bundle waits for its executions to close before it settles their receipts itself. */
const CLOSE_WAIT = '1 minute';

/**
 * One bundle (atomic): hands its pipeline operations to their records' workflows, waits until each
 * execution is READY (steps done, nothing written) and then writes every operation in one idempotent
 * activity. The first execution that fails, is rejected or is cancelled (a newer request for its record)
 * drops the whole bundle: nothing is written and every execution still running is stopped.
 */
export async function bundleWorkflow(input: BundleWorkflowInput): Promise<BundleResult> {
  const { taskId } = input;
  const ready = new Set<string>();
  const closed = new Set<string>();
  let culprit: BundleOpReport | undefined;
  setHandler(bundleOpSignal, (report: BundleOpReport) => {
    if (report.status === 'READY') {
      ready.add(report.executionId);
      return;
    }
    closed.add(report.executionId);
    culprit ??= report;
  });

  let executionIds: string[] = [];
  let cancelled = false;
  try {
    executionIds = (await acts.bundleStart(taskId)).executionIds;
    await condition(() => culprit !== undefined || executionIds.every((id) => ready.has(id)));
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelled = true;
  }

  // From here on the bundle decides: reports that arrive later no longer change the outcome.
  return CancellationScope.nonCancellable(async () => {
    let drop: { seq?: number; reason: string };
    if (cancelled) drop = { reason: 'its workflow was cancelled' };
    else if (culprit) drop = { reason: `the pipeline execution ${culprit.executionId} ended ${culprit.status}` };
    else {
      const committed = await acts.bundleCommit(taskId);
      if (committed.status === 'COMMITTED') {
        await tell(executionIds, { outcome: 'COMMITTED' });
        return { status: 'COMMITTED' };
      }
      drop = { ...(committed.seq !== undefined ? { seq: committed.seq } : {}), reason: committed.reason };
    }
    await acts.bundleDrop(taskId, drop);
    // Every execution is told, the ones that reported their end too: one that had reported READY and was then cancelled
    // by a newer request for its record reported CANCELLED and waits for the outcome (found by the fault suite: such
    // executions, and their records' workflows, waited for good).
    const told = patched(DROP_TELLS_EVERY_EXECUTION) ? executionIds : executionIds.filter((id) => !closed.has(id));
    const reachable = await tell(told, { outcome: 'DROPPED' });
    // Each execution closes itself (CANCELLED); the receipts are settled once nothing else writes them.
    await condition(() => reachable.every((id) => closed.has(id)), CLOSE_WAIT);
    await acts.bundleSettle(taskId);
    return { status: 'DROPPED', reason: drop.reason };
  });
}

/** Signals the outcome to executions; returns those that received it (an ended or never started one cannot). */
async function tell(executionIds: string[], outcome: BundleOutcome): Promise<string[]> {
  const results = await Promise.allSettled(executionIds.map((id) => getExternalWorkflowHandle(executionWorkflowId(id)).signal(bundleOutcomeSignal, outcome)));
  return executionIds.filter((id, i) => {
    const r = results[i];
    if (r?.status === 'rejected') log.info('bundle outcome not delivered', { executionId: id, error: String(r.reason) });
    return r?.status === 'fulfilled';
  });
}
