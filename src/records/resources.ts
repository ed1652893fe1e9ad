import { operatorContext } from '../operators';
import { applyPatch, type Operation } from 'fast-json-patch';
import { SluiceError, invalid, notFound, parseOrThrow, type ErrorDetail } from '../errors';
import { CREATE_ID_PATTERN, newId, RECORD_ID_PATTERN } from '../ids';
import { checkCreateMeta, checkUpdateMeta } from '../meta-rules';
import { PatchedDataSchema, type ContainedItemBody, type ContainedInput, type MetaInput, type PatchBody } from '../schemas/records';
import type { Store } from '../store/db';
import type { Action } from '../domain';
import type { ContainedMap, ResourceDoc } from '../store/documents';
import type { RecordWritePath, Settled } from './write-path';
import { type PipelineService } from './pipelines';
import { documentId, findByIdentifier, parseIdentifierId } from './keys';
import type { RootIdTokens } from '../validation/root-id';
import type { CatalogService, PipelineDefinition, RootProfile } from '../catalog/catalog';
import { checkResource, containedId } from './record-shape';
import type { WriteBy } from './tasks';
import { pageBy } from '../store/paging';
import type { Resource } from '../schemas/responses';

/** A resource as the API shows it (its type inferred from the answer's schema). */
export type { Resource };

export interface Persisted {
  taskId: string;
  status: 'PERSISTED';
  created: boolean;
  resource: Resource;
}

/** Renders a stored resource. */
export function resourceOut(doc: ResourceDoc): Resource {
  return { id: doc.id, type: doc.type, data: doc.data, contained: doc.contained, meta: doc.meta };
}

interface Draft {
  data: Record<string, unknown>;
  contained?: ContainedInput | ContainedMap | undefined;
}

/** Builds the draft of an operation from the record's current version (none for a new record). */
export type ResourceBuild = (current: ResourceDoc | null) => { draft: Draft; meta?: MetaInput; extra?: ErrorDetail[] };

/** A checked operation: the version it would write, the record as it was, and the pipeline it triggers. */
export interface PreparedResource {
  data: Record<string, unknown>;
  contained: ContainedMap;
  meta?: MetaInput;
  previous?: Record<string, unknown>;
  pipeline?: PipelineDefinition;
}

/** Patch paths are JSON pointers relative to data; one detail per path that is not one. */
export function patchPathDetails(ops: PatchBody): ErrorDetail[] {
  return ops.flatMap((op, i) => (op.path === '' || op.path.startsWith('/') ? [] : [{ path: `[${i}].path`, message: 'must be a JSON pointer relative to data, e.g. "/name" or "/address/city"' }]));
}

/** The answer of a write: PERSISTED when no pipeline step triggered, else ACCEPTED with a running execution. */
export type WriteOutcome = Persisted | Accepted | Settled;

export interface Accepted {
  taskId: string;
  status: 'ACCEPTED';
}

/** The items under a contain key; a key the record does not have (`__proto__` included) has none. */
function itemsOf(contained: ContainedMap, containKey: string): ContainedMap[string] {
  return Object.hasOwn(contained, containKey) ? (contained[containKey] ?? []) : [];
}

/** Resource writes (single operations) and reads; a write that triggers a pipeline step goes async. */
export class ResourceService {
  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogService,
    private readonly writes: RecordWritePath,
    private readonly pipelines: PipelineService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Replaces tokens, gives contained items their ids and validates against the profile; 400 with every violation. */
  private shape(profile: RootProfile, type: string, id: string, draft: Draft, action: Action, previous?: ResourceDoc | null, extra: ErrorDetail[] = [], tokens: RootIdTokens = new Map([['@rootId', id]])): { data: Record<string, unknown>; contained: ContainedMap } {
    const checked = checkResource(profile, type, id, draft, { action, ...(previous ? { previous: resourceOut(previous) as unknown as Record<string, unknown> } : {}) }, tokens);
    const details = [...extra, ...checked.details];
    if (details.length) throw invalid(`the ${type} resource is invalid`, details);
    return { data: checked.data, contained: checked.contained };
  }

  /**
   * Checks an operation against the record's current version and builds the version it would write (tokens
   * replaced, contained items shaped, profile and metadata rules checked: a 400 with every violation), and
   * finds the pipeline it triggers. Writes nothing: the write path runs it before it claims the record, a bundle
   * runs it for each of its operations at the door (with the bundle's `@rootIdN` tokens).
   */
  async prepare(profile: RootProfile, source: string, type: string, id: string, action: Action, current: ResourceDoc | null, build: ResourceBuild, tokens?: RootIdTokens): Promise<PreparedResource> {
    if (action === 'CREATE' && current) throw new SluiceError('ALREADY_EXISTS', `resource ${type}/${id} already exists`);
    if (action === 'UPDATE' && !current) throw notFound(`resource ${type}/${id} does not exist`);
    const { draft, meta, extra = [] } = build(current);
    const metaDetails = current ? [...checkUpdateMeta(meta), ...checkCreateMeta(meta ? { identifier: meta.identifier } : undefined, this.now())] : checkCreateMeta(meta, this.now());
    const shaped = this.shape(profile, type, id, draft, action, current, [...extra, ...metaDetails], tokens);
    const previous = current ? (resourceOut(current) as unknown as Record<string, unknown>) : undefined;
    const pipeline = await this.pipelines.triggered(source, type, operatorContext(action, shaped.data, previous ?? undefined));
    return { ...shaped, ...(meta ? { meta } : {}), ...(previous ? { previous } : {}), ...(pipeline ? { pipeline } : {}) };
  }

