import { isGrpcServiceError, ServiceError, type Client } from '@temporalio/client';

/** How a process hands work to Temporal: its client, its task queue, and the deadlines of the calls the hand-off makes. */
export interface TemporalHandOff {
  client: Client;
  taskQueue: string;
  /** How long a workflow start or signal that Temporal does not take (down, unreachable) is tried again (default 30 s). */
  handOffTimeoutMs?: number;
  /** How long a write waits for its record's running execution to stop (the `supersede` update; default 30 s). */
  supersedeTimeoutMs?: number;
}

export const DEFAULT_HANDOFF_TIMEOUT_MS = 30_000;
export const DEFAULT_SUPERSEDE_TIMEOUT_MS = 30_000;

// gRPC status codes after which the same call can succeed: CANCELLED 1, UNKNOWN 2, DEADLINE_EXCEEDED 4,
// RESOURCE_EXHAUSTED 8, ABORTED 10, UNAVAILABLE 14 (a server that is down, restarting or overloaded).
const TRANSIENT_CODES = new Set([1, 2, 4, 8, 10, 14]);

/** True when a Temporal call failed because the server could not be reached or could not answer in time. */
export function temporalUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    if (isGrpcServiceError(e)) return TRANSIENT_CODES.has(e.code);
    e = (e as { cause?: unknown }).cause;
  }
  // A connection that could not be made at all carries no gRPC status.
  return err instanceof ServiceError;
}

/**
 * Runs a Temporal call until Temporal takes it: tried again, with a growing pause, while the server is unavailable,
 * for at most `timeoutMs` (no call outlives that deadline); any other failure is thrown at once. The call must be
 * safe to repeat (a start that may have reached the server comes back as "already started").
 */
export async function untilTemporalTakes<T>(client: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.withDeadline(deadline, call);
    } catch (err) {
      const left = deadline - Date.now();
      if (!temporalUnavailable(err) || left <= 0) throw err;
      await new Promise((r) => setTimeout(r, Math.min(left, Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random()))));
    }
  }
}
