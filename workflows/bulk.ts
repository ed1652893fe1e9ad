import { continueAsNew, sleep, workflowInfo } from '@temporalio/workflow';
import { activitiesWith } from './activity-options';
import type { BulkWorkflowInput } from './messages';

const acts = activitiesWith({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
});

/** Running executions a bulk may have at once: the SQLite dev server struggles near ~1,000. */
const MAX_RUNNING_EXECUTIONS = 200;
/** Activities per run before continuing as new: keeps the history far below ~10,000 events. */
const CALLS_PER_RUN = 500;
/** History length at which a run waiting for executions continues as new. */
const MAX_HISTORY_EVENTS = 5000;

/**
 * Processes a bulk's staged chunks in order, several chunks per activity (ids in, nothing else). An
 * activity stops after a chunk that handed operations to pipelines; before the next, the workflow waits
 * while too many of the bulk's executions run, so a bulk of 100,000 pipeline operations never floods
 * Temporal.
 */
export async function bulkWorkflow(input: BulkWorkflowInput): Promise<void> {
  let handedOff = input.handedOff ?? 0;
  let next = input.next;
  let calls = 0;
  while (next < input.chunkCount) {
    // A bulk that has handed nothing to a pipeline has no execution to wait for.
    if (handedOff > 0) {
      while ((await acts.bulkOpenExecutions(input.taskId)) >= MAX_RUNNING_EXECUTIONS) {
        // A long wait grows the history too (an activity and a timer a second): it continues as new as well.
        if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS) {
          await continueAsNew<typeof bulkWorkflow>({ ...input, next, handedOff });
        }
        await sleep('1 second');
      }
    }
    const run = await acts.bulkProcessChunks(input.taskId, next);
    handedOff += run.handedOff;
    next = run.next;
    if (next < input.chunkCount && (++calls >= CALLS_PER_RUN || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS)) {
      await continueAsNew<typeof bulkWorkflow>({ ...input, next, handedOff });
    }
  }
}
