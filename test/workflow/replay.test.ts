import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { WORKFLOW_TYPES } from '../../workflows/messages';
import { historyFromJSON } from '../support/history-json';
import { installQuietRuntime, realWorkflows } from '../support/workflow-worker';
import { testCodec } from '../support/codec';
import { FIXTURE_CODEC_KEYS } from './fixture-codec';

// Histories recorded from runs of the real product (test/workflow/record-histories.ts re-records them), replayed
// against the workflow code as it is now: a change that would break the workflows already running fails here.
jest.setTimeout(30_000);

const HISTORIES = join(__dirname, 'histories');
const fixtures = readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort().map((file) => ({
  file,
  history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8'))),
}));

function typeOf(history: History): string | null | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
}

/** Replays the fixtures with `options`; each file's error, if any (none: replayed cleanly). */
async function replay(options: ReplayWorkerOptions, files: typeof fixtures): Promise<{ file: string; error?: Error }[]> {
  installQuietRuntime();
  const out: { file: string; error?: Error }[] = [];
  // With the payload codec of production: fixtures with plain payloads pass through it, encrypted ones decode.
  const replayOptions = { ...options, dataConverter: testCodec(FIXTURE_CODEC_KEYS).dataConverter };
  for await (const result of Worker.runReplayHistories(replayOptions, files.map((f) => ({ workflowId: f.file, history: f.history })))) {
    out.push({ file: result.workflowId, ...(result.error ? { error: result.error } : {}) });
  }
  return out;
}

test('the fixtures cover every workflow type the worker registers', () => {
  expect([...new Set(fixtures.map((f) => typeOf(f.history)))].sort()).toEqual(Object.values(WORKFLOW_TYPES).sort());
});

test('every recorded history replays against the current workflow code', async () => {
  const results = await replay({ ...realWorkflows(), replayName: 'sluice-replay' }, fixtures);
  expect(results.map((r) => r.file).sort()).toEqual(fixtures.map((f) => f.file));
  expect(results.filter((r) => r.error).map((r) => `${r.file}: ${r.error?.name}: ${r.error?.message}`)).toEqual([]);
});

test('the check has teeth: a workflow whose commands changed fails its replay with a DeterminismViolationError', async () => {
  const expected: Record<string, RegExp> = {
    'purgeWorkflow.http.json': /Nondeterminism error: Timer machine does not handle this event: HistoryEvent\(id: \d+, ActivityTaskScheduled\)/,
    'bulkWorkflow.with-pipelines.json': /Nondeterminism error: Activity type of scheduled event 'bulkProcessChunks' does not match activity type of activity command 'bulkOpenExecutions'/,
  };
  const drifted = fixtures.filter((f) => f.file in expected);
  expect(drifted).toHaveLength(2);
  const results = await replay({ workflowsPath: require.resolve('./drifted-workflows'), replayName: 'sluice-replay-drifted' }, drifted);
  expect(results.map((r) => ({ file: r.file, determinism: r.error instanceof DeterminismViolationError, message: r.error?.message })))
    .toEqual(drifted.map((f) => ({ file: f.file, determinism: true, message: expect.stringMatching(expected[f.file] as RegExp) })));
});
