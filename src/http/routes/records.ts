import { Router } from 'express';
import { handle } from '../validate';
import {
  ContainedItemBodySchema, CreateRelationshipBodySchema, CreateResourceBodySchema, ListQuerySchema, PatchBodySchema,
  TaskQuerySchema, UpsertResourceBodySchema, ExecutionListQuerySchema, ExecutionQuerySchema,
} from '../../schemas/records';
import type { ResourceService } from '../../services/resources';
import type { RelationshipService } from '../../services/relationships';
import type { TaskService } from '../../services/tasks';
import type { PipelineService } from '../../services/pipelines';
import { DecisionBodySchema } from '../../schemas/decision';
import { authorize, principalOf } from '../auth';
import type { Response } from 'express';

/** 202 ACCEPTED when a pipeline execution started; else 201 when the write created the record, 200 otherwise. */
function answer(res: Response, out: { taskId: string; status: 'ACCEPTED' } | { taskId: string; status: 'PERSISTED'; created: boolean }): void {
  if (out.status === 'ACCEPTED') {
    res.status(202).json({ taskId: out.taskId, status: out.status });
    return;
  }
  const { created, ...body } = out;
  res.status(created ? 201 : 200).json(body);
}

/** Single resource and relationship operations and the task API (SPEC §2). Source access is checked upstream. */
export function recordRoutes(resources: ResourceService, relationships: RelationshipService, tasks: TaskService, pipelines: PipelineService): Router {
  const r = Router();
  const base = '/sources/:sourceKey/v1';
  const s = (p: Record<string, string>): string => p.sourceKey ?? '';

  r.get(`${base}/tasks/:taskId`, handle({ query: TaskQuerySchema }, async ({ res, query, params }) => {
    res.json(await tasks.get(s(params), params.taskId ?? '', { withReceipts: query.withReceipts, perPage: query.perPage, ...(query.cursor ? { cursor: query.cursor } : {}) }));
  }));

  r.post(`${base}/resources/:type`, handle({ body: CreateResourceBodySchema }, async ({ res, body, params }) => {
    answer(res, await resources.create(s(params), params.type ?? '', body));
  }));
  r.get(`${base}/resources/:type`, handle({ query: ListQuerySchema }, async ({ res, query, params }) => {
    res.json(await resources.list(s(params), params.type ?? '', query.perPage, query.cursor));
  }));
  r.put(`${base}/resources/:type/:id`, handle({ body: UpsertResourceBodySchema }, async ({ res, body, params }) => {
    answer(res, await resources.upsert(s(params), params.type ?? '', params.id ?? '', body));
  }));
  r.patch(`${base}/resources/:type/:id`, handle({ body: PatchBodySchema }, async ({ res, body, params }) => {
    answer(res, await resources.patch(s(params), params.type ?? '', params.id ?? '', body));
  }));
  r.delete(`${base}/resources/:type/:id`, handle({}, async ({ res, params }) => {
    res.json(await resources.remove(s(params), params.type ?? '', params.id ?? ''));
  }));
  r.get(`${base}/resources/:type/:id`, handle({}, async ({ res, params }) => {
    res.json(await resources.get(s(params), params.type ?? '', params.id ?? ''));
  }));
  r.post(`${base}/resources/:type/:id/:containKey`, handle({ body: ContainedItemBodySchema }, async ({ res, body, params }) => {
    answer(res, await resources.addContained(s(params), params.type ?? '', params.id ?? '', params.containKey ?? '', body));
  }));
  r.put(`${base}/resources/:type/:id/:containKey/:containedId`, handle({ body: ContainedItemBodySchema }, async ({ res, body, params }) => {
    answer(res, await resources.putContained(s(params), params.type ?? '', params.id ?? '', params.containKey ?? '', params.containedId ?? '', body));
  }));
  r.delete(`${base}/resources/:type/:id/:containKey/:containedId`, handle({}, async ({ res, params }) => {
    answer(res, await resources.removeContained(s(params), params.type ?? '', params.id ?? '', params.containKey ?? '', params.containedId ?? ''));
  }));

  r.post(`${base}/relationships/:type`, handle({ body: CreateRelationshipBodySchema }, async ({ res, body, params }) => {
    answer(res, await relationships.create(s(params), params.type ?? '', body));
  }));
  r.get(`${base}/relationships/:type`, handle({ query: ListQuerySchema }, async ({ res, query, params }) => {
    res.json(await relationships.list(s(params), params.type ?? '', query.perPage, query.cursor));
  }));
  r.patch(`${base}/relationships/:type/:id`, handle({ body: PatchBodySchema }, async ({ res, body, params }) => {
    answer(res, await relationships.patch(s(params), params.type ?? '', params.id ?? '', body));
  }));
  r.delete(`${base}/relationships/:type/:id`, handle({}, async ({ res, params }) => {
    res.json(await relationships.remove(s(params), params.type ?? '', params.id ?? ''));
  }));
  r.get(`${base}/relationships/:type/:id`, handle({}, async ({ res, params }) => {
    res.json(await relationships.get(s(params), params.type ?? '', params.id ?? ''));
  }));
  r.get(`${base}/pipelines/executions`, handle({ query: ExecutionListQuerySchema }, async ({ res, query, params }) => {
    res.json(await pipelines.list(s(params), { perPage: query.perPage, ...(query.status ? { status: query.status } : {}), ...(query.type ? { type: query.type } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) }));
  }));
  r.get(`${base}/pipelines/executions/:id`, handle({ query: ExecutionQuerySchema }, async ({ res, query, params }) => {
    res.json(await pipelines.get(s(params), params.id ?? '', query.withOperationBody));
  }));
  r.post(`${base}/pipelines/executions/:id/decision`, handle({ body: DecisionBodySchema }, async ({ res, body, params }) => {
    const principal = principalOf(res);
    authorize(principal, ['review'], s(params));
    res.status(202).json(await pipelines.decide(s(params), params.id ?? '', body, principal));
  }));
  return r;
}
