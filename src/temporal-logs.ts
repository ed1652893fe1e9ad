import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from './logger';

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The metadata of an SDK log line without what can quote health data: an error keeps its name and failure type, not
 * its message or stack (an activity's error may quote the record); objects other than errors (payloads, failures)
 * and task tokens are left out. Ids, types, attempts and the like stay.
 */
export function safeSdkMeta(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (key === 'taskToken') continue;
    if (value instanceof Error) {
      const type = (value as { type?: unknown }).type;
      out[key] = { name: value.name, ...(typeof type === 'string' ? { type } : {}) };
    } else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      out[key] = value;
    } else if (typeof value === 'bigint') {
      out[key] = value.toString();
    }
  }
  return out;
}

/** One JSON line per SDK log entry, through the process logger (LOG_LEVEL decides what shows). */
export function sdkLogFunction(logger: Logger): (entry: LogEntry) => void {
  return (entry) => {
    logger[LEVELS[entry.level]]({ temporalSdk: true, ...safeSdkMeta(entry.meta as Record<string, unknown> | undefined) }, entry.message);
  };
}

/** Routes the Temporal SDK's logs (worker state, failed activity attempts, the core's own) into the process logger. */
export function installSdkLogging(logger: Logger): void {
  const level = logger.level === 'trace' ? 'TRACE' : logger.level === 'debug' ? 'DEBUG' : logger.level === 'info' ? 'INFO' : logger.level === 'warn' ? 'WARN' : 'ERROR';
  Runtime.install({
    logger: new DefaultLogger(level, sdkLogFunction(logger)),
    telemetryOptions: { logging: { filter: { core: level === 'TRACE' ? 'DEBUG' : level, other: level === 'TRACE' ? 'DEBUG' : level }, forward: {} } },
  });
}
