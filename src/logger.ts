import pino from 'pino';

/** The process logger: one JSON object per line. */
export function createLogger(level: string, name: string): pino.Logger {
  return pino({
    level,
    name,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers["x-api-key"]', 'req.headers["x-clinia-api-key"]', 'key'], censor: '[redacted]' },
  });
}

export type Logger = pino.Logger;
