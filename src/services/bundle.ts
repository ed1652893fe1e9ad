import type { Actor } from '../records/actor';
import type { Client } from '@temporalio/client';
import { SluiceError, invalid, type ErrorDetail } from '../errors';
import { CREATE_ID_PATTERN, newId, newTaskId, RECORD_ID_PATTERN } from '../ids';
import type { BundleBody } from '../schemas/bundle';
import type { RelationshipOperation, ResourceOperation } from '../schemas/bulk';
import type { Store } from '../store/db';
import type { BundleOp, ReceiptDoc, ResourceDoc } from '../store/documents';
import { replaceRootIds, type RootIdTokens } from '../validation/root-id';
import { bundleWorkflowId, WORKFLOW_TYPES, type BundleResult } from '../../workflows/messages';
import type { WorkflowStarts } from '../records/workflow-starts';
import type { RecordOrder } from '../records/record-order';
import type { CatalogService } from '../catalog/catalog';
import { type PipelineService } from '../records/pipelines';
import { recordKey } from '../records/keys';
import type { RelationshipBuild, RelationshipService } from '../records/relationships';
import { applyDataPatch, patchPathDetails, type ResourceBuild, type ResourceService } from '../records/resources';
import { documentId } from '../records/keys';
import { receiptOut, type Receipt } from '../records/tasks';
import { ACTIVE_EXECUTION_STATUSES } from '../domain';

/** How long the API waits for a bundle without pipeline steps to be written before it answers 202 instead of 201. */
const SYNC_WAIT_MS = 30_000;

const ID_TOKEN = /^@rootId\d*$/;

export type BundleAnswer =
  | { taskId: string; status: 'ACCEPTED' }
  | { taskId: string; status: 'PERSISTED'; resourceOperationReceipts: Receipt[]; relationshipOperationReceipts: Receipt[] };

type End = { id: string; type?: string };

function resourcePart(op: ResourceOperation): { id?: string; type: string } {
  switch (op.action) {
    case 'CREATE': return op.create;
    case 'UPSERT': return op.upsert;
    case 'UPDATE': return op.update;
    case 'DELETE': return op.delete;
  }
}

/** An SluiceError's details placed under the operation's path (`resourceOperations[2].create` + `data.name`). */
function located(err: unknown, prefix: string, fallback: string): ErrorDetail[] {
  if (!(err instanceof SluiceError)) throw err;
  if (!err.details.length) return [{ path: `${prefix}.${fallback}`, message: err.message }];
  return err.details.map((d) => ({
    path: d.path === undefined ? `${prefix}.${fallback}` : d.path.startsWith('[') ? `${prefix}.patch${d.path}` : `${prefix}.${d.path}`,
    message: d.message,
  }));
}

/** Rewrites a lookup's error (an unknown type is a 404 on its own) as a detail of `path`. */
async function at<T>(path: string, lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof SluiceError && !err.details.length) throw invalid(err.message, [{ path, message: err.message }]);
    throw err;
  }
}

/** Resolves after `ms` with undefined, or with the promise's value if it settles first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Bundles (atomic). The door checks every operation with the single-operation rules (a 400 naming
 * each bad path, nothing written), resolves `@rootIdN`, stages the checked operations and starts the bundle's
 * workflow, which runs the pipelines and writes everything together (see workflows/bundle.ts).
 */
