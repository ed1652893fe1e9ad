import { z } from 'zod';

// The documented shapes of Clinia's Registry ingestion API (docs.clinia.com, clinia.readme.io), as zod schemas.
// Each schema names the page its shape comes from. They are loose objects: a documented field must be there with
// its documented type; a field the docs do not show is allowed (Sluice may add some, e.g. `meta.versionId`).
// Placeholders of the docs (`"<string>"`, `123`, `"2023-11-07T05:31:56Z"`) are read as their types.

/** `"2023-11-07T05:31:56Z"` in every example: an ISO 8601 date-time. */
export const DateTime = z.iso.datetime({ offset: true });

/** https://docs.clinia.com/explanation/sources/data-source — keys must follow `^[a-zA-Z0-9-][\w-]{0,61}$`. */
export const KEY_PATTERN = /^[a-zA-Z0-9-][\w-]{0,61}$/;

/** https://docs.clinia.com/explanation/errors (types) and https://clinia.readme.io/docs/error-codes-and-types (codes). */
export const ERROR_TYPES = [
  'ALREADY_EXISTS', 'FAILED_PRECONDITION', 'INTERNAL', 'INVALID_ARGUMENT', 'NOT_FOUND', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
  'PERMISSION_DENIED', 'UNAUTHENTICATED',
] as const;
export const ErrorTypeShape = z.enum(ERROR_TYPES);

/**
 * The error object of receipts and pipeline steps (`{"code": 400, "message": "<string>", "type": "ALREADY_EXISTS",
 * "details": [{}]}`, https://docs.clinia.com/api-reference/task/get-a-task-from-the-registry), also the body of an
 * error answer.
 */
export const ErrorShape = z.looseObject({
  code: z.number().int(),
  message: z.string(),
  type: ErrorTypeShape,
  details: z.array(z.unknown()),
});

// ---------------------------------------------------------------------------------------------------------------
// Catalog

/** https://docs.clinia.com/explanation/sources/data-source: `{"key": "ehr-prod", "type": "registry"}`. */
export const SourceShape = z.looseObject({
  key: z.string().regex(KEY_PATTERN),
  type: z.literal('registry'),
});

const CardinalityShape = z.enum(['0:1', '1:1', '0:*', '1:*']);

/** A property of a profile (https://clinia.readme.io/docs/managing-profiles, field-validation pages). */
export const PropertyShape: z.ZodType<unknown> = z.lazy(() => z.looseObject({
  type: z.string(),
  rules: z.array(z.looseObject({})).optional(),
  items: PropertyShape.optional(),
  properties: z.record(z.string(), PropertyShape).optional(),
}));

/**
 * A profile: `{properties: {<propertyKey>: {type}}, contained?: {<propertyKey>: {types: [<profileKey>], cardinality}}}`
 * (https://clinia.readme.io/docs/managing-profiles), with `type` ROOT|CONTAINED
 * (https://docs.clinia.com/explanation/sources/profile) and `key`, `description` as in the collection's embedded profile
 * (https://docs.clinia.com/api-reference/collections/create-or-update-a-registry-collection).
 */
export const ProfileShape = z.looseObject({
  key: z.string().regex(KEY_PATTERN),
  type: z.enum(['ROOT', 'CONTAINED']),
  description: z.string().optional(),
  properties: z.record(z.string(), PropertyShape),
  contained: z.record(z.string(), z.looseObject({ types: z.array(z.string()).min(1), cardinality: CardinalityShape })).optional(),
});

const RelationshipEndDefinitionShape = z.looseObject({
  profileKey: z.string(),
  includeKey: z.string().optional(),
  includeCardinality: CardinalityShape.optional(),
});

/**
 * https://docs.clinia.com/api-reference/relationship-definitions/create-a-relationship-definition-in-the-registry:
 * the answer `{key, from, to, description, properties}`, `from`, `to` and `properties` required.
 */
export const RelationshipDefinitionShape = z.looseObject({
  key: z.string().regex(KEY_PATTERN),
  from: RelationshipEndDefinitionShape,
  to: RelationshipEndDefinitionShape,
  description: z.string().optional(),
  properties: z.record(z.string(), PropertyShape),
});

/** `{"type": "OPERATOR", "operator": {...}}` (https://docs.clinia.com/api-reference/collections/get-the-pipeline-definition-of-a-collection). */
const TriggerShape = z.looseObject({ type: z.string(), operator: z.looseObject({}).optional() });

/** A step `{type, trigger?, onlyOnTriggeredPipeline?, <stepKey>: {...}}` (https://docs.clinia.com/explanation/ingestion-pipeline/built-in-processors). */
export const StepShape = z.looseObject({
  type: z.string(),
  trigger: TriggerShape.optional(),
  onlyOnTriggeredPipeline: z.boolean().optional(),
  segmenter: z.looseObject({ inputProperty: z.string(), modelId: z.string(), propertyKey: z.string() }).optional(),
  vectorizer: z.looseObject({ inputProperty: z.string(), modelId: z.string(), propertyKey: z.string(), dimensions: z.number().int().optional() }).optional(),
});

