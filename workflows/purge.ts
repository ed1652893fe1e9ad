import { CancellationScope, continueAsNew, isCancellation, log, workflowInfo } from '@temporalio/workflow';
import { activitiesWith, messageOf } from './activity-options';
import type { PurgeWorkflowInput } from './messages';
import type { PurgeStatus } from '../src/domain';

// Each call runs many batches and heartbeats after each: a dead worker is noticed within the heartbeat timeout.
const batches = activitiesWith({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
});
const acts = activitiesWith({
  startToCloseTimeout: '20 seconds',
});

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
 * Purges one collection of a source: cancels its active executions, then deletes its records (and,
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
