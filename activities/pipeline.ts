import { Context } from '@temporalio/activity';
import { operatorContext, type OperatorContext } from '../src/operators';
import { ModelRegistry } from '../src/pipeline/models';
import { parseDuration } from '../src/pipeline/duration';
import { normalize } from '../src/pipeline/normalizer';
import { segment } from '../src/pipeline/segmenter';
import { stepTriggered } from '../src/pipeline/trigger';
import { runValidator, validatorOutcome } from '../src/pipeline/validator';
import { vectorize } from '../src/pipeline/vectorizer';
import { stepPaths, type Step } from '../src/schemas/pipeline';
import type { Decision, ExecutionStatus, ReceiptStatus } from '../src/domain';
import { receiptOfExecution, receiptSet, type ExecutionDoc, type ExecutionStep, type OperationBody, type ReceiptPatch, type RelationshipDoc, type ResourceDoc } from '../src/store/documents';
import { readRecord, writeRecord, type StoredRecord, type WriteResult } from '../src/records/record-writes';
import { SYSTEM_ACTOR } from '../src/records/actor';
import { syncReviewEntry } from '../src/records/review-queue';
import { executionSummary, type ExecutionSummary } from '../workflows/messages';
import { SluiceError } from '../src/errors';
import { isDuplicateKey } from '../src/store/db';
import type { ActivityDeps } from './deps';
import { documentId, headKey } from '../src/records/keys';


export const TERMINAL: ExecutionStatus[] = ['SUCCESSFUL', 'ERROR', 'CANCELLED', 'DROPPED'];
const OPEN_STEP = new Set(['PENDING', 'IN_PROGRESS', 'IN_REVIEW']);

/** What a receipt becomes when its execution ends (seeds: a REJECT is a SUCCESS of the operation). */
export const RECEIPT_FOR: Record<ExecutionStatus, ReceiptStatus> = {
  IN_PROGRESS: 'PENDING', IN_REVIEW: 'PENDING', SUCCESSFUL: 'SUCCESS', DROPPED: 'SUCCESS', ERROR: 'FAILURE', CANCELLED: 'CANCELLED',
};

/** Heartbeats when running as an activity (a direct call, as in a test, has no activity context). */
function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not inside an activity
  }
}

/** The steps of an execution after a `$set` of whole `steps` or of `steps.N`. */
function stepsAfter(steps: ExecutionStep[], set: Record<string, unknown>): ExecutionStep[] {
  const out = Array.isArray(set.steps) ? [...(set.steps as ExecutionStep[])] : [...steps];
  for (const [key, value] of Object.entries(set)) if (key.startsWith('steps.')) out[Number(key.slice('steps.'.length))] = value as ExecutionStep;
  return out;
}

/** Writes a change of an execution (its status, its receipt, any other fields). */
type Write = (doc: ExecutionDoc, status: ExecutionStatus, set: Record<string, unknown>, error?: ReceiptPatch['error']) => Promise<void>;

export type StepOutcome = { outcome: 'DONE' | 'FAIL' } | { outcome: 'REVIEW'; reviewTimeoutMs?: number; onTimeout?: 'APPROVE' | 'REJECT' };

/**
 * Every side effect of the pipeline workflows. Each activity is idempotent: it reads the execution, sees
 * what it already did (a step's recorded status, a record's `lastWrite`) and does not do it twice.
 */
