import { SYSTEM_ACTOR } from '../src/records/actor';
import { Context } from '@temporalio/activity';
import type { ClientSession } from 'mongodb';
import { receiptSet, type BundleDoc, type BundleOp, type ExecutionDoc, type OperationBody, type ReceiptPatch, type RelationshipDoc, type ResourceDoc } from '../src/store/documents';
import { deleteRecord, readRecord, writeRecord } from '../src/records/record-writes';
import { SluiceError } from '../src/errors';
import type { ActivityDeps } from './deps';
import { createPipelineActivities, RECEIPT_FOR, TERMINAL } from './pipeline';
import { documentId, headKey } from '../src/records/keys';
import { operationStamp } from '../src/records/record-order';

/** What the commit did: wrote everything, or found the bundle cannot be written (nothing was). */
export type BundleCommitResult = { status: 'COMMITTED' } | { status: 'DROPPED'; seq?: number; reason: string };

interface Write {
  op: BundleOp;
  body: OperationBody | undefined;
  writeId: string;
  /** The record's `versionId` when the write was decided (null: absent). */
  expected: string | null;
}

/** The staged operations without their data, kept once the bundle has settled (for inspection and idempotent retries). */
function slim(ops: BundleOp[]): BundleOp[] {
  return ops.map(({ body: _body, previous: _previous, ...rest }) => rest);
}

/** Heartbeats when running as an activity (so a lost worker is noticed soon); a no-op elsewhere. */
function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // not inside an activity
  }
}

/**
 * The side effects of a bundle's workflow. Every activity is idempotent: the bundle document records how far
 * it got (started executions, the commit's intent, its state), and each record write carries `{taskId}:{seq}`.
 */
