import { Writable } from 'node:stream';
import pino from 'pino';
import { ApplicationFailure } from '@temporalio/common';
import { safeSdkMeta, sdkLogFunction } from '../../src/temporal-logs';

// The Temporal SDK logs a failed activity attempt with its error; the error may quote the record (health data).
describe('Temporal SDK log lines', () => {
  test('an error keeps its name and failure type, never its message or stack; payload objects and task tokens are left out', () => {
    const meta = safeSdkMeta({
      activityType: 'commit', workflowId: 'execution:1', attempt: 2, isLocal: false, durationMs: 12n,
      taskToken: 'CiQwMWEy...', error: ApplicationFailure.nonRetryable('patient Jane Sentinel-Doe is invalid', 'INVALID_ARGUMENT'),
      input: { data: { name: 'Jane Sentinel-Doe' } },
    });
    expect(meta).toEqual({ activityType: 'commit', workflowId: 'execution:1', attempt: 2, isLocal: false, durationMs: '12', error: { name: 'ApplicationFailure', type: 'INVALID_ARGUMENT' } });
  });

  test('each entry is one JSON line through the process logger, at its level', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const log = sdkLogFunction(logger);
    log({ level: 'WARN', message: 'Activity failed', timestampNanos: 0n, meta: { activityType: 'commit', error: new Error('Sentinel-Doe at 12 Main St') } });
    log({ level: 'DEBUG', message: 'hidden at info', timestampNanos: 0n });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] as string);
    expect(line).toEqual(expect.objectContaining({ level: 40, msg: 'Activity failed', temporalSdk: true, activityType: 'commit', error: { name: 'Error' } }));
    expect(lines[0]).not.toContain('Sentinel');
  });
});