export class BundleService {
  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogService,
    private readonly resources: ResourceService,
    private readonly relationships: RelationshipService,
    private readonly pipelines: PipelineService,
    private readonly temporal: { client: Client; taskQueue: string },
    private readonly starts: WorkflowStarts,
    private readonly order: RecordOrder,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Checks and stages a bundle, then starts it: 202 ACCEPTED, or 201 PERSISTED once written when no operation triggers a step. */
  async submit(source: string, body: BundleBody, userInfo: Actor): Promise<BundleAnswer> {
    const receivedAt = this.now().toISOString();
    const ids = this.resolveIds(body.resourceOperations);
    let ops = await this.prepareAll(source, body, ids);
    // A newer request cancels its record's active execution; then the records are read again, as
    // those executions left them.
    const keys = ops.map((o) => recordKey(source, o.targetType, o.type, o.id));
    const active = await this.store.executions.find({ recordKey: { $in: keys }, status: { $in: [...ACTIVE_EXECUTION_STATUSES] } }, { projection: { recordKey: 1 } }).toArray();
    if (active.length) {
      for (const key of new Set(active.map((e) => e.recordKey))) await this.pipelines.supersedeActive(key);
      ops = await this.prepareAll(source, body, ids);
    }

    const taskId = newTaskId('BUNDLE');
    // The start is recorded first and the task written last: once the task exists the bundle is accepted, and if
    // Temporal does not take the start within the hand-off deadline, the worker's sweep starts it later.
    const start = await this.starts.intend({
      _id: bundleWorkflowId(taskId), kind: 'BUNDLE', taskId, workflowType: WORKFLOW_TYPES.bundle, args: [{ taskId }], staged: ops.length,
      staticSummary: `Bundle ${taskId} of source ${source}: ${body.resourceOperations.length} resource and ${body.relationshipOperations.length} relationship operations`,
    });
    // The bundle's place in its records' order (src/records/record-order.ts): it claims them with this stamp when it commits.
    await this.store.bundles.insertOne({ _id: taskId, source, receivedAt, ops, state: 'OPEN', started: [], userInfo, createdAt: this.now().toISOString(), stamp: this.order.stamp() });
    // Receipts of operations with a pipeline are written when their execution is (PipelineService.accept).
    const receipts: ReceiptDoc[] = ops.filter((o) => !o.pipelineDefinitionId).map((o) => ({
      _id: `${taskId}:${o.seq}`, taskId, seq: o.seq, source, action: o.action, targetType: o.targetType, type: o.type, id: o.id, status: 'PENDING', receivedAt,
    }));
    if (receipts.length) await this.store.receipts.insertMany(receipts);
    await this.store.tasks.insertOne({ _id: taskId, source, kind: 'BUNDLE', operationCount: ops.length, createdAt: receivedAt });
    const started = await this.starts.start(start);
    if (!started || ops.some((o) => o.pipelineDefinitionId)) return { taskId, status: 'ACCEPTED' };

    const handle = this.temporal.client.workflow.getHandle(bundleWorkflowId(taskId));
    const result = await within(handle.result() as Promise<BundleResult>, SYNC_WAIT_MS);
    if (!result) return { taskId, status: 'ACCEPTED' };
    if (result.status === 'DROPPED') throw new SluiceError('FAILED_PRECONDITION', `the bundle was not written (task ${taskId}): ${result.reason ?? 'dropped'}; nothing of it was written, try again`);
    const written = (await this.store.receipts.find({ taskId }).sort({ seq: 1 }).toArray()).map((r) => ({ targetType: r.targetType, receipt: receiptOut(r) }));
    return {
      taskId,
      status: 'PERSISTED',
      resourceOperationReceipts: written.filter((r) => r.targetType === 'RESOURCE').map((r) => r.receipt),
      relationshipOperationReceipts: written.filter((r) => r.targetType === 'RELATIONSHIP').map((r) => r.receipt),
    };
  }

  /**
   * The id of each resource operation: the one given, or a new one for a CREATE without an id (or with
   * `@rootId`, or with its own `@rootIdN`). `@rootIdN` then stands for the id of the N-th resource operation.
   */
  private resolveIds(ops: ResourceOperation[]): { ids: string[]; details: ErrorDetail[]; bad: Set<number> } {
    const details: ErrorDetail[] = [];
    const bad = new Set<number>();
    const ids = ops.map((op, i) => {
      const given = resourcePart(op).id;
      const path = `resourceOperations[${i}].${op.action.toLowerCase()}.id`;
      if (op.action === 'CREATE' && (given === undefined || given === '@rootId' || given === `@rootId${i + 1}`)) return newId();
      if (given === undefined) return '';
      if (ID_TOKEN.test(given)) {
        bad.add(i);
        details.push({ path, message: op.action === 'CREATE' ? `must be an id, '@rootId' or '@rootId${i + 1}' (this is resource operation ${i + 1})` : 'an id token names a record this bundle creates: only a CREATE may carry one' });
      } else if ((op.action === 'CREATE' || op.action === 'UPSERT') && !(op.action === 'CREATE' ? CREATE_ID_PATTERN : RECORD_ID_PATTERN).test(given)) {
        bad.add(i);
        details.push({ path, message: `must match ${(op.action === 'CREATE' ? CREATE_ID_PATTERN : RECORD_ID_PATTERN).source}` });
      }
      return given;
    });
    return { ids, details, bad };
  }

