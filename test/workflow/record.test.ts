import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  bundleWorkflowId, decisionSignal, enqueueSignal, executionSummary, executionWorkflowId, recordWorkflowId, SA_KEYS, supersedeUpdate, WORKFLOW_TYPES,
  type BundleWorkflow, type ExecutionRef, type ExecutionSummary, type RecordWorkflow,
} from '../../workflows/messages';
import { connectWorkflowEnv, fakeActivities, gate, uniqueId, workflowTaskFailures, type WorkflowEnv } from '../support/workflow-worker';

jest.setTimeout(20_000);

let env: WorkflowEnv;
beforeAll(async () => {
  env = await connectWorkflowEnv();
});
afterAll(async () => {
  await env?.close();
});

function start(taskQueue: string, recordKey: string, pending: ExecutionRef): Promise<WorkflowHandle<RecordWorkflow>> {
  return env.client.workflow.start<RecordWorkflow>(WORKFLOW_TYPES.record, { workflowId: recordWorkflowId(recordKey), taskQueue, args: [{ recordKey, pending }] });
}

function summaryOf(executionId: string, recordId: string): ExecutionSummary {
  return executionSummary({ source: 'demo', type: 'clinic', id: recordId, taskId: `s_${executionId}`, action: 'UPSERT', targetType: 'RESOURCE', pipelineDefinitionId: 'clinic.1' });
}

describe('an inline execution (no step can wait for a reviewer)', () => {
  test('a commit that fails non-retryably is tried once, the execution is ended ERROR, and the record\'s next execution still runs', async () => {
    const [first, second] = [uniqueId('inline-fail'), uniqueId('inline-next')];
    const recordKey = `demo:RESOURCE:clinic:${uniqueId('dr-replay')}`;
    const committing = gate();
    const fakes = fakeActivities({
      commit: async (executionId) => {
        if (executionId !== first) return 'SUCCESSFUL';
        await committing.opened;
        throw ApplicationFailure.create({ type: 'NOT_FOUND', message: 'pipeline clinic.1 does not exist', nonRetryable: true });
      },
      finish: async () => undefined,
    });
    const { result, status, failures } = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, recordKey, { executionId: first, inline: true });
      await fakes.called('commit');
      // A newer request for the record while the failing commit runs: it waits for that commit, then runs.
      await handle.signal(enqueueSignal, { executionId: second, inline: true });
      committing.open();
      return { result: await handle.result(), status: (await handle.describe()).status.name, failures: workflowTaskFailures(await handle.fetchHistory()) };
    });
    expect({ result, status, failures }).toEqual({ result: undefined, status: 'COMPLETED', failures: [] });
    expect(fakes.calls.map((c) => [c.name, ...c.args])).toEqual([
      ['commit', first],
      ['finish', first, 'ERROR', { error: expect.any(String) }],
      ['commit', second],
    ]);
  });

  test('a commit that finds a step waiting for review hands the execution to a child workflow, which takes the decision', async () => {
    const executionId = uniqueId('inline-review');
    const recordId = uniqueId('dr-replay');
    const fakes = fakeActivities({
      // The first commit (inline) stops at the review step; the child's commit after the approval writes.
      commit: async () => (fakes.argsOf('commit').length === 1 ? 'IN_REVIEW' : 'SUCCESSFUL'),
      describeExecution: async () => summaryOf(executionId, recordId),
      beginExecution: async () => ({ status: 'IN_REVIEW', stepCount: 1 }),
      runStep: async () => ({ outcome: 'REVIEW' }),
      approveStep: async () => undefined,
    });
    const { result, child } = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, `demo:RESOURCE:clinic:${recordId}`, { executionId, inline: true });
      await fakes.called('runStep');
      const childHandle = env.client.workflow.getHandle(executionWorkflowId(executionId));
      await childHandle.signal(decisionSignal, { action: 'APPROVE' });
      await handle.result();
      const described = await childHandle.describe();
      return {
        result: await childHandle.result(),
        child: { type: described.type, parent: described.parentExecution?.workflowId, recordId: described.typedSearchAttributes.get(SA_KEYS.recordId), status: described.typedSearchAttributes.get(SA_KEYS.status) },
      };
    });
    expect(result).toBe('SUCCESSFUL');
    expect(child).toEqual({ type: 'pipelineExecutionWorkflow', parent: recordWorkflowId(`demo:RESOURCE:clinic:${recordId}`), recordId, status: 'SUCCESSFUL' });
    expect(fakes.calls.map((c) => c.name)).toEqual(['commit', 'describeExecution', 'beginExecution', 'runStep', 'approveStep', 'commit']);
  });
});

