import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { Filter } from 'mongodb';
import { pageBy } from '../store/paging';
import { SluiceError, errorObject, notFound } from '../errors';
import { newId, newTaskId } from '../ids';
import type { OperatorContext } from '../operators';
import type { Actor } from './actor';
import { pipelineTriggered } from '../pipeline/trigger';
import type { DecisionBody } from '../schemas/decision';
import type { Step } from '../schemas/pipeline';
import { findOfSource, isDuplicateKey, type Store } from '../store/db';
import type { Action, Decision, ExecutionStatus, TargetType } from '../domain';
import { receiptOfExecution, receiptSet, type ExecutionDoc, type OperationBody, type ReceiptPatch } from '../store/documents';
import { enqueueSignal, decisionSignal, executionSummary, executionWorkflowId, recordWorkflowId, SA_KEYS, supersedeUpdate, type ExecutionRef, WORKFLOW_TYPES, type RecordWorkflow } from '../../workflows/messages';
import type { Principal } from '../services/api-keys';
import type { CatalogService, PipelineDefinition } from '../catalog/catalog';
import { documentId, headKey, recordKey } from './keys';
import type { RecordOrder } from './record-order';
import { readHistory } from './history';
import { DEFAULT_HANDOFF_TIMEOUT_MS, DEFAULT_SUPERSEDE_TIMEOUT_MS, temporalUnavailable, untilTemporalTakes, type TemporalHandOff } from './temporal-calls';
import { AssignmentService } from './assignments';



export interface AcceptInput {
  source: string;
  action: Action;
  targetType: TargetType;
  type: string;
  id: string;
  body: OperationBody;
  previous?: Record<string, unknown>;
  pipeline: PipelineDefinition;
  receivedAt: string;
  /** Who asked for the operation (the history item's `userInfo`). */
  userInfo: Actor;
  /** The execution's id when the caller claimed the record for it already (a single request: record-order.ts). */
  executionId?: string;
  /** The order stamp the operation claimed its record with: its commit checks that it still holds the record. */
  stamp?: string;
}

