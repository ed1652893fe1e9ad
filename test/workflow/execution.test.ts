import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { pipelineExecutionWorkflow } from '../../workflows/execution';
import { decisionSignal, executionWorkflowId, SA_KEYS, WORKFLOW_TYPES } from '../../workflows/messages';
import { connectWorkflowEnv, fakeActivities, gate, uniqueId, workflowTaskFailures, type Activities, type WorkflowEnv } from '../support/workflow-worker';

jest.setTimeout(20_000);

type StepOutcome = Awaited<ReturnType<Activities['runStep']>>;
type Decision = Parameters<Activities['approveStep']>[2];

let env: WorkflowEnv;
beforeAll(async () => {
  env = await connectWorkflowEnv();
});
afterAll(async () => {
  await env?.close();
});

const REVIEW: StepOutcome = { outcome: 'REVIEW' };
const DONE: StepOutcome = { outcome: 'DONE' };

/** A pipeline of three steps, the second a review; `extra` replaces any of the fakes. */
function executionFakes(extra: Partial<Activities> = {}, steps: StepOutcome[] = [DONE, REVIEW, DONE]) {
  return fakeActivities({
    beginExecution: async () => ({ status: 'IN_PROGRESS', stepCount: steps.length }),
    runStep: async (_id, index) => steps[index] ?? DONE,
    approveStep: async () => undefined,
    recordIgnoredSignal: async () => undefined,
    finish: async () => undefined,
    commit: async () => 'SUCCESSFUL',
    ...extra,
  });
}

function start(taskQueue: string, executionId: string): Promise<WorkflowHandle<typeof pipelineExecutionWorkflow>> {
  return env.client.workflow.start<typeof pipelineExecutionWorkflow>(WORKFLOW_TYPES.execution, { workflowId: executionWorkflowId(executionId), taskQueue, args: [{ executionId }] });
}

/** What the Temporal UI and visibility queries show as the execution's status. */
async function statusAttribute(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(SA_KEYS.status);
}

const reviewer: Decision = { id: 'd-1', action: 'APPROVE', description: 'Dr. Replay checked it', author: { id: 'reviewer-1', email: 'reviewer@example.org' }, actedAt: '2026-01-02T03:04:05.000Z' };

describe('a decision for an execution in review', () => {
  test('APPROVE: the review step is approved with the decision as sent, the remaining steps run, the execution commits', async () => {
    const id = uniqueId('ex-approve');
    const fakes = executionFakes();
    const { result, status } = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, id);
      await fakes.called('runStep', 2);
      await handle.signal(decisionSignal, reviewer);
      return { result: await handle.result(), status: await statusAttribute(handle) };
    });
    expect({ result, status }).toEqual({ result: 'SUCCESSFUL', status: 'SUCCESSFUL' });
    expect(fakes.calls.map((c) => [c.name, ...c.args])).toEqual([
      ['beginExecution', id], ['runStep', id, 0], ['runStep', id, 1], ['approveStep', id, 1, reviewer], ['runStep', id, 2], ['commit', id],
    ]);
  });

  test('REJECT: the execution ends DROPPED with the step and the decision, nothing after it runs, nothing is committed', async () => {
    const id = uniqueId('ex-reject');
    const fakes = executionFakes();
    const rejection: Decision = { ...reviewer, action: 'REJECT', description: 'duplicate of Dr. Replay' };
    const { result, status } = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, id);
      await fakes.called('runStep', 2);
      await handle.signal(decisionSignal, rejection);
      return { result: await handle.result(), status: await statusAttribute(handle) };
    });
    expect({ result, status }).toEqual({ result: 'DROPPED', status: 'DROPPED' });
    expect(fakes.calls.map((c) => [c.name, ...c.args])).toEqual([
      ['beginExecution', id], ['runStep', id, 0], ['runStep', id, 1], ['finish', id, 'DROPPED', { stepIndex: 1, decision: rejection }],
    ]);
  });

  test('a decision signalled before the workflow has seen the review step is kept and used', async () => {
    const id = uniqueId('ex-early');
    const reviewStarted = gate();
    // The review step's activity returns only once the decision is in the workflow's history.
    const fakes = executionFakes({ runStep: async (_id, index) => (index === 1 ? (await reviewStarted.opened, REVIEW) : DONE) });
    const result = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, id);
      await fakes.called('runStep', 2);
      await handle.signal(decisionSignal, reviewer);
      reviewStarted.open();
      return handle.result();
    });
    expect(result).toBe('SUCCESSFUL');
    expect(fakes.argsOf('approveStep')).toEqual([[id, 1, reviewer]]);
  });

  test('no decision within the review timeout: the step\'s onTimeout decides, recorded as the system\'s decision', async () => {
    const id = uniqueId('ex-timeout');
    const fakes = executionFakes({}, [{ outcome: 'REVIEW', reviewTimeoutMs: 300, onTimeout: 'APPROVE' }]);
    const result = await env.withWorker(fakes, async (taskQueue) => (await start(taskQueue, id)).result());
    expect(result).toBe('SUCCESSFUL');
    expect(fakes.argsOf('approveStep')).toEqual([[id, 0, { id: expect.any(String), action: 'APPROVE', description: 'review timed out', author: { id: 'system' }, actedAt: expect.any(String) }]]);
    expect(fakes.argsOf('commit')).toEqual([[id]]);
  });
});

