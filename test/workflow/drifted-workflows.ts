// Deliberately changed copies of two workflows, for replay.test.ts: each makes a change a refactor could make
// innocently, and replaying a recorded history must refuse both. No worker registers these.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { createActivities } from '../../activities';

const acts = proxyActivities<ReturnType<typeof createActivities>>({ startToCloseTimeout: '1 minute' });

/** The purge with a pause before its first batch: a timer where the history has an activity. */
export async function purgeWorkflow(input: { purgeId: string }): Promise<string | undefined> {
  await sleep('1 second');
  while (!(await acts.purgeBatches(input.purgeId, { batchSize: 500, batchesPerCall: 20 })).done);
  return acts.finishPurge(input.purgeId, { status: 'SUCCESS' });
}

/** The bulk asking for its running executions before every chunk, even before it has handed any off. */
export async function bulkWorkflow(input: { taskId: string; chunkCount: number; next: number }): Promise<void> {
  for (let next = input.next; next < input.chunkCount;) {
    await acts.bulkOpenExecutions(input.taskId);
    next = (await acts.bulkProcessChunks(input.taskId, next)).next;
  }
}
