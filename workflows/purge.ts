import { CancellationScope, continueAsNew, isCancellation, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { PurgeStatus } from '../src/store/db';

type Activities = ReturnType<typeof createActivities>;

// Each call runs many batches and heartbeats after each: a dead worker is noticed within the heartbeat timeout.
const batches = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['InvalidOperation'] },
});
const acts = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

export interface PurgeWorkflowInput {
  purgeId: string;
  /** Records per batch (default 500). */
  batchSize?: number;
  /** Batches per activity call (default 20). */
  batchesPerCall?: number;
  /** Activity calls before the workflow continues as new (default 100), to keep each run's history short. */
  callsPerRun?: number;
}

/** The workflow id of a purge: its business id. */
export function purgeWorkflowId(purgeId: string): string {
  return `purge:${purgeId}`;
}

/** The innermost message of a failure: an activity's own error rather than "Activity task failed". */
function messageOf(err: unknown): string {
  let message = String(err);
  for (let e: unknown = err; e instanceof Error; e = e.cause) message = e.message;
  return message;
}

/** Runs the purge's batches until done, or until this run should hand over to a new one. */
async function run(input: PurgeWorkflowInput): Promise<'DONE' | 'CONTINUE'> {
  const tuning = { batchSize: input.batchSize ?? 500, batchesPerCall: input.batchesPerCall ?? 20 };
  const callsPerRun = input.callsPerRun ?? 100;
  for (let calls = 0; ; calls++) {
    if (calls >= callsPerRun || workflowInfo().continueAsNewSuggested) return 'CONTINUE';
    const { done } = await batches.purgeBatches(input.purgeId, tuning);
    if (done) return 'DONE';
  }
}

/**
 * Purges one collection of a source (SPEC §2): cancels its active executions, then deletes its records (and,
 * for resources, the relationships pointing at them) in batches. All progress lives in the purge document, so
 * the workflow carries only the purge id and continues as new with the same input.
 */
export async function purgeWorkflow(input: PurgeWorkflowInput): Promise<PurgeStatus | undefined> {
  const { purgeId } = input;
  let outcome: 'DONE' | 'CONTINUE';
  try {
    outcome = await run(input);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => acts.finishPurge(purgeId, { status: 'FAILURE', receipt: 'CANCELLED', message: 'the purge was cancelled before it finished' }));
      throw err;
    }
    log.error('purge failed', { purgeId, error: String(err) });
    return acts.finishPurge(purgeId, { status: 'FAILURE', receipt: 'FAILURE', message: messageOf(err) });
  }
  if (outcome === 'CONTINUE') return continueAsNew<typeof purgeWorkflow>(input);
  return acts.finishPurge(purgeId, { status: 'SUCCESS' });
}
