import { OpenAPIRegistry, OpenApiGeneratorV31, zodToOpenAPIRegistry, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_STATUS, type ErrorType } from '../errors';
import { CreateApiKeyBodySchema } from '../schemas/api-keys';
import { RelationshipDefinitionSchema, SourceBodySchema } from '../schemas/catalog';
import { DecisionBodySchema } from '../schemas/decision';
import { PipelineBodySchema, StepSchema } from '../schemas/pipeline';
import { ActionSchema, PredicateSchema } from '../schemas/predicate';
import { KeySchema, ProfileDefinitionSchema, PropertyDefinitionSchema } from '../schemas/profile';
import {
  ContainedItemBodySchema, CreateRelationshipBodySchema, CreateResourceBodySchema, ExecutionListQuerySchema, ExecutionQuerySchema,
  IdentifierSchema, ListQuerySchema, PatchBodySchema, TaskQuerySchema, UpsertResourceBodySchema,
} from '../schemas/records';
import { version } from '../../package.json';
import { PurgeBodySchema } from './routes/purge';
import { BulkBodySchema } from '../schemas/bulk';
import { BundleBodySchema } from '../schemas/bundle';

/**
 * Names a schema instance as an OpenAPI component. The generator looks names up by identity in its own side
 * registry, so the shared request schemas stay untouched (no `.openapi()`, no zod prototype patching) and every
 * place that uses one, recursive `z.lazy` references included, becomes a `$ref` instead of an endless inlining.
 */
function component<S extends z.ZodType>(refId: string, schema: S): S {
  zodToOpenAPIRegistry.add(schema, { _internal: { refId } });
  return schema;
}

// Request schemas: the very instances the routes validate with.
component('PropertyDefinition', PropertyDefinitionSchema);
component('Predicate', PredicateSchema);
component('PipelineStep', StepSchema);
component('Identifier', IdentifierSchema);
component('SourceBody', SourceBodySchema);
component('ProfileDefinition', ProfileDefinitionSchema);
component('RelationshipDefinitionBody', RelationshipDefinitionSchema);
component('PipelineBody', PipelineBodySchema);
component('CreateResourceBody', CreateResourceBodySchema);
component('UpsertResourceBody', UpsertResourceBodySchema);
component('JsonPatch', PatchBodySchema);
component('ContainedItemBody', ContainedItemBodySchema);
component('CreateRelationshipBody', CreateRelationshipBodySchema);
component('CreateApiKeyBody', CreateApiKeyBodySchema);
component('DecisionBody', DecisionBodySchema);
component('PurgeBody', PurgeBodySchema);

const ERROR_TYPES = Object.keys(ERROR_STATUS) as [ErrorType, ...ErrorType[]];
const ReceiptStatusSchema = z.enum(['SUCCESS', 'PENDING', 'FAILURE', 'CANCELLED']);
const ExecutionStatusSchema = ExecutionListQuerySchema.shape.status.unwrap();
const TargetTypeSchema = z.enum(['RESOURCE', 'RELATIONSHIP']);
const Timestamp = z.iso.datetime({ offset: true });
const DataSchema = z.record(z.string(), z.unknown());

const ErrorDetailSchema = z.object({ path: z.string().optional(), message: z.string() });
const ErrorSchema = component('Error', z.object({
  code: z.number().int().describe('The HTTP status of the answer.'),
  type: z.enum(ERROR_TYPES),
  message: z.string(),
  details: z.array(ErrorDetailSchema).describe('One entry per offending path, e.g. `data.name` or `contained.primary[0].data.value`.'),
}));

const MetaSchema = component('RecordMeta', z.object({
  createdAt: Timestamp,
  updatedAt: Timestamp,
  identifier: z.array(IdentifierSchema),
  source: z.string(),
  versionId: z.string().describe('Increases by one on every write.'),
}));

const ContainedItemSchema = z.object({
  id: z.string().describe('`{rootType}/{rootId}/{containKey}/{containedId}`'),
  type: z.string(),
  data: DataSchema,
});

const ResourceSchema = component('Resource', z.object({
  id: z.string(),
  type: z.string(),
  data: DataSchema,
  contained: z.record(z.string(), z.array(ContainedItemSchema)),
  meta: MetaSchema,
}));

