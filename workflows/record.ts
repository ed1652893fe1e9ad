import {
  allHandlersFinished, CancellationScope, CancelledFailure, condition, continueAsNew, getExternalWorkflowHandle, isCancellation, log,
  patched, setHandler, startChild, workflowInfo, ParentClosePolicy, ChildWorkflowCancellationType,
} from '@temporalio/workflow';
import { activitiesWith, messageOf } from './activity-options';
import { pipelineExecutionWorkflow } from './execution';
import { bundleOpSignal, type BundleOpReport } from './bundle';
import { bundleWorkflowId, enqueueSignal, executionWorkflowId, SA_KEYS, supersedeUpdate, type ExecutionRef, type RecordWorkflowInput } from './messages';

const acts = activitiesWith({
  startToCloseTimeout: '20 seconds',
});

// An inline execution's steps and commit run in one activity that heartbeats after each step: a lost worker
// is noticed as soon as with one activity per step.
const commitActs = activitiesWith({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
});

/**
 * Patch id (workflow versioning): executions that will never run (overtaken while queued, or handed over after a newer one)
 * are cancelled at once, also while another execution runs or waits for a reviewer. Before it they were cancelled only
 * between two executions: one queued behind an execution in review stayed IN_PROGRESS, its task PENDING, until the review ended.
 */
const CANCEL_QUEUED_AT_ONCE = 'cancel-queued-at-once';

/**
 * The one writer of a record's pipeline executions: Temporal allows one running workflow per
 * workflow id, and the id is the record's key. Executions run one at a time: inside this workflow when
 * none of their steps can wait for a reviewer (runInline), else as child workflows. A newer operation
 * cancels the running child (an inline execution is one commit, which finishes) and any that waits, so
 * the record ends as the last request asks.
 */
export async function recordWorkflow(input: RecordWorkflowInput): Promise<void> {
  let pending: ExecutionRef | undefined = input.pending;
  const toCancel: string[] = [...(input.toCancel ?? [])];
  // The execution that runs (inline or as a child); `superseded` once a newer request asked it to stop.
  let running: { executionId: string; superseded: boolean; stamp?: string | undefined } | undefined;

  setHandler(enqueueSignal, (ref) => {
    // A retried hand-off (bulk chunk, bundle start) may signal the same execution again: not a newer request.
    if (ref.executionId === pending?.executionId || ref.executionId === running?.executionId) return;
    // Hand-offs may arrive out of the order in which their requests claimed the record: one older than what waits or
    // runs is cancelled at once (its commit could never hold the record anyway).
    const latest = pending ?? running;
    if (ref.stamp && latest?.stamp && ref.stamp < latest.stamp) {
      toCancel.push(ref.executionId);
      return;
    }
    if (pending) toCancel.push(pending.executionId);
    pending = ref;
    if (running) running.superseded = true;
  });
  // Executions that ended since the last time no update was waiting: what a `supersede` update waits for.
  const closed = new Set<string>();
  setHandler(supersedeUpdate, async () => {
    if (pending) toCancel.push(pending.executionId);
    pending = undefined;
    const awaited = [...toCancel, ...(running ? [running.executionId] : [])];
    if (running) running.superseded = true;
    // Only what was there when the update came: executions enqueued later are not waited for.
    await condition(() => awaited.every((id) => closed.has(id)));
  });

  /** Cancels what `toCancel` holds, in order; an id leaves the list once its execution is closed. */
  const cancelQueued = async (): Promise<void> => {
    while (toCancel.length) {
      const executionId = toCancel[0] as string;
      await tellBundle(executionId, await acts.cancelQueued(executionId));
      toCancel.shift();
      closed.add(executionId);
    }
  };
  const atOnce = patched(CANCEL_QUEUED_AT_ONCE);
  if (atOnce) {
    // Beside the loop below, which waits for it: the one place that cancels queued executions.
    void (async () => {
      for (;;) {
        await condition(() => toCancel.length > 0);
        await cancelQueued();
      }
    })();
  }

  for (;;) {
    if (allHandlersFinished()) closed.clear();
    if (atOnce) await condition(() => toCancel.length === 0);
    else await cancelQueued();
    if (pending) {
      const ref: ExecutionRef = pending;
      pending = undefined;
      const current = { executionId: ref.executionId, superseded: false, stamp: ref.stamp };
      running = current;
      try {
        if (!(ref.inline && (await runInline(ref.executionId, current)))) await runChild(ref, current);
      } catch (err) {
        if (isCancellation(err)) {
          // Superseded before the child started: nobody else closes the execution. After a child's own
          // cleanup this is a no-op, since finishing an ended execution changes nothing.
          await tellBundle(ref.executionId, await acts.cancelQueued(ref.executionId));
        } else {
          log.warn('execution ended with a failure', { executionId: ref.executionId, error: String(err) });
        }
      } finally {
        running = undefined;
        closed.add(ref.executionId);
      }
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof recordWorkflow>({ recordKey: input.recordKey, ...(pending ? { pending } : {}), toCancel });
      }
      continue;
    }
    if (toCancel.length === 0 && allHandlersFinished()) return;
    await condition(() => pending !== undefined || toCancel.length > 0 || allHandlersFinished());
  }
}

