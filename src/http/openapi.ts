import { OpenAPIRegistry, OpenApiGeneratorV31, zodToOpenAPIRegistry, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import type { ErrorType } from '../errors';
import { CreateApiKeyBodySchema } from '../schemas/api-keys';
import { RelationshipDefinitionSchema, SourceBodySchema } from '../schemas/catalog';
import { DecisionBodySchema } from '../schemas/decision';
import { PipelineBodySchema, StepSchema } from '../schemas/pipeline';
import { OperatorSchema } from '../schemas/operator';
import { ProfileDefinitionSchema, PropertyDefinitionSchema } from '../schemas/profile';
import { PurgeBodySchema } from '../schemas/purge';
import {
  ContainedItemBodySchema, CreateRelationshipBodySchema, CreateResourceBodySchema, IdentifierSchema, PatchBodySchema, UpsertResourceBodySchema,
} from '../schemas/records';
import * as R from '../schemas/responses';
import { version } from '../../package.json';
import { HTTP_STATUS } from '../errors';
import { TAGS, type Route } from './route';
import { ROUTES } from './routes';

/**
 * Names a schema instance as an OpenAPI component. The generator looks names up by identity in its own side
 * registry, so the shared schemas stay untouched (no `.openapi()`, no zod prototype patching) and every place
 * that uses one, recursive `z.lazy` references included, becomes a `$ref` instead of an endless inlining.
 */
function component<S extends z.ZodType>(refId: string, schema: S): S {
  zodToOpenAPIRegistry.add(schema, { _internal: { refId } });
  return schema;
}

// Request schemas: the very instances the routes validate with.
component('PropertyDefinition', PropertyDefinitionSchema);
component('Operator', OperatorSchema);
component('PipelineStep', StepSchema);
component('Identifier', IdentifierSchema);
component('SourceBody', SourceBodySchema);
component('ProfileDefinition', ProfileDefinitionSchema);
component('RelationshipDefinitionBody', RelationshipDefinitionSchema);
component('PipelineBody', PipelineBodySchema);
component('CreateResourceBody', CreateResourceBodySchema);
component('UpsertResourceBody', UpsertResourceBodySchema);
component('JsonPatch', PatchBodySchema);
component('ContainedItemBody', ContainedItemBodySchema);
component('CreateRelationshipBody', CreateRelationshipBodySchema);
component('CreateApiKeyBody', CreateApiKeyBodySchema);
component('DecisionBody', DecisionBodySchema);
component('PurgeBody', PurgeBodySchema);
// Answers.
component('Error', R.ErrorSchema);
component('RecordMeta', R.MetaSchema);
component('Resource', R.ResourceSchema);
component('Relationship', R.RelationshipSchema);
component('PersistedResource', R.PersistedResourceSchema);
component('PersistedRelationship', R.PersistedRelationshipSchema);
component('PersistedDelete', R.PersistedDeleteSchema);
component('Accepted', R.AcceptedSchema);
component('Receipt', R.ReceiptSchema);
component('Task', R.TaskSchema);
component('PurgeAccepted', R.PurgeAcceptedSchema);
component('Purge', R.PurgeSchema);
component('Decision', R.DecisionSchema);
component('PipelineExecution', R.ExecutionSchema);
component('Source', R.SourceSchema);
component('Profile', R.ProfileSchema);
component('RelationshipDefinition', R.RelationshipDefinitionOutSchema);
component('PipelineDefinition', R.PipelineDefinitionSchema);
component('ApiKey', R.ApiKeySchema);
component('CreatedApiKey', R.CreatedApiKeySchema);

const SECURITY_SCHEME = 'apiKey';
const BEARER_SCHEME = 'bearerApiKey';

/** The error answers every route of its kind can give, added to the route's own. */
function errorsOf(route: Route<unknown>): Partial<Record<ErrorType, string>> {
  const invalid: string[] = [];
  if (Object.keys(route.params.shape).length > 0) invalid.push('a path parameter is invalid');
  if (route.query) invalid.push('a query parameter is invalid');
  if (route.body) invalid.push('the body is not valid JSON or breaks the schema; `details` names each path');
  const out: Partial<Record<ErrorType, string>> = {};
  if (invalid.length > 0) out.INVALID_ARGUMENT = invalid.join('; ');
  if (route.access !== 'public') {
    out.UNAUTHENTICATED = 'no API key, or an unknown one';
    const adminOnly = route.access.roles.length === 1 && route.access.roles[0] === 'admin';
    out.PERMISSION_DENIED = route.access.scope === 'every-source'
      ? (adminOnly ? 'only an admin key on every source (`*`) may do this' : 'only a key on every source (`*`) may do this')
      : `the key lacks the role (one of: ${[...route.access.roles, 'admin'].filter((r, i, all) => all.indexOf(r) === i).join(', ')})${route.access.scope === 'source' ? ' or has no access to the source' : ''}`;
    // Every authenticated request may carry a body, which is parsed (and limited) even where the route takes none.
    out.CONTENT_TOO_LARGE = 'the body is larger than the limit of the endpoint';
    out.UNSUPPORTED_MEDIA_TYPE = 'the body is not JSON';
  }
  return { ...out, ...route.errors };
}

/** Error answers keyed by status; types that share a status (409) share one entry. */
function errorResponses(reasons: Partial<Record<ErrorType, string>>): Record<string, ResponseConfig> {
  const byStatus = new Map<number, string[]>();
  for (const [type, reason] of Object.entries(reasons) as [ErrorType, string][]) {
    const status = HTTP_STATUS[type];
    byStatus.set(status, [...(byStatus.get(status) ?? []), `${type}: ${reason}`]);
  }
  return Object.fromEntries([...byStatus].map(([status, lines]) => [String(status), {
    description: lines.join('; '), content: { 'application/json': { schema: R.ErrorSchema } },
  }]));
}

function register(registry: OpenAPIRegistry, route: Route<unknown>): void {
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    responses[status] = spec.schema
      ? { description: spec.description, content: { [spec.contentType ?? 'application/json']: { schema: spec.schema } } }
      : { description: spec.description };
  }
  registry.registerPath({
    method: route.method,
    path: route.path,
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.access === 'public' ? { security: [] } : route.bearer ? { security: [{ [SECURITY_SCHEME]: [] }, { [BEARER_SCHEME]: [] }] } : {}),
    request: {
      ...(Object.keys(route.params.shape).length > 0 ? { params: route.params } : {}),
      ...(route.query && Object.keys((route.query as z.ZodObject).shape ?? {}).length > 0 ? { query: route.query as z.ZodObject } : {}),
      ...(route.body ? { body: { required: true, content: Object.fromEntries(route.bodyTypes.map((t) => [t, { schema: route.body! }])) } } : {}),
    },
    responses: { ...responses, ...errorResponses(errorsOf(route)) },
  });
}

/** Builds the OpenAPI 3.1 document of the HTTP API from the route table and the zod schemas that validate its requests. */
export function buildOpenApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', SECURITY_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'An API key. The alias header `X-Clinia-API-Key` is accepted too. Keys carry roles (admin, ingest, review, read) and sources.',
  });
  registry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'The same API key as `Authorization: Bearer <key>`, on the codec routes only (what the Temporal CLI\'s `--codec-auth` sends).',
  });
  for (const route of ROUTES) register(registry, route as Route<unknown>);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Sluice API',
      version,
      description: 'Self-hosted ingestion for healthcare registries. Every error is `{code, type, message, details}`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/', description: 'This Sluice server.' }],
    security: [{ [SECURITY_SCHEME]: [] }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  });
}

let cached: ReturnType<typeof buildOpenApiDocument> | undefined;

/** The document, built on first use and then reused: it only depends on code. */
export function openApiDocument(): ReturnType<typeof buildOpenApiDocument> {
  cached ??= buildOpenApiDocument();
  return cached;
}
