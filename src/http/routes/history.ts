import { z } from 'zod';
import { BooleanQuery, IsoDateTime } from '../../schemas/records';
import { HistoryItemSchema } from '../../schemas/responses';
import { READERS, json } from '../route';
import { apiRoute } from './deps';

const PATH = '/sources/{sourceKey}/v1/history/{collectionType}/{collectionKey}/{itemId}/operations';
const READ = { roles: READERS, scope: 'source' } as const;

const PARAMS = {
  collectionType: z.enum(['resources', 'relationships', 'objects'], { error: 'must be resources, relationships or objects' }).describe('`objects` (binary objects) is 501 UNIMPLEMENTED.'),
  collectionKey: z.string().min(1).describe('The profile key (resources) or relationship type (relationships).'),
  itemId: z.string().min(1).describe('The id of the resource or relationship (`{fromId}.{toId}`).'),
};

const DateTime = IsoDateTime;
const ListQuerySchema = z.strictObject({
  perPage: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(20).describe('Items per page (default 20).'),
  page: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000).default(1).describe('The page, from 1.'),
  from: DateTime.optional().describe('Items at or after this time; the beginning of time by default.'),
  to: DateTime.optional().describe('Items at or before this time; now by default.'),
});

/** Version history (docs: versionhistory pages): every applied operation of a record, oldest first. */
export const historyRoutes = [
  apiRoute({
    method: 'get', path: PATH, operationId: 'listHistory', tag: 'History', summary: 'The history of a resource or relationship: one item per applied operation, oldest first',
    description: 'The answer is a JSON array (as documented), one page of it: `page` from 1, `perPage` items. `from` and `to` bound the items\' `timestamp` (inclusive).',
    access: READ, params: PARAMS, query: ListQuerySchema,
    responses: { 200: json('One page of the items.', z.array(HistoryItemSchema)) },
    errors: { NOT_FOUND: 'the source or the collection does not exist', OUT_OF_RANGE: '`from` is after `to`', UNIMPLEMENTED: 'collectionType `objects`' },
    handler: async ({ params, query, deps }) => ({
      status: 200,
      body: await deps.history.list(params.sourceKey, params.collectionType as 'resources', params.collectionKey, params.itemId, query),
    }),
  }),
  apiRoute({
    method: 'get', path: `${PATH}/{operationId}`, operationId: 'getHistoryItem', tag: 'History', summary: 'One history item, with the record as written when `withPayload=true`',
    access: READ, params: { ...PARAMS, operationId: z.string().min(1).describe('The operation id of the item.') },
    query: z.strictObject({ withPayload: BooleanQuery.describe('Include the record as the operation wrote it.') }),
    responses: { 200: json('The item.', HistoryItemSchema) },
    errors: { NOT_FOUND: 'the source, the collection or the item does not exist', UNIMPLEMENTED: 'collectionType `objects`' },
    handler: async ({ params, query, deps }) => ({
      status: 200,
      body: await deps.history.get(params.sourceKey, params.collectionType as 'resources', params.collectionKey, params.itemId, params.operationId, query.withPayload),
    }),
  }),
];
