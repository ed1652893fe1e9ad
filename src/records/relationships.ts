import { operatorContext } from '../operators';
import { SluiceError, invalid, notFound, type ErrorDetail } from '../errors';
import { checkCreateMeta } from '../meta-rules';
import { type CreateRelationshipBody, type PatchBody } from '../schemas/records';
import type { Store } from '../store/db';
import type { Action } from '../domain';
import type { RelationshipDoc } from '../store/documents';
import type { RecordWritePath, Settled } from './write-path';
import type { MetaInput } from '../schemas/records';
import { type PipelineService } from './pipelines';
import { documentId, findByIdentifier, parseIdentifierId } from './keys';
import type { CatalogService, PipelineDefinition } from '../catalog/catalog';
import { applyDataPatch, patchPathDetails, resourceOut } from './resources';
import { pageBy } from '../store/paging';
import type { WriteBy } from './tasks';
import type { Relationship, Resource } from '../schemas/responses';

/** A relationship as the API shows it (its type inferred from the answer's schema). */
export type { Relationship };

export function relationshipOut(doc: RelationshipDoc): Relationship {
  return { id: doc.id, type: doc.type, from: doc.from, to: doc.to, data: doc.data, meta: doc.meta };
}

/** The version of a relationship an operation would write. */
export interface RelationshipDraft {
  from: { id: string; type: string };
  to: { id: string; type: string };
  data: Record<string, unknown>;
  meta?: MetaInput;
}

/** Builds the version to write from the relationship's current version (none for a new one). */
export type RelationshipBuild = (current: RelationshipDoc | null) => Promise<RelationshipDraft>;

/** A checked operation: the version it would write, the relationship as it was, and the pipeline it triggers. */
export interface PreparedRelationship extends RelationshipDraft {
  previous?: Record<string, unknown>;
  pipeline?: PipelineDefinition;
}

export type RelationshipOutcome = { taskId: string; status: 'PERSISTED'; created: boolean; relationship: Relationship } | { taskId: string; status: 'ACCEPTED' } | Settled;

