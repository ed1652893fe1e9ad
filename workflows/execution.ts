import {
  CancellationScope, CancelledFailure, condition, getExternalWorkflowHandle, isCancellation, log, patched, setHandler, upsertSearchAttributes, uuid4,
  workflowInfo, ActivityCancellationType,
} from '@temporalio/workflow';
import { activitiesWith, messageOf } from './activity-options';
import type { Decision, ExecutionStatus } from '../src/domain';
import { bundleOpSignal, bundleOutcomeSignal, type BundleOpReport, type BundleOutcome } from './bundle';
import { bundleWorkflowId, decisionSignal, SA_KEYS, type ExecutionRef } from './messages';
import { parseDecisionSignal } from './decision-signal';

// Activities run to completion even when the execution is cancelled, so the cleanup that follows is the
// only writer of the execution once it starts (WAIT_CANCELLATION_COMPLETED).
const acts = activitiesWith({
  // Short, so that work lost with a killed worker is retried soon; the HTTP embedder's own timeout is shorter.
  startToCloseTimeout: '20 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Patch id (workflow versioning): a failure that arrives once the execution is cancelled ends it CANCELLED. */
const CANCELLED_DESPITE_TIMEOUT = 'cancelled-despite-activity-timeout';

function setStatus(status: ExecutionStatus): void {
  upsertSearchAttributes([{ key: SA_KEYS.status, value: status }]);
}

/**
 * One pipeline execution: runs the steps of its pipeline revision in order, waits in review for
 * a `decision` signal, validates and persists. Cancelled by its record's workflow when a newer request
 * arrives; the cleanup then marks the execution, its open steps and its receipt CANCELLED.
 *
 * Bundle mode (the execution belongs to a bundle): after the last step and the profile validation it writes
 * nothing; it reports READY to the bundle's workflow and waits, IN_PROGRESS, for the bundle's outcome
 * (COMMITTED: the bundle wrote it; DROPPED: it ends CANCELLED). Every other ending is reported to the bundle,
 * which then drops everything. A DROPPED outcome stops the steps wherever they are.
 */
export async function pipelineExecutionWorkflow(ref: ExecutionRef): Promise<ExecutionStatus> {
  const { executionId } = ref;
  // Decisions with the review step they decide: the API names it in every decision; a decision typed in the Temporal
  // CLI or UI without one decides the step that waits when the workflow takes it (as every decision did before).
  const decisions: { decision: Decision; step: number | undefined }[] = [];
  const ignored: string[] = [];
  setHandler(decisionSignal, (raw: unknown) => {
    const parsed = parseDecisionSignal(raw);
    if (!parsed.ok) {
      ignored.push(`malformed decision signal ignored: ${parsed.problems.join('; ')}`);
      return;
    }
    const d = parsed.value;
    decisions.push({
      decision: {
        id: d.id ?? uuid4(),
        action: d.action,
        ...(d.description !== undefined ? { description: d.description } : {}),
        author: d.author ?? { id: 'temporal-signal' },
        actedAt: d.actedAt ?? new Date().toISOString(),
      },
      step: d.stepIndex,
    });
  });
  const drainIgnored = async (): Promise<void> => {
    while (ignored.length) await acts.recordIgnoredSignal(executionId, ignored.shift() as string);
  };
  /** The first decision for step `index`; decisions bound to another step are dropped (and recorded). */
  const takeDecision = (index: number): Decision | undefined => {
    while (decisions.length) {
      const next = decisions.shift() as (typeof decisions)[number];
      if (next.step === undefined || next.step === index) return next.decision;
      ignored.push(`decision ${next.decision.id} (${next.decision.action}) ignored: it was for step ${next.step}, and step ${index} is waiting`);
    }
    return undefined;
  };

  // Bundle mode: the steps run in `work`, which the bundle's DROPPED outcome cancels.
  const work = new CancellationScope();
  let bundleId: string | undefined;
  let bundleOutcome: BundleOutcome['outcome'] | undefined;
  let reportedReady = false;
  setHandler(bundleOutcomeSignal, (raw: unknown) => {
    const outcome = (raw as Partial<BundleOutcome> | null)?.outcome;
    if (bundleOutcome !== undefined || (outcome !== 'COMMITTED' && outcome !== 'DROPPED')) return;
    bundleOutcome = outcome;
    if (outcome === 'DROPPED') work.cancel();
  });
  /** Reports to the bundle; false when it no longer listens (it has ended). */
  const report = async (status: BundleOpReport['status']): Promise<boolean> => {
    if (!bundleId) return true;
    try {
      await getExternalWorkflowHandle(bundleWorkflowId(bundleId)).signal(bundleOpSignal, { executionId, status });
      return true;
    } catch (err) {
      log.warn('bundle did not take the report', { executionId, bundleId, status, error: String(err) });
      return false;
    }
  };
  const endedWithoutWrite = async (status: 'ERROR' | 'DROPPED' | 'CANCELLED'): Promise<typeof status> => {
    await report(status);
    return status;
  };

  const runSteps = async (stepCount: number): Promise<'DONE' | 'ERROR' | 'DROPPED'> => {
    for (let index = 0; index < stepCount; index++) {
      const step = await acts.runStep(executionId, index);
      if (step.outcome === 'FAIL') {
        setStatus('ERROR');
        return 'ERROR';
      }
      if (step.outcome !== 'REVIEW') continue;
      setStatus('IN_REVIEW');
      // Decisions are not cleared here: the API may see IN_REVIEW (written by the activity) and signal before
      // this workflow has even processed the activity's result.
      let decision: Decision | undefined;
      for (;;) {
        const ready = (): boolean => decisions.length > 0 || ignored.length > 0;
        const arrived = step.reviewTimeoutMs === undefined ? (await condition(ready), true) : await condition(ready, step.reviewTimeoutMs);
        decision = takeDecision(index);
        await drainIgnored();
        if (!arrived) break;
        if (decision) break;
      }
      if (!decision) {
        // Review timeout: the step's onTimeout decides, recorded as a decision by the system.
        decision = { id: uuid4(), action: step.onTimeout ?? 'REJECT', description: 'review timed out', author: { id: 'system' }, actedAt: new Date().toISOString() };
      }
      if (decision.action === 'REJECT') {
        await acts.finish(executionId, 'DROPPED', { stepIndex: index, decision });
        setStatus('DROPPED');
        return 'DROPPED';
      }
      await acts.approveStep(executionId, index, decision);
      setStatus('IN_PROGRESS');
    }
    if (!bundleId) return 'DONE';
    const checked = await acts.checkForBundle(executionId);
    if (checked === 'READY') return 'DONE';
    setStatus('ERROR');
    return 'ERROR';
  };

  try {
    const plan = await acts.beginExecution(executionId);
    bundleId = plan.bundleId;
    if (plan.status !== 'IN_PROGRESS' && plan.status !== 'IN_REVIEW') {
      if (plan.status === 'ERROR' || plan.status === 'DROPPED' || plan.status === 'CANCELLED') await report(plan.status);
      return plan.status;
    }
    const outcome = await work.run(() => runSteps(plan.stepCount));
    if (outcome !== 'DONE') return await endedWithoutWrite(outcome);
    if (!bundleId) {
      // Once the commit starts it finishes: a newer request waits for it rather than cutting it in half.
      const status = await CancellationScope.nonCancellable(() => acts.commit(executionId));
      setStatus(status);
      return status;
    }
    reportedReady = true;
    if (!(await report('READY'))) bundleOutcome ??= 'DROPPED';
    await condition(() => bundleOutcome !== undefined);
    if (bundleOutcome === 'COMMITTED') {
      setStatus('SUCCESSFUL');
      return 'SUCCESSFUL';
    }
    await acts.finish(executionId, 'CANCELLED', {});
    setStatus('CANCELLED');
    return await endedWithoutWrite('CANCELLED');
  } catch (err) {
    // Cancelled by a newer request for the record (the root scope), or by the bundle's DROPPED outcome (`work`). An
    // activity that was running on a worker that died when the cancel came is not retried: it fails with a timeout,
    // not a cancellation, and the execution is cancelled all the same (found by test/faults: such executions ended
    // ERROR, their receipts FAILURE "activity StartToClose timeout").
    const cancelled = isCancellation(err) || (patched(CANCELLED_DESPITE_TIMEOUT) && (CancellationScope.current().consideredCancelled || work.consideredCancelled));
    if (cancelled) {
      const superseded = CancellationScope.current().consideredCancelled;
      return CancellationScope.nonCancellable(async () => {
        if (reportedReady && bundleOutcome === undefined) {
          // The bundle may be writing already: it decides, and a newer request waits for that like for a commit.
          if (await report('CANCELLED')) await condition(() => bundleOutcome !== undefined);
          if (bundleOutcome === 'COMMITTED') {
            setStatus('SUCCESSFUL');
            return 'SUCCESSFUL';
          }
        }
        await acts.finish(executionId, 'CANCELLED', {});
        setStatus('CANCELLED');
        await report('CANCELLED');
        if (superseded) throw isCancellation(err) ? err : new CancelledFailure('superseded while an activity of it had timed out');
        return 'CANCELLED';
      });
    }
    log.error('execution failed', { executionId, workflowId: workflowInfo().workflowId, error: String(err) });
    await CancellationScope.nonCancellable(() => acts.finish(executionId, 'ERROR', { error: messageOf(err) }));
    setStatus('ERROR');
    return CancellationScope.nonCancellable(() => endedWithoutWrite('ERROR'));
  }
}
