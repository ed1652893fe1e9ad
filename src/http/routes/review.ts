import { z } from 'zod';
import { AssignmentSchema, QueueCountsQuerySchema, QueueCountsSchema, QueueItemSchema, QueueQuerySchema, ReviewerSchema } from '../../schemas/review';
import { pageOf } from '../../schemas/responses';
import { READERS, json } from '../route';
import { apiRoute } from './deps';

const EXECUTION = '/sources/{sourceKey}/v1/pipelines/executions/{id}';
const ID = { id: z.string().min(1).describe('Pipeline execution id.') };
const ACROSS_SOURCES = { roles: READERS, scope: 'none' } as const;
const REVIEW = { roles: ['review'], scope: 'source' } as const;
const EXECUTION_ERRORS = { NOT_FOUND: 'the source or the execution does not exist' } as const;

/**
 * What the review console (`/console`) needs beyond the pipeline execution routes: the queue across the key's sources
 * with filters, a cursor and counts, the signed-in key, and claims on executions waiting in review.
 */
export const reviewRoutes = [
  apiRoute({
    method: 'get', path: '/review/v1/me', operationId: 'getReviewer', tag: 'Pipeline executions',
    summary: 'The signed-in key: its name, roles, the sources it reaches and the Temporal UI of its executions',
    access: ACROSS_SOURCES,
    responses: { 200: json('The key.', ReviewerSchema) },
    handler: async ({ principal, deps }) => ({ status: 200, body: await deps.review.me(principal) }),
  }),
  apiRoute({
    method: 'get', path: '/review/v1/queue', operationId: 'listReviewQueue', tag: 'Pipeline executions',
    summary: 'The review queue across the key\'s sources: executions waiting in review, filtered, a page at a time',
    description: 'Executions of the key\'s sources that wait IN_REVIEW, oldest or newest first (by when the request was accepted), with their claim. Filters combine; pass `nextCursor` as `cursor` with the same filters for the next page.',
    access: ACROSS_SOURCES, query: QueueQuerySchema,
    responses: { 200: json('A page of the queue.', pageOf(QueueItemSchema)) },
    errors: { PERMISSION_DENIED: '`source` is not one of the key\'s sources' },
    handler: async ({ principal, query, deps }) => ({ status: 200, body: await deps.review.queue(principal, query) }),
  }),
  apiRoute({
    method: 'get', path: '/review/v1/queue/counts', operationId: 'countReviewQueue', tag: 'Pipeline executions',
    summary: 'Counts of the review queue per source, type, pipeline, claim and age',
    description: 'Each filter\'s counts apply the other filters but not itself (so a filter shows what choosing another value would give); `total` applies them all.',
    access: ACROSS_SOURCES, query: QueueCountsQuerySchema,
    responses: { 200: json('The counts.', QueueCountsSchema) },
    errors: { PERMISSION_DENIED: '`source` is not one of the key\'s sources' },
    handler: async ({ principal, query, deps }) => ({ status: 200, body: await deps.review.counts(principal, query) }),
  }),
  apiRoute({
    method: 'get', path: `${EXECUTION}/assignment`, operationId: 'getAssignment', tag: 'Pipeline executions',
    summary: 'Who claims an execution waiting in review',
    access: { roles: READERS, scope: 'source' }, params: ID,
    responses: { 200: json('The claim.', AssignmentSchema) },
    errors: { NOT_FOUND: 'the source or the execution does not exist, or nobody claims it' },
    handler: async ({ params, deps }) => ({ status: 200, body: await deps.pipelines.assignments.get(params.sourceKey, params.id) }),
  }),
  apiRoute({
    method: 'put', path: `${EXECUTION}/assignment`, operationId: 'claimPipelineExecution', tag: 'Pipeline executions',
    summary: 'Claim an execution waiting in review, so that no other reviewer decides it (review keys)',
    description: 'A claim held by another key is a 409, unless this key is admin: an admin takes the claim over. While claimed, only the holder or an admin may decide or release it.',
    access: REVIEW, params: ID,
    responses: { 200: json('The key held the claim already, or an admin took it over.', AssignmentSchema), 201: json('Claimed.', AssignmentSchema) },
    errors: { ...EXECUTION_ERRORS, FAILED_PRECONDITION: 'the execution is not IN_REVIEW, or another reviewer claims it' },
    handler: async ({ params, principal, deps }) => {
      const { assignment, created } = await deps.pipelines.assignments.claim(params.sourceKey, params.id, principal);
      return { status: created ? 201 : 200, body: assignment };
    },
  }),
  apiRoute({
    method: 'delete', path: `${EXECUTION}/assignment`, operationId: 'releasePipelineExecution', tag: 'Pipeline executions',
    summary: 'Release a claim (review keys): the key\'s own, or any for an admin',
    access: REVIEW, params: ID,
    responses: { 204: { description: 'Released, or nobody claimed it.' } },
    errors: { ...EXECUTION_ERRORS, FAILED_PRECONDITION: 'another reviewer claims it' },
    handler: async ({ params, principal, deps }) => {
      await deps.pipelines.assignments.release(params.sourceKey, params.id, principal);
      return { status: 204 };
    },
  }),
];