  /** Checks every operation against its schema, its profile and the stored records; a 400 with every problem. */
  private async prepareAll(source: string, body: BundleBody, resolved: { ids: string[]; details: ErrorDetail[]; bad: Set<number> }): Promise<BundleOp[]> {
    const { ids } = resolved;
    const details: ErrorDetail[] = [...resolved.details];
    const ops: BundleOp[] = [];
    const tokens: RootIdTokens = new Map(ids.map((id, i) => [`@rootId${i + 1}`, id]));
    const targets = new Map<string, string>();
    const firstOn = (key: string, path: string, what: string): boolean => {
      const first = targets.get(key);
      if (first === undefined) {
        targets.set(key, path);
        return true;
      }
      details.push({ path, message: `${what} is already the target of ${first}: a bundle holds one operation per record` });
      return false;
    };
    // A relationship's end may be a resource the bundle creates, and may not be one it deletes.
    const after = new Map<string, boolean>();
    body.resourceOperations.forEach((op, i) => after.set(documentId(source, resourcePart(op).type, ids[i] ?? ''), op.action !== 'DELETE'));
    const exists = async (type: string, id: string): Promise<boolean> => {
      const key = documentId(source, type, id);
      return after.get(key) ?? Boolean(await this.store.resources.findOne({ _id: key }, { projection: { _id: 1 } }));
    };

    for (const [i, op] of body.resourceOperations.entries()) {
      const path = `resourceOperations[${i}]`;
      const id = ids[i] ?? '';
      const { type } = resourcePart(op);
      if (resolved.bad.has(i)) continue;
      if (!firstOn(`RESOURCE:${type}:${id}`, path, `resource ${type}/${id}`)) continue;
      try {
        ops.push(await this.prepareResource(source, op, i, id, tokens));
      } catch (err) {
        details.push(...located(err, `${path}.${op.action.toLowerCase()}`, 'id'));
      }
    }
    for (const [j, op] of body.relationshipOperations.entries()) {
      const path = `relationshipOperations[${j}]`;
      const prefix = `${path}.${op.action.toLowerCase()}`;
      const target = this.relationshipTarget(op, tokens);
      if (target.details.length) {
        details.push(...target.details.map((d) => ({ ...d, path: `${prefix}.${d.path ?? ''}` })));
        continue;
      }
      if (!firstOn(`RELATIONSHIP:${target.type}:${target.id}`, path, `relationship ${target.type}/${target.id}`)) continue;
      try {
        ops.push(await this.prepareRelationship(source, op, body.resourceOperations.length + j, target, tokens, exists));
      } catch (err) {
        details.push(...located(err, prefix, 'id'));
      }
    }
    if (details.length) throw invalid('the bundle is invalid; nothing of it was written', details);
    return ops;
  }

  private async prepareResource(source: string, op: ResourceOperation, seq: number, id: string, tokens: RootIdTokens): Promise<BundleOp> {
    const { type } = resourcePart(op);
    const profile = await at('type', this.catalog.rootProfile(source, type));
    const current = await this.store.resources.findOne({ _id: documentId(source, type, id) });
    const base: BundleOp = { seq, targetType: 'RESOURCE', action: op.action, type, id, expectedVersion: current?.meta.versionId ?? null };
    if (op.action === 'DELETE') {
      if (!current) throw invalid('not found', [{ path: 'id', message: `resource ${type}/${id} does not exist` }]);
      return base;
    }
    let build: ResourceBuild;
    if (op.action === 'UPDATE') {
      const bad = patchPathDetails(op.update.patch);
      if (bad.length) throw invalid('invalid patch', bad);
      build = (doc) => ({ draft: { data: applyDataPatch((doc as ResourceDoc).data, op.update.patch), contained: (doc as ResourceDoc).contained } });
    } else {
      const part = op.action === 'CREATE' ? op.create : op.upsert;
      build = () => ({ draft: { data: part.data, contained: part.contained }, ...(part.meta ? { meta: part.meta } : {}) });
    }
    // `@rootId` alone is the operation's own id, as in a single request.
    const prepared = await this.resources.prepare(profile, source, type, id, op.action, current, build, new Map([...tokens, ['@rootId', id]]));
    return {
      ...base,
      body: { data: prepared.data, contained: prepared.contained, ...(prepared.meta ? { meta: prepared.meta } : {}) },
      ...(prepared.pipeline ? { pipelineDefinitionId: prepared.pipeline.id, ...(prepared.previous ? { previous: prepared.previous } : {}) } : {}),
    };
  }

