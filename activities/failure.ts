import { ApplicationFailure } from '@temporalio/common';
import { SluiceError } from '../src/errors';

/**
 * The one place an activity's error becomes a Temporal failure. A SluiceError keeps its type, message and details
 * and is non-retryable unless a retry can succeed (SluiceError.retryable); anything else (network, database, a bug)
 * is thrown as is, and the shared retry policy retries it.
 */
export function toFailure(err: unknown): unknown {
  if (!(err instanceof SluiceError)) return err;
  return ApplicationFailure.create({ type: err.type, message: err.message, details: err.details.length ? [err.details] : [], nonRetryable: !err.retryable, cause: err });
}

type ActivityFn = (...args: never[]) => Promise<unknown>;

/** The activities, each throwing its failures through toFailure. */
export function withFailures<T extends Record<string, ActivityFn>>(activities: T): T {
  const out: Record<string, ActivityFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toFailure(err);
      }
    };
  }
  return out as T;
}