const RecordEndSchema = z.object({ id: z.string(), type: z.string() });
const RelationshipSchema = component('Relationship', z.object({
  id: z.string().describe('`{fromId}.{toId}`'),
  type: z.string(),
  from: RecordEndSchema,
  to: RecordEndSchema,
  data: DataSchema,
  meta: MetaSchema,
}));

const TaskIdSchema = z.string().describe('`s_` single, `bk_` bulk, `bd_` bundle, `pg_` purge, then a KSUID.');
const PersistedResourceSchema = component('PersistedResource', z.object({ taskId: TaskIdSchema, status: z.literal('PERSISTED'), resource: ResourceSchema }));
const PersistedRelationshipSchema = component('PersistedRelationship', z.object({ taskId: TaskIdSchema, status: z.literal('PERSISTED'), relationship: RelationshipSchema }));
const PersistedDeleteSchema = component('PersistedDelete', z.object({ taskId: TaskIdSchema, status: z.literal('PERSISTED') }));
const AcceptedSchema = component('Accepted', z.object({ taskId: TaskIdSchema, status: z.literal('ACCEPTED') }));

const ReceiptSchema = component('Receipt', z.object({
  taskId: TaskIdSchema,
  action: ActionSchema,
  targetType: TargetTypeSchema,
  type: z.string(),
  id: z.string(),
  status: ReceiptStatusSchema,
  receivedAt: Timestamp,
  completedAt: Timestamp.optional(),
  error: z.object({ message: z.string(), details: z.array(ErrorDetailSchema).optional() }).optional(),
  pipelineExecution: z.object({ id: z.string(), pipelineDefinitionId: z.string(), status: ExecutionStatusSchema }).optional(),
}));

const TaskSchema = component('Task', z.object({
  taskId: TaskIdSchema,
  status: ReceiptStatusSchema,
  counts: z.object({ SUCCESS: z.number().int(), PENDING: z.number().int(), FAILURE: z.number().int(), CANCELLED: z.number().int() })
    .describe('Receipts per status.'),
  receipts: z.array(ReceiptSchema).optional().describe('One page of receipts, only with `withReceipts=true`.'),
  nextCursor: z.string().optional().describe('Pass as `cursor` to read the next page of receipts.'),
}));

const BulkAcceptedSchema = z.object({ taskId: TaskIdSchema, bulkId: z.string().describe('Equals `taskId` (kept for old clients).'), status: z.literal('ACCEPTED') });
const PurgeAcceptedSchema = component('PurgeAccepted', z.object({
  taskId: TaskIdSchema, purgeId: z.string().describe('Equals `taskId`.'), status: z.literal('ACCEPTED'),
}));
const PurgeSchema = component('Purge', z.object({
  purgeId: z.string(),
  taskId: TaskIdSchema,
  status: z.enum(['PENDING', 'SUCCESS', 'FAILURE']),
  collectionType: PurgeBodySchema.shape.collectionType,
  collectionKey: z.string(),
  deletedCount: z.number().int().describe('Records of the collection deleted so far; exact once SUCCESS.'),
  relationshipsDeletedCount: z.number().int().describe('Relationships deleted because they pointed at purged resources (0 for a relationship purge).'),
  cancelledExecutions: z.number().int().describe('Active pipeline executions of the collection that the purge cancelled.'),
  createdAt: Timestamp,
  completedAt: Timestamp.optional(),
  error: z.object({ message: z.string() }).optional().describe('Why a FAILURE purge stopped.'),
}));

const DecisionSchema = component('Decision', z.object({
  id: z.string(),
  ...DecisionBodySchema.shape,
  author: z.object({ id: z.string().describe('Id of the API key that decided.'), email: z.string().optional() }),
  actedAt: Timestamp,
}));

const OperationBodySchema = z.object({
  data: DataSchema,
  contained: z.record(z.string(), z.array(ContainedItemSchema)).optional(),
  meta: z.object({ createdAt: Timestamp.optional(), updatedAt: Timestamp.optional(), identifier: z.array(IdentifierSchema).optional() }).optional(),
  from: RecordEndSchema.optional(),
  to: RecordEndSchema.optional(),
});