export function createPipelineActivities(deps: ActivityDeps) {
  const { store, embedder } = deps;
  const { catalog, order } = deps;
  const now = deps.now ?? (() => new Date());
  const models = deps.models ?? new ModelRegistry();

  async function load(executionId: string): Promise<ExecutionDoc> {
    const doc = await store.executions.findOne({ _id: executionId });
    if (!doc) throw new SluiceError('NOT_FOUND', `execution ${executionId} does not exist`);
    return doc;
  }

  async function stepsOf(doc: ExecutionDoc): Promise<Step[]> {
    const dot = doc.pipelineDefinitionId.lastIndexOf('.');
    const pipeline = await catalog.pipeline(doc.source, doc.pipelineDefinitionId.slice(0, dot), Number(doc.pipelineDefinitionId.slice(dot + 1)));
    if (!pipeline) throw new SluiceError('NOT_FOUND', `pipeline ${doc.pipelineDefinitionId} does not exist`);
    return pipeline.steps;
  }

  /** Sets the execution's status (and its receipt's) plus any other fields, only while the execution is open. */
  async function update(doc: ExecutionDoc, status: ExecutionStatus, set: Record<string, unknown> = {}, error?: ReceiptPatch['error']): Promise<void> {
    // By `_id` alone (docs/ferretdb.md). The execution's workflow is its one writer, so the status read by `load`
    // (always just before) still holds; `finish` and friends return early on an ended execution.
    if (TERMINAL.includes(doc.status)) return;
    const at = now().toISOString();
    const receiptPatch: ReceiptPatch = { status: RECEIPT_FOR[status], executionStatus: status, ...(TERMINAL.includes(status) ? { completedAt: at } : {}), ...(error ? { error } : {}) };
    // Conditional on the execution being as it was read: an attempt of an activity that timed out and still runs
    // beside its retry (or a late step after the commit) finds it changed, and writes nothing.
    const res = await store.executions.updateOne({ _id: doc._id, status: doc.status, updatedAt: doc.updatedAt }, { $set: { ...set, status, receiptPatch, updatedAt: at } });
    if (res.matchedCount === 0) return;
    await setReceipt(doc, receiptPatch);
    if (status === 'IN_REVIEW' || doc.status === 'IN_REVIEW') await syncReview({ ...doc, steps: stepsAfter(doc.steps, set), status, updatedAt: at });
  }

  /** Brings the execution's receipt in line with its patch; a receipt that is missing is written whole. */
  async function setReceipt(doc: ExecutionDoc, patch: ReceiptPatch): Promise<void> {
    if ((await store.receipts.updateOne({ _id: doc.receiptId }, { $set: receiptSet(patch) })).matchedCount === 1) return;
    try {
      await store.receipts.insertOne(receiptOfExecution(doc, patch));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await store.receipts.updateOne({ _id: doc.receiptId }, { $set: receiptSet(patch) });
    }
  }

  /** The review queue's entry of an execution as just written: present while IN_REVIEW (src/records/review-queue.ts). */
  async function syncReview(doc: ExecutionDoc): Promise<void> {
    await syncReviewEntry(store, doc, doc.status === 'IN_REVIEW' ? await stepsOf(doc) : []);
  }

  /**
   * Work found done already (an activity retried after a worker died between the execution's write and its
   * receipt's): the receipt gets the patch last written with the execution's status. Idempotent.
   */
  async function resync(doc: ExecutionDoc): Promise<ExecutionStatus> {
    if (doc.receiptPatch) await setReceipt(doc, doc.receiptPatch);
    await syncReview(doc);
    return doc.status;
  }

  function context(doc: ExecutionDoc, body: OperationBody): OperatorContext {
    return operatorContext(doc.operation.action, body.data, doc.previous);
  }

  async function finish(executionId: string, status: 'ERROR' | 'CANCELLED' | 'DROPPED', extra: { stepIndex?: number; decision?: Decision; error?: string }): Promise<void> {
    const doc = await load(executionId);
    if (TERMINAL.includes(doc.status)) {
      await resync(doc);
      return;
    }
    const at = now().toISOString();
    const steps: ExecutionStep[] = doc.steps.map((s, i) => {
      if (i === extra.stepIndex && extra.decision) return { ...s, status: 'PROCESSED', processedAt: at, decision: extra.decision };
      if (!OPEN_STEP.has(s.status)) return s;
      if (status === 'CANCELLED' || status === 'DROPPED') return { ...s, status: 'CANCELLED' };
      return s.status === 'PENDING' ? s : { ...s, status: 'ERROR', ...(extra.error ? { error: { message: extra.error } } : {}) };
    });
    await update(doc, status, { steps }, extra.error ? { message: extra.error } : undefined);
  }

  /** Profile validation after the last step (augmenters may have added fields): the violations, none when valid. */
  async function finalViolations(doc: ExecutionDoc): Promise<{ path?: string; message: string }[]> {
    const { target, action } = doc.operation;
    const body = doc.processedOperation;
    const ctx = { action, ...(doc.previous ? { previous: doc.previous } : {}) };
    if (target.targetType === 'RESOURCE') {
      const profile = await catalog.rootProfile(doc.source, target.type);
      return profile.compiled.validate({ data: body.data, contained: body.contained ?? {} }, ctx);
    }
    const rel = await catalog.relationshipType(doc.source, target.type);
    return rel.compiled.validate({ data: body.data }, ctx);
  }

  /** Ends an execution in ERROR after its steps, with the error on its last step and on its receipt. */
  async function failAfterSteps(doc: ExecutionDoc, message: string, details: { path?: string; message: string }[] = [], staged: Record<string, unknown> = {}): Promise<'ERROR'> {
    const error = { message, details };
    const last = doc.steps.length - 1;
    await update(doc, 'ERROR', { ...staged, ...(last >= 0 ? { [`steps.${last}`]: { ...doc.steps[last], status: 'ERROR', error } } : {}) }, error);
    return 'ERROR';
  }

  /**
   * Runs the steps not run yet of an execution in memory, for a commit that writes them with its own write
   * (an execution run inside its record's workflow hands its steps to its commit). Heartbeats after each.
   * Returns the working copy with the steps' results, the fields to write, and how the steps ended.
   */
  async function stepsInMemory(doc: ExecutionDoc): Promise<{ working: ExecutionDoc; set: Record<string, unknown>; status?: ExecutionStatus; error?: ReceiptPatch['error']; outcome: StepOutcome['outcome'] }> {
    const working: ExecutionDoc = { ...doc, steps: [...doc.steps] };
    const staged: { set: Record<string, unknown>; status?: ExecutionStatus; error?: ReceiptPatch['error'] } = { set: {} };
    const stage: Write = async (_doc, status, set, error) => {
      staged.status = status;
      Object.assign(staged.set, set);
      if (error) staged.error = error;
      for (const [key, value] of Object.entries(set)) {
        if (key === 'processedOperation') working.processedOperation = value as OperationBody;
        else if (key.startsWith('steps.')) working.steps[Number(key.slice('steps.'.length))] = value as ExecutionStep;
      }
    };
    for (let index = doc.steps.findIndex((s) => s.status === 'PENDING'); index >= 0 && index < working.steps.length; index++) {
      const out = await stepOnce(working, index, stage);
      heartbeat(index);
      if (out.outcome !== 'DONE') return { working, ...staged, outcome: out.outcome };
    }
    return { working, ...staged, outcome: 'DONE' };
  }

  /** Runs an augmenting step on a copy of the data; the model's defaults fill what the step leaves out. */
  async function augment(step: Step, steps: readonly Step[], index: number, data: Record<string, unknown>): Promise<{ data: Record<string, unknown>; issues: { path: string; message: string }[] }> {
    if (step.type === 'NORMALIZER') return normalize(step.normalizer, data);
    const paths = stepPaths(steps)[index];
    if (!paths) throw new SluiceError('INTERNAL', `step ${index} is not an augmenting step`);
    if (step.type === 'SEGMENTER') {
      const model = models.get('segmenter', step.segmenter.modelId);
      if (!model) throw new SluiceError('FAILED_PRECONDITION', `segmenter model '${step.segmenter.modelId}' is not configured on this worker`, [], { retryable: false });
      return segment({ source: paths.input, target: paths.output, maxTokens: step.segmenter.maxTokens ?? model.maxTokens, overlap: step.segmenter.overlap ?? model.overlap }, data);
    }
    if (step.type !== 'VECTORIZER') throw new SluiceError('INTERNAL', `step ${index} is not an augmenting step`);
    const model = models.get('embedder', step.vectorizer.modelId);
    if (!model) throw new SluiceError('FAILED_PRECONDITION', `embedding model '${step.vectorizer.modelId}' is not configured on this worker`, [], { retryable: false });
    return vectorize({ source: paths.input, target: paths.output, dimensions: step.vectorizer.dimensions ?? model.dimensions }, data, models.embedder(step.vectorizer.modelId, embedder));
  }

  /** Runs one step of a loaded execution on its working copy and records its status; a step already run returns its recorded outcome. */
  async function stepOnce(doc: ExecutionDoc, index: number, write: Write = update): Promise<StepOutcome> {
    const executionId = doc._id;
    const steps = await stepsOf(doc);
    const step = steps[index];
    const recorded = doc.steps[index];
    if (!step || !recorded) throw new SluiceError('NOT_FOUND', `execution ${executionId} has no step ${index}`);
    const review = (): StepOutcome => {
      const cfg = step.type === 'HUMAN_REVIEW' ? step.humanReview : undefined;
      return { outcome: 'REVIEW', ...(cfg?.timeout ? { reviewTimeoutMs: parseDuration(cfg.timeout) } : {}), ...(cfg?.onTimeout ? { onTimeout: cfg.onTimeout } : {}) };
    };
    if (TERMINAL.includes(doc.status)) return (await resync(doc), { outcome: 'FAIL' });
    if (recorded.status === 'PROCESSED' || recorded.status === 'NOT_TRIGGERED') return (await resync(doc), { outcome: 'DONE' });
    if (recorded.status === 'IN_REVIEW') return (await resync(doc), review());
    if (recorded.status === 'ERROR') return (await resync(doc), { outcome: 'FAIL' });

    const at = now().toISOString();
    const body = doc.processedOperation;
    const ctx = context(doc, body);
    const setStep = (s: ExecutionStep): Record<string, unknown> => ({ [`steps.${index}`]: s });
    if (!stepTriggered(step, ctx)) {
      await write(doc, doc.status, setStep({ type: step.type, status: 'NOT_TRIGGERED', processedAt: at }));
      return { outcome: 'DONE' };
    }
    switch (step.type) {
      case 'NORMALIZER':
      case 'SEGMENTER':
      case 'VECTORIZER': {
        const out = await augment(step, steps, index, body.data);
        await write(doc, 'IN_PROGRESS', {
          ...setStep({ type: step.type, status: 'PROCESSED', processedAt: at, ...(out.issues.length ? { issues: out.issues } : {}) }),
          processedOperation: { ...body, data: out.data },
        });
        return { outcome: 'DONE' };
      }
      case 'VALIDATOR': {
        const { failures } = runValidator(step.validator, ctx);
        const issues = failures.map((f) => ({ path: f.rule, message: `${f.message} (${f.onFailure})` }));
        const verdict = validatorOutcome(failures);
        if (verdict === 'FAIL') {
          const error = { message: 'data-quality validation failed', details: issues };
          await write(doc, 'ERROR', setStep({ type: step.type, status: 'ERROR', processedAt: at, error }), error);
          return { outcome: 'FAIL' };
        }
        if (verdict === 'REVIEW') {
          await write(doc, 'IN_REVIEW', setStep({ type: step.type, status: 'IN_REVIEW', issues }));
          return review();
        }
        await write(doc, 'IN_PROGRESS', setStep({ type: step.type, status: 'PROCESSED', processedAt: at, ...(issues.length ? { issues } : {}) }));
        return { outcome: 'DONE' };
      }
      case 'HUMAN_REVIEW':
        await write(doc, 'IN_REVIEW', setStep({ type: step.type, status: 'IN_REVIEW' }));
        return review();
    }
  }

  /** The first of a relationship's ends that is not stored. */
  async function firstMissingEnd(source: string, ends: { type: string; id: string }[]): Promise<{ type: string; id: string } | undefined> {
    for (const end of ends) if (!(await readRecord(store, 'RESOURCE', documentId(source, end.type, end.id)))) return end;
    return undefined;
  }

  return {
    /** The summary and search attributes of an execution's workflow (ids only; no record data). */
    async describeExecution(executionId: string): Promise<ExecutionSummary> {
      const doc = await load(executionId);
      const { target, action, taskId } = doc.operation;
      return executionSummary({ source: doc.source, type: target.type, id: target.id, taskId, action, targetType: target.targetType, pipelineDefinitionId: doc.pipelineDefinitionId });
    },

    /** Starts an execution: how many steps it has, or its final status if it already ended; and its bundle, if any. */
    async beginExecution(executionId: string): Promise<{ status: ExecutionStatus; stepCount: number; bundleId?: string }> {
      const doc = await load(executionId);
      return { status: doc.status, stepCount: doc.steps.length, ...(doc.bundleId ? { bundleId: doc.bundleId } : {}) };
    },

    /** Runs one step on the working copy and records its status; a retry returns the recorded outcome. */
    async runStep(executionId: string, index: number): Promise<StepOutcome> {
      return stepOnce(await load(executionId), index);
    },

    /** An APPROVE decision: the review step is PROCESSED with its decision and the execution goes on. */
    async approveStep(executionId: string, index: number, decision: Decision): Promise<void> {
      const doc = await load(executionId);
      const current = doc.steps[index];
      if (!current || current.status !== 'IN_REVIEW') {
        await resync(doc);
        return;
      }
      await update(doc, 'IN_PROGRESS', { [`steps.${index}`]: { ...current, status: 'PROCESSED', processedAt: now().toISOString(), decision } });
    },

    /** A signal that could not be used is kept on the execution (at most 50), never thrown at the workflow. */
    async recordIgnoredSignal(executionId: string, reason: string): Promise<void> {
      const doc = await load(executionId);
      const ignoredSignals = [...doc.ignoredSignals, { receivedAt: now().toISOString(), reason }].slice(-50);
      await store.executions.updateOne({ _id: executionId }, { $set: { ignoredSignals } });
    },

    /**
     * Runs the steps not run yet (none, after an execution workflow ran them one by one), validates the
     * processed record against its profile once more and persists it through the fenced write (docs/durability.md):
     * only while the execution still holds the record's head, conditionally on the version read. The write carries the
     * execution id, so a retry after a crash finds it done. Overtaken by a newer request: CANCELLED, nothing written.
     */
    async commit(executionId: string): Promise<ExecutionStatus> {
      const loaded = await load(executionId);
      if (TERMINAL.includes(loaded.status)) return resync(loaded);
      // Steps not run yet (an execution run inside its record's workflow leaves them to its commit) run here,
      // and their results are written with the commit's own write: a retry runs them again.
      const steps = loaded.steps.some((s) => s.status === 'PENDING') ? await stepsInMemory(loaded) : undefined;
      if (steps && steps.outcome !== 'DONE') {
        await update(loaded, steps.status ?? 'ERROR', steps.set, steps.error);
        return steps.status ?? 'ERROR';
      }
      const doc = steps?.working ?? loaded;
      const staged = steps?.set ?? {};
      const { target, action } = doc.operation;
      const body = doc.processedOperation;
      const at = now().toISOString();
      const fail = (message: string, details?: { path?: string; message: string }[]): Promise<ExecutionStatus> => failAfterSteps(doc, message, details, staged);
      const violations = await finalViolations(doc);
      if (violations.length) return fail('profile validation failed after the last step', violations);
      const what = `${target.targetType.toLowerCase()} ${target.type}/${target.id}`;
      const key = documentId(doc.source, target.type, target.id);
      // The execution ends SUCCESSFUL once the record is written, at the same time as the write's history item.
      let succeeded = false;
      const succeed = async (): Promise<void> => {
        await update(doc, 'SUCCESSFUL', staged);
        succeeded = true;
      };
      const holder = doc.opKey ?? doc._id;
      const history = { action, taskId: doc.operation.taskId, userInfo: doc.userInfo ?? SYSTEM_ACTOR };
      const common = { source: doc.source, type: target.type, id: target.id, data: body.data, ...(body.meta ? { meta: body.meta } : {}), writeId: executionId, at, history };
      // Read the record, check the claim, write conditionally on the version read (docs/durability.md): a newer request
      // that claims the record after the check makes the write a conflict, and the next round sees its claim.
      let outcome: string | 'done' | 'overtaken' = 'busy';
      for (let attempt = 0; attempt < 25 && outcome === 'busy'; attempt++) {
        const current = await readRecord(store, target.targetType, key);
        if (current?.lastWrite === executionId) {
          outcome = 'done';
          break;
        }
        if (doc.stamp && !(await order.holds(headKey(target.targetType, key), holder))) {
          outcome = 'overtaken';
          break;
        }
        if (action === 'CREATE' && current) {
          outcome = `${what} already exists`;
          break;
        }
        if (action === 'UPDATE' && !current) {
          outcome = `${what} no longer exists`;
          break;
        }
        let res: WriteResult<StoredRecord>;
        if (target.targetType === 'RESOURCE') {
          res = await writeRecord(store, current as ResourceDoc | null, { ...common, targetType: 'RESOURCE', contained: body.contained ?? {} }, { alongside: succeed });
        } else {
          const stored = current as RelationshipDoc | null;
          const from = body.from ?? stored?.from;
          const to = body.to ?? stored?.to;
          if (!from || !to) {
            outcome = 'relationship ends are missing';
            break;
          }
          const missing = await firstMissingEnd(doc.source, [from, to]);
          if (missing) {
            outcome = `resource ${missing.type}/${missing.id} no longer exists`;
            break;
          }
          res = await writeRecord(store, stored, { ...common, targetType: 'RELATIONSHIP', from, to }, { alongside: succeed });
        }
        if (!('conflict' in res)) outcome = 'done';
      }
      if (outcome === 'overtaken') {
        // A newer request for the record was answered since this one was accepted: it stands, and this one is cancelled
        // (its steps' results are kept on the execution).
        const rest = Object.fromEntries(Object.entries(staged).filter(([k]) => !k.startsWith('steps.')));
        await update(doc, 'CANCELLED', { ...rest, steps: doc.steps.map((s) => (OPEN_STEP.has(s.status) ? { ...s, status: 'CANCELLED' } : s)) }, { message: `a newer request for ${what} was answered before this execution could write it; the newer one stands` });
        return 'CANCELLED';
      }
      if (outcome === 'busy') throw new SluiceError('FAILED_PRECONDITION', `${what} is busy with other writes; the commit is tried again`);
      if (outcome !== 'done') return fail(outcome);
      if (!succeeded) await update(doc, 'SUCCESSFUL', staged);
      return 'SUCCESSFUL';
    },

    /**
     * Bundle mode: the profile validation after the last step, without a write (the bundle writes every
     * operation together). READY, or ERROR when the record is invalid; an execution that ended says so.
     */
    async checkForBundle(executionId: string): Promise<'READY' | ExecutionStatus> {
      const doc = await load(executionId);
      if (TERMINAL.includes(doc.status)) return resync(doc);
      const violations = await finalViolations(doc);
      if (violations.length) return failAfterSteps(doc, 'profile validation failed after the last step', violations);
      return 'READY';
    },

    /** Ends an execution as ERROR, CANCELLED or DROPPED, closing its open steps and its receipt. */
    finish,

    /** An execution superseded before it started. */
    /**
     * Cancels an execution that will never run (or whose child has ended). Returns its bundle when this ended it: the
     * caller reports the cancellation there, as the execution's own workflow would have (no one else can: it never ran).
     */
    async cancelQueued(executionId: string): Promise<{ bundleId: string } | undefined> {
      const doc = await load(executionId);
      await finish(executionId, 'CANCELLED', {});
      return doc.bundleId && !TERMINAL.includes(doc.status) ? { bundleId: doc.bundleId } : undefined;
    },
  };
}
