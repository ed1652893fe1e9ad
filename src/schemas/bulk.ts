import { z } from 'zod';
import { ContainedInputSchema, MetaInputSchema, PatchBodySchema } from './records';

const Data = z.record(z.string(), z.unknown());
const TypeKey = z.string().min(1).max(62);
const Id = z.string().min(1).max(93);
const End = z.object({ id: Id, type: TypeKey.optional() }).strict();

/** The key a staged operation that could not be parsed is kept under: its chunk's run gives it a FAILURE receipt. */
export const MALFORMED = '$malformed';

/** One resource operation of a bulk or bundle. */
export const ResourceOperationSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('CREATE'), create: z.object({ id: Id.optional(), type: TypeKey, data: Data, contained: ContainedInputSchema.optional(), meta: MetaInputSchema.optional() }).strict() }).strict(),
  z.object({ action: z.literal('UPSERT'), upsert: z.object({ id: Id, type: TypeKey, data: Data, contained: ContainedInputSchema.optional(), meta: MetaInputSchema.optional() }).strict() }).strict(),
  z.object({ action: z.literal('UPDATE'), update: z.object({ id: Id, type: TypeKey, patch: PatchBodySchema }).strict() }).strict(),
  z.object({ action: z.literal('DELETE'), delete: z.object({ id: Id, type: TypeKey }).strict() }).strict(),
]);
export type ResourceOperation = z.infer<typeof ResourceOperationSchema>;

/** One relationship operation of a bulk or bundle; the id of a relationship is `{fromId}.{toId}`. */
export const RelationshipOperationSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('CREATE'), create: z.object({ type: TypeKey, from: End, to: End, data: Data.optional(), meta: MetaInputSchema.optional() }).strict() }).strict(),
  z.object({ action: z.literal('UPSERT'), upsert: z.object({ type: TypeKey, from: End, to: End, data: Data.optional(), meta: MetaInputSchema.optional() }).strict() }).strict(),
  z.object({ action: z.literal('UPDATE'), update: z.object({ id: Id, type: TypeKey, patch: PatchBodySchema }).strict() }).strict(),
  z.object({ action: z.literal('DELETE'), delete: z.object({ id: Id, type: TypeKey }).strict() }).strict(),
]);
export type RelationshipOperation = z.infer<typeof RelationshipOperationSchema>;

/**
 * The bulk envelope, as documented: the API checks it as the body streams in (services/bulk-stream.ts; a malformed
 * envelope is a 400); each operation is validated when it runs, and an invalid one is a FAILURE receipt.
 */
export const BulkBodySchema = z
  .object({ operations: z.array(z.object({ action: z.string() }).loose()).min(1, 'must hold at least one operation') })
  .strict();
export type BulkBody = z.infer<typeof BulkBodySchema>;