const ExecutionSchema = component('PipelineExecution', z.object({
  id: z.string(),
  pipelineDefinitionId: z.string().describe('`{collectionKey}.{revision}`: the revision the execution started with.'),
  status: ExecutionStatusSchema,
  steps: z.array(z.object({
    type: z.string(),
    status: z.enum(['PENDING', 'IN_PROGRESS', 'IN_REVIEW', 'PROCESSED', 'NOT_TRIGGERED', 'ERROR', 'CANCELLED']),
    processedAt: Timestamp.optional(),
    error: z.object({ message: z.string(), details: z.array(ErrorDetailSchema).optional() }).optional(),
    decision: DecisionSchema.optional(),
    issues: z.array(ErrorDetailSchema).optional().describe('Issues recorded by VALIDATOR rules with onFailure WARN.'),
  })).describe('In definition order.'),
  operation: z.object({
    taskId: TaskIdSchema,
    action: ActionSchema,
    target: z.object({ id: z.string(), targetType: TargetTypeSchema, type: z.string() }),
    body: OperationBodySchema.optional().describe('Only with `withOperationBody=true`.'),
  }),
  processedOperation: OperationBodySchema.optional().describe('The body as the steps left it; only with `withOperationBody=true`.'),
  ignoredSignals: z.array(z.object({ receivedAt: Timestamp, reason: z.string() })).optional().describe('Malformed decision signals, recorded and ignored.'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}));

// Catalog answers are the request bodies plus what the server adds, derived from the same shapes.
const SourceSchema = component('Source', z.object({ key: KeySchema, ...SourceBodySchema.shape, createdAt: Timestamp, updatedAt: Timestamp }));
const ProfileSchema = component('Profile', z.object({ key: KeySchema, ...ProfileDefinitionSchema.out.shape }));
const RelationshipDefinitionOutSchema = component('RelationshipDefinition', z.object({ key: KeySchema, ...RelationshipDefinitionSchema.shape }));
const PipelineDefinitionSchema = component('PipelineDefinition', z.object({
  id: z.string().describe('`{collectionKey}.{revision}`, e.g. `clinic.2`'),
  collectionKey: z.string(),
  revision: z.number().int().min(1),
  steps: z.array(StepSchema),
  createdAt: Timestamp,
}));

const ApiKeySchema = component('ApiKey', z.object({ id: z.string(), ...CreateApiKeyBodySchema.shape, createdAt: Timestamp }));
const CreatedApiKeySchema = component('CreatedApiKey', z.object({
  ...ApiKeySchema.shape,
  key: z.string().describe('The secret; shown only in this answer.'),
}));

const listOf = (item: z.ZodType) => z.object({ data: z.array(item) });
const pageOf = (item: z.ZodType) => z.object({ data: z.array(item), nextCursor: z.string().optional().describe('Pass as `cursor` to read the next page.') });

// The query of GET .../pipeline mirrors the route's local schema (src/http/routes/catalog.ts), which is not exported.
const RevisionQuerySchema = z.object({ revision: z.coerce.number().int().min(1).optional().describe('A past revision; the latest by default.') });

const SourceKeyParam = KeySchema.describe('Key of the data source.');
const sourceParams = z.object({ sourceKey: SourceKeyParam });
const typeParams = z.object({ sourceKey: SourceKeyParam, type: KeySchema.describe('Profile (resource type) or relationship type key.') });
const recordParams = typeParams.extend({ id: z.string().min(1).describe('Record id.') });
const containParams = recordParams.extend({ containKey: z.string().min(1).describe('Contain key of the root profile.') });
const containedParams = containParams.extend({ containedId: z.string().min(1).describe('Short id of the contained item.') });

const SECURITY_SCHEME = 'apiKey';

/** A JSON answer. */
function json(description: string, schema: z.ZodType): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}

/** Error answers keyed by status; types that share a status (409) share one entry. */
function errors(reasons: Partial<Record<ErrorType, string>>): Record<string, ResponseConfig> {
  const byStatus = new Map<number, string[]>();
  for (const [type, reason] of Object.entries(reasons) as [ErrorType, string][]) {
    const status = ERROR_STATUS[type];
    byStatus.set(status, [...(byStatus.get(status) ?? []), `${type}: ${reason}`]);
  }
  return Object.fromEntries([...byStatus].map(([status, lines]) => [String(status), json(lines.join('; '), ErrorSchema)]));
}

