import type { WorkflowHandle } from '@temporalio/client';
import type { pipelineExecutionWorkflow } from '../../workflows/execution';
import { bundleWorkflowId, decisionSignal, executionWorkflowId, WORKFLOW_TYPES, type BundleWorkflow } from '../../workflows/messages';
import { connectWorkflowEnv, fakeActivities, uniqueId, type Activities, type FakeActivities, type WorkflowEnv } from '../support/workflow-worker';

jest.setTimeout(20_000);

type StepOutcome = Awaited<ReturnType<Activities['runStep']>>;

let env: WorkflowEnv;
beforeAll(async () => {
  env = await connectWorkflowEnv();
});
afterAll(async () => {
  await env?.close();
});

/**
 * A bundle of executions with the given steps. Its `bundleStart` starts their real execution workflows, as
 * the real one does through each record's workflow; every execution belongs to the bundle.
 */
function bundleFakes(taskId: string, stepsOf: Record<string, StepOutcome[]>, taskQueue: () => string): FakeActivities {
  const steps = (executionId: string): StepOutcome[] => stepsOf[executionId] ?? [];
  return fakeActivities({
    bundleStart: async () => {
      const executionIds = Object.keys(stepsOf);
      for (const executionId of executionIds) {
        await env.client.workflow.start<typeof pipelineExecutionWorkflow>(WORKFLOW_TYPES.execution, { workflowId: executionWorkflowId(executionId), taskQueue: taskQueue(), args: [{ executionId }] });
      }
      return { executionIds };
    },
    bundleCommit: async () => ({ status: 'COMMITTED' }),
    bundleDrop: async () => undefined,
    bundleSettle: async () => undefined,
    beginExecution: async (executionId) => ({ status: 'IN_PROGRESS', stepCount: steps(executionId).length, bundleId: taskId }),
    runStep: async (executionId, index) => steps(executionId)[index] ?? { outcome: 'DONE' },
    checkForBundle: async () => 'READY',
    finish: async () => undefined,
  });
}

function execution(executionId: string): WorkflowHandle<typeof pipelineExecutionWorkflow> {
  return env.client.workflow.getHandle(executionWorkflowId(executionId));
}

test('every execution READY: the bundle writes everything in one commit and each execution ends SUCCESSFUL without writing', async () => {
  const taskId = uniqueId('bd-commit');
  const [a, b] = [uniqueId('bd-a'), uniqueId('bd-b')];
  let queue = '';
  const fakes = bundleFakes(taskId, { [a]: [{ outcome: 'DONE' }], [b]: [{ outcome: 'DONE' }, { outcome: 'DONE' }] }, () => queue);
  const results = await env.withWorker(fakes, async (taskQueue) => {
    queue = taskQueue;
    const bundle = await env.client.workflow.start<BundleWorkflow>(WORKFLOW_TYPES.bundle, { workflowId: bundleWorkflowId(taskId), taskQueue, args: [{ taskId }] });
    return { bundle: await bundle.result(), a: await execution(a).result(), b: await execution(b).result() };
  });
  expect(results).toEqual({ bundle: { status: 'COMMITTED' }, a: 'SUCCESSFUL', b: 'SUCCESSFUL' });
  expect(fakes.argsOf('bundleCommit')).toEqual([[taskId]]);
  expect(fakes.argsOf('checkForBundle')).toEqual(expect.arrayContaining([[a], [b]]));
  expect(fakes.calls.map((c) => c.name)).not.toEqual(expect.arrayContaining(['commit']));
  expect(fakes.calls.map((c) => c.name)).not.toEqual(expect.arrayContaining(['bundleDrop']));
});

test('a REJECT drops the whole bundle: nothing is committed, the READY execution ends CANCELLED, the receipts are settled', async () => {
  const taskId = uniqueId('bd-reject');
  const [ready, reviewed] = [uniqueId('bd-ready'), uniqueId('bd-reviewed')];
  let queue = '';
  const fakes = bundleFakes(taskId, { [ready]: [{ outcome: 'DONE' }], [reviewed]: [{ outcome: 'REVIEW' }] }, () => queue);
  const results = await env.withWorker(fakes, async (taskQueue) => {
    queue = taskQueue;
    const bundle = await env.client.workflow.start<BundleWorkflow>(WORKFLOW_TYPES.bundle, { workflowId: bundleWorkflowId(taskId), taskQueue, args: [{ taskId }] });
    await fakes.called('checkForBundle');
    await waitForRunStep(fakes, reviewed);
    await execution(reviewed).signal(decisionSignal, { action: 'REJECT', description: 'not Dr. Replay' });
    return { bundle: await bundle.result(), ready: await execution(ready).result(), reviewed: await execution(reviewed).result() };
  });
  const reason = `the pipeline execution ${reviewed} ended DROPPED`;
  expect(results).toEqual({ bundle: { status: 'DROPPED', reason }, ready: 'CANCELLED', reviewed: 'DROPPED' });
  expect(fakes.argsOf('bundleDrop')).toEqual([[taskId, { reason }]]);
  expect(fakes.argsOf('bundleSettle')).toEqual([[taskId]]);
  expect(fakes.argsOf('bundleCommit')).toEqual([]);
  expect(fakes.argsOf('finish')).toEqual(expect.arrayContaining([
    [reviewed, 'DROPPED', { stepIndex: 0, decision: expect.objectContaining({ action: 'REJECT', description: 'not Dr. Replay' }) }],
    [ready, 'CANCELLED', {}],
  ]));
});

test('a failing execution drops the bundle and stops one waiting in review: it ends CANCELLED and a late decision is not applied', async () => {
  const taskId = uniqueId('bd-fail');
  const [reviewed, failing] = [uniqueId('bd-reviewed'), uniqueId('bd-failing')];
  let queue = '';
  const fakes = bundleFakes(taskId, { [reviewed]: [{ outcome: 'REVIEW' }], [failing]: [{ outcome: 'FAIL' }] }, () => queue);
  const results = await env.withWorker(fakes, async (taskQueue) => {
    queue = taskQueue;
    const bundle = await env.client.workflow.start<BundleWorkflow>(WORKFLOW_TYPES.bundle, { workflowId: bundleWorkflowId(taskId), taskQueue, args: [{ taskId }] });
    const dropped = await bundle.result();
    // The execution may still be cleaning up; a decision now must not bring it back to life.
    await execution(reviewed).signal(decisionSignal, { action: 'APPROVE' }).catch(() => undefined);
    return { bundle: dropped, reviewed: await execution(reviewed).result(), failing: await execution(failing).result() };
  });
  expect(results).toEqual({ bundle: { status: 'DROPPED', reason: `the pipeline execution ${failing} ended ERROR` }, reviewed: 'CANCELLED', failing: 'ERROR' });
  expect(fakes.argsOf('finish')).toEqual([[reviewed, 'CANCELLED', {}]]);
  expect(fakes.argsOf('approveStep')).toEqual([]);
  expect(fakes.argsOf('bundleCommit')).toEqual([]);
});

/** Waits until the execution's first step has been asked for (it is then in review, or about to be). */
async function waitForRunStep(fakes: FakeActivities, executionId: string): Promise<void> {
  for (let n = 1; !fakes.argsOf('runStep').some(([id]) => id === executionId); n++) await fakes.called('runStep', n);
}
