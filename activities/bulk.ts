import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';

/** The activities of bulk processing; the logic lives in BulkService, shared with nothing else. */
export function createBulkActivities(deps: ActivityDeps) {
  const bulk = deps.services.bulk;
  return {
    /** Runs one staged chunk; heartbeats so a lost worker is noticed within a minute. */
    async bulkProcessChunk(taskId: string, chunk: number): Promise<{ processed: number }> {
      const timer = setInterval(() => Context.current().heartbeat(), 10_000);
      try {
        return await bulk.processChunk(taskId, chunk, Context.current().info.attempt > 1);
      } finally {
        clearInterval(timer);
      }
    },
    /** The number of the bulk's executions still running. */
    async bulkOpenExecutions(taskId: string): Promise<number> {
      return bulk.openExecutions(taskId);
    },
    /** Drops the staged operations. */
    async bulkCleanup(taskId: string): Promise<void> {
      await bulk.cleanup(taskId);
    },
  };
}
