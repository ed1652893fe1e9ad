import { z } from 'zod';
import { RelationshipDefinitionSchema, SourceBodySchema } from '../../schemas/catalog';
import { PipelineBodySchema } from '../../schemas/pipeline';
import { KeySchema, ProfileDefinitionSchema } from '../../schemas/profile';
import {
  PipelineDefinitionSchema, ProfileSchema, RelationshipDefinitionOutSchema, SourceSchema, listOf,
} from '../../schemas/responses';
import { READERS, json } from '../route';
import { NO_SOURCE, apiRoute } from './deps';

const SRC = '/sources/{sourceKey}/v1';
const ADMIN = { roles: ['admin'], scope: 'source' } as const;
const READ = { roles: READERS, scope: 'source' } as const;

const PipelineQuerySchema = z.strictObject({
  version: z.coerce.number({ error: 'must be a version number (1, 2, ...)' }).int('must be a whole version number (1, 2, ...)').min(1, 'must be a version number (1, 2, ...)').optional().describe('A version of the pipeline definition (1, 2, ...); the latest by default.'),
  revisionId: z.string().min(1).max(100).optional().describe('The revision id of a pipeline definition.'),
});

const CollectionBodySchema = z.strictObject({
  type: z.enum(['resources', 'relationships'], { error: 'must be "resources" or "relationships"' }).default('resources').describe('What the collection holds; `resources` when absent (the page\'s example omits it).'),
  profile: z.looseObject({}).describe('`resources`: the ROOT profile (`properties`, `description?`, `contained?`); `relationships`: the properties of an existing relationship definition.'),
});
const CollectionSchema = z.object({
  type: z.enum(['resources', 'relationships']),
  key: KeySchema,
  profile: z.object({ key: KeySchema, properties: z.record(z.string(), z.unknown()), description: z.string().optional(), contained: z.record(z.string(), z.unknown()).optional() }),
  pipeline: PipelineDefinitionSchema.optional().describe('The latest pipeline definition, when there is one.'),
});

