import { SluiceError } from '../../errors';
import { BulkBodySchema } from '../../schemas/bulk';
import { BULK_BODY_TYPES, streamedOperations } from '../../services/bulk-stream';
import { BundleBodySchema } from '../../schemas/bundle';
import { PurgeBodySchema } from '../../schemas/purge';
import { TaskQuerySchema } from '../../schemas/records';
import {
  AcceptedSchema, BulkAcceptedSchema, BulkTaskSchema, BundlePersistedSchema, PurgeAcceptedSchema, PurgeSchema,
} from '../../schemas/responses';
import { READERS, json } from '../route';
import { NO_SOURCE, apiRoute } from './deps';

const SRC = '/sources/{sourceKey}/v1';

/** A bulk's `Idempotency-Key` header: 1 to 255 visible ASCII characters; a 400 otherwise. */
function idempotencyKeyOf(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new SluiceError('INVALID_ARGUMENT', 'invalid Idempotency-Key header', [{ path: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  }
  return value;
}
const INGEST = { roles: ['ingest'], scope: 'source' } as const;

/**
 * Bulk, bundle and purge: the requests that act on many records. They come before the record routes in the
 * table, so `POST .../resources/bulk` is the bulk endpoint even in a source with a profile named `bulk`.
 */
export const manyRecordRoutes = [
  ...(['resources', 'relationships'] as const).map((collection) => apiRoute({
    method: 'post', path: `${SRC}/${collection}/bulk`, operationId: collection === 'resources' ? 'bulkResources' : 'bulkRelationships', tag: 'Bulk',
    summary: `Run any number of ${collection === 'resources' ? 'resource' : 'relationship'} operations, up to 5 GB, as JSON or NDJSON (ingest keys); always asynchronous`,
    description: 'The body is streamed, never held whole, and staged in chunks as it arrives; its limit is BODY_LIMIT_BULK (5 GiB by default: a 413 above it). '
      + 'JSON: the envelope `{"operations":[...]}`, checked as it streams (400 when malformed, and nothing is kept). NDJSON (`application/x-ndjson`): one operation per line; '
      + 'a line that is not a JSON object with an `action` is that operation\'s FAILURE receipt, naming its line. Gzip bodies (`Content-Encoding: gzip`) are taken. '
      + 'Operations run in order and independently: an invalid one is a FAILURE receipt. Receipts carry `index`, the operation\'s position in the request. Poll the task (`bk_...`). '
      + 'With an `Idempotency-Key` header (Sluice), a request sent again with the same key gets the first one\'s answer (header `Idempotency-Replayed: true`) and runs nothing; a 409 while the first is still arriving.',
    access: INGEST, body: BulkBodySchema, bodyLimit: 'bulk', stream: true, bodyTypes: BULK_BODY_TYPES,
    responses: { 202: json('ACCEPTED: the bulk runs in Temporal.', BulkAcceptedSchema) },
    errors: { ...NO_SOURCE, CONTENT_TOO_LARGE: 'the body is over BODY_LIMIT_BULK', UNSUPPORTED_MEDIA_TYPE: 'the body is neither JSON nor NDJSON, or its encoding is not identity, gzip or deflate', ALREADY_EXISTS: 'a bulk with the same Idempotency-Key is still being received' },
    handler: async ({ params, actor, deps, req, res, bodyLimit }) => {
      const idempotencyKey = idempotencyKeyOf(req.headers['idempotency-key']);
      try {
        const { replayed, ...accepted } = await deps.bulk.accept(params.sourceKey, collection === 'resources' ? 'RESOURCE' : 'RELATIONSHIP',
          streamedOperations(req, req.headers['content-type'] ?? '', req.headers['content-encoding'], bodyLimit), actor,
          idempotencyKey === undefined ? {} : { idempotencyKey });
        if (replayed) {
          // The same request accepted before: its answer again, and this body is not read.
          res.setHeader('Idempotency-Replayed', 'true');
          if (!req.complete) res.setHeader('Connection', 'close');
          req.resume();
        }
        return { status: 202, body: accepted };
      } catch (err) {
        // Refused before its body ended (413, a malformed envelope): the rest is not worth reading on a kept-alive connection.
        if (!req.complete) res.setHeader('Connection', 'close');
        throw err;
      }
    },
  })),
  ...(['resources', 'relationships'] as const).map((collection) => apiRoute({
    method: 'get', path: `${SRC}/${collection}/bulk/{bulkId}`, operationId: collection === 'resources' ? 'getBulk' : 'getRelationshipsBulk', tag: 'Bulk',
    summary: `Read a bulk ${collection === 'resources' ? 'resource' : 'relationship'} task (alias of the task API)`,
    access: { roles: READERS, scope: 'source' }, query: TaskQuerySchema,
    responses: { 200: json('The task, with `bulkId`.', BulkTaskSchema) },
    errors: { NOT_FOUND: `the source or the task does not exist, or it is not a bulk of ${collection}` },
    handler: async ({ params, query, deps }) => {
      const out = await deps.tasks.get(params.sourceKey, params.bulkId, { withReceipts: query.withReceipts, perPage: query.perPage, ...(query.cursor ? { cursor: query.cursor } : {}) }, { kind: 'BULK', targetType: collection === 'resources' ? 'RESOURCE' : 'RELATIONSHIP' });
      return { status: 200, body: { ...out, bulkId: out.taskId } };
    },
  })),

  apiRoute({
    method: 'post', path: `${SRC}/bundle`, operationId: 'submitBundle', tag: 'Bundle',
    summary: 'Write resource and relationship operations all together or not at all (ingest keys)',
    description: 'Every operation is checked at the door (400 naming each bad path, e.g. `resourceOperations[2].create.data.name`; nothing is written). `@rootIdN` is the id of the N-th resource operation. The bundle is written only when every operation has left its pipeline; until then every receipt is PENDING. If one fails, is rejected or is cancelled, nothing is written.',
    access: INGEST, body: BundleBodySchema, bodyLimit: 'bundle',
    responses: {
      201: json('PERSISTED: no operation triggered a pipeline step, and all were written before the answer.', BundlePersistedSchema),
      202: json('ACCEPTED: pipeline executions run (or the write took longer than the API waits); poll the task (`bd_...`).', AcceptedSchema),
    },
    errors: { ...NO_SOURCE, FAILED_PRECONDITION: 'a record of the bundle was written by another request meanwhile; nothing was written' },
    handler: async ({ params, body, actor, deps }) => {
      const out = await deps.bundle.submit(params.sourceKey, body, actor);
      return { status: out.status === 'PERSISTED' ? 201 : 202, body: out };
    },
  }),

  apiRoute({
    method: 'post', path: `${SRC}/purge`, operationId: 'startPurge', tag: 'Purge', summary: 'Delete every record of a collection (ingest keys)',
    description: 'Cancels the collection\'s active pipeline executions, then deletes its records in batches; purging resources also deletes the relationships pointing at them. The task (`pg_...`) has one DELETE receipt.',
    access: INGEST, body: PurgeBodySchema,
    responses: { 202: json('ACCEPTED: the purge runs in Temporal; poll it or its task.', PurgeAcceptedSchema) },
    errors: { NOT_FOUND: 'the source does not exist, or the collection is not a ROOT profile / relationship type of it', FAILED_PRECONDITION: 'a purge of the same collection is still running', UNIMPLEMENTED: '`collectionType` is `objects` (binary objects are not part of Sluice)' },
    handler: async ({ params, body, actor, deps }) => ({ status: 202, body: await deps.purge.start(params.sourceKey, body, actor) }),
  }),
  apiRoute({
    method: 'get', path: `${SRC}/purge/{purgeId}`, operationId: 'getPurge', tag: 'Purge', summary: 'Read a purge: status and counts',
    access: { roles: READERS, scope: 'source' },
    responses: { 200: json('The purge.', PurgeSchema) },
    errors: { NOT_FOUND: 'the source or the purge does not exist' },
    handler: async ({ params, deps }) => ({ status: 200, body: await deps.purge.get(params.sourceKey, params.purgeId) }),
  }),
];