  /**
   * Every resource write goes through the one write path (write-path.ts): it decides against the stored version with
   * `prepare`, claims the record and writes conditionally, or hands the operation to its pipeline.
   */
  private async execute(
    source: string, type: string, id: string, action: Action,
    build: ResourceBuild,
    by: WriteBy,
    freshId = false,
  ): Promise<WriteOutcome> {
    const profile = await this.catalog.rootProfile(source, type);
    const done = await this.writes.write<ResourceDoc>({ source, targetType: 'RESOURCE', type, id }, action, by, async (current) => {
      const { meta, previous, pipeline, ...shaped } = await this.prepare(profile, source, type, id, action, current, build);
      return {
        write: { targetType: 'RESOURCE', data: shaped.data, contained: shaped.contained, ...(meta ? { meta } : {}) },
        body: { ...shaped, ...(meta ? { meta } : {}) },
        ...(previous ? { previous } : {}), ...(pipeline ? { pipeline } : {}),
      };
    }, freshId);
    return done.status === 'PERSISTED' ? { taskId: done.taskId, status: 'PERSISTED', created: done.created, resource: resourceOut(done.doc) } : done;
  }

  /** CREATE: `POST /resources/{type}`; 409 when the id exists. */
  async create(source: string, type: string, body: { id?: string; data: Record<string, unknown>; contained?: ContainedInput; meta?: MetaInput }, by: WriteBy): Promise<WriteOutcome> {
    const freshId = body.id === undefined || body.id === '@rootId';
    const id = freshId ? newId() : body.id as string;
    if (!CREATE_ID_PATTERN.test(id)) throw invalid(`the ${type} resource is invalid`, [{ path: 'id', message: `must match ${CREATE_ID_PATTERN.source} (or be '@rootId')` }]);
    return this.execute(source, type, id, 'CREATE', () => ({ draft: body, ...(body.meta ? { meta: body.meta } : {}) }), by, freshId);
  }

  /** UPSERT: `PUT /resources/{type}/{id}`; creates (201) or replaces data and contained (200). */
  async upsert(source: string, type: string, id: string, body: { data: Record<string, unknown>; contained?: ContainedInput; meta?: MetaInput }, by: WriteBy): Promise<WriteOutcome> {
    if (!RECORD_ID_PATTERN.test(id)) throw invalid('invalid resource id', [{ path: 'id', message: `must match ${RECORD_ID_PATTERN.source}` }]);
    return this.execute(source, type, id, 'UPSERT', () => ({ draft: body, ...(body.meta ? { meta: body.meta } : {}) }), by);
  }

  /** UPDATE: a change computed from the current version (PATCH and the contained endpoints). */
  private async update(source: string, type: string, id: string, change: (current: ResourceDoc) => Draft, by: WriteBy): Promise<WriteOutcome> {
    return this.execute(source, type, id, 'UPDATE', (current) => ({ draft: change(current as ResourceDoc) }), by);
  }

  /** UPDATE: `PATCH /resources/{type}/{id}` with JSON Patch on `{data, contained}`. */
  async patch(source: string, type: string, id: string, ops: PatchBody, by: WriteBy): Promise<WriteOutcome> {
    const details = patchPathDetails(ops);
    if (details.length) throw invalid('invalid patch', details);
    return this.update(source, type, id, (current) => ({ data: applyDataPatch(current.data, ops), contained: current.contained }), by);
  }

  /** UPDATE of the root through `POST .../{containKey}`: appends one contained item. */
  async addContained(source: string, type: string, id: string, containKey: string, body: ContainedItemBody, by: WriteBy): Promise<WriteOutcome> {
    await this.requireContainKey(source, type, containKey);
    return this.update(source, type, id, (current) => {
      const item = { ...(body.id !== undefined ? { id: body.id } : {}), type: this.containedType(current, containKey, body.type), data: body.data };
      return { data: current.data, contained: { ...current.contained, [containKey]: [...itemsOf(current.contained, containKey), item] } };
    }, by);
  }