export function createBundleActivities(deps: ActivityDeps) {
  const { store } = deps;
  const { catalog, pipelines, order } = deps;
  const now = deps.now ?? (() => new Date());
  const bundles = store.bundles;
  const { finish } = createPipelineActivities(deps);

  // A replica set (real MongoDB) runs the final write in one transaction; FerretDB has none (docs/ferretdb.md).
  let transactions: Promise<boolean> | undefined;
  const supportsTransactions = (): Promise<boolean> => {
    transactions ??= store.db.admin().command({ hello: 1 })
      .then((hello) => typeof hello.setName === 'string')
      .catch(() => {
        transactions = undefined;
        return false;
      });
    return transactions;
  };

  async function load(taskId: string): Promise<BundleDoc> {
    const doc = await bundles.findOne({ _id: taskId });
    if (!doc) throw new SluiceError('NOT_FOUND', `bundle ${taskId} does not exist`);
    return doc;
  }

  /** The executions of the bundle's pipeline operations, by seq. */
  async function executionsOf(bundle: BundleDoc): Promise<Map<number, ExecutionDoc>> {
    const opKeys = bundle.ops.filter((o) => o.pipelineDefinitionId).map((o) => `${bundle._id}:${o.seq}`);
    const docs = opKeys.length ? await store.executions.find({ opKey: { $in: opKeys } }).toArray() : [];
    return new Map(docs.map((d) => [Number((d.opKey ?? '').slice(bundle._id.length + 1)), d]));
  }

  async function resourceExists(source: string, type: string, id: string): Promise<boolean> {
    return Boolean(await store.resources.findOne({ _id: documentId(source, type, id) }, { projection: { _id: 1 } }));
  }

  /**
   * Whether the bundle can be written as it stands: every execution still waiting, every record without a
   * pipeline unchanged since the door, creates still new, updates still there, relationship ends present.
   * Returns each record's version (the intent), or the first operation that cannot be written.
   */
  async function check(bundle: BundleDoc, executions: Map<number, ExecutionDoc>): Promise<{ expected: (string | null)[] } | { seq: number; reason: string }> {
    const { source } = bundle;
    const after = new Map(bundle.ops.filter((o) => o.targetType === 'RESOURCE').map((o) => [`${o.type}/${o.id}`, o.action !== 'DELETE']));
    const expected: (string | null)[] = [];
    for (const op of bundle.ops) {
      const what = `${op.targetType.toLowerCase()} ${op.type}/${op.id}`;
      const key = documentId(source, op.type, op.id);
      const current = op.targetType === 'RESOURCE'
        ? await store.resources.findOne({ _id: key }, { projection: { meta: 1 } })
        : await store.relationships.findOne({ _id: key }, { projection: { meta: 1 } });
      const version = current?.meta.versionId ?? null;
      const execution = executions.get(op.seq);
      if (op.pipelineDefinitionId) {
        if (!execution || TERMINAL.includes(execution.status)) return { seq: op.seq, reason: `the pipeline execution of ${what} has ended` };
        if (op.action === 'CREATE' && current) return { seq: op.seq, reason: `${what} was created by another request meanwhile` };
        if (op.action === 'UPDATE' && !current) return { seq: op.seq, reason: `${what} was deleted by another request meanwhile` };
      } else if (version !== op.expectedVersion) {
        return { seq: op.seq, reason: `${what} was written by another request after the bundle was accepted` };
      }
      const body = execution?.processedOperation ?? op.body;
      if (op.targetType === 'RELATIONSHIP' && op.action !== 'DELETE' && body) {
        for (const end of [body.from, body.to]) {
          if (end && !(after.get(`${end.type}/${end.id}`) ?? (await resourceExists(source, end.type, end.id)))) {
            return { seq: op.seq, reason: `resource ${end.type}/${end.id}, an end of ${what}, no longer exists` };
          }
        }
      }
      expected[op.seq] = version;
    }
    // The bundle's place in each record's order: a request for one of them answered after the bundle was accepted
    // overtakes it, and the bundle is dropped (a claim the bundle made already, before a crash, still holds).
    if (bundle.stamp) {
      for (const op of bundle.ops) {
        const claim = await order.claimAt(headKey(op.targetType, documentId(source, op.type, op.id)), `${bundle._id}:${op.seq}`, operationStamp(bundle.stamp, op.seq));
        if (!claim.claimed) return { seq: op.seq, reason: `a newer request for ${op.targetType.toLowerCase()} ${op.type}/${op.id} was answered after the bundle was accepted` };
      }
    }
    return { expected };
  }

  /**
   * Writes one operation, once: a record that carries the write's id has it already; a record whose version
   * moved since the intent was written by a later request, and that later write stands. Each write is conditional on
   * the version of the intent (record-writes.ts), or inside the transaction.
   */
  async function apply(bundle: BundleDoc, w: Write, at: string, session?: ClientSession): Promise<void> {
    const source = bundle.source;
    const entry = { action: w.op.action, taskId: bundle._id, userInfo: bundle.userInfo ?? SYSTEM_ACTOR };
    const { op } = w;
    const _id = documentId(source, op.type, op.id);
    const current = await readRecord(store, op.targetType, _id, session);
    if (current?.lastWrite === w.writeId || (current?.meta.versionId ?? null) !== w.expected) return;
    if (op.action === 'DELETE') {
      if (current) await deleteRecord(store, { targetType: op.targetType, source, type: op.type, id: op.id }, { entry, writeId: w.writeId, at }, session ? { session } : {});
      return;
    }
    const body = w.body as OperationBody;
    const common = { source, type: op.type, id: op.id, data: body.data, ...(body.meta ? { meta: body.meta } : {}), writeId: w.writeId, at, history: entry };
    const opts = { expectedVersion: w.expected, ...(session ? { session } : {}) };
    if (op.targetType === 'RESOURCE') {
      await writeRecord(store, current as ResourceDoc | null, { ...common, targetType: 'RESOURCE', contained: body.contained ?? {} }, opts);
      return;
    }
    const stored = current as RelationshipDoc | null;
    const from = body.from ?? stored?.from;
    const to = body.to ?? stored?.to;
    if (!from || !to) throw new SluiceError('INVALID_ARGUMENT', `relationship ${op.type}/${op.id} has no ends`);
    await writeRecord(store, stored, { ...common, targetType: 'RELATIONSHIP', from, to }, opts);
  }

  /** After the writes: every receipt SUCCESS, every execution SUCCESSFUL, the bundle COMMITTED. */
  async function markCommitted(bundle: BundleDoc, executions: Map<number, ExecutionDoc>, at: string, session?: ClientSession): Promise<void> {
    const opts = session ? { session } : {};
    const withExecution = bundle.ops.filter((o) => o.pipelineDefinitionId).map((o) => `${bundle._id}:${o.seq}`);
    const without = bundle.ops.filter((o) => !o.pipelineDefinitionId).map((o) => `${bundle._id}:${o.seq}`);
    if (without.length) await store.receipts.updateMany({ _id: { $in: without } }, { $set: { status: 'SUCCESS', completedAt: at } }, opts);
    if (withExecution.length) {
      const receiptPatch: ReceiptPatch = { status: 'SUCCESS', executionStatus: 'SUCCESSFUL', completedAt: at };
      await store.executions.updateMany({ _id: { $in: [...executions.values()].map((e) => e._id) } }, { $set: { status: 'SUCCESSFUL', receiptPatch, updatedAt: at } }, opts);
      await store.receipts.updateMany({ _id: { $in: withExecution } }, { $set: receiptSet(receiptPatch) }, opts);
    }
    await bundles.updateOne({ _id: bundle._id }, { $set: { state: 'COMMITTED', settledAt: at, ops: slim(bundle.ops) } }, opts);
  }

  return {
    /**
     * Hands each pipeline operation to its record's workflow (an execution in bundle mode); returns the
     * execution ids. A retry skips what it already handed out, so no execution is enqueued twice.
     */
    async bundleStart(taskId: string): Promise<{ executionIds: string[] }> {
      const bundle = await load(taskId);
      const started = new Set(bundle.started);
      const executionIds: string[] = [];
      for (const op of bundle.ops) {
        if (!op.pipelineDefinitionId) continue;
        heartbeat();
        const opKey = `${taskId}:${op.seq}`;
        if (started.has(op.seq)) {
          const existing = await store.executions.findOne({ opKey }, { projection: { _id: 1 } });
          if (existing) {
            executionIds.push(existing._id);
            continue;
          }
        }
        const dot = op.pipelineDefinitionId.lastIndexOf('.');
        const pipeline = await catalog.pipeline(bundle.source, op.pipelineDefinitionId.slice(0, dot), Number(op.pipelineDefinitionId.slice(dot + 1)));
        if (!pipeline) throw new SluiceError('NOT_FOUND', `pipeline ${op.pipelineDefinitionId} does not exist`);
        const accepted = await pipelines.accept({
          source: bundle.source, action: op.action, targetType: op.targetType, type: op.type, id: op.id, body: op.body ?? { data: {} },
          ...(op.previous ? { previous: op.previous } : {}), pipeline, receivedAt: bundle.receivedAt,
          userInfo: bundle.userInfo ?? SYSTEM_ACTOR, task: { taskId, seq: op.seq, opKey }, bundleId: taskId,
        });
        executionIds.push(accepted.executionId);
        started.add(op.seq);
        await bundles.updateOne({ _id: taskId }, { $set: { started: [...started] } });
      }
      return { executionIds };
    },

    /**
     * Writes every operation of a bundle whose executions are all READY. First it checks the bundle can be
     * written and records that intent (COMMITTING); from then on a retry, after a crash between two writes,
     * completes the job and never writes a record twice. On a replica set the writes are one transaction.
     */
    async bundleCommit(taskId: string): Promise<BundleCommitResult> {
      const bundle = await load(taskId);
      if (bundle.state === 'COMMITTED') return { status: 'COMMITTED' };
      if (bundle.state === 'DROPPED') return { status: 'DROPPED', reason: bundle.reason ?? 'the bundle was dropped' };
      const executions = await executionsOf(bundle);
      let intent = bundle.intent;
      if (bundle.state === 'OPEN' || !intent) {
        const checked = await check(bundle, executions);
        if ('reason' in checked) return { status: 'DROPPED', ...checked };
        intent = { at: now().toISOString(), expected: checked.expected };
        await bundles.updateOne({ _id: taskId }, { $set: { state: 'COMMITTING', intent } });
      }
      const { at, expected } = intent;
      const writes: Write[] = bundle.ops.map((op) => ({
        op, body: executions.get(op.seq)?.processedOperation ?? op.body, writeId: `${taskId}:${op.seq}`, expected: expected[op.seq] ?? null,
      }));
      if (await supportsTransactions()) {
        const session = store.client.startSession();
        try {
          await session.withTransaction(async () => {
            for (const w of writes) await apply(bundle, w, at, session);
            await markCommitted(bundle, executions, at, session);
          });
        } finally {
          await session.endSession();
        }
      } else {
        for (const w of writes) {
          heartbeat();
          await apply(bundle, w, at);
        }
        await markCommitted(bundle, executions, at);
      }
      return { status: 'COMMITTED' };
    },

    /** Drops a bundle that was not written: its state, and the receipts of its operations without an execution (CANCELLED). */
    async bundleDrop(taskId: string, drop: { seq?: number; reason: string }): Promise<void> {
      const bundle = await load(taskId);
      if (bundle.state === 'COMMITTED' || bundle.state === 'COMMITTING') {
        throw new SluiceError('FAILED_PRECONDITION', `bundle ${taskId} is ${bundle.state}: it cannot be dropped`, [], { retryable: false });
      }
      const at = now().toISOString();
      if (bundle.state !== 'DROPPED') await bundles.updateOne({ _id: taskId }, { $set: { state: 'DROPPED', reason: drop.reason, settledAt: at } });
      const own = bundle.ops.filter((o) => !o.pipelineDefinitionId).map((o) => `${taskId}:${o.seq}`);
      if (own.length) {
        await store.receipts.updateMany({ _id: { $in: own }, status: 'PENDING' }, { $set: { status: 'CANCELLED', completedAt: at, error: { message: `the bundle was dropped: ${drop.reason}` } } });
      }
    },

    /**
     * The last step of a dropped bundle, once its executions have closed (or stopped answering): closes any
     * execution still open, and makes every receipt of a pipeline operation final, as its execution ended
     * (this also repairs a receipt write lost to a race, docs/ferretdb.md).
     */
    async bundleSettle(taskId: string): Promise<void> {
      const bundle = await load(taskId);
      const message = `the bundle was dropped: ${bundle.reason ?? 'an operation did not complete'}`;
      for (const execution of (await executionsOf(bundle)).values()) {
        if (!TERMINAL.includes(execution.status)) await finish(execution._id, 'CANCELLED', {});
      }
      const executions = await executionsOf(bundle);
      const receipts = new Map((await store.receipts.find({ taskId }).toArray()).map((r) => [r.seq, r]));
      const at = now().toISOString();
      for (const op of bundle.ops) {
        if (!op.pipelineDefinitionId) continue;
        heartbeat();
        const execution = executions.get(op.seq);
        const receipt = receipts.get(op.seq);
        const status = execution && TERMINAL.includes(execution.status) ? RECEIPT_FOR[execution.status] : 'CANCELLED';
        if (!receipt) {
          // The bundle ended before this operation's execution was made.
          await store.receipts.insertOne({
            _id: `${taskId}:${op.seq}`, taskId, seq: op.seq, source: bundle.source, action: op.action, targetType: op.targetType, type: op.type, id: op.id,
            status, receivedAt: bundle.receivedAt, completedAt: at, error: { message },
          });
          continue;
        }
        const error = receipt.error ?? (status === 'CANCELLED' ? { message } : undefined);
        if (receipt.status === status && receipt.completedAt && receipt.pipelineExecution?.status === execution?.status && receipt.error === error) continue;
        await store.receipts.updateOne({ _id: receipt._id }, {
          $set: { status, completedAt: receipt.completedAt ?? at, ...(error ? { error } : {}), ...(execution && receipt.pipelineExecution ? { 'pipelineExecution.status': execution.status } : {}) },
        });
      }
      await bundles.updateOne({ _id: taskId }, { $set: { ops: slim(bundle.ops) } });
    },
  };
}
