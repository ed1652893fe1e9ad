import { z } from 'zod';
import { SluiceError } from '../../errors';
import { ErrorSchema, HealthSchema, ReadySchema } from '../../schemas/responses';
import { docsHtml } from '../docs-page';
import { errorBody } from '../error-handler';
import { json } from '../route';
import { apiRoute } from './deps';

// The operations endpoints take no query parameters; one sent anyway is a 400, not silently ignored.
const NoQuery = z.object({}).strict();
const DOCS_HTML = docsHtml();

/** Liveness, readiness, metrics and the API reference; no API key needed (operations endpoints). */
export const opsRoutes = [
  apiRoute({
    method: 'get', path: '/health', operationId: 'health', tag: 'Operations', summary: 'Liveness',
    access: 'public', query: NoQuery,
    responses: { 200: json('The process is up.', HealthSchema) },
    handler: () => ({ status: 200, body: { status: 'ok' } }),
  }),
  apiRoute({
    method: 'get', path: '/ready', operationId: 'ready', tag: 'Operations', summary: 'Readiness: MongoDB and Temporal reachable',
    access: 'public', query: NoQuery,
    responses: {
      200: json('Every dependency answers.', ReadySchema),
      503: json('A dependency does not answer (type FAILED_PRECONDITION, code 503).', ErrorSchema),
    },
    handler: async ({ deps }) => {
      try {
        await deps.ready();
        return { status: 200, body: { status: 'ready' } };
      } catch (err) {
        return { status: 503, body: errorBody(new SluiceError('FAILED_PRECONDITION', `not ready: ${(err as Error).message}`), 503) };
      }
    },
  }),
  apiRoute({
    method: 'get', path: '/metrics', operationId: 'metrics', tag: 'Operations', summary: 'Prometheus metrics',
    access: 'public', query: NoQuery,
    responses: { 200: { description: 'Prometheus text exposition format.', schema: z.string(), contentType: 'text/plain' } },
    handler: async ({ deps }) => ({ status: 200, text: { contentType: deps.metrics.contentType, content: await deps.metrics.metrics() } }),
  }),
  apiRoute({
    method: 'get', path: '/openapi.json', operationId: 'openapi', tag: 'Operations', summary: 'This OpenAPI document',
    access: 'public', query: NoQuery,
    responses: { 200: json('OpenAPI 3.1 document generated from the route table and the zod schemas that validate requests.', z.looseObject({})) },
    handler: ({ deps }) => ({ status: 200, body: deps.openapi() }),
  }),
  apiRoute({
    method: 'get', path: '/docs', operationId: 'docs', tag: 'Operations', summary: 'Interactive API documentation (Swagger UI, served locally)',
    description: 'The page loads its assets (`docs/…`) and this document by relative URLs, so it works offline and behind a path prefix.',
    access: 'public', query: NoQuery,
    responses: { 200: { description: 'HTML page.', schema: z.string(), contentType: 'text/html' } },
    handler: () => ({ status: 200, text: { contentType: 'text/html', content: DOCS_HTML } }),
  }),
];
