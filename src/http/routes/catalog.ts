import { Router } from 'express';
import { z } from 'zod';
import { authorize, principalOf } from '../auth';
import { handle, parseOrThrow } from '../validate';
import { RelationshipDefinitionSchema, SourceBodySchema } from '../../schemas/catalog';
import { PipelineBodySchema } from '../../schemas/pipeline';
import { KeySchema, ProfileDefinitionSchema } from '../../schemas/profile';
import { notFound } from '../../errors';
import type { CatalogService } from '../../services/catalog';

const RevisionQuery = z.object({ revision: z.coerce.number().int().min(1).optional() }).strict();

/** Catalog and schema endpoints: sources, profiles, relationship definitions, pipelines (SPEC §2). */
export function catalogRoutes(catalog: CatalogService): Router {
  const r = Router();
  const key = (value: string | undefined, what: string): string => parseOrThrow(KeySchema, value, what);

  r.put('/catalog/v1/sources/:sourceKey', handle({ body: SourceBodySchema }, async ({ res, body, params }) => {
    const sourceKey = key(params.sourceKey, 'source key');
    authorize(principalOf(res), ['admin'], sourceKey);
    const { created, source } = await catalog.putSource(sourceKey, body);
    res.status(created ? 201 : 200).json(source);
  }));
  r.get('/catalog/v1/sources', handle({}, async ({ res }) => {
    const p = principalOf(res);
    authorize(p, ['admin', 'ingest', 'review', 'read']);
    res.json({ data: await catalog.listSources(p.sources.includes('*') ? undefined : p.sources) });
  }));
  r.get('/catalog/v1/sources/:sourceKey', handle({}, async ({ res, params }) => {
    const sourceKey = params.sourceKey ?? '';
    authorize(principalOf(res), ['admin', 'ingest', 'review', 'read'], sourceKey);
    res.json(await catalog.getSource(sourceKey));
  }));

  r.put('/sources/:sourceKey/v1/profiles/:profileKey', handle({ body: ProfileDefinitionSchema }, async ({ res, body, params }) => {
    authorize(principalOf(res), ['admin'], params.sourceKey);
    const { created, profile } = await catalog.putProfile(params.sourceKey ?? '', key(params.profileKey, 'profile key'), body);
    res.status(created ? 201 : 200).json(profile);
  }));
  r.get('/sources/:sourceKey/v1/profiles', handle({}, async ({ res, params }) => {
    res.json({ data: await catalog.listProfiles(params.sourceKey ?? '') });
  }));
  r.get('/sources/:sourceKey/v1/profiles/:profileKey', handle({}, async ({ res, params }) => {
    res.json(await catalog.getProfile(params.sourceKey ?? '', params.profileKey ?? ''));
  }));

  r.put('/sources/:sourceKey/v1/relationship-definitions/:key', handle({ body: RelationshipDefinitionSchema }, async ({ res, body, params }) => {
    authorize(principalOf(res), ['admin'], params.sourceKey);
    const { created, definition } = await catalog.putRelationshipDefinition(params.sourceKey ?? '', key(params.key, 'relationship type key'), body);
    res.status(created ? 201 : 200).json(definition);
  }));
  r.get('/sources/:sourceKey/v1/relationship-definitions', handle({}, async ({ res, params }) => {
    res.json({ data: await catalog.listRelationshipDefinitions(params.sourceKey ?? '') });
  }));
  r.get('/sources/:sourceKey/v1/relationship-definitions/:key', handle({}, async ({ res, params }) => {
    res.json(await catalog.getRelationshipDefinition(params.sourceKey ?? '', params.key ?? ''));
  }));

  r.put('/sources/:sourceKey/v1/collections/:collectionKey/pipeline', handle({ body: PipelineBodySchema }, async ({ res, body, params }) => {
    authorize(principalOf(res), ['admin'], params.sourceKey);
    const { created, pipeline } = await catalog.putPipeline(params.sourceKey ?? '', params.collectionKey ?? '', body.steps);
    res.status(created ? 201 : 200).json(pipeline);
  }));
  r.get('/sources/:sourceKey/v1/collections/:collectionKey/pipeline', handle({ query: RevisionQuery }, async ({ res, query, params }) => {
    const pipeline = await catalog.pipeline(params.sourceKey ?? '', params.collectionKey ?? '', query.revision);
    if (!pipeline) throw notFound(`collection '${params.collectionKey}' has no pipeline${query.revision ? ` revision ${query.revision}` : ''}`);
    res.json(pipeline);
  }));
  return r;
}