/** https://docs.clinia.com/api-reference/collections/get-the-pipeline-definition-of-a-collection: `{id, steps}`. */
export const PipelineDefinitionShape = z.looseObject({
  id: z.string(),
  steps: z.array(StepShape),
});

// ---------------------------------------------------------------------------------------------------------------
// Records

/** The task id and its prefixes: `s_<id>`, `bk_<id>`, `bd_<id>`, `pg_<id>` (every write page's `taskId`). */
export const TaskIdShape = z.string().regex(/^(s|bk|bd|pg)_[0-9A-Za-z]+$/);

/** `period` of an identifier: `{"id", "start", "end"}` (https://docs.clinia.com/api-reference/resources/create-a-resource-in-the-registry). */
export const PeriodShape = z.looseObject({ id: z.string().optional(), start: z.string().optional(), end: z.string().optional() });

/** An identifier `{id, system, value, use, period}` (https://docs.clinia.com/explanation/data-types/clinia-types). */
export const IdentifierShape = z.looseObject({
  id: z.string().optional(),
  system: z.string().optional(),
  value: z.string().optional(),
  use: z.string().optional(),
  period: PeriodShape.optional(),
});

/** The answered `meta`: `{createdAt, identifier[], source, updatedAt}` (create-a-resource-in-the-registry response). */
export const MetaShape = z.looseObject({
  createdAt: DateTime,
  identifier: z.array(IdentifierShape),
  source: z.string(),
  updatedAt: DateTime,
});

/** A contained item `{id: "office/<rootResourceId>/<containKey>/<containedResourceId>", type, data}` (https://clinia.readme.io/docs/send-data-to-the-registry). */
export const ContainedItemShape = z.looseObject({
  id: z.string().regex(/^[^/]+\/[^/]+\/[^/]+\/[^/]+$/),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
});

/** A resource `{id, type, meta, data, contained}` (create/upsert-a-resource-in-the-registry). */
export const ResourceShape = z.looseObject({
  id: z.string(),
  type: z.string(),
  meta: MetaShape,
  data: z.record(z.string(), z.unknown()),
  contained: z.record(z.string(), z.array(ContainedItemShape)),
});

/** Task submission status: ACCEPTED (asynchronous) or PERSISTED (synchronous). */
export const SubmissionStatusShape = z.enum(['ACCEPTED', 'PERSISTED']);

/** `{taskId, status, resource}` (create, upsert and contained-upsert pages). */
export const ResourceWriteShape = z.looseObject({
  taskId: TaskIdShape,
  status: SubmissionStatusShape,
  resource: ResourceShape,
});

const RecordEndShape = z.looseObject({ id: z.string(), type: z.string() });

/** A relationship `{id: "{fromID}.{toID}", type, from, to, meta, data}` (https://docs.clinia.com/api-reference/relationships/get-a-relationship-from-the-registry). */
export const RelationshipShape = z.looseObject({
  id: z.string().regex(/^[^.]+\.[^.]+$/),
  type: z.string(),
  from: RecordEndShape,
  to: RecordEndShape,
  meta: MetaShape,
  data: z.record(z.string(), z.unknown()),
});

/** The get answer adds `includes` (https://docs.clinia.com/api-reference/relationships/get-a-relationship-from-the-registry). */
export const RelationshipWithIncludesShape = RelationshipShape.extend({ includes: z.record(z.string(), z.unknown()) });

/** `{taskId, status, relationship}` (create/update-a-relationship pages). */
export const RelationshipWriteShape = z.looseObject({
  taskId: TaskIdShape,
  status: SubmissionStatusShape,
  relationship: RelationshipShape,
});

/** `{taskId, status}` (delete-a-relationship page, bundle page). */
export const SubmissionShape = z.looseObject({ taskId: TaskIdShape, status: SubmissionStatusShape });

// ---------------------------------------------------------------------------------------------------------------
// Tasks, bulk, bundle, executions, purge

/** Task (and bulk) status: SUCCESS, PENDING, CANCELLED, FAILURE (https://docs.clinia.com/api-reference/task/get-a-task-from-the-registry). */
export const TaskStatusShape = z.enum(['SUCCESS', 'PENDING', 'CANCELLED', 'FAILURE']);

/** `pipelineExecution` of a receipt: `{id, pipelineDefinitionId, status}`. */
export const ReceiptExecutionShape = z.looseObject({ id: z.string(), pipelineDefinitionId: z.string(), status: z.string() });

