import { z } from 'zod';
import { ERROR_TYPES } from '../errors';
import { CreateApiKeyBodySchema } from './api-keys';
import { RelationshipDefinitionSchema, SourceBodySchema } from './catalog';
import { DecisionBodySchema } from './decision';
import { PURGE_COLLECTION_TYPES } from '../domain';
import { ActionSchema, ExecutionStatusSchema, PurgeStatusSchema, ReceiptStatusSchema, StepStatusSchema, TargetTypeSchema } from './domain';
import { StepSchema } from './pipeline';
import { KeySchema, ProfileDefinitionSchema } from './profile';
import { IdentifierSchema } from './records';

// The shapes the API answers with. The route table names them per status, and /openapi.json is generated from them.

const Timestamp = z.iso.datetime({ offset: true });
const DataSchema = z.record(z.string(), z.unknown());

const ErrorDetailSchema = z.object({ path: z.string().optional(), message: z.string() });
export const ErrorSchema = z.object({
  code: z.number().int().describe('The HTTP status of the answer.'),
  type: z.enum(ERROR_TYPES),
  message: z.string(),
  details: z.array(ErrorDetailSchema).describe('One entry per offending path, e.g. `data.name` or `contained.primary[0].data.value`.'),
});

export const MetaSchema = z.object({
  createdAt: Timestamp,
  updatedAt: Timestamp,
  identifier: z.array(IdentifierSchema),
  source: z.string(),
  versionId: z.string().describe('Increases by one on every write.'),
});

const ContainedItemSchema = z.object({
  id: z.string().describe('`{rootType}/{rootId}/{containKey}/{containedId}`'),
  type: z.string(),
  data: DataSchema,
});

export const ResourceSchema = z.object({
  id: z.string(),
  type: z.string(),
  data: DataSchema,
  contained: z.record(z.string(), z.array(ContainedItemSchema)),
  meta: MetaSchema,
});

const RecordEndSchema = z.object({ id: z.string(), type: z.string() });
export const RelationshipSchema = z.object({
  id: z.string().describe('`{fromId}.{toId}`'),
  type: z.string(),
  from: RecordEndSchema,
  to: RecordEndSchema,
  data: DataSchema,
  meta: MetaSchema,
});

export const RelationshipWithIncludesSchema = RelationshipSchema.extend({
  includes: z.record(z.string(), ResourceSchema).optional().describe('With `includes`: the end resources, keyed by type.'),
});

export const TaskIdSchema = z.string().describe('`s_` single, `bk_` bulk, `bd_` bundle, `pg_` purge, then a KSUID.');
export const PersistedResourceSchema = z.object({ taskId: TaskIdSchema, status: z.literal('PERSISTED'), resource: ResourceSchema });
export const PersistedRelationshipSchema = z.object({ taskId: TaskIdSchema, status: z.literal('PERSISTED'), relationship: RelationshipSchema });
export const PersistedDeleteSchema = z.object({ taskId: TaskIdSchema, status: z.literal('PERSISTED') });
export const AcceptedSchema = z.object({ taskId: TaskIdSchema, status: z.literal('ACCEPTED') });

export const ReceiptSchema = z.object({
  taskId: TaskIdSchema,
  index: z.number().int().min(0).optional().describe('Sluice: the operation\'s position in its bulk or bundle request, from 0 (an NDJSON body\'s line is `index` + 1 when it has no blank lines). Absent on a single request\'s or a purge\'s receipt.'),
  action: ActionSchema,
  targetType: TargetTypeSchema,
  type: z.string(),
  id: z.string(),
  status: ReceiptStatusSchema,
  receivedAt: Timestamp,
  completedAt: Timestamp.optional(),
  error: z.object({ code: z.number().int(), type: z.enum(ERROR_TYPES), message: z.string(), details: z.array(ErrorDetailSchema) }).optional().describe('The documented error object: `code` is the HTTP status of `type`.'),
  pipelineExecution: z.object({ id: z.string(), pipelineDefinitionId: z.string(), status: ExecutionStatusSchema }).optional(),
});

export const TaskSchema = z.object({
  taskId: TaskIdSchema,
  status: ReceiptStatusSchema,
  counts: z.object({ SUCCESS: z.number().int(), PENDING: z.number().int(), FAILURE: z.number().int(), CANCELLED: z.number().int() })
    .describe('Receipts per status.'),
  receipts: z.array(ReceiptSchema).optional().describe('One page of receipts, only with `withReceipts=true`.'),
  nextCursor: z.string().optional().describe('Pass as `cursor` to read the next page of receipts.'),
});
export const BulkTaskSchema = TaskSchema.extend({ bulkId: z.string().describe('Equals `taskId`.') });

