import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { RelationshipDefinitionSchema, SourceBodySchema } from '../schemas/catalog';
import { PipelineBodySchema } from '../schemas/pipeline';
import { KeySchema, ProfileDefinitionSchema } from '../schemas/profile';
import { zodDetails } from '../errors';
import type { CatalogService } from './catalog';

/** A declarative catalog: sources with their profiles, relationship definitions and pipelines. */
export const CatalogFileSchema = z
  .object({
    sources: z.record(
      KeySchema,
      SourceBodySchema.extend({
        profiles: z.record(KeySchema, ProfileDefinitionSchema).default({}),
        relationshipDefinitions: z.record(KeySchema, RelationshipDefinitionSchema).default({}),
        pipelines: z.record(KeySchema, PipelineBodySchema).default({}),
      }).strict(),
    ),
  })
  .strict();
export type CatalogFile = z.infer<typeof CatalogFileSchema>;

/** Reads and validates a catalog file (YAML or JSON); the error names the file and each bad path. */
export async function readCatalogFile(path: string): Promise<CatalogFile> {
  const text = await readFile(path, 'utf8');
  const parsed = CatalogFileSchema.safeParse(parse(text));
  if (!parsed.success) {
    const lines = zodDetails(parsed.error).map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
    throw new Error(`catalog file ${path} is invalid:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

/** Applies a catalog idempotently: unchanged definitions are left as they are, pipelines get a revision only on change. */
export async function applyCatalog(catalog: CatalogService, file: CatalogFile): Promise<{ changed: string[] }> {
  const changed: string[] = [];
  for (const [sourceKey, src] of Object.entries(file.sources)) {
    const { profiles, relationshipDefinitions, pipelines, ...body } = src;
    const s = await catalog.putSource(sourceKey, body);
    if (s.changed) changed.push(`source ${sourceKey}`);
    // CONTAINED profiles first: ROOT profiles check that their contained types exist.
    const ordered = Object.entries(profiles).sort(([, a], [, b]) => (a.type === b.type ? 0 : a.type === 'CONTAINED' ? -1 : 1));
    for (const [key, def] of ordered) {
      if ((await catalog.putProfile(sourceKey, key, def)).changed) changed.push(`profile ${sourceKey}/${key}`);
    }
    for (const [key, def] of Object.entries(relationshipDefinitions)) {
      if ((await catalog.putRelationshipDefinition(sourceKey, key, def)).changed) changed.push(`relationship ${sourceKey}/${key}`);
    }
    for (const [key, def] of Object.entries(pipelines)) {
      const p = await catalog.putPipeline(sourceKey, key, def.steps);
      if (p.created) changed.push(`pipeline ${sourceKey}/${p.pipeline.id}`);
    }
  }
  return { changed };
}