/** A receipt (get-a-task-from-the-registry, get-the-result-of-a-bulk-resource-request). */
export const ReceiptShape = z.looseObject({
  receivedAt: DateTime,
  completedAt: DateTime.optional(),
  taskId: TaskIdShape,
  action: z.enum(['CREATE', 'UPSERT', 'UPDATE', 'DELETE']),
  status: TaskStatusShape,
  error: ErrorShape.optional(),
  pipelineExecution: ReceiptExecutionShape.optional(),
  targetType: z.enum(['RESOURCE', 'RELATIONSHIP']),
  id: z.string(),
  type: z.string(),
});

/** `{status, taskId, receipts?}` (https://docs.clinia.com/api-reference/task/get-a-task-from-the-registry). */
export const TaskShape = z.looseObject({
  status: TaskStatusShape,
  taskId: TaskIdShape,
  receipts: z.array(ReceiptShape).optional(),
});

/** `{taskId, status: "ACCEPTED", bulkId}` (https://docs.clinia.com/api-reference/bulk/bulk-create-upsert-or-delete-resources). */
export const BulkAcceptedShape = z.looseObject({
  taskId: z.string().regex(/^bk_/),
  status: z.literal('ACCEPTED'),
  bulkId: z.string(),
});

/** `{status, receipts?}` (https://docs.clinia.com/api-reference/bulk/get-the-result-of-a-bulk-resource-request). */
export const BulkResultShape = z.looseObject({
  status: TaskStatusShape,
  receipts: z.array(ReceiptShape).optional(),
});

/** `{taskId: "bd_...", status}` (https://docs.clinia.com/api-reference/bundle/bundle-resource-and-relationship-operations-to-be-processed). */
export const BundleSubmissionShape = z.looseObject({
  taskId: z.string().regex(/^bd_/),
  status: SubmissionStatusShape,
});

const OperationShape = z.looseObject({
  taskId: TaskIdShape,
  action: z.enum(['CREATE', 'UPSERT', 'UPDATE', 'DELETE']),
  target: z.looseObject({ targetType: z.enum(['RESOURCE', 'RELATIONSHIP']), id: z.string(), type: z.string() }),
  body: z.record(z.string(), z.unknown()).optional(),
});

/** https://docs.clinia.com/api-reference/pipeline-executions/get-a-pipeline-execution. */
export const PipelineExecutionShape = z.looseObject({
  id: z.string(),
  pipelineDefinitionId: z.string(),
  status: z.string(),
  steps: z.array(z.looseObject({
    status: z.string(),
    error: ErrorShape.optional(),
    decision: z.looseObject({ id: z.string(), author: z.looseObject({ id: z.string(), email: z.string().optional() }), actedAt: DateTime, description: z.string().optional() }).optional(),
    processedAt: DateTime.optional(),
  })),
  operation: OperationShape,
  processedOperation: OperationShape.optional(),
  createdAt: DateTime,
  updatedAt: DateTime,
});

/** The purge operation (https://docs.clinia.com/api-reference/purge/get-the-result-of-a-purge-request). */
export const PurgeOperationShape = z.looseObject({
  taskId: TaskIdShape,
  purgeId: z.string(),
  collectionType: z.enum(['resources', 'relationships', 'objects']),
  collectionKey: z.string(),
  status: TaskStatusShape,
  deletedCount: z.number().int(),
  createdAt: DateTime,
  updatedAt: DateTime,
});

/** `{taskId, status: "ACCEPTED", purgeOperation}` (https://docs.clinia.com/api-reference/purge/purge-operation-request-for-resources-or-relationships). */
export const PurgeAcceptedShape = z.looseObject({
  taskId: z.string().regex(/^pg_/),
  status: SubmissionStatusShape,
  purgeOperation: PurgeOperationShape,
});

// ---------------------------------------------------------------------------------------------------------------
// Version history

/** https://docs.clinia.com/api-reference/versionhistory/get-the-history-for-a-record-or-relationship: one item. */
export const HistoryItemShape = z.looseObject({
  id: z.string(),
  type: z.string(),
  targetType: z.enum(['resources', 'relationships', 'objects']),
  operationId: z.string(),
  taskId: TaskIdShape,
  timestamp: DateTime,
  action: z.enum(['CREATE', 'UPSERT', 'UPDATE', 'DELETE']),
  userInfo: z.looseObject({ id: z.string(), email: z.string().optional() }),
});

/** The list answer is a bare JSON array of items. */
export const HistoryListShape = z.array(HistoryItemShape);

/** https://docs.clinia.com/api-reference/versionhistory/get-a-specific-history-item with `withPayload=true`. */
export const HistoryItemWithPayloadShape = HistoryItemShape.extend({
  payload: z.union([RelationshipShape, ResourceShape]),
});

// ---------------------------------------------------------------------------------------------------------------

/** Parses `value` with `shape`; on a mismatch the assertion shows each issue and the value. */
export function expectShape<S extends z.ZodType>(shape: S, value: unknown): z.output<S> {
  const result = shape.safeParse(value);
  if (!result.success) {
    expect({ issues: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`), value }).toEqual({ issues: [], value });
  }
  return (result.success ? result.data : value) as z.output<S>;
}