  /** UPDATE of the root through `PUT .../{containKey}/{containedId}`: replaces that item, or appends it. */
  async putContained(source: string, type: string, id: string, containKey: string, shortId: string, body: ContainedItemBody, by: WriteBy): Promise<WriteOutcome> {
    await this.requireContainKey(source, type, containKey);
    return this.update(source, type, id, (current) => {
      const fullId = containedId(type, id, containKey, shortId);
      const item = { id: fullId, type: this.containedType(current, containKey, body.type), data: body.data };
      const items = itemsOf(current.contained, containKey);
      const at = items.findIndex((c) => c.id === fullId);
      const next = at >= 0 ? items.map((c, i) => (i === at ? item : c)) : [...items, item];
      return { data: current.data, contained: { ...current.contained, [containKey]: next } };
    }, by);
  }

  /** UPDATE of the root through `DELETE .../{containKey}/{containedId}`; 404 when the item does not exist. */
  async removeContained(source: string, type: string, id: string, containKey: string, shortId: string, by: WriteBy): Promise<WriteOutcome> {
    await this.requireContainKey(source, type, containKey);
    return this.update(source, type, id, (current) => {
      const fullId = containedId(type, id, containKey, shortId);
      const items = itemsOf(current.contained, containKey);
      if (!items.some((c) => c.id === fullId)) throw notFound(`contained resource ${fullId} does not exist`);
      const rest = items.filter((c) => c.id !== fullId);
      const contained = { ...current.contained };
      if (rest.length) contained[containKey] = rest;
      else delete contained[containKey];
      return { data: current.data, contained };
    }, by);
  }

  /** 400 unless the profile declares the contain key (own keys only: `__proto__` and friends are no contain keys). */
  private async requireContainKey(source: string, type: string, containKey: string): Promise<void> {
    const profile = await this.catalog.rootProfile(source, type);
    const declared = Object.keys(profile.definition.contained ?? {});
    if (!Object.hasOwn(profile.definition.contained ?? {}, containKey)) {
      throw invalid(`the ${type} resource is invalid`, [{ path: `contained.${containKey}`, message: declared.length ? `unknown contain key (allowed: ${declared.join(', ')})` : 'unknown contain key: this profile declares no contained resources' }]);
    }
  }

  /** The item type for a nested contained write: the one given, or the single type the contain key allows. */
  private containedType(current: ResourceDoc, containKey: string, given: string | undefined): string {
    if (given) return given;
    const existing = itemsOf(current.contained, containKey)[0]?.type;
    if (existing) return existing;
    throw invalid('the contained resource needs a type', [{ path: 'type', message: `give the type of the item to store under '${containKey}'` }]);
  }

  /** DELETE: supersedes any active execution, removes the resource and every relationship that points at it. */
  async remove(source: string, type: string, id: string, by: WriteBy): Promise<{ taskId: string; status: 'PERSISTED' } | Settled> {
    await this.catalog.rootProfile(source, type);
    return this.writes.remove({ source, targetType: 'RESOURCE', type, id }, by);
  }

  /** Reads one resource by id or by identifier (`{system}:{value}:{use}`); 404 when absent. */
  async get(source: string, type: string, id: string): Promise<Resource> {
    await this.catalog.rootProfile(source, type);
    const identifier = parseIdentifierId(id);
    const doc = identifier
      ? await findByIdentifier(this.store.resources, { source, type }, identifier)
      : await this.store.resources.findOne({ _id: documentId(source, type, id) });
    if (!doc) throw notFound(`resource ${type}/${id} does not exist`);
    return resourceOut(doc);
  }

  /** Lists resources of a type in id order, a page at a time; the cursor is the last id seen. */
  async list(source: string, type: string, perPage: number, cursor?: string): Promise<{ data: Resource[]; nextCursor?: string }> {
    await this.catalog.rootProfile(source, type);
    const { page, nextCursor } = await pageBy(this.store.resources, { source, type }, 'id', perPage, cursor);
    return { data: page.map(resourceOut), ...(nextCursor ? { nextCursor } : {}) };
  }
}

/**
 * Applies RFC 6902 operations to a copy of a record's data: paths are relative to data (`/name`, `/address/city`), as
 * the docs' patch examples write them. A failing operation is a 400 naming its index; what is left must be an object.
 */
export function applyDataPatch(data: Record<string, unknown>, ops: PatchBody): Record<string, unknown> {
  let patched: unknown;
  try {
    // Prototype paths (`/__proto__/x`) are refused by the library; the data is a copy, so a failed patch leaves nothing.
    patched = applyPatch(structuredClone(data), ops as Operation[], true, true).newDocument;
  } catch (err) {
    const e = err as { index?: number; message?: string };
    const msg = (e.message ?? 'patch failed').split('\n')[0] ?? 'patch failed';
    throw invalid('the patch cannot be applied', [{ path: `[${e.index ?? 0}]`, message: msg }]);
  }
  // A patch may replace the whole data (`replace ""`): what is left must still be an object.
  return parseOrThrow(PatchedDataSchema, patched, 'patched data');
}