/** Relationship writes and reads; the id is `{fromId}.{toId}`, both ends must exist; pipelines as for resources. */
export class RelationshipService {
  constructor(
    private readonly store: Store,
    private readonly catalog: CatalogService,
    private readonly writes: RecordWritePath,
    private readonly pipelines: PipelineService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Checks an operation against the current version and finds the pipeline it triggers; writes nothing (see ResourceService.prepare). */
  async prepare(source: string, type: string, id: string, action: Action, current: RelationshipDoc | null, build: RelationshipBuild): Promise<PreparedRelationship> {
    if (action === 'CREATE' && current) throw new SluiceError('ALREADY_EXISTS', `relationship ${type}/${id} already exists`);
    if (action === 'UPDATE' && !current) throw notFound(`relationship ${type}/${id} does not exist`);
    const next = await build(current);
    const previous = current ? (relationshipOut(current) as unknown as Record<string, unknown>) : undefined;
    const pipeline = await this.pipelines.triggered(source, type, operatorContext(action, next.data, previous ?? undefined));
    return { ...next, ...(previous ? { previous } : {}), ...(pipeline ? { pipeline } : {}) };
  }

  /** The one write path (see ResourceService.execute). */
  private async execute(
    source: string, type: string, id: string, action: Action,
    build: RelationshipBuild,
    by: WriteBy,
  ): Promise<RelationshipOutcome> {
    const done = await this.writes.write<RelationshipDoc>({ source, targetType: 'RELATIONSHIP', type, id }, action, by, async (current) => {
      const { previous, pipeline, ...next } = await this.prepare(source, type, id, action, current, build);
      return {
        write: { targetType: 'RELATIONSHIP', data: next.data, from: next.from, to: next.to, ...(next.meta ? { meta: next.meta } : {}) },
        body: next,
        ...(previous ? { previous } : {}), ...(pipeline ? { pipeline } : {}),
      };
    });
    return done.status === 'PERSISTED' ? { taskId: done.taskId, status: 'PERSISTED', created: done.created, relationship: relationshipOut(done.doc) } : done;
  }

  /** CREATE: `POST /relationships/{relType}`; 400 when an end is missing, 409 when the pair exists. */
  async create(source: string, type: string, body: CreateRelationshipBody, by: WriteBy, action: 'CREATE' | 'UPSERT' = 'CREATE'): Promise<RelationshipOutcome> {
    const { id, ...next } = await this.checkCreate(source, type, body);
    return this.execute(source, type, id, action, async () => next, by);
  }

  /**
   * Checks a CREATE (or UPSERT) body: the ends' types, that both ends exist, the client metadata and the data
   * (a 400 with every violation); returns the relationship's id and the version to write. `exists` tells
   * whether an end exists: a bundle also counts the resources it creates.
   */
  async checkCreate(
    source: string, type: string, body: CreateRelationshipBody,
    exists: (type: string, id: string) => Promise<boolean> = async (t, i) => Boolean(await this.store.resources.findOne({ _id: documentId(source, t, i) }, { projection: { _id: 1 } })),
  ): Promise<{ id: string } & RelationshipDraft> {
    const { definition, compiled } = await this.catalog.relationshipType(source, type);
    const data = body.data ?? {};
    const details: ErrorDetail[] = [...checkCreateMeta(body.meta, this.now())];
    for (const end of ['from', 'to'] as const) {
      const expected = definition[end].profileKey;
      const given = body[end];
      if (given.type !== undefined && given.type !== expected) {
        details.push({ path: `${end}.type`, message: `must be '${expected}' for relationship type '${type}'` });
      } else if (!(await exists(expected, given.id))) {
        details.push({ path: `${end}.id`, message: `resource ${expected}/${given.id} does not exist` });
      }
    }
    details.push(...compiled.validate({ data }, { action: 'CREATE' }));
    if (details.length) throw invalid(`the ${type} relationship is invalid`, details);
    return {
      id: `${body.from.id}.${body.to.id}`,
      from: { id: body.from.id, type: definition.from.profileKey },
      to: { id: body.to.id, type: definition.to.profileKey },
      data,
      ...(body.meta ? { meta: body.meta } : {}),
    };
  }

  /** UPDATE: `PATCH /relationships/{relType}/{id}` with JSON Patch on `{data}`. */
  async patch(source: string, type: string, id: string, ops: PatchBody, by: WriteBy): Promise<RelationshipOutcome> {
    return this.execute(source, type, id, 'UPDATE', await this.patchBuild(source, type, ops), by);
  }

  /**
   * The build of a JSON Patch UPDATE, paths relative to data (the ends and meta of a relationship cannot be patched):
   * a 400 for a path that is no JSON pointer (now) or for data the definition refuses (when applied).
   */
  async patchBuild(source: string, type: string, ops: PatchBody): Promise<RelationshipBuild> {
    const { compiled } = await this.catalog.relationshipType(source, type);
    const bad = patchPathDetails(ops);
    if (bad.length) throw invalid('invalid patch', bad);
    return async (current) => {
      const doc = current as RelationshipDoc;
      const data = applyDataPatch(doc.data, ops);
      const violations = compiled.validate({ data }, { action: 'UPDATE', previous: relationshipOut(doc) as unknown as Record<string, unknown> });
      if (violations.length) throw invalid(`the ${type} relationship is invalid`, violations);
      return { from: doc.from, to: doc.to, data };
    };
  }

  /** DELETE: `DELETE /relationships/{relType}/{id}`. */
  async remove(source: string, type: string, id: string, by: WriteBy): Promise<{ taskId: string; status: 'PERSISTED' } | Settled> {
    await this.catalog.relationshipType(source, type);
    return this.writes.remove({ source, targetType: 'RELATIONSHIP', type, id }, by);
  }

  /**
   * Reads one relationship by `{fromId}.{toId}` or by identifier (`{system}:{value}:{use}`); 404 when absent. With
   * `includes` (resource types of its ends), the answer carries those end resources under `includes`, keyed by type.
   */
  async get(source: string, type: string, id: string, includes: readonly string[] = []): Promise<Relationship & { includes?: Record<string, Resource> }> {
    const { definition } = await this.catalog.relationshipType(source, type);
    const ends = [definition.from.profileKey, definition.to.profileKey];
    const unknown = includes.filter((t) => !ends.includes(t));
    if (unknown.length) throw invalid('unknown includes', unknown.map((t) => ({ path: 'includes', message: `'${t}' is not a resource type of relationship type '${type}' (its ends: ${[...new Set(ends)].join(', ')})` })));
    const identifier = parseIdentifierId(id);
    const doc = identifier
      ? await findByIdentifier(this.store.relationships, { source, type }, identifier)
      : await this.store.relationships.findOne({ _id: documentId(source, type, id) });
    if (!doc) throw notFound(`relationship ${type}/${id} does not exist`);
    const out = relationshipOut(doc);
    if (includes.length === 0) return out;
    const included: Record<string, Resource> = {};
    for (const end of [doc.from, doc.to]) {
      if (!includes.includes(end.type) || Object.hasOwn(included, end.type)) continue;
      const resource = await this.store.resources.findOne({ _id: documentId(source, end.type, end.id) });
      if (resource) included[end.type] = resourceOut(resource);
    }
    return { ...out, includes: included };
  }

  /** Lists relationships of a type in id order, a page at a time. */
  async list(source: string, type: string, perPage: number, cursor?: string): Promise<{ data: Relationship[]; nextCursor?: string }> {
    await this.catalog.relationshipType(source, type);
    const { page, nextCursor } = await pageBy(this.store.relationships, { source, type }, 'id', perPage, cursor);
    return { data: page.map(relationshipOut), ...(nextCursor ? { nextCursor } : {}) };
  }
}
