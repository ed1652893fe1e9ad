import { WorkflowFailedError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { purgeWorkflowId, WORKFLOW_TYPES, type PurgeWorkflow } from '../../workflows/messages';
import { connectWorkflowEnv, fakeActivities, uniqueId, type Activities, type WorkflowEnv } from '../support/workflow-worker';
import { testCodec } from '../support/codec';

jest.setTimeout(20_000);

type PurgeOutcome = Parameters<Activities['finishPurge']>[1];

let env: WorkflowEnv;
beforeAll(async () => {
  env = await connectWorkflowEnv();
});
afterAll(async () => {
  await env?.close();
});

/** The fake finishPurge answers as the real one does for a PENDING purge: the outcome's status. */
const finishPurge = async (_purgeId: string, outcome: PurgeOutcome) => outcome.status;

test('continues as new every `callsPerRun` activity calls with the same input, and the last run finishes the purge SUCCESS', async () => {
  const purgeId = uniqueId('pg-long');
  let calls = 0;
  const fakes = fakeActivities({ purgeBatches: async () => ({ done: ++calls === 5 }), finishPurge });
  const { result, runs } = await env.withWorker(fakes, async (taskQueue) => {
    const handle = await env.client.workflow.start<PurgeWorkflow>(WORKFLOW_TYPES.purge, { workflowId: purgeWorkflowId(purgeId), taskQueue, args: [{ purgeId, batchSize: 10, batchesPerCall: 3, callsPerRun: 2 }] });
    const result = await handle.result();
    // Follows the chain of runs from the first: each but the last ended by continuing as new.
    const runs: { input: unknown; ended: string }[] = [];
    for (let runId: string | undefined = handle.firstExecutionRunId; runId;) {
      const history: History = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      const started = events[0]?.workflowExecutionStartedEventAttributes;
      const next = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
      // The history holds the input encrypted: decoded with the run's codec before it is read.
      const input = await testCodec().codec.decode(started?.input?.payloads ?? []);
      runs.push({ input: input.map((p) => JSON.parse(Buffer.from(p.data ?? []).toString()) as unknown), ended: next ? 'CONTINUED_AS_NEW' : 'COMPLETED' });
      runId = next?.newExecutionRunId ?? undefined;
    }
    return { result, runs };
  });
  expect(result).toBe('SUCCESS');
  const input = [{ purgeId, batchSize: 10, batchesPerCall: 3, callsPerRun: 2 }];
  expect(runs).toEqual([{ input, ended: 'CONTINUED_AS_NEW' }, { input, ended: 'CONTINUED_AS_NEW' }, { input, ended: 'COMPLETED' }]);
  expect(fakes.argsOf('purgeBatches')).toEqual(Array(5).fill([purgeId, { batchSize: 10, batchesPerCall: 3 }]));
  expect(fakes.argsOf('finishPurge')).toEqual([[purgeId, { status: 'SUCCESS' }]]);
});

test('a batch that fails non-retryably ends the purge FAILURE with the activity\'s own message', async () => {
  const purgeId = uniqueId('pg-fail');
  const fakes = fakeActivities({
    purgeBatches: async () => {
      throw ApplicationFailure.create({ type: 'NOT_FOUND', message: 'collection provider of source demo no longer exists', nonRetryable: true });
    },
    finishPurge,
  });
  const result = await env.withWorker(fakes, async (taskQueue) => (await env.client.workflow.start<PurgeWorkflow>(WORKFLOW_TYPES.purge, { workflowId: purgeWorkflowId(purgeId), taskQueue, args: [{ purgeId }] })).result());
  expect(result).toBe('FAILURE');
  expect(fakes.argsOf('purgeBatches')).toHaveLength(1);
  expect(fakes.argsOf('finishPurge')).toEqual([[purgeId, { status: 'FAILURE', receipt: 'FAILURE', message: 'collection provider of source demo no longer exists' }]]);
});

test('a cancelled purge closes its receipt CANCELLED before the workflow ends cancelled', async () => {
  const purgeId = uniqueId('pg-cancel');
  const fakes = fakeActivities({
    // A long batch that heartbeats, so that it hears the cancellation.
    purgeBatches: async () => {
      const ctx = Context.current();
      for (;;) {
        ctx.heartbeat();
        await ctx.sleep(100);
      }
    },
    finishPurge,
  });
  const { outcome, status } = await env.withWorker(fakes, async (taskQueue) => {
    const handle = await env.client.workflow.start<PurgeWorkflow>(WORKFLOW_TYPES.purge, { workflowId: purgeWorkflowId(purgeId), taskQueue, args: [{ purgeId }] });
    await fakes.called('purgeBatches');
    await handle.cancel();
    const outcome = await handle.result().then(() => 'completed', (err: unknown) => err);
    return { outcome, status: (await handle.describe()).status.name };
  });
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect(status).toBe('CANCELLED');
  expect(fakes.argsOf('finishPurge')).toEqual([[purgeId, { status: 'FAILURE', receipt: 'CANCELLED', message: 'the purge was cancelled before it finished' }]]);
});