describe('a synchronous write while an execution waits in review', () => {
  test('the supersede update cancels the child, returns only once it has cleaned up, and a decision sent during the cleanup is not applied', async () => {
    const executionId = uniqueId('child-superseded');
    const recordId = uniqueId('dr-replay');
    const recordKey = `demo:RESOURCE:clinic:${recordId}`;
    const cleanup = gate();
    const fakes = fakeActivities({
      beginExecution: async () => ({ status: 'IN_PROGRESS', stepCount: 1 }),
      runStep: async () => ({ outcome: 'REVIEW' }),
      finish: async () => cleanup.opened,
      cancelQueued: async () => undefined,
    });
    const outcome = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, recordKey, { executionId, summary: summaryOf(executionId, recordId) });
      await fakes.called('runStep');
      let updated = false;
      const update = handle.executeUpdate(supersedeUpdate).then(() => (updated = true));
      await fakes.called('finish');
      const child = env.client.workflow.getHandle(executionWorkflowId(executionId));
      await child.signal(decisionSignal, { action: 'APPROVE' });
      await sleep(300);
      const beforeCleanup = updated;
      cleanup.open();
      await update;
      await handle.result();
      return { beforeCleanup, child: (await child.describe()).status.name, record: (await handle.describe()).status.name, childFailures: workflowTaskFailures(await child.fetchHistory()) };
    });
    expect(outcome).toEqual({ beforeCleanup: false, child: 'CANCELLED', record: 'COMPLETED', childFailures: [] });
    // The record's workflow closes the execution too (a no-op after the child's cleanup, by design).
    expect(fakes.calls.map((c) => [c.name, ...c.args])).toEqual([
      ['beginExecution', executionId], ['runStep', executionId, 0], ['finish', executionId, 'CANCELLED', {}], ['cancelQueued', executionId],
    ]);
  });
});

