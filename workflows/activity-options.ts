import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities';

/** Every activity the worker registers, as the workflows call them. */
export type Activities = ReturnType<typeof createActivities>;

/**
 * The one retry policy of every activity: a transient fault (network, database, a lost worker) is retried with
 * backoff, without limit; a business failure is a non-retryable ApplicationFailure and is never retried.
 */
export const ACTIVITY_RETRY = { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' } as const;

/** The innermost message of a failure: an activity's own error rather than "Activity task failed". */
export function messageOf(err: unknown): string {
  let message = String(err);
  for (let e: unknown = err; e instanceof Error; e = e.cause) message = e.message;
  return message;
}

/** The activities, called with these timeouts and the shared retry policy. */
export function activitiesWith(options: Omit<ActivityOptions, 'retry'>): Activities {
  return proxyActivities<Activities>({ ...options, retry: ACTIVITY_RETRY });
}
