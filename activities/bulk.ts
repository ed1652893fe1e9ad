import { Context } from '@temporalio/activity';
import { ChunkRunner } from './bulk-chunks';
import type { ActivityDeps } from './deps';

/** Chunks one activity runs at most (each up to 1,000 operations), so one attempt stays well within its timeout. */
const CHUNKS_PER_ACTIVITY = 20;

/** The activities of bulk processing; the logic lives in ChunkRunner. */
export function createBulkActivities(deps: ActivityDeps) {
  const bulk = new ChunkRunner(deps);
  return {
    /**
     * Runs staged chunks from `from` on (see ChunkRunner.processChunks). Heartbeats the next chunk to run, so
     * a retry after a lost worker resumes there, and so a lost worker is noticed within a minute.
     */
    async bulkProcessChunks(taskId: string, from: number): Promise<{ next: number; handedOff: number }> {
      const ctx = Context.current();
      const resumeAt = ctx.info.heartbeatDetails as unknown;
      let next = typeof resumeAt === 'number' && resumeAt > from ? resumeAt : from;
      const timer = setInterval(() => ctx.heartbeat(next), 10_000);
      try {
        return await bulk.processChunks(taskId, next, {
          retry: ctx.info.attempt > 1,
          maxChunks: CHUNKS_PER_ACTIVITY,
          progressed: (n) => {
            next = n;
            ctx.heartbeat(n);
          },
        });
      } finally {
        clearInterval(timer);
      }
    },
    /** The number of the bulk's executions still running. */
    async bulkOpenExecutions(taskId: string): Promise<number> {
      return bulk.openExecutions(taskId);
    },
  };
}