describe('executions that will never run are cancelled at once', () => {
  test('one handed over after a newer one, while that one waits in review, is cancelled without waiting for the review', async () => {
    const [waiting, older] = [uniqueId('in-review'), uniqueId('older-claim')];
    const recordId = uniqueId('dr-replay');
    const fakes = fakeActivities({
      beginExecution: async () => ({ status: 'IN_PROGRESS', stepCount: 1 }),
      runStep: async () => ({ outcome: 'REVIEW' }),
      cancelQueued: async () => undefined,
      finish: async () => undefined,
    });
    const outcome = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, `demo:RESOURCE:clinic:${recordId}`, { executionId: waiting, summary: summaryOf(waiting, recordId), stamp: '000000000000002.000000' });
      await fakes.called('runStep');
      // Its request claimed the record before the one in review (an older stamp), and its hand-off came later.
      await handle.signal(enqueueSignal, { executionId: older, summary: summaryOf(older, recordId), stamp: '000000000000001.000000' });
      const cancelled = await fakes.called('cancelQueued');
      const child = env.client.workflow.getHandle(executionWorkflowId(waiting));
      const whileInReview = (await child.describe()).status.name;
      await child.signal(decisionSignal, { action: 'REJECT' });
      await handle.result();
      return { cancelled, whileInReview, failures: workflowTaskFailures(await handle.fetchHistory()) };
    });
    expect(outcome).toEqual({ cancelled: [older], whileInReview: 'RUNNING', failures: [] });
    expect(fakes.argsOf('cancelQueued')).toEqual([[older]]);
  });

  test('a queued one overtaken while the running one cleans up is cancelled before that cleanup ends; the newest runs last', async () => {
    const [running, overtaken, newest] = [uniqueId('running'), uniqueId('overtaken'), uniqueId('newest')];
    const recordId = uniqueId('dr-replay');
    const cleanup = gate();
    const fakes = fakeActivities({
      beginExecution: async () => ({ status: 'IN_PROGRESS', stepCount: 1 }),
      runStep: async () => ({ outcome: 'REVIEW' }),
      finish: async (executionId) => (executionId === running ? cleanup.opened : undefined),
      cancelQueued: async () => undefined,
      describeExecution: async (executionId) => summaryOf(executionId, recordId),
    });
    const order = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, `demo:RESOURCE:clinic:${recordId}`, { executionId: running, summary: summaryOf(running, recordId), stamp: '000000000000001.000000' });
      await fakes.called('runStep');
      await handle.signal(enqueueSignal, { executionId: overtaken, summary: summaryOf(overtaken, recordId), stamp: '000000000000002.000000' });
      await fakes.called('finish');
      await handle.signal(enqueueSignal, { executionId: newest, summary: summaryOf(newest, recordId), stamp: '000000000000003.000000' });
      // The running execution's cleanup is still held: the overtaken one is cancelled meanwhile.
      const cancelledFirst = await fakes.called('cancelQueued');
      const finishedBefore = fakes.argsOf('finish').length;
      cleanup.open();
      await fakes.called('runStep', 2);
      const child = env.client.workflow.getHandle(executionWorkflowId(newest));
      await child.signal(decisionSignal, { action: 'REJECT' });
      await handle.result();
      return { cancelledFirst, finishedBefore };
    });
    expect(order).toEqual({ cancelledFirst: [overtaken], finishedBefore: 1 });
    expect(fakes.argsOf('runStep').map((a) => a[0])).toEqual([running, newest]);
  });

  test('an execution of a bundle cancelled while queued reports it to the bundle, which drops instead of waiting for good', async () => {
    const [running, ofBundle, newest] = [uniqueId('running'), uniqueId('of-bundle'), uniqueId('newest')];
    const bundle = `bd_${uniqueId('bundle')}`;
    const recordId = uniqueId('dr-replay');
    const fakes = fakeActivities({
      beginExecution: async () => ({ status: 'IN_PROGRESS', stepCount: 1 }),
      runStep: async () => ({ outcome: 'REVIEW' }),
      finish: async () => undefined,
      cancelQueued: async (executionId) => (executionId === ofBundle ? { bundleId: bundle } : undefined),
      bundleStart: async () => ({ executionIds: [ofBundle] }),
      bundleDrop: async () => undefined,
      bundleSettle: async () => undefined,
    });
    const result = await env.withWorker(fakes, async (taskQueue) => {
      const bundleRun = await env.client.workflow.start<BundleWorkflow>(WORKFLOW_TYPES.bundle, { workflowId: bundleWorkflowId(bundle), taskQueue, args: [{ taskId: bundle }] });
      const handle = await start(taskQueue, `demo:RESOURCE:clinic:${recordId}`, { executionId: running, summary: summaryOf(running, recordId), stamp: '000000000000001.000000' });
      await fakes.called('runStep');
      // The bundle's execution queues behind the one in review, and a newer request overtakes it before it runs.
      await handle.signal(enqueueSignal, { executionId: ofBundle, summary: summaryOf(ofBundle, recordId), stamp: '000000000000002.000000' });
      await handle.signal(enqueueSignal, { executionId: newest, summary: summaryOf(newest, recordId), stamp: '000000000000003.000000' });
      const dropped = await bundleRun.result();
      await fakes.called('runStep', 2);
      await env.client.workflow.getHandle(executionWorkflowId(newest)).signal(decisionSignal, { action: 'REJECT' });
      await handle.result();
      return dropped;
    });
    expect(result).toEqual({ status: 'DROPPED', reason: `the pipeline execution ${ofBundle} ended CANCELLED` });
    expect(fakes.argsOf('runStep').map((a) => a[0])).toEqual([running, newest]);
  });
});