export const BulkAcceptedSchema = z.object({ taskId: TaskIdSchema, bulkId: z.string().describe('Equals `taskId` (kept for old clients).'), status: z.literal('ACCEPTED') });
export const BundlePersistedSchema = z.object({
  taskId: TaskIdSchema, status: z.literal('PERSISTED'), resourceOperationReceipts: z.array(ReceiptSchema), relationshipOperationReceipts: z.array(ReceiptSchema),
});
export const PurgeSchema = z.object({
  taskId: TaskIdSchema,
  purgeId: z.string().describe('Equals `taskId` (deprecated in the docs, kept).'),
  collectionType: z.enum(PURGE_COLLECTION_TYPES),
  collectionKey: z.string(),
  status: PurgeStatusSchema,
  deletedCount: z.number().int().describe('Records of the collection deleted so far; exact once SUCCESS.'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  relationshipsDeletedCount: z.number().int().describe('Sluice adds: relationships deleted because they pointed at purged resources (0 for a relationship purge).'),
  cancelledExecutions: z.number().int().describe('Sluice adds: active pipeline executions of the collection that the purge cancelled.'),
  completedAt: Timestamp.optional(),
  error: z.object({ message: z.string() }).optional().describe('Why a FAILURE purge stopped.'),
});
export const PurgeAcceptedSchema = z.object({ taskId: TaskIdSchema, status: z.literal('ACCEPTED'), purgeOperation: PurgeSchema });

export const DecisionSchema = z.object({
  id: z.string(),
  ...DecisionBodySchema.shape,
  author: z.object({ id: z.string().describe('Id of the API key that decided.'), email: z.string().optional() }),
  actedAt: Timestamp,
});

const OperationBodySchema = z.object({
  data: DataSchema,
  contained: z.record(z.string(), z.array(ContainedItemSchema)).optional(),
  meta: z.object({ createdAt: Timestamp.optional(), updatedAt: Timestamp.optional(), identifier: z.array(IdentifierSchema).optional() }).optional(),
  from: RecordEndSchema.optional(),
  to: RecordEndSchema.optional(),
});

const ExecutionOperationSchema = z.object({
  taskId: TaskIdSchema,
  action: ActionSchema,
  target: z.object({ id: z.string(), targetType: TargetTypeSchema, type: z.string() }),
});

export const ExecutionSchema = z.object({
  id: z.string(),
  pipelineDefinitionId: z.string().describe('`{collectionKey}.{version}`: the pipeline version the execution started with.'),
  status: ExecutionStatusSchema,
  steps: z.array(z.object({
    type: z.string(),
    status: StepStatusSchema,
    processedAt: Timestamp.optional(),
    error: z.object({ code: z.number().int(), type: z.enum(ERROR_TYPES), message: z.string(), details: z.array(ErrorDetailSchema) }).optional().describe('The documented error object.'),
    decision: DecisionSchema.optional(),
    issues: z.array(ErrorDetailSchema).optional().describe('Issues recorded by VALIDATOR rules with onFailure WARN.'),
  })).describe('In definition order.'),
  operation: ExecutionOperationSchema.extend({ body: OperationBodySchema.optional().describe('Only with `withOperationBody=true`.') }),
  processedOperation: ExecutionOperationSchema.extend({ body: OperationBodySchema.describe('The body as the steps left it.') })
    .optional().describe('The operation as the pipeline processed it; only with `withOperationBody=true`.'),
  ignoredSignals: z.array(z.object({ receivedAt: Timestamp, reason: z.string() })).optional().describe('Malformed decision signals, recorded and ignored.'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

// Catalog answers are the request bodies plus what the server adds, derived from the same shapes.
export const SourceSchema = z.object({ key: KeySchema, ...SourceBodySchema.shape, createdAt: Timestamp, updatedAt: Timestamp });
export const ProfileSchema = z.object({ key: KeySchema, ...ProfileDefinitionSchema.out.shape });
export const RelationshipDefinitionOutSchema = z.object({ key: KeySchema, ...RelationshipDefinitionSchema.shape, properties: z.record(z.string(), z.unknown()).describe('Always present: `{}` when the definition has none.') });
export const PipelineDefinitionSchema = z.object({
  id: z.string().describe('`{collectionKey}.{version}`, e.g. `clinic.2`'),
  collectionKey: z.string(),
  version: z.number().int().min(1).describe('1 for the first definition, one more for every change.'),
  revisionId: z.string().describe('The id of this revision; `GET ...?revisionId=` reads it.'),
  steps: z.array(StepSchema),
  createdAt: Timestamp,
});

/** A version history item (docs: versionhistory); `payload` only with `withPayload=true`. */
export const HistoryItemSchema = z.object({
  id: z.string().describe('The id of the resource or relationship.'),
  type: z.string().describe('The profile key or relationship type.'),
  targetType: z.enum(['resources', 'relationships']),
  operationId: z.string().describe('The id of the operation; stable across retries of the write.'),
  taskId: TaskIdSchema,
  timestamp: Timestamp.describe('When the operation was applied.'),
  action: ActionSchema,
  userInfo: z.object({ id: z.string().describe('The API key id (`system` for the catalog file and internal work).'), email: z.string().optional() }),
  payload: z.union([ResourceSchema, RelationshipSchema]).optional().describe('The record as the operation wrote it (as it was, for a DELETE).'),
});
export type HistoryItem = z.infer<typeof HistoryItemSchema>;

export const ApiKeySchema = z.object({ id: z.string(), ...CreateApiKeyBodySchema.shape, createdAt: Timestamp });
export const CreatedApiKeySchema = z.object({
  ...ApiKeySchema.shape,
  key: z.string().describe('The secret; shown only in this answer.'),
});

/** `{data: [...]}`: a whole list. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
/** `{data: [...], nextCursor?}`: one page of a list. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().optional().describe('Pass as `cursor` to read the next page.') });

export const HealthSchema = z.object({ status: z.literal('ok') });
export const ReadySchema = z.object({ status: z.literal('ready') });

// The answers' types, inferred from the schemas above: what a service returns is what /openapi.json documents.
export type Resource = z.infer<typeof ResourceSchema>;
export type Relationship = z.infer<typeof RelationshipSchema>;
export type Purge = z.infer<typeof PurgeSchema>;
export type Source = z.infer<typeof SourceSchema>;
export type PipelineDefinition = z.infer<typeof PipelineDefinitionSchema>;