  /** The type and id a relationship operation targets, its ends' `@rootIdN` resolved; details name unknown tokens. */
  private relationshipTarget(op: RelationshipOperation, tokens: RootIdTokens): { type: string; id: string; from?: End; to?: End; details: ErrorDetail[] } {
    if (op.action === 'UPDATE' || op.action === 'DELETE') {
      const part = op.action === 'UPDATE' ? op.update : op.delete;
      return { type: part.type, id: part.id, details: [] };
    }
    const part = op.action === 'CREATE' ? op.create : op.upsert;
    const details: ErrorDetail[] = [];
    const resolve = (end: End, name: 'from' | 'to'): End => {
      if (!ID_TOKEN.test(end.id)) return end;
      const id = tokens.get(end.id);
      if (id === undefined) details.push({ path: `${name}.id`, message: `unknown id token '${end.id}': this bundle has ${tokens.size} resource operation(s), named '@rootId1'..'@rootId${tokens.size}'` });
      return { ...end, id: id ?? end.id };
    };
    const from = resolve(part.from, 'from');
    const to = resolve(part.to, 'to');
    return { type: part.type, id: `${from.id}.${to.id}`, from, to, details };
  }

  private async prepareRelationship(
    source: string, op: RelationshipOperation, seq: number, target: { type: string; id: string; from?: End; to?: End }, tokens: RootIdTokens,
    exists: (type: string, id: string) => Promise<boolean>,
  ): Promise<BundleOp> {
    const { type } = target;
    const { definition } = await at('type', this.catalog.relationshipType(source, type));
    let id = target.id;
    let build: RelationshipBuild;
    if (op.action === 'DELETE') {
      const current = await this.store.relationships.findOne({ _id: documentId(source, type, id) }, { projection: { meta: 1 } });
      if (!current) throw invalid('not found', [{ path: 'id', message: `relationship ${type}/${id} does not exist` }]);
      return { seq, targetType: 'RELATIONSHIP', action: 'DELETE', type, id, expectedVersion: current.meta.versionId };
    }
    if (op.action === 'UPDATE') {
      build = await this.relationships.patchBuild(source, type, op.update.patch);
    } else {
      const part = op.action === 'CREATE' ? op.create : op.upsert;
      const replaced = replaceRootIds(part.data ?? {}, { properties: definition.properties ?? {} }, tokens);
      if (replaced.unknownTokens.length) throw invalid('unknown id tokens', replaced.unknownTokens);
      const checked = await this.relationships.checkCreate(
        source, type,
        { from: target.from ?? part.from, to: target.to ?? part.to, ...(part.data ? { data: replaced.data } : {}), ...(part.meta ? { meta: part.meta } : {}) },
        exists,
      );
      const { id: checkedId, ...draft } = checked;
      id = checkedId;
      build = async () => draft;
    }
    const current = await this.store.relationships.findOne({ _id: documentId(source, type, id) });
    const prepared = await this.relationships.prepare(source, type, id, op.action, current, build);
    for (const end of ['from', 'to'] as const) {
      if (!(await exists(prepared[end].type, prepared[end].id))) throw invalid('missing end', [{ path: 'id', message: `its ${end} resource ${prepared[end].type}/${prepared[end].id} is deleted by this bundle` }]);
    }
    const { previous, pipeline, ...draft } = prepared;
    return {
      seq, targetType: 'RELATIONSHIP', action: op.action, type, id, body: draft, expectedVersion: current?.meta.versionId ?? null,
      ...(pipeline ? { pipelineDefinitionId: pipeline.id, ...(previous ? { previous } : {}) } : {}),
    };
  }
}