describe('a malformed decision signal', () => {
  test('is recorded on the execution and ignored: the execution stays in review until a well-formed decision comes', async () => {
    const id = uniqueId('ex-malformed');
    const fakes = executionFakes();
    const { whileWaiting, result, failures } = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, id);
      await fakes.called('runStep', 2);
      await handle.signal(decisionSignal, { action: 'MAYBE', extra: 1 });
      await handle.signal(decisionSignal, 'not even an object');
      await fakes.called('recordIgnoredSignal', 2);
      const whileWaiting = { status: (await handle.describe()).status.name, attribute: await statusAttribute(handle), approved: fakes.argsOf('approveStep').length };
      // What the Temporal CLI sends when a reviewer types only the action.
      await handle.signal(decisionSignal, { action: 'APPROVE' });
      return { whileWaiting, result: await handle.result(), failures: workflowTaskFailures(await handle.fetchHistory()) };
    });
    expect(whileWaiting).toEqual({ status: 'RUNNING', attribute: 'IN_REVIEW', approved: 0 });
    expect(fakes.argsOf('recordIgnoredSignal')).toEqual([
      [id, 'malformed decision signal ignored: extra: is not a field of a decision; action: must be APPROVE or REJECT'],
      [id, 'malformed decision signal ignored: payload: must be an object'],
    ]);
    expect(result).toBe('SUCCESSFUL');
    expect(failures).toEqual([]);
    expect(fakes.argsOf('approveStep')).toEqual([[id, 1, { id: expect.any(String), action: 'APPROVE', author: { id: 'temporal-signal' }, actedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }]]);
  });
});

describe('a decision during cleanup', () => {
  test('an execution cancelled in review cleans up CANCELLED; a decision that arrives meanwhile changes nothing and fails no task', async () => {
    const id = uniqueId('ex-cancel');
    const cleanup = gate();
    const fakes = executionFakes({ finish: async () => cleanup.opened });
    const { outcome, status, attribute, history } = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, id);
      await fakes.called('runStep', 2);
      await handle.cancel();
      await fakes.called('finish');
      await handle.signal(decisionSignal, reviewer);
      cleanup.open();
      const outcome = await handle.result().then(() => 'completed', (err: unknown) => err);
      return { outcome, status: (await handle.describe()).status.name, attribute: await statusAttribute(handle), history: await handle.fetchHistory() };
    });
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect({ status, attribute }).toEqual({ status: 'CANCELLED', attribute: 'CANCELLED' });
    expect(fakes.calls.map((c) => [c.name, ...c.args])).toEqual([
      ['beginExecution', id], ['runStep', id, 0], ['runStep', id, 1], ['finish', id, 'CANCELLED', {}],
    ]);
    expect(workflowTaskFailures(history)).toEqual([]);
    // The decision really landed while the cleanup ran: between the cleanup's scheduling and its completion.
    const events = history.events ?? [];
    const scheduled = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'finish');
    const signalled = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === decisionSignal.name);
    const completed = events.findIndex((e) => e.activityTaskCompletedEventAttributes && Number(e.activityTaskCompletedEventAttributes.scheduledEventId) === Number(events[scheduled]?.eventId));
    expect(scheduled).toBeGreaterThan(0);
    expect([scheduled < signalled, signalled < completed]).toEqual([true, true]);
  });

  test('a REJECT or a malformed decision during the cleanup neither drops the execution nor records anything', async () => {
    const id = uniqueId('ex-cancel-late');
    const cleanup = gate();
    const fakes = executionFakes({ finish: async () => cleanup.opened });
    const result = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, id);
      await fakes.called('runStep', 2);
      await handle.cancel();
      await fakes.called('finish');
      await handle.signal(decisionSignal, { action: 'REJECT' });
      await handle.signal(decisionSignal, { action: 'MAYBE' });
      cleanup.open();
      return handle.result().then(() => 'completed', (err: unknown) => (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure ? 'cancelled' : err));
    });
    expect(result).toBe('cancelled');
    expect(fakes.calls.map((c) => c.name)).toEqual(['beginExecution', 'runStep', 'runStep', 'finish']);
  });
});

describe('a cancel while a step runs on a worker that is gone', () => {
  // Found by test/faults: Temporal does not retry an attempt that times out once the cancel is requested, so the
  // workflow gets a timeout, not a cancellation. The execution was superseded all the same: CANCELLED, not ERROR.
  test('the attempt times out after the cancel request, and the execution still ends CANCELLED', async () => {
    const id = uniqueId('ex-cancel-timeout');
    // The step's attempt never reports back within its 20 s (the worker running it died); it ignores the cancel.
    const fakes = executionFakes({ runStep: async () => new Promise<StepOutcome>((done) => setTimeout(() => done(DONE), 22_000)) });
    const outcome = await env.withWorker(fakes, async (taskQueue) => {
      const handle = await start(taskQueue, id);
      await fakes.called('runStep');
      await handle.cancel();
      return handle.result().then(() => 'completed', (err: unknown) => (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure ? 'cancelled' : err));
    });
    expect(outcome).toBe('cancelled');
    expect(fakes.calls.map((c) => [c.name, ...c.args])).toEqual([['beginExecution', id], ['runStep', id, 0], ['finish', id, 'CANCELLED', {}]]);
  }, 60_000);
});
