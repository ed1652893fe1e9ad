import { z } from 'zod';
import { DecisionBodySchema } from '../../schemas/decision';
import {
  ContainedItemBodySchema, CreateRelationshipBodySchema, CreateResourceBodySchema, ExecutionListQuerySchema, ExecutionQuerySchema,
  IncludesQuerySchema, ListQuerySchema, PatchBodySchema, TaskQuerySchema, UpsertResourceBodySchema,
} from '../../schemas/records';
import {
  AcceptedSchema, DecisionSchema, ExecutionSchema, PersistedDeleteSchema, PersistedRelationshipSchema, PersistedResourceSchema,
  RelationshipSchema, RelationshipWithIncludesSchema, ResourceSchema, TaskSchema, pageOf,
} from '../../schemas/responses';
import type { RelationshipOutcome } from '../../records/relationships';
import type { WriteOutcome } from '../../records/resources';
import { READERS, json, type Reply } from '../route';
import { CONCURRENT, NO_SOURCE, apiRoute } from './deps';

const SRC = '/sources/{sourceKey}/v1';
const READ = { roles: READERS, scope: 'source' } as const;
const INGEST = { roles: ['ingest'], scope: 'source' } as const;
const PATCH_TYPES = ['application/json', 'application/json-patch+json'];
const ACCEPTED = { 202: json('ACCEPTED: the operation triggered a pipeline execution; poll the task for its outcome.', AcceptedSchema) };

/** 202 ACCEPTED when a pipeline execution started; else 201 when the write created the record, 200 otherwise. */
function answer(out: WriteOutcome | RelationshipOutcome): Reply {
  if (out.status === 'ACCEPTED') return { status: 202, body: { taskId: out.taskId, status: out.status } };
  // Only an operation of a bulk settles without a write of its own; a request's own write is persisted or accepted.
  if (out.status === 'SETTLED') throw new Error(`task ${out.taskId}: a single request settled like a bulk operation`);
  const { created, ...body } = out;
  return { status: created ? 201 : 200, body };
}

const containedAnswer = {
  200: json('PERSISTED: an UPDATE of the root; the answer carries the root resource.', PersistedResourceSchema),
  ...ACCEPTED,
};