const AUTH = {
  UNAUTHENTICATED: 'no API key, or an unknown one',
  PERMISSION_DENIED: 'the key lacks the role or has no access to the source',
} as const;
const BODY = {
  INVALID_ARGUMENT: 'the body is not valid JSON or breaks the schema; `details` names each path',
  CONTENT_TOO_LARGE: 'the body is larger than the limit of the endpoint',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not JSON',
} as const;
const QUERY = { INVALID_ARGUMENT: 'a query parameter is invalid' } as const;
const NO_SOURCE = { NOT_FOUND: 'the source does not exist' } as const;
const CONCURRENT = { FAILED_PRECONDITION: 'the record changed concurrently too many times; retry' } as const;
const ACCEPTED = { 202: json('ACCEPTED: the operation triggered a pipeline execution; poll the task for its outcome.', AcceptedSchema) };

/** A JSON request body. */
function body(schema: z.ZodType, description?: string, types: string[] = ['application/json']) {
  return { required: true, ...(description ? { description } : {}), content: Object.fromEntries(types.map((t) => [t, { schema }])) };
}

function registerOperations(r: OpenAPIRegistry): void {
  const SRC = '/sources/{sourceKey}/v1';
  const noAuth = { security: [] };

  r.registerPath({
    method: 'get', path: '/health', tags: ['Operations'], summary: 'Liveness', ...noAuth,
    responses: { 200: json('The process is up.', z.object({ status: z.literal('ok') })) },
  });
  r.registerPath({
    method: 'get', path: '/ready', tags: ['Operations'], summary: 'Readiness: MongoDB and Temporal reachable', ...noAuth,
    responses: {
      200: json('Every dependency answers.', z.object({ status: z.literal('ready') })),
      503: json('A dependency does not answer (type FAILED_PRECONDITION, code 503).', ErrorSchema),
    },
  });
  r.registerPath({
    method: 'get', path: '/metrics', tags: ['Operations'], summary: 'Prometheus metrics', ...noAuth,
    responses: { 200: { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: z.string() } } } },
  });
  r.registerPath({
    method: 'get', path: '/openapi.json', tags: ['Operations'], summary: 'This OpenAPI document', ...noAuth,
    responses: { 200: { description: 'OpenAPI 3.1 document generated from the zod schemas that validate requests.', content: { 'application/json': { schema: z.looseObject({}) } } } },
  });
  r.registerPath({
    method: 'get', path: '/docs', tags: ['Operations'], summary: 'Interactive API documentation (Swagger UI, served locally)', ...noAuth,
    responses: { 200: { description: 'HTML page.', content: { 'text/html': { schema: z.string() } } } },
  });

  // Catalog
  r.registerPath({
    method: 'put', path: '/catalog/v1/sources/{sourceKey}', tags: ['Catalog'], summary: 'Create or update a data source (admin)',
    request: { params: sourceParams, body: body(SourceBodySchema) },
    responses: { 200: json('Updated (or unchanged).', SourceSchema), 201: json('Created.', SourceSchema), ...errors({ ...BODY, ...AUTH }) },
  });
  r.registerPath({
    method: 'get', path: '/catalog/v1/sources', tags: ['Catalog'], summary: 'List the sources the key may see',
    responses: { 200: json('The sources.', listOf(SourceSchema)), ...errors(AUTH) },
  });
  r.registerPath({
    method: 'get', path: '/catalog/v1/sources/{sourceKey}', tags: ['Catalog'], summary: 'Read a source',
    request: { params: sourceParams },
    responses: { 200: json('The source.', SourceSchema), ...errors({ ...AUTH, ...NO_SOURCE }) },
  });

  r.registerPath({
    method: 'put', path: `${SRC}/profiles/{profileKey}`, tags: ['Catalog'], summary: 'Create or update a profile (admin)',
    request: { params: sourceParams.extend({ profileKey: KeySchema.describe('Profile key (the resource type).') }), body: body(ProfileDefinitionSchema) },
    responses: {
      200: json('Updated (or unchanged).', ProfileSchema), 201: json('Created.', ProfileSchema),
      ...errors({ ...BODY, ...AUTH, ...NO_SOURCE }),
    },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/profiles`, tags: ['Catalog'], summary: 'List the profiles of a source',
    request: { params: sourceParams },
    responses: { 200: json('The profiles.', listOf(ProfileSchema)), ...errors({ ...AUTH, ...NO_SOURCE }) },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/profiles/{profileKey}`, tags: ['Catalog'], summary: 'Read a profile',
    request: { params: sourceParams.extend({ profileKey: KeySchema }) },
    responses: { 200: json('The profile.', ProfileSchema), ...errors({ ...AUTH, NOT_FOUND: 'the source or the profile does not exist' }) },
  });

  const relDefParams = sourceParams.extend({ key: KeySchema.describe('Relationship type key.') });
  r.registerPath({
    method: 'put', path: `${SRC}/relationship-definitions/{key}`, tags: ['Catalog'], summary: 'Create or update a relationship definition (admin)',
    request: { params: relDefParams, body: body(RelationshipDefinitionSchema) },
    responses: {
      200: json('Updated (or unchanged).', RelationshipDefinitionOutSchema), 201: json('Created.', RelationshipDefinitionOutSchema),
      ...errors({ ...BODY, ...AUTH, ...NO_SOURCE }),
    },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/relationship-definitions`, tags: ['Catalog'], summary: 'List the relationship definitions of a source',
    request: { params: sourceParams },
    responses: { 200: json('The relationship definitions.', listOf(RelationshipDefinitionOutSchema)), ...errors({ ...AUTH, ...NO_SOURCE }) },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/relationship-definitions/{key}`, tags: ['Catalog'], summary: 'Read a relationship definition',
    request: { params: relDefParams },
    responses: { 200: json('The relationship definition.', RelationshipDefinitionOutSchema), ...errors({ ...AUTH, NOT_FOUND: 'the source or the definition does not exist' }) },
  });

  const pipelineParams = sourceParams.extend({ collectionKey: z.string().min(1).describe('A profile key or a relationship type key.') });
  r.registerPath({
    method: 'put', path: `${SRC}/collections/{collectionKey}/pipeline`, tags: ['Catalog'],
    summary: 'Define the pipeline of a collection (admin); every change makes a new revision',
    request: { params: pipelineParams, body: body(PipelineBodySchema) },
    responses: {
      200: json('The steps equal the latest revision: no new revision.', PipelineDefinitionSchema),
      201: json('A new revision.', PipelineDefinitionSchema),
      ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source does not exist, or the collection is neither a profile nor a relationship type', FAILED_PRECONDITION: 'concurrent changes; retry' }),
    },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/collections/{collectionKey}/pipeline`, tags: ['Catalog'], summary: 'Read the latest (or a given) pipeline revision',
    request: { params: pipelineParams, query: RevisionQuerySchema },
    responses: { 200: json('The pipeline definition.', PipelineDefinitionSchema), ...errors({ ...QUERY, ...AUTH, NOT_FOUND: 'the source does not exist or the collection has no such pipeline' }) },
  });

  // Resources
  r.registerPath({
    method: 'post', path: `${SRC}/resources/{type}`, tags: ['Resources'], summary: 'Create a resource (CREATE)',
    description: 'Validated against the profile `type`. A client may set `meta.createdAt`, `meta.updatedAt` and `meta.identifier` (historical import).',
    request: { params: typeParams, body: body(CreateResourceBodySchema) },
    responses: {
      201: json('PERSISTED: written before the answer.', PersistedResourceSchema),
      ...ACCEPTED,
      ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source or the resource type does not exist', ALREADY_EXISTS: 'a resource with this id exists' }),
    },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/resources/{type}`, tags: ['Resources'], summary: 'List resources of a type, one page at a time',
    request: { params: typeParams, query: ListQuerySchema },
    responses: { 200: json('A page of resources.', pageOf(ResourceSchema)), ...errors({ ...QUERY, ...AUTH, ...NO_SOURCE }) },
  });
  r.registerPath({
    method: 'put', path: `${SRC}/resources/{type}/{id}`, tags: ['Resources'], summary: 'Create or replace a resource (UPSERT)',
    request: { params: recordParams, body: body(UpsertResourceBodySchema) },
    responses: {
      200: json('PERSISTED: replaced.', PersistedResourceSchema), 201: json('PERSISTED: created.', PersistedResourceSchema),
      ...ACCEPTED,
      ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source or the resource type does not exist', ...CONCURRENT }),
    },
  });
  r.registerPath({
    method: 'patch', path: `${SRC}/resources/{type}/{id}`, tags: ['Resources'], summary: 'Update a resource with JSON Patch (UPDATE)',
    description: 'Operations `add`, `replace`, `remove` on paths under `/data` or `/contained`.',
    request: { params: recordParams, body: body(PatchBodySchema, undefined, ['application/json', 'application/json-patch+json']) },
    responses: {
      200: json('PERSISTED.', PersistedResourceSchema),
      ...ACCEPTED,
      ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source, type or resource does not exist', ...CONCURRENT }),
    },
  });
  r.registerPath({
    method: 'delete', path: `${SRC}/resources/{type}/{id}`, tags: ['Resources'], summary: 'Delete a resource and the relationships pointing at it (DELETE)',
    request: { params: recordParams },
    responses: { 200: json('PERSISTED.', PersistedDeleteSchema), ...errors({ ...AUTH, NOT_FOUND: 'the source or the resource does not exist' }) },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/resources/{type}/{id}`, tags: ['Resources'], summary: 'Read a resource',
    request: { params: recordParams },
    responses: { 200: json('The resource.', ResourceSchema), ...errors({ ...AUTH, NOT_FOUND: 'the source or the resource does not exist' }) },
  });

  const containedAnswer = {
    200: json('PERSISTED: an UPDATE of the root; the answer carries the root resource.', PersistedResourceSchema),
    ...ACCEPTED,
  };
  r.registerPath({
    method: 'post', path: `${SRC}/resources/{type}/{id}/{containKey}`, tags: ['Resources'], summary: 'Append a contained resource to a root (UPDATE of the root)',
    request: { params: containParams, body: body(ContainedItemBodySchema) },
    responses: { ...containedAnswer, ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source, type or root resource does not exist', ...CONCURRENT }) },
  });
  r.registerPath({
    method: 'put', path: `${SRC}/resources/{type}/{id}/{containKey}/{containedId}`, tags: ['Resources'], summary: 'Replace (or append) a contained resource (UPDATE of the root)',
    request: { params: containedParams, body: body(ContainedItemBodySchema) },
    responses: { ...containedAnswer, ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source, type or root resource does not exist', ...CONCURRENT }) },
  });
  r.registerPath({
    method: 'delete', path: `${SRC}/resources/{type}/{id}/{containKey}/{containedId}`, tags: ['Resources'], summary: 'Remove a contained resource (UPDATE of the root)',
    request: { params: containedParams },
    responses: { ...containedAnswer, ...errors({ ...AUTH, NOT_FOUND: 'the source, root or contained resource does not exist', ...CONCURRENT }) },
  });

  // Relationships
  r.registerPath({
    method: 'post', path: `${SRC}/relationships/{type}`, tags: ['Relationships'], summary: 'Create a relationship (CREATE)',
    description: '`from` and `to` must exist; otherwise the answer is 400.',
    request: { params: typeParams, body: body(CreateRelationshipBodySchema) },
    responses: {
      201: json('PERSISTED.', PersistedRelationshipSchema),
      ...ACCEPTED,
      ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source or the relationship type does not exist', ALREADY_EXISTS: 'the relationship exists' }),
    },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/relationships/{type}`, tags: ['Relationships'], summary: 'List relationships of a type, one page at a time',
    request: { params: typeParams, query: ListQuerySchema },
    responses: { 200: json('A page of relationships.', pageOf(RelationshipSchema)), ...errors({ ...QUERY, ...AUTH, ...NO_SOURCE }) },
  });
  r.registerPath({
    method: 'patch', path: `${SRC}/relationships/{type}/{id}`, tags: ['Relationships'], summary: 'Update a relationship with JSON Patch (UPDATE)',
    request: { params: recordParams, body: body(PatchBodySchema, undefined, ['application/json', 'application/json-patch+json']) },
    responses: {
      200: json('PERSISTED.', PersistedRelationshipSchema),
      ...ACCEPTED,
      ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source, type or relationship does not exist', ...CONCURRENT }),
    },
  });
  r.registerPath({
    method: 'delete', path: `${SRC}/relationships/{type}/{id}`, tags: ['Relationships'], summary: 'Delete a relationship (DELETE)',
    request: { params: recordParams },
    responses: { 200: json('PERSISTED.', PersistedDeleteSchema), ...errors({ ...AUTH, NOT_FOUND: 'the source or the relationship does not exist' }) },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/relationships/{type}/{id}`, tags: ['Relationships'], summary: 'Read a relationship',
    request: { params: recordParams },
    responses: { 200: json('The relationship.', RelationshipSchema), ...errors({ ...AUTH, NOT_FOUND: 'the source or the relationship does not exist' }) },
  });

  // Tasks
  r.registerPath({
    method: 'get', path: `${SRC}/tasks/{taskId}`, tags: ['Tasks'], summary: 'Read a task: status, counts per status and, on request, a page of receipts',
    request: { params: sourceParams.extend({ taskId: TaskIdSchema }), query: TaskQuerySchema },
    responses: { 200: json('The task.', TaskSchema), ...errors({ ...QUERY, ...AUTH, NOT_FOUND: 'the source or the task does not exist' }) },
  });

  // Bulk
  for (const [collection, what] of [['resources', 'resource'], ['relationships', 'relationship']] as const) {
    r.registerPath({
      method: 'post', path: `${SRC}/${collection}/bulk`, tags: ['Bulk'], summary: `Run up to 100,000 ${what} operations (ingest keys); always asynchronous`,
      description: 'Only the envelope is checked here (400 when malformed). Operations run in order and independently: an invalid one is a FAILURE receipt. Poll the task (`bk_...`).',
      request: { params: sourceParams, body: body(BulkBodySchema) },
      responses: { 202: json('ACCEPTED: the bulk runs in Temporal.', BulkAcceptedSchema), ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source does not exist' }) },
    });
  }
  r.registerPath({
    method: 'get', path: `${SRC}/resources/bulk/{bulkId}`, tags: ['Bulk'], summary: 'Read a bulk task (alias of the task API)',
    request: { params: sourceParams.extend({ bulkId: TaskIdSchema }), query: TaskQuerySchema },
    responses: { 200: json('The task, with `bulkId`.', TaskSchema.extend({ bulkId: z.string() })), ...errors({ ...QUERY, ...AUTH, NOT_FOUND: 'the source or the task does not exist' }) },
  });

  // Bundle
  r.registerPath({
    method: 'post', path: `${SRC}/bundle`, tags: ['Bundle'], summary: 'Write resource and relationship operations all together or not at all (ingest keys)',
    description: 'Every operation is checked at the door (400 naming each bad path, e.g. `resourceOperations[2].create.data.name`; nothing is written). `@rootIdN` is the id of the N-th resource operation. The bundle is written only when every operation has left its pipeline; until then every receipt is PENDING. If one fails, is rejected or is cancelled, nothing is written.',
    request: { params: sourceParams, body: body(BundleBodySchema) },
    responses: {
      201: json('PERSISTED: no operation triggered a pipeline step, and all were written before the answer.', z.object({
        taskId: TaskIdSchema, status: z.literal('PERSISTED'), resourceOperationReceipts: z.array(ReceiptSchema), relationshipOperationReceipts: z.array(ReceiptSchema),
      })),
      202: json('ACCEPTED: pipeline executions run (or the write took longer than the API waits); poll the task (`bd_...`).', AcceptedSchema),
      ...errors({ ...BODY, ...AUTH, ...NO_SOURCE, FAILED_PRECONDITION: 'a record of the bundle was written by another request meanwhile; nothing was written' }),
    },
  });

  // Purge
  r.registerPath({
    method: 'post', path: `${SRC}/purge`, tags: ['Purge'], summary: 'Delete every record of a collection (ingest keys)',
    description: 'Cancels the collection\'s active pipeline executions, then deletes its records in batches; purging resources also deletes the relationships pointing at them. The task (`pg_...`) has one DELETE receipt.',
    request: { params: sourceParams, body: body(PurgeBodySchema) },
    responses: {
      202: json('ACCEPTED: the purge runs in Temporal; poll it or its task.', PurgeAcceptedSchema),
      ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source does not exist, or the collection is not a ROOT profile / relationship type of it', FAILED_PRECONDITION: 'a purge of the same collection is still running' }),
    },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/purge/{purgeId}`, tags: ['Purge'], summary: 'Read a purge: status and counts',
    request: { params: sourceParams.extend({ purgeId: z.string().min(1).describe('The purge id (`pg_...`).') }) },
    responses: { 200: json('The purge.', PurgeSchema), ...errors({ ...AUTH, NOT_FOUND: 'the source or the purge does not exist' }) },
  });

  // Pipeline executions and review
  const executionParams = sourceParams.extend({ id: z.string().min(1).describe('Pipeline execution id.') });
  r.registerPath({
    method: 'get', path: `${SRC}/pipelines/executions`, tags: ['Pipeline executions'], summary: 'List pipeline executions, oldest first (the review queue with `status=IN_REVIEW`)',
    request: { params: sourceParams, query: ExecutionListQuerySchema },
    responses: { 200: json('A page of executions.', pageOf(ExecutionSchema)), ...errors({ ...QUERY, ...AUTH, ...NO_SOURCE }) },
  });
  r.registerPath({
    method: 'get', path: `${SRC}/pipelines/executions/{id}`, tags: ['Pipeline executions'], summary: 'Read a pipeline execution',
    request: { params: executionParams, query: ExecutionQuerySchema },
    responses: { 200: json('The execution.', ExecutionSchema), ...errors({ ...QUERY, ...AUTH, NOT_FOUND: 'the source or the execution does not exist' }) },
  });
  r.registerPath({
    method: 'post', path: `${SRC}/pipelines/executions/{id}/decision`, tags: ['Pipeline executions'], summary: 'Approve or reject an execution waiting in review (review keys)',
    description: 'The decision reaches the execution\'s workflow as the Temporal signal `decision`.',
    request: { params: executionParams, body: body(DecisionBodySchema) },
    responses: {
      202: json('The recorded decision.', DecisionSchema),
      ...errors({ ...BODY, ...AUTH, NOT_FOUND: 'the source or the execution does not exist', FAILED_PRECONDITION: 'the execution is not IN_REVIEW' }),
    },
  });

  // API keys
  const ADMIN_ALL = { ...AUTH, PERMISSION_DENIED: 'only an admin key on every source (`*`) manages keys' };
  r.registerPath({
    method: 'post', path: '/admin/v1/api-keys', tags: ['API keys'], summary: 'Create an API key; its secret is shown only in this answer',
    request: { body: body(CreateApiKeyBodySchema) },
    responses: { 201: json('Created.', CreatedApiKeySchema), ...errors({ ...BODY, ...ADMIN_ALL }) },
  });
  r.registerPath({
    method: 'get', path: '/admin/v1/api-keys', tags: ['API keys'], summary: 'List API keys (never their secrets)',
    responses: { 200: json('The keys.', listOf(ApiKeySchema)), ...errors(ADMIN_ALL) },
  });
  r.registerPath({
    method: 'delete', path: '/admin/v1/api-keys/{id}', tags: ['API keys'], summary: 'Revoke an API key',
    request: { params: z.object({ id: z.string().min(1).describe('Key id.') }) },
    responses: { 204: { description: 'Revoked.' }, ...errors({ ...ADMIN_ALL, NOT_FOUND: 'no key has this id' }) },
  });
}

/** Builds the OpenAPI 3.1 document of the HTTP API from the zod schemas that validate its requests. */
export function buildOpenApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', SECURITY_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'An API key. The alias header `X-Clinia-API-Key` is accepted too. Keys carry roles (admin, ingest, review, read) and sources.',
  });
  registerOperations(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Sluice API',
      version,
      description: 'Self-hosted ingestion for healthcare registries. Every error is `{code, type, message, details}`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    security: [{ [SECURITY_SCHEME]: [] }],
    tags: ['Operations', 'Catalog', 'Resources', 'Relationships', 'Tasks', 'Purge', 'Pipeline executions', 'API keys'].map((name) => ({ name })),
  });
}

let cached: ReturnType<typeof buildOpenApiDocument> | undefined;

/** The document, built on first use and then reused: it only depends on code. */
export function openApiDocument(): ReturnType<typeof buildOpenApiDocument> {
  cached ??= buildOpenApiDocument();
  return cached;
}