/** An execution as the API shows it (seed: Pipeline Execution API). */
export function executionOut(doc: ExecutionDoc, withBody: boolean): Record<string, unknown> {
  const { taskId, action, target, body } = doc.operation;
  return {
    id: doc._id,
    pipelineDefinitionId: doc.pipelineDefinitionId,
    status: doc.status,
    steps: doc.steps.map((step) => (step.error ? { ...step, error: errorObject(step.error, 'INVALID_ARGUMENT') } : step)),
    operation: { taskId, action, target, ...(withBody ? { body } : {}) },
    // Documented as an operation like `operation` (taskId, action, target), with the body as the steps left it.
    ...(withBody ? { processedOperation: { taskId, action, target, body: doc.processedOperation } } : {}),
    ...(doc.ignoredSignals.length ? { ignoredSignals: doc.ignoredSignals } : {}),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** How old a step's stored decision must be before a later decision of the step signals it again (lost delivery). */
const REDELIVER_AFTER_MS = 5000;

/** The API side of pipelines: decides sync vs async, starts executions, supersedes them, takes decisions. */
export class PipelineService {
  /** Reviewers' claims on executions waiting in review: a decision needs the key's claim, or an admin key. */
  readonly assignments: AssignmentService;

  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogService,
    private readonly temporal: TemporalHandOff,
    private readonly now: () => Date = () => new Date(),
    private readonly order?: RecordOrder,
  ) {
    this.assignments = new AssignmentService(store, now);
  }

  /** The pipeline revision an operation starts, or undefined when it triggers no step (a synchronous write). */
  async triggered(source: string, collectionKey: string, ctx: OperatorContext): Promise<PipelineDefinition | undefined> {
    const pipeline = await this.catalog.pipeline(source, collectionKey);
    if (!pipeline || !pipelineTriggered(pipeline.steps, ctx)) return undefined;
    return pipeline;
  }

  /**
   * Cancels the record's active execution, if any, and waits until nothing of it is in flight, so the
   * synchronous write that follows is the last. Uses a Temporal update on the record's workflow, for at most
   * `supersedeTimeoutMs`: a workflow that does not answer in time (no worker runs it, or Temporal is unreachable)
   * makes the write a 409 that writes nothing. The update may still reach the workflow later, and then cancels
   * what ran: the record keeps the data it had, and the client sends its write again.
   */
  async supersedeActive(key: string): Promise<void> {
    // Asked of Temporal, not of the executions collection: the record's workflow runs exactly while it has
    // executions, and a lookup by record key would read every execution (docs/ferretdb.md).
    const timeoutMs = this.temporal.supersedeTimeoutMs ?? DEFAULT_SUPERSEDE_TIMEOUT_MS;
    try {
      await this.temporal.client.withDeadline(Date.now() + timeoutMs, () => this.temporal.client.workflow.getHandle(recordWorkflowId(key)).executeUpdate(supersedeUpdate));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { name?: string }).name === 'WorkflowNotFoundError') return;
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || temporalUnavailable(err)) {
        throw new SluiceError('FAILED_PRECONDITION', `the record's running pipeline execution did not confirm within ${timeoutMs / 1000} s that it stopped (its workflow did not answer, or Temporal is unreachable); nothing was written, try again`, [], { transient: true });
      }
      throw err;
    }
  }

  /**
   * Executions that no workflow owns: IN_PROGRESS or IN_REVIEW, created more than `olderThanMs` ago, with neither a
   * running record workflow nor a running execution workflow. An API that stopped between recording an operation and
   * handing it over leaves one; so does a bulk chunk or a bundle whose hand-off was lost and not retried. Reads the
   * executions collection whole (docs/ferretdb.md): for a sweep every few minutes, not for a request.
   */
  async stranded(olderThanMs: number, pageSize = 500): Promise<ExecutionDoc[]> {
    const before = new Date(this.now().getTime() - olderThanMs).toISOString();
    const out: ExecutionDoc[] = [];
    // Every candidate, a page at a time in `_id` order: executions legitimately waiting in review (any number of them)
    // must not hide an orphan behind them.
    for (let after = ''; ;) {
      // Not changed for the grace period either: an execution whose steps are being written is owned, and costs no call.
      const page = await this.store.executions
        .find({ _id: { $gt: after }, status: { $in: ['IN_PROGRESS', 'IN_REVIEW'] }, createdAt: { $lt: before }, updatedAt: { $lt: before } })
        .sort({ _id: 1 })
        .limit(pageSize)
        .toArray();
      for (const c of page) {
        // One waiting in review is owned by its own workflow first; one in progress by its record's.
        const owners = c.status === 'IN_REVIEW' ? [executionWorkflowId(c._id), recordWorkflowId(c.recordKey)] : [recordWorkflowId(c.recordKey), executionWorkflowId(c._id)];
        if ((await this.workflowRuns(owners[0] as string)) || (await this.workflowRuns(owners[1] as string))) continue;
        // Read again: a workflow that ended between the read above and the checks has ended its execution too.
        const now = await this.store.executions.findOne({ _id: c._id });
        if (now && (now.status === 'IN_PROGRESS' || now.status === 'IN_REVIEW') && now.updatedAt === c.updatedAt) out.push(now);
      }
      if (page.length < pageSize) return out;
      after = (page.at(-1) as ExecutionDoc)._id;
    }
  }

  /**
   * Whether a request for the execution's record came after it: a newer execution, or a synchronous write or delete
   * made after the execution was recorded. Such an execution is not handed over late: the newer request stands, as
   * it would have superseded this one. A commit of an older execution that landed later does not count.
   */
  async supersededSince(execution: Pick<ExecutionDoc, '_id' | 'recordKey' | 'createdAt' | 'source' | 'operation' | 'stamp' | 'opKey'>): Promise<boolean> {
    if (execution.stamp && this.order) {
      // Claimed with a stamp: the record's head says whether a newer request claimed it since (record-order.ts).
      const { target } = execution.operation;
      return !(await this.order.holds(headKey(target.targetType, documentId(execution.source, target.type, target.id)), execution.opKey ?? execution._id));
    }
    const newer = await this.store.executions.findOne({ recordKey: execution.recordKey, createdAt: { $gt: execution.createdAt } }, { projection: { _id: 1 } });
    if (newer) return true;
    const { target } = execution.operation;
    const _id = documentId(execution.source, target.type, target.id);
    const record = target.targetType === 'RESOURCE'
      ? await this.store.resources.findOne({ _id }, { projection: { lastWrite: 1, lastWriteAt: 1 } })
      : await this.store.relationships.findOne({ _id }, { projection: { lastWrite: 1, lastWriteAt: 1 } });
    if (record) {
      if (!record.lastWrite || record.lastWrite === execution._id) return false;
      // A write by an execution dates from that execution's request; any other write from its own moment.
      const writer = await this.store.executions.findOne({ _id: record.lastWrite }, { projection: { createdAt: 1 } });
      return (writer?.createdAt ?? record.lastWriteAt ?? '') > execution.createdAt;
    }
    const history = await readHistory(this.store, target.targetType, _id);
    return history.some((item) => item.action === 'DELETE' && item.timestamp > execution.createdAt);
  }

  /** True when a workflow with this id is running. */
  async workflowRuns(workflowId: string): Promise<boolean> {
    try {
      return (await this.temporal.client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { name?: string }).name === 'WorkflowNotFoundError') return false;
      throw err;
    }
  }

  /**
   * Records the execution (and, for a single operation, its task and receipt), then hands it to the record's
   * workflow: 202 ACCEPTED. An operation of a bulk or bundle passes its task, its position (`seq`) and an
   * `opKey`: its receipt already exists, and a retried call finds the execution it made and starts nothing new.
   */
  async accept(input: AcceptInput & { task?: { taskId: string; seq: number; opKey: string }; bundleId?: string }): Promise<{ taskId: string; status: 'ACCEPTED'; executionId: string }> {
    // An operation of a bulk or bundle has its task already; its receipt is written here, once, or found there.
    const key = recordKey(input.source, input.targetType, input.type, input.id);
    const at = this.now().toISOString();
    const taskId = input.task?.taskId ?? newTaskId('SINGLE');
    const receiptId = `${taskId}:${input.task?.seq ?? 0}`;
    const existing = input.task ? await this.store.executions.findOne({ opKey: input.task.opKey }) : null;
    if (existing && existing.status !== 'IN_PROGRESS' && existing.status !== 'IN_REVIEW') {
      // A retried chunk finds the execution of this operation ended already (its workflow ran while the chunk was
      // retried): its receipt is brought in line, and nothing is handed over again.
      const patch: ReceiptPatch = existing.receiptPatch ?? { status: existing.status === 'SUCCESSFUL' || existing.status === 'DROPPED' ? 'SUCCESS' : existing.status === 'CANCELLED' ? 'CANCELLED' : 'FAILURE', executionStatus: existing.status };
      await this.store.receipts.insertOne(receiptOfExecution(existing, patch)).catch(async (err: unknown) => {
        if (!isDuplicateKey(err)) throw err;
        await this.store.receipts.updateOne({ _id: existing.receiptId }, { $set: receiptSet(patch) });
      });
      return { taskId, status: 'ACCEPTED', executionId: existing._id };
    }
    const executionId = existing?._id ?? input.executionId ?? newId();
    const pipelineExecution = { id: executionId, pipelineDefinitionId: input.pipeline.id, status: 'IN_PROGRESS' };
    const writeExecution = async (): Promise<void> => {
      if (existing) return;
      await this.store.inserts.executions.insert({
        _id: executionId, source: input.source, recordKey: key, pipelineDefinitionId: input.pipeline.id, status: 'IN_PROGRESS',
        steps: input.pipeline.steps.map((s) => ({ type: s.type, status: 'PENDING' })),
        operation: { taskId, action: input.action, target: { id: input.id, targetType: input.targetType, type: input.type }, body: input.body },
        processedOperation: input.body,
        ...(input.previous ? { previous: input.previous } : {}),
        ...(input.task ? { opKey: input.task.opKey } : {}),
        ...(input.bundleId ? { bundleId: input.bundleId } : {}),
        ...(input.stamp ? { stamp: input.stamp } : {}),
        receiptId, ignoredSignals: [], userInfo: input.userInfo, createdAt: at, updatedAt: at,
      });
    };
    const writeReceipt = (): Promise<void> => this.store.inserts.receipts.insert({
      _id: receiptId, taskId, seq: input.task?.seq ?? 0, source: input.source, action: input.action, targetType: input.targetType, type: input.type, id: input.id,
      status: 'PENDING', receivedAt: input.receivedAt, pipelineExecution,
    }).catch((err: unknown) => {
      if (!(input.task && isDuplicateKey(err))) throw err;
    });
    if (input.task) {
      // A retried chunk takes an operation with a receipt for handed over: the execution must be there first.
      await writeExecution();
      await writeReceipt();
    } else {
      // The task comes last, so a task always has its receipt and its execution, and a sweep that ends the execution
      // ends the task (an API that died between the task and the receipt left the task PENDING for good). A receipt or
      // an execution without a task is invisible, and harmless.
      await Promise.all([writeExecution(), writeReceipt()]);
      await this.store.inserts.tasks.insert({ _id: taskId, source: input.source, kind: 'SINGLE', operationCount: 1, createdAt: input.receivedAt });
    }
    const ref: ExecutionRef = {
      executionId,
      summary: executionSummary({ source: input.source, type: input.type, id: input.id, taskId, action: input.action, targetType: input.targetType, pipelineDefinitionId: input.pipeline.id }),
      ...(!input.bundleId && !canWaitForReview(input.pipeline.steps) ? { inline: true } : {}),
      ...(input.stamp ? { stamp: input.stamp } : {}),
    };
    try {
      await this.handOff({ source: input.source, targetType: input.targetType, type: input.type, id: input.id }, ref);
    } catch (err) {
      // An operation of a bulk or bundle stays IN_PROGRESS and PENDING: its activity fails and is retried, and the
      // retry hands the same execution over again (ChunkRunner, bundleStart). Nothing accepted is lost.
      if (input.task) throw err;
      // The start may have reached Temporal all the same (its answer was lost): the outcome is unknown until the task
      // says. Its execution is left to its one writer: the workflow, if the start reached Temporal, else the sweep,
      // which ends it ERROR (task FAILURE) after the grace period.
      throw new SluiceError('INTERNAL', `the workflow service did not confirm that it took the operation (task ${taskId}): ${(err as Error).message}; the outcome is unknown: read GET /sources/${input.source}/v1/tasks/${taskId} (FAILURE means it was not applied, then send it again)`);
    }
    return { taskId, status: 'ACCEPTED', executionId };
  }

  /**
   * Hands an execution to its record's workflow: starts one with the execution as its input when none runs, else
   * signals it (or starts a new one if it has just ended, atomically). A workflow that has the execution already
   * ignores it, so a retried hand-off is harmless.
   */
  async handOff(target: { source: string; targetType: TargetType; type: string; id: string }, ref: ExecutionRef): Promise<void> {
    const key = recordKey(target.source, target.targetType, target.type, target.id);
    const options = {
      workflowId: recordWorkflowId(key),
      taskQueue: this.temporal.taskQueue,
      typedSearchAttributes: [
        { key: SA_KEYS.source, value: target.source },
        { key: SA_KEYS.recordType, value: target.type },
        { key: SA_KEYS.recordId, value: target.id },
        { key: SA_KEYS.targetType, value: target.targetType },
      ],
      staticSummary: `Record ${target.targetType.toLowerCase()} ${target.type}/${target.id} of source ${target.source}`,
    };
    // Tried again while Temporal is unavailable (down, restarting), up to the hand-off deadline: an operation is not
    // refused because Temporal was away for a moment. A start that reached Temporal before a retry is "already started".
    await untilTemporalTakes(this.temporal.client, this.temporal.handOffTimeoutMs ?? DEFAULT_HANDOFF_TIMEOUT_MS, async () => {
      try {
        // Usually no workflow runs for the record: start one with the execution as its input.
        await this.temporal.client.workflow.start<RecordWorkflow>(WORKFLOW_TYPES.record, { ...options, args: [{ recordKey: key, pending: ref }] });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        await this.temporal.client.workflow.signalWithStart<RecordWorkflow, [ExecutionRef]>(WORKFLOW_TYPES.record, { ...options, args: [{ recordKey: key }], signal: enqueueSignal, signalArgs: [ref] });
      }
    });
  }

  /** One execution of a source; 404 when absent. */
  async get(source: string, id: string, withBody: boolean): Promise<Record<string, unknown>> {
    const doc = await findOfSource(this.store.executions, id, source);
    if (!doc) throw notFound(`pipeline execution '${id}' does not exist in source '${source}'`);
    return executionOut(doc, withBody);
  }

  /** The review queue and other listings, oldest first, a page at a time. */
  async list(source: string, q: { status?: ExecutionStatus; type?: string; perPage: number; cursor?: string }): Promise<{ data: Record<string, unknown>[]; nextCursor?: string }> {
    const filter: Filter<ExecutionDoc> = { source };
    if (q.status) filter.status = q.status;
    if (q.type) filter['operation.target.type'] = q.type;
    const { page, nextCursor } = await pageBy(this.store.executions, filter, '_id', q.perPage, q.cursor);
    return { data: page.map((d) => executionOut(d, false)), ...(nextCursor ? { nextCursor } : {}) };
  }

  /**
   * Records a reviewer's decision and signals it to the execution's workflow; 409 unless IN_REVIEW, and 409 when another
   * reviewer claims the execution (unless the key is admin). An unclaimed execution is claimed for the key first, so of
   * two reviewers deciding at once one wins and the other gets the 409.
   *
   * A decision decides the one review step that is waiting when it is made: it is stored under that step (an insert
   * keyed by execution and step, atomic everywhere), so a second decision of the same step, a double click or a
   * reviewer racing another, is a 409 that changes nothing; the signal names the step, and the workflow never applies it
   * to another. A step with `distinctReviewer` refuses (409) a key that decided an earlier step of the execution.
   */
  async decide(source: string, id: string, body: DecisionBody, principal: Principal): Promise<Decision> {
    const doc = await findOfSource(this.store.executions, id, source);
    if (!doc) throw notFound(`pipeline execution '${id}' does not exist in source '${source}'`);
    const stepIndex = doc.steps.findIndex((s) => s.status === 'IN_REVIEW');
    if (doc.status !== 'IN_REVIEW' || stepIndex < 0) throw new SluiceError('FAILED_PRECONDITION', `pipeline execution '${id}' is ${doc.status}, not IN_REVIEW`);
    const earlier = doc.steps.slice(0, stepIndex).find((s) => s.decision?.author.id === principal.id);
    const step = earlier ? await this.stepOf(doc, stepIndex) : undefined;
    if (step?.type === 'HUMAN_REVIEW' && step.humanReview.distinctReviewer) {
      throw new SluiceError('FAILED_PRECONDITION', `step ${stepIndex} of pipeline execution '${id}' needs another reviewer: this key decided an earlier step`);
    }
    const claim = await this.assignments.forDecision(doc, principal);
    const decision: Decision = {
      id: newId(), action: body.action, ...(body.description !== undefined ? { description: body.description } : {}),
      author: { id: principal.id, ...(principal.email ? { email: principal.email } : {}) }, actedAt: this.now().toISOString(),
    };
    const slot = `${id}:${stepIndex}`;
    try {
      await this.store.stepDecisions.insertOne({ _id: slot, source, executionId: id, stepIndex, decision });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      if (claim.made) await this.assignments.dropClaim(id, principal);
      const first = await this.store.stepDecisions.findOne({ _id: slot });
      // The step still waits, and the first decision is not a few seconds old: its delivery may have been lost (the API
      // that took it died before its signal, or Temporal was away). It is signalled again: a copy that arrives after the
      // step was decided is bound to that step and dropped by the workflow, so this never decides two steps.
      if (first && this.now().getTime() - Date.parse(first.decision.actedAt) > REDELIVER_AFTER_MS) {
        await this.temporal.client.workflow.getHandle(executionWorkflowId(id)).signal(decisionSignal, { ...first.decision, stepIndex }).catch(() => undefined);
      }
      const by = first ? ` (${first.decision.action} by ${first.decision.author.email ?? first.decision.author.id} at ${first.decision.actedAt})` : '';
      throw new SluiceError('FAILED_PRECONDITION', `step ${stepIndex} of pipeline execution '${id}' is decided already${by}; this decision changed nothing`);
    }
    try {
      await this.temporal.client.workflow.getHandle(executionWorkflowId(id)).signal(decisionSignal, { ...decision, stepIndex });
    } catch (err) {
      // Not delivered: the step is not decided, and the reviewer may try again.
      await this.store.stepDecisions.deleteOne({ _id: slot, 'decision.id': decision.id });
      if (claim.made) await this.assignments.dropClaim(id, principal);
      if ((err as { name?: string }).name === 'WorkflowNotFoundError') throw new SluiceError('FAILED_PRECONDITION', `pipeline execution '${id}' is no longer waiting for a decision`);
      throw err;
    }
    this.assignments.noteDecided(id);
    return decision;
  }

  /** The pipeline step `index` of an execution's revision. */
  private async stepOf(doc: ExecutionDoc, index: number): Promise<Step | undefined> {
    const dot = doc.pipelineDefinitionId.lastIndexOf('.');
    const pipeline = await this.catalog.pipeline(doc.source, doc.pipelineDefinitionId.slice(0, dot), Number(doc.pipelineDefinitionId.slice(dot + 1)));
    return pipeline?.steps[index];
  }
}

/** Whether a step of these can send an execution to review: a HUMAN_REVIEW step, or a validator rule whose failure does. */
export function canWaitForReview(steps: Step[]): boolean {
  return steps.some((s) => s.type === 'HUMAN_REVIEW' || (s.type === 'VALIDATOR' && s.validator.rules.some((r) => r.onFailure === 'REVIEW')));
}