/** Single resource and relationship operations, tasks, pipeline executions and review decisions. */
export const recordRoutes = [
  apiRoute({
    method: 'get', path: `${SRC}/tasks/{taskId}`, operationId: 'getTask', tag: 'Tasks',
    summary: 'Read a task: status, counts per status and, on request, a page of receipts',
    access: READ, query: TaskQuerySchema,
    responses: { 200: json('The task.', TaskSchema) },
    errors: { NOT_FOUND: 'the source or the task does not exist' },
    handler: async ({ params, query, deps }) => ({
      status: 200,
      body: await deps.tasks.get(params.sourceKey, params.taskId, { withReceipts: query.withReceipts, perPage: query.perPage, ...(query.cursor ? { cursor: query.cursor } : {}) }),
    }),
  }),

  apiRoute({
    method: 'post', path: `${SRC}/resources/{type}`, operationId: 'createResource', tag: 'Resources', summary: 'Create a resource (CREATE)',
    description: 'Validated against the profile `type`. A client may set `meta.createdAt`, `meta.updatedAt` and `meta.identifier` (historical import).',
    access: INGEST, body: CreateResourceBodySchema,
    responses: { 201: json('PERSISTED: written before the answer.', PersistedResourceSchema), ...ACCEPTED },
    errors: { NOT_FOUND: 'the source or the resource type does not exist', ALREADY_EXISTS: 'a resource with this id exists' },
    handler: async ({ params, body, actor, deps }) => answer(await deps.resources.create(params.sourceKey, params.type, body, actor)),
  }),
  apiRoute({
    method: 'get', path: `${SRC}/resources/{type}`, operationId: 'listResources', tag: 'Resources', summary: 'List resources of a type, one page at a time',
    access: READ, query: ListQuerySchema,
    responses: { 200: json('A page of resources.', pageOf(ResourceSchema)) },
    errors: NO_SOURCE,
    handler: async ({ params, query, deps }) => ({ status: 200, body: await deps.resources.list(params.sourceKey, params.type, query.perPage, query.cursor) }),
  }),
  apiRoute({
    method: 'put', path: `${SRC}/resources/{type}/{id}`, operationId: 'upsertResource', tag: 'Resources', summary: 'Create or replace a resource (UPSERT)',
    access: INGEST, body: UpsertResourceBodySchema,
    responses: { 200: json('PERSISTED: replaced.', PersistedResourceSchema), 201: json('PERSISTED: created.', PersistedResourceSchema), ...ACCEPTED },
    errors: { NOT_FOUND: 'the source or the resource type does not exist', ...CONCURRENT },
    handler: async ({ params, body, actor, deps }) => answer(await deps.resources.upsert(params.sourceKey, params.type, params.id, body, actor)),
  }),
  apiRoute({
    method: 'patch', path: `${SRC}/resources/{type}/{id}`, operationId: 'patchResource', tag: 'Resources', summary: 'Update a resource with JSON Patch (UPDATE)',
    description: 'JSON Patch operations `add`, `replace`, `remove` with paths relative to data (`/name`, `/address/city`), as documented.',
    access: INGEST, body: PatchBodySchema, bodyTypes: PATCH_TYPES,
    responses: { 200: json('PERSISTED.', PersistedResourceSchema), ...ACCEPTED },
    errors: { NOT_FOUND: 'the source, type or resource does not exist', ...CONCURRENT },
    handler: async ({ params, body, actor, deps }) => answer(await deps.resources.patch(params.sourceKey, params.type, params.id, body, actor)),
  }),
  apiRoute({
    method: 'delete', path: `${SRC}/resources/{type}/{id}`, operationId: 'deleteResource', tag: 'Resources',
    summary: 'Delete a resource and the relationships pointing at it (DELETE)',
    access: INGEST,
    responses: { 200: json('PERSISTED.', PersistedDeleteSchema) },
    errors: { NOT_FOUND: 'the source or the resource does not exist' },
    handler: async ({ params, actor, deps }) => ({ status: 200, body: await deps.resources.remove(params.sourceKey, params.type, params.id, actor) }),
  }),
  apiRoute({
    method: 'get', path: `${SRC}/resources/{type}/{id}`, operationId: 'getResource', tag: 'Resources', summary: 'Read a resource',
    description: '`id` is the resource id or an identifier `{system}:{value}:{use}` of its `meta.identifier`.',
    access: READ,
    responses: { 200: json('The resource.', ResourceSchema) },
    errors: { NOT_FOUND: 'the source or the resource does not exist' },
    handler: async ({ params, deps }) => ({ status: 200, body: await deps.resources.get(params.sourceKey, params.type, params.id) }),
  }),
  apiRoute({
    method: 'post', path: `${SRC}/resources/{type}/{id}/{containKey}`, operationId: 'addContainedResource', tag: 'Resources',
    summary: 'Append a contained resource to a root (UPDATE of the root)',
    access: INGEST, body: ContainedItemBodySchema,
    responses: containedAnswer,
    errors: { NOT_FOUND: 'the source, type or root resource does not exist', ...CONCURRENT },
    handler: async ({ params, body, actor, deps }) => answer(await deps.resources.addContained(params.sourceKey, params.type, params.id, params.containKey, body, actor)),
  }),
  apiRoute({
    method: 'put', path: `${SRC}/resources/{type}/{id}/{containKey}/{containedId}`, operationId: 'putContainedResource', tag: 'Resources',
    summary: 'Replace (or append) a contained resource (UPDATE of the root)',
    access: INGEST, body: ContainedItemBodySchema,
    responses: containedAnswer,
    errors: { NOT_FOUND: 'the source, type or root resource does not exist', ...CONCURRENT },
    handler: async ({ params, body, actor, deps }) => answer(await deps.resources.putContained(params.sourceKey, params.type, params.id, params.containKey, params.containedId, body, actor)),
  }),
  apiRoute({
    method: 'delete', path: `${SRC}/resources/{type}/{id}/{containKey}/{containedId}`, operationId: 'deleteContainedResource', tag: 'Resources',
    summary: 'Remove a contained resource (UPDATE of the root)',
    access: INGEST,
    responses: containedAnswer,
    errors: { NOT_FOUND: 'the source, root or contained resource does not exist', ...CONCURRENT },
    handler: async ({ params, actor, deps }) => answer(await deps.resources.removeContained(params.sourceKey, params.type, params.id, params.containKey, params.containedId, actor)),
  }),

  apiRoute({
    method: 'post', path: `${SRC}/relationships/{type}`, operationId: 'createRelationship', tag: 'Relationships', summary: 'Create a relationship (CREATE)',
    description: '`from` and `to` must exist; otherwise the answer is 400.',
    access: INGEST, body: CreateRelationshipBodySchema,
    responses: { 201: json('PERSISTED.', PersistedRelationshipSchema), ...ACCEPTED },
    errors: { NOT_FOUND: 'the source or the relationship type does not exist', ALREADY_EXISTS: 'the relationship exists' },
    handler: async ({ params, body, actor, deps }) => answer(await deps.relationships.create(params.sourceKey, params.type, body, actor)),
  }),
  apiRoute({
    method: 'get', path: `${SRC}/relationships/{type}`, operationId: 'listRelationships', tag: 'Relationships',
    summary: 'List relationships of a type, one page at a time',
    access: READ, query: ListQuerySchema,
    responses: { 200: json('A page of relationships.', pageOf(RelationshipSchema)) },
    errors: NO_SOURCE,
    handler: async ({ params, query, deps }) => ({ status: 200, body: await deps.relationships.list(params.sourceKey, params.type, query.perPage, query.cursor) }),
  }),
  apiRoute({
    method: 'patch', path: `${SRC}/relationships/{type}/{id}`, operationId: 'patchRelationship', tag: 'Relationships',
    summary: 'Update a relationship with JSON Patch (UPDATE)',
    access: INGEST, body: PatchBodySchema, bodyTypes: PATCH_TYPES,
    responses: { 200: json('PERSISTED.', PersistedRelationshipSchema), ...ACCEPTED },
    errors: { NOT_FOUND: 'the source, type or relationship does not exist', ...CONCURRENT },
    handler: async ({ params, body, actor, deps }) => answer(await deps.relationships.patch(params.sourceKey, params.type, params.id, body, actor)),
  }),
  apiRoute({
    method: 'delete', path: `${SRC}/relationships/{type}/{id}`, operationId: 'deleteRelationship', tag: 'Relationships', summary: 'Delete a relationship (DELETE)',
    access: INGEST,
    responses: { 200: json('PERSISTED.', PersistedDeleteSchema) },
    errors: { NOT_FOUND: 'the source or the relationship does not exist' },
    handler: async ({ params, actor, deps }) => ({ status: 200, body: await deps.relationships.remove(params.sourceKey, params.type, params.id, actor) }),
  }),
  apiRoute({
    method: 'get', path: `${SRC}/relationships/{type}/{id}`, operationId: 'getRelationship', tag: 'Relationships', summary: 'Read a relationship',
    description: '`id` is `{fromId}.{toId}` or an identifier `{system}:{value}:{use}`. `includes` names resource types of the ends (repeat it, or separate with commas): their records come under `includes`, keyed by type.',
    access: READ, query: IncludesQuerySchema,
    responses: { 200: json('The relationship.', RelationshipWithIncludesSchema) },
    errors: { NOT_FOUND: 'the source or the relationship does not exist', INVALID_ARGUMENT: 'an `includes` value is not a resource type of the relationship' },
    handler: async ({ params, query, deps }) => ({ status: 200, body: await deps.relationships.get(params.sourceKey, params.type, params.id, query.includes) }),
  }),

  apiRoute({
    method: 'get', path: `${SRC}/pipelines/executions`, operationId: 'listPipelineExecutions', tag: 'Pipeline executions',
    summary: 'List pipeline executions, oldest first (the review queue with `status=IN_REVIEW`)',
    access: READ, query: ExecutionListQuerySchema,
    responses: { 200: json('A page of executions.', pageOf(ExecutionSchema)) },
    errors: NO_SOURCE,
    handler: async ({ params, query, deps }) => ({
      status: 200,
      body: await deps.pipelines.list(params.sourceKey, {
        perPage: query.perPage, ...(query.status ? { status: query.status } : {}), ...(query.type ? { type: query.type } : {}), ...(query.cursor ? { cursor: query.cursor } : {}),
      }),
    }),
  }),
  apiRoute({
    method: 'get', path: `${SRC}/pipelines/executions/{id}`, operationId: 'getPipelineExecution', tag: 'Pipeline executions', summary: 'Read a pipeline execution',
    access: READ, query: ExecutionQuerySchema, params: { id: z.string().min(1).describe('Pipeline execution id.') },
    responses: { 200: json('The execution.', ExecutionSchema) },
    errors: { NOT_FOUND: 'the source or the execution does not exist' },
    handler: async ({ params, query, deps }) => ({ status: 200, body: await deps.pipelines.get(params.sourceKey, params.id, query.withOperationBody) }),
  }),
  apiRoute({
    method: 'post', path: `${SRC}/pipelines/executions/{id}/decision`, operationId: 'decidePipelineExecution', tag: 'Pipeline executions',
    summary: 'Approve or reject an execution waiting in review (review keys)',
    description: 'The decision reaches the execution\'s workflow as the Temporal signal `decision`. An execution claimed by another key (`PUT .../assignment`) is a 409 unless this key is admin; an unclaimed one is claimed for this key first, so of two reviewers deciding at once only one wins.',
    access: { roles: ['review'], scope: 'source' }, body: DecisionBodySchema, params: { id: z.string().min(1).describe('Pipeline execution id.') },
    responses: { 202: json('The recorded decision.', DecisionSchema) },
    errors: { NOT_FOUND: 'the source or the execution does not exist', FAILED_PRECONDITION: 'the execution is not IN_REVIEW, or another reviewer claims it' },
    handler: async ({ params, body, principal, deps }) => ({ status: 202, body: await deps.pipelines.decide(params.sourceKey, params.id, body, principal) }),
  }),
];
