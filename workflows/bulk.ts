import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

export interface BulkWorkflowInput {
  taskId: string;
  chunkCount: number;
  next: number;
}

/** Running executions a bulk may have at once: the SQLite dev server struggles near ~1,000. */
const MAX_RUNNING_EXECUTIONS = 200;
/** Chunks per run before continuing as new: keeps the history far below ~10,000 events. */
const CHUNKS_PER_RUN = 500;

/**
 * Processes a bulk's staged chunks in order, one activity per chunk (ids in, nothing else). Before each
 * chunk it waits while too many of the bulk's executions run, so a bulk of 100,000 pipeline operations
 * never floods Temporal.
 */
export async function bulkWorkflow(input: BulkWorkflowInput): Promise<void> {
  for (let chunk = input.next; chunk < input.chunkCount; chunk++) {
    while ((await acts.bulkOpenExecutions(input.taskId)) >= MAX_RUNNING_EXECUTIONS) await sleep('1 second');
    await acts.bulkProcessChunk(input.taskId, chunk);
    if (chunk + 1 < input.chunkCount && (chunk + 1 - input.next >= CHUNKS_PER_RUN || workflowInfo().continueAsNewSuggested)) {
      await continueAsNew<typeof bulkWorkflow>({ ...input, next: chunk + 1 });
    }
  }
  await acts.bulkCleanup(input.taskId);
}