/** Catalog and schema endpoints: sources, profiles, relationship definitions, pipelines. */
export const catalogRoutes = [
  apiRoute({
    method: 'put', path: '/catalog/v1/sources/{sourceKey}', operationId: 'putSource', tag: 'Catalog', summary: 'Create or update a data source (admin)',
    access: ADMIN, body: SourceBodySchema,
    responses: { 200: json('Updated (or unchanged).', SourceSchema), 201: json('Created.', SourceSchema) },
    handler: async ({ params, body, deps }) => {
      const { created, source } = await deps.catalog.putSource(params.sourceKey, body);
      return { status: created ? 201 : 200, body: source };
    },
  }),
  apiRoute({
    method: 'get', path: '/catalog/v1/sources', operationId: 'listSources', tag: 'Catalog', summary: 'List the sources the key may see',
    access: { roles: READERS, scope: 'none' },
    responses: { 200: json('The sources.', listOf(SourceSchema)) },
    handler: async ({ principal, deps }) => ({
      status: 200,
      body: { data: await deps.catalog.listSources(principal.sources.includes('*') ? undefined : principal.sources) },
    }),
  }),
  apiRoute({
    method: 'get', path: '/catalog/v1/sources/{sourceKey}', operationId: 'getSource', tag: 'Catalog', summary: 'Read a source',
    access: READ,
    responses: { 200: json('The source.', SourceSchema) },
    errors: NO_SOURCE,
    handler: async ({ params, deps }) => ({ status: 200, body: await deps.catalog.getSource(params.sourceKey) }),
  }),

  apiRoute({
    method: 'put', path: `${SRC}/profiles/{profileKey}`, operationId: 'putProfile', tag: 'Catalog', summary: 'Create or update a profile (admin)',
    access: ADMIN, body: ProfileDefinitionSchema,
    responses: { 200: json('Updated (or unchanged).', ProfileSchema), 201: json('Created.', ProfileSchema) },
    handler: async ({ params, body, deps }) => {
      const { created, profile } = await deps.catalog.putProfile(params.sourceKey, params.profileKey, body);
      return { status: created ? 201 : 200, body: profile };
    },
  }),
  apiRoute({
    method: 'get', path: `${SRC}/profiles`, operationId: 'listProfiles', tag: 'Catalog', summary: 'List the profiles of a source',
    access: READ,
    responses: { 200: json('The profiles.', listOf(ProfileSchema)) },
    handler: async ({ params, deps }) => ({ status: 200, body: { data: await deps.catalog.listProfiles(params.sourceKey) } }),
  }),
  apiRoute({
    method: 'get', path: `${SRC}/profiles/{profileKey}`, operationId: 'getProfile', tag: 'Catalog', summary: 'Read a profile',
    access: READ,
    responses: { 200: json('The profile.', ProfileSchema) },
    errors: { NOT_FOUND: 'the source or the profile does not exist' },
    handler: async ({ params, deps }) => ({ status: 200, body: await deps.catalog.getProfile(params.sourceKey, params.profileKey) }),
  }),

  apiRoute({
    method: 'put', path: `${SRC}/relationship-definitions/{key}`, operationId: 'putRelationshipDefinition', tag: 'Catalog',
    summary: 'Create or update a relationship definition (admin)',
    access: ADMIN, body: RelationshipDefinitionSchema,
    responses: { 200: json('Updated (or unchanged).', RelationshipDefinitionOutSchema), 201: json('Created.', RelationshipDefinitionOutSchema) },
    handler: async ({ params, body, deps }) => {
      const { created, definition } = await deps.catalog.putRelationshipDefinition(params.sourceKey, params.key, body);
      return { status: created ? 201 : 200, body: definition };
    },
  }),
  apiRoute({
    method: 'get', path: `${SRC}/relationship-definitions`, operationId: 'listRelationshipDefinitions', tag: 'Catalog',
    summary: 'List the relationship definitions of a source',
    access: READ,
    responses: { 200: json('The relationship definitions.', listOf(RelationshipDefinitionOutSchema)) },
    handler: async ({ params, deps }) => ({ status: 200, body: { data: await deps.catalog.listRelationshipDefinitions(params.sourceKey) } }),
  }),
  apiRoute({
    method: 'get', path: `${SRC}/relationship-definitions/{key}`, operationId: 'getRelationshipDefinition', tag: 'Catalog', summary: 'Read a relationship definition',
    access: READ,
    responses: { 200: json('The relationship definition.', RelationshipDefinitionOutSchema) },
    errors: { NOT_FOUND: 'the source or the definition does not exist' },
    handler: async ({ params, deps }) => ({ status: 200, body: await deps.catalog.getRelationshipDefinition(params.sourceKey, params.key) }),
  }),

  apiRoute({
    method: 'put', path: `${SRC}/collections/{collectionKey}`, operationId: 'putCollection', tag: 'Catalog',
    summary: 'Create or update a registry collection: a ROOT profile, or the properties of a relationship definition (admin)',
    description: 'The collection key is the profile key or the relationship definition key. For `relationships` the definition must exist (its ends are set with PUT .../relationship-definitions/{key}).',
    access: ADMIN, body: CollectionBodySchema,
    responses: { 200: json('Updated (or unchanged).', CollectionSchema), 201: json('Created.', CollectionSchema) },
    errors: { NOT_FOUND: 'the source, or (relationships) the relationship definition, does not exist' },
    handler: async ({ params, body, deps }) => {
      const created = await deps.catalog.putCollection(params.sourceKey, params.collectionKey, body.type, body.profile);
      return { status: created ? 201 : 200, body: await deps.catalog.collection(params.sourceKey, params.collectionKey) };
    },
  }),
  apiRoute({
    method: 'get', path: `${SRC}/collections/{collectionKey}`, operationId: 'getCollection', tag: 'Catalog', summary: 'Read a collection: its profile and its pipeline',
    access: READ,
    responses: { 200: json('The collection.', CollectionSchema) },
    errors: { NOT_FOUND: 'the source does not exist, or the key is neither a ROOT profile nor a relationship definition' },
    handler: async ({ params, deps }) => ({ status: 200, body: await deps.catalog.collection(params.sourceKey, params.collectionKey) }),
  }),
  apiRoute({
    method: 'put', path: `${SRC}/collections/{collectionKey}/pipeline`, operationId: 'putPipeline', tag: 'Catalog',
    summary: 'Define the pipeline of a collection (admin); every change makes a new version',
    access: ADMIN, body: PipelineBodySchema,
    responses: {
      200: json('The steps equal the latest revision: no new revision.', PipelineDefinitionSchema),
      201: json('A new revision.', PipelineDefinitionSchema),
    },
    errors: { NOT_FOUND: 'the source does not exist, or the collection is neither a profile nor a relationship type', FAILED_PRECONDITION: 'concurrent changes; retry' },
    handler: async ({ params, body, deps }) => {
      const { created, pipeline } = await deps.catalog.putPipeline(params.sourceKey, params.collectionKey, body.steps);
      return { status: created ? 201 : 200, body: pipeline };
    },
  }),
  apiRoute({
    method: 'get', path: `${SRC}/collections/{collectionKey}/pipeline`, operationId: 'getPipeline', tag: 'Catalog',
    summary: 'Read the latest pipeline definition, or the one of `?version=` / `?revisionId=`',
    access: READ, query: PipelineQuerySchema,
    responses: { 200: json('The pipeline definition.', PipelineDefinitionSchema) },
    errors: { NOT_FOUND: 'the source does not exist or the collection has no such pipeline', OUT_OF_RANGE: '`version` is past the latest version' },
    handler: async ({ params, query, deps }) => ({ status: 200, body: await deps.catalog.pipelineAt(params.sourceKey, params.collectionKey, query) }),
  }),
];
