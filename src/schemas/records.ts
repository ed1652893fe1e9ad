import { z } from 'zod';
import { ExecutionStatusSchema } from './domain';

/** ISO 8601 date-time with a timezone, as the seeds' `meta.createdAt`. */
export const IsoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a timezone' });

export const IdentifierSchema = z
  .object({
    id: z.string().optional(),
    system: z.string().min(1).optional(),
    value: z.string().min(1).optional(),
    use: z.string().min(1).optional(),
    period: z
      .object({ id: z.string().optional(), start: IsoDateTime.optional(), end: IsoDateTime.optional() })
      .strict()
      .optional(),
  })
  .strict();

/** Client metadata accepted on create (seed: Historical Import). */
export const MetaInputSchema = z
  .object({
    createdAt: IsoDateTime.optional(),
    updatedAt: IsoDateTime.optional(),
    identifier: z.array(IdentifierSchema).max(100).optional(),
  })
  .strict();
export type MetaInput = z.infer<typeof MetaInputSchema>;

const DataSchema = z.record(z.string(), z.unknown());

const ContainedItemInputSchema = z
  .object({ id: z.string().min(1).optional(), type: z.string().min(1), data: DataSchema })
  .strict();

export const ContainedInputSchema = z.record(z.string(), z.array(ContainedItemInputSchema));
export type ContainedInput = z.infer<typeof ContainedInputSchema>;

/** What a JSON Patch (paths relative to data) must leave: an object. */
export const PatchedDataSchema = z.record(z.string(), z.unknown(), { error: 'must leave data an object' });

/** Body of `POST /sources/{k}/v1/resources/{type}`. */
export const CreateResourceBodySchema = z
  .object({
    id: z.string().min(1).optional(),
    data: DataSchema,
    contained: ContainedInputSchema.optional(),
    meta: MetaInputSchema.optional(),
  })
  .strict();
export type CreateResourceBody = z.infer<typeof CreateResourceBodySchema>;

/** Body of `PUT /sources/{k}/v1/resources/{type}/{id}`. */
export const UpsertResourceBodySchema = CreateResourceBodySchema.omit({ id: true });
export type UpsertResourceBody = z.infer<typeof UpsertResourceBodySchema>;

/** One JSON Patch operation (an RFC 6902 subset). */
export const PatchOperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), path: z.string(), value: z.unknown() }).strict(),
  z.object({ op: z.literal('replace'), path: z.string(), value: z.unknown() }).strict(),
  z.object({ op: z.literal('remove'), path: z.string() }).strict(),
]);
export const PatchBodySchema = z.array(PatchOperationSchema).min(1).max(1000);
export type PatchBody = z.infer<typeof PatchBodySchema>;

/** Body of the nested contained endpoints (`POST|PUT .../{containKey}[/{containedId}]`). */
export const ContainedItemBodySchema = z
  .object({
    id: z.string().min(1).optional(),
    type: z.string().min(1).optional(),
    data: DataSchema,
    contained: z
      .record(z.string(), z.unknown())
      .refine((c) => Object.keys(c).length === 0, 'must be empty: a contained resource cannot contain resources (the docs\' body shape carries it)')
      .optional(),
  })
  .strict();
export type ContainedItemBody = z.infer<typeof ContainedItemBodySchema>;

const EndSchema = z.object({ id: z.string().min(1), type: z.string().min(1).optional() }).strict();

/** Body of `POST /sources/{k}/v1/relationships/{relType}`. */
export const CreateRelationshipBodySchema = z
  .object({ from: EndSchema, to: EndSchema, data: DataSchema.optional(), meta: MetaInputSchema.optional() })
  .strict();
export type CreateRelationshipBody = z.infer<typeof CreateRelationshipBodySchema>;

/** A boolean query parameter: `true`/`false` in any case (the docs write `withReceipts=True`), or `1`/`0`. */
export const BooleanQuery = z
  .string()
  .regex(/^(true|false|1|0)$/i, 'must be true or false (any case), or 1 or 0')
  .optional()
  .transform((v) => v !== undefined && /^(true|1)$/i.test(v));

/** Query of the list endpoints. */
export const ListQuerySchema = z
  .object({
    perPage: z.coerce.number().int().min(1).max(1000).default(50),
    cursor: z.string().min(1).optional(),
  })
  .strict();
export type ListQuery = z.infer<typeof ListQuerySchema>;

/** Query of `GET .../tasks/{taskId}`. */
export const TaskQuerySchema = z
  .object({
    withReceipts: BooleanQuery,
    perPage: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().min(1).optional(),
  })
  .strict();

/** Query of `GET .../pipelines/executions` (the review queue with `status=IN_REVIEW`). */
export const ExecutionListQuerySchema = z
  .object({
    status: ExecutionStatusSchema.optional(),
    type: z.string().min(1).optional(),
    perPage: z.coerce.number().int().min(1).max(1000).default(50),
    cursor: z.string().min(1).optional(),
  })
  .strict();

/** Query of `GET .../pipelines/executions/{id}`. */
export const ExecutionQuerySchema = z
  .object({ withOperationBody: BooleanQuery })
  .strict();

/** Query of `GET .../relationships/{type}/{id}`: `includes=provider&includes=office` or `includes=provider,office`. */
export const IncludesQuerySchema = z.strictObject({
  includes: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '')))
    .describe('Resource types of the ends to include.'),
});