/**
 * An execution of a bundle cancelled before its workflow ran (queued, overtaken) reports it to the bundle, as its own
 * workflow would have: the bundle drops, instead of waiting for good for an execution that will never be READY (found by
 * the fault suite). Histories from before this have no result here, so they replay without the signal.
 */
async function tellBundle(executionId: string, cancelled: { bundleId: string } | undefined): Promise<void> {
  if (!cancelled) return;
  const report: BundleOpReport = { executionId, status: 'CANCELLED' };
  await getExternalWorkflowHandle(bundleWorkflowId(cancelled.bundleId)).signal(bundleOpSignal, report).catch((err: unknown) => {
    log.info('bundle did not take the report', { executionId, bundleId: cancelled.bundleId, error: String(err) });
  });
}

/**
 * Runs an execution in its own child workflow (an execution that may wait for a reviewer, or belongs to a
 * bundle); a newer request cancels the child, and this waits until it has cleaned up.
 */
async function runChild(ref: ExecutionRef, current: { superseded: boolean }): Promise<void> {
  // The API sends the summary with the execution; an older hand-off without it is described from MongoDB.
  const summary = ref.summary ?? (await acts.describeExecution(ref.executionId));
  if (current.superseded) throw new CancelledFailure('superseded before its child started');
  // The child is started outside any cancellable scope and cancelled only once it has started: a cancel
  // sent while the start is in flight is lost (RequestCancelExternal fails on a workflow not yet started).
  const child = await CancellationScope.nonCancellable(() =>
    startChild(pipelineExecutionWorkflow, {
      workflowId: executionWorkflowId(ref.executionId),
      args: [ref],
      typedSearchAttributes: [
        { key: SA_KEYS.source, value: summary.source },
        { key: SA_KEYS.recordType, value: summary.type },
        { key: SA_KEYS.recordId, value: summary.id },
        { key: SA_KEYS.taskId, value: summary.taskId },
        { key: SA_KEYS.action, value: summary.action },
        { key: SA_KEYS.targetType, value: summary.targetType },
        { key: SA_KEYS.status, value: 'IN_PROGRESS' },
      ],
      staticSummary: summary.summary,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    }),
  );
  let ended = false;
  // Settles to the child's failure, if any, so that no rejection waits unhandled meanwhile.
  const result = child.result().then(() => undefined, (err: unknown) => err).finally(() => (ended = true));
  await condition(() => ended || current.superseded);
  if (!ended) {
    // A newer request: the child cleans up (CANCELLED) and ends; this waits for it.
    await getExternalWorkflowHandle(child.workflowId, child.firstExecutionRunId).cancel().catch((err: unknown) => {
      log.info('execution ended before its cancel request', { executionId: ref.executionId, error: String(err) });
    });
  }
  const failure = await result;
  if (failure !== undefined) throw failure;
}

/**
 * Runs an execution whose steps never wait for a reviewer here, without a workflow of its own: one activity
 * runs its steps and commits (writing steps, record, execution and receipt once). A newer request that comes
 * meanwhile waits for it, as for any commit, then runs; the record ends as the last request asks. False
 * when a step unexpectedly waits for review: the execution then goes on in a child.
 */
async function runInline(executionId: string, current: { superseded: boolean }): Promise<boolean> {
  if (current.superseded) throw new CancelledFailure('superseded before it started');
  // Nothing here is cut short, not even by a cancel of this workflow: its writes are the execution's only ones.
  return CancellationScope.nonCancellable(async () => {
    try {
      return (await commitActs.commit(executionId)) !== 'IN_REVIEW';
    } catch (err) {
      log.warn('inline execution failed', { executionId, error: String(err) });
      await acts.finish(executionId, 'ERROR', { error: messageOf(err) });
      return true;
    }
  });
}
