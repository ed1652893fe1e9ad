import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Filter } from 'mongodb';
import { pageBy } from '../store/paging';
import { SluiceError, errorObject, notFound } from '../errors';
import { newId, newTaskId } from '../ids';
import type { OperatorContext } from '../operators';
import { currentActor, type Actor } from './actor';
import { pipelineTriggered } from '../pipeline/trigger';
import type { DecisionBody } from '../schemas/decision';
import type { Step } from '../schemas/pipeline';
import { findOfSource, isDuplicateKey, type Store } from '../store/db';
import type { Action, Decision, ExecutionStatus, TargetType } from '../domain';
import { receiptSet, type ExecutionDoc, type OperationBody, type ReceiptPatch } from '../store/documents';
import { enqueueSignal, decisionSignal, executionSummary, executionWorkflowId, recordWorkflowId, SA_KEYS, supersedeUpdate, type ExecutionRef, WORKFLOW_TYPES, type RecordWorkflow } from '../../workflows/messages';
import type { Principal } from '../services/api-keys';
import type { CatalogService, PipelineDefinition } from '../catalog/catalog';
import { recordKey } from './keys';



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

/** The API side of pipelines: decides sync vs async, starts executions, supersedes them, takes decisions. */
export class PipelineService {
  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogService,
    private readonly temporal: { client: Client; taskQueue: string },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The pipeline revision an operation starts, or undefined when it triggers no step (a synchronous write). */
  async triggered(source: string, collectionKey: string, ctx: OperatorContext): Promise<PipelineDefinition | undefined> {
    const pipeline = await this.catalog.pipeline(source, collectionKey);
    if (!pipeline || !pipelineTriggered(pipeline.steps, ctx)) return undefined;
    return pipeline;
  }

