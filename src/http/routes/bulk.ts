import { Router } from 'express';
import { handle } from '../validate';
import { BulkBodySchema } from '../../schemas/bulk';
import { TaskQuerySchema } from '../../schemas/records';
import type { BulkService } from '../../services/bulk';
import type { TaskService } from '../../services/tasks';

/** Bulk endpoints (SPEC §2): always 202; `GET .../resources/bulk/{bulkId}` is an alias of the task. Mounted before the record routes. */
export function bulkRoutes(bulk: BulkService, tasks: TaskService): Router {
  const r = Router();
  const base = '/sources/:sourceKey/v1';
  r.post(`${base}/resources/bulk`, handle({ body: BulkBodySchema }, async ({ res, body, params }) => {
    res.status(202).json(await bulk.accept(params.sourceKey ?? '', 'RESOURCE', body.operations));
  }));
  r.post(`${base}/relationships/bulk`, handle({ body: BulkBodySchema }, async ({ res, body, params }) => {
    res.status(202).json(await bulk.accept(params.sourceKey ?? '', 'RELATIONSHIP', body.operations));
  }));
  r.get(`${base}/resources/bulk/:bulkId`, handle({ query: TaskQuerySchema }, async ({ res, query, params }) => {
    const out = await tasks.get(params.sourceKey ?? '', params.bulkId ?? '', { withReceipts: query.withReceipts, perPage: query.perPage, ...(query.cursor ? { cursor: query.cursor } : {}) });
    res.json({ ...out, bulkId: out.taskId });
  }));
  return r;
}
