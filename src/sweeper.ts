import type { Logger } from 'pino';
import type { PipelineService } from './records/pipelines';

/** How old an execution that never reached a workflow must be before it is ended. */
export const ORPHAN_AGE_MS = 10 * 60_000;
/** How often a worker looks for such executions. */
export const SWEEP_EVERY_MS = 5 * 60_000;

const REASON = 'the API stopped before it handed the operation to its workflow; send it again';

/**
 * Ends in ERROR the single operations the API recorded but never handed to a workflow (it stopped between
 * the two), so their tasks reach a final status (FAILURE, with the reason) instead of staying PENDING.
 * `finish` is the activities' (idempotent): several workers sweeping at once do no harm.
 */
export async function sweepOrphanedExecutions(
  pipelines: Pick<PipelineService, 'orphans'>,
  finish: (executionId: string, status: 'ERROR', extra: { error: string }) => Promise<void>,
  olderThanMs = ORPHAN_AGE_MS,
): Promise<string[]> {
  const ids = await pipelines.orphans(olderThanMs);
  for (const id of ids) await finish(id, 'ERROR', { error: REASON });
  return ids;
}

/** Sweeps every SWEEP_EVERY_MS while the worker runs; returns the stop function. */
export function startSweeper(pipelines: Pick<PipelineService, 'orphans'>, finish: Parameters<typeof sweepOrphanedExecutions>[1], logger: Logger): () => void {
  const timer = setInterval(() => {
    sweepOrphanedExecutions(pipelines, finish)
      .then((ids) => {
        if (ids.length) logger.warn({ count: ids.length, executionIds: ids }, 'executions never handed to a workflow ended in ERROR');
      })
      .catch((err: unknown) => logger.error({ err }, 'orphaned-execution sweep failed'));
  }, SWEEP_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