  /**
   * Cancels the record's active execution, if any, and waits until nothing of it is in flight, so the
   * synchronous write that follows is the last. Uses a Temporal update on the record's workflow.
   */
  async supersedeActive(key: string): Promise<void> {
    // Asked of Temporal, not of the executions collection: the record's workflow runs exactly while it has
    // executions, and a lookup by record key would read every execution (docs/ferretdb.md).
    try {
      await this.temporal.client.workflow.getHandle(recordWorkflowId(key)).executeUpdate(supersedeUpdate);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) && (err as { name?: string }).name !== 'WorkflowNotFoundError') throw err;
    }
  }

  /**
   * Single operations the API recorded but never handed to a workflow, because it stopped in between:
   * IN_PROGRESS executions created more than `olderThanMs` ago, of no bulk or bundle (a retried bulk or
   * bundle activity hands those again), with neither a running record workflow nor a running execution
   * workflow. Reads the executions collection whole (docs/ferretdb.md): for a sweep every few minutes,
   * not for a request.
   */
  async orphans(olderThanMs: number, limit = 500): Promise<string[]> {
    const before = new Date(this.now().getTime() - olderThanMs).toISOString();
    const candidates = await this.store.executions
      .find({ status: 'IN_PROGRESS', createdAt: { $lt: before }, opKey: { $exists: false }, bundleId: { $exists: false } }, { projection: { _id: 1, recordKey: 1 } })
      .limit(limit)
      .toArray();
    const out: string[] = [];
    for (const c of candidates) {
      if ((await this.workflowRuns(recordWorkflowId(c.recordKey))) || (await this.workflowRuns(executionWorkflowId(c._id)))) continue;
      out.push(c._id);
    }
    return out;
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
  async accept(input: AcceptInput & { task?: { taskId: string; seq: number; opKey: string; userInfo?: Actor }; bundleId?: string }): Promise<{ taskId: string; status: 'ACCEPTED'; executionId: string }> {
    // An operation of a bulk or bundle has its task already; its receipt is written here, once, or found there.
    const key = recordKey(input.source, input.targetType, input.type, input.id);
    const at = this.now().toISOString();
    const taskId = input.task?.taskId ?? newTaskId('SINGLE');
    const receiptId = `${taskId}:${input.task?.seq ?? 0}`;
    const existing = input.task ? await this.store.executions.findOne({ opKey: input.task.opKey }, { projection: { _id: 1 } }) : null;
    const executionId = existing?._id ?? newId();
    const pipelineExecution = { id: executionId, pipelineDefinitionId: input.pipeline.id, status: 'IN_PROGRESS' };
    if (!existing) {
      await this.store.inserts.executions.insert({
        _id: executionId, source: input.source, recordKey: key, pipelineDefinitionId: input.pipeline.id, status: 'IN_PROGRESS',
        steps: input.pipeline.steps.map((s) => ({ type: s.type, status: 'PENDING' })),
        operation: { taskId, action: input.action, target: { id: input.id, targetType: input.targetType, type: input.type }, body: input.body },
        processedOperation: input.body,
        ...(input.previous ? { previous: input.previous } : {}),
        ...(input.task ? { opKey: input.task.opKey } : {}),
        ...(input.bundleId ? { bundleId: input.bundleId } : {}),
        receiptId, ignoredSignals: [], userInfo: input.task?.userInfo ?? currentActor(), createdAt: at, updatedAt: at,
      });
    }
    // The task and the receipt are independent documents: written together.
    await Promise.all([
      input.task ? undefined : this.store.inserts.tasks.insert({ _id: taskId, source: input.source, kind: 'SINGLE', operationCount: 1, createdAt: input.receivedAt }),
      this.store.inserts.receipts.insert({
        _id: receiptId, taskId, seq: input.task?.seq ?? 0, source: input.source, action: input.action, targetType: input.targetType, type: input.type, id: input.id,
        status: 'PENDING', receivedAt: input.receivedAt, pipelineExecution,
      }).catch((err: unknown) => {
        if (!(input.task && isDuplicateKey(err))) throw err;
      }),
    ]);
    const ref: ExecutionRef = {
      executionId,
      summary: executionSummary({ source: input.source, type: input.type, id: input.id, taskId, action: input.action, targetType: input.targetType, pipelineDefinitionId: input.pipeline.id }),
      ...(!input.bundleId && !canWaitForReview(input.pipeline.steps) ? { inline: true } : {}),
    };
    try {
      await this.handOff({ source: input.source, targetType: input.targetType, type: input.type, id: input.id }, ref);
    } catch (err) {
      // An operation of a bulk or bundle stays IN_PROGRESS and PENDING: its activity fails and is retried, and the
      // retry hands the same execution over again (ChunkRunner, bundleStart). Nothing accepted is lost.
      if (input.task) throw err;
      const message = `the workflow service did not take the operation: ${(err as Error).message}`;
      const receiptPatch: ReceiptPatch = { status: 'FAILURE', executionStatus: 'ERROR', completedAt: at, error: { message } };
      await this.store.executions.updateOne({ _id: executionId }, { $set: { status: 'ERROR', receiptPatch, updatedAt: at } });
      await this.store.receipts.updateOne({ _id: receiptId }, { $set: receiptSet(receiptPatch) });
      throw new SluiceError('INTERNAL', message);
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
    try {
      // Usually no workflow runs for the record: start one with the execution as its input.
      await this.temporal.client.workflow.start<RecordWorkflow>(WORKFLOW_TYPES.record, { ...options, args: [{ recordKey: key, pending: ref }] });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await this.temporal.client.workflow.signalWithStart<RecordWorkflow, [ExecutionRef]>(WORKFLOW_TYPES.record, { ...options, args: [{ recordKey: key }], signal: enqueueSignal, signalArgs: [ref] });
    }
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

  /** Records a reviewer's decision and signals it to the execution's workflow; 409 unless IN_REVIEW. */
  async decide(source: string, id: string, body: DecisionBody, principal: Principal): Promise<Decision> {
    const doc = await findOfSource(this.store.executions, id, source);
    if (!doc) throw notFound(`pipeline execution '${id}' does not exist in source '${source}'`);
    if (doc.status !== 'IN_REVIEW') throw new SluiceError('FAILED_PRECONDITION', `pipeline execution '${id}' is ${doc.status}, not IN_REVIEW`);
    const decision: Decision = {
      id: newId(), action: body.action, ...(body.description !== undefined ? { description: body.description } : {}),
      author: { id: principal.id, ...(principal.email ? { email: principal.email } : {}) }, actedAt: this.now().toISOString(),
    };
    try {
      await this.temporal.client.workflow.getHandle(executionWorkflowId(id)).signal(decisionSignal, decision);
    } catch (err) {
      if ((err as { name?: string }).name === 'WorkflowNotFoundError') throw new SluiceError('FAILED_PRECONDITION', `pipeline execution '${id}' is no longer waiting for a decision`);
      throw err;
    }
    return decision;
  }
}

/** Whether a step of these can send an execution to review: a HUMAN_REVIEW step, or a validator rule whose failure does. */
export function canWaitForReview(steps: Step[]): boolean {
  return steps.some((s) => s.type === 'HUMAN_REVIEW' || (s.type === 'VALIDATOR' && s.validator.rules.some((r) => r.onFailure === 'REVIEW')));
}
