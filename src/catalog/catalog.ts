import { SluiceError, invalid, notFound, parseOrThrow } from '../errors';
import { boundVocabularies, ProfileDefinitionSchema, type ProfileDefinition } from '../schemas/profile';
import { RelationshipDefinitionSchema } from '../schemas/catalog';
import type { RelationshipDefinition, SourceBody } from '../schemas/catalog';
import type { Step } from '../schemas/pipeline';
import { compileProfile, ProfileCache, type CompiledProfile } from '../validation/compile-profile';
import { isDuplicateKey, type Store } from '../store/db';
import type { ConceptDoc, PipelineDoc, ProfileDoc, RelationshipDefinitionDoc, SourceDoc, VocabularyDoc } from '../store/documents';
import { isDeepStrictEqual } from 'node:util';
import { ModelRegistry } from '../pipeline/models';
import { newId } from '../ids';
import { BoundedCache } from '../bounded-cache';
import { escapeKeys, unescapeKeys } from '../store/escaped-keys';
import type { PipelineDefinition, Source } from '../schemas/responses';

/** A source and a pipeline definition as the API shows them (its type inferred from the answer's schema). */
export type { PipelineDefinition, Source };

/** The catalog read cache's default lifetime (SLUICE_CATALOG_CACHE_MS). */
export const DEFAULT_READ_CACHE_MS = 1000;

/** Keys that would collide with fixed routes under `/resources/` and `/relationships/`. */
const RESERVED_KEYS = new Set(['bulk']);

function sourceOut(doc: SourceDoc): Source {
  return { key: doc.key, type: doc.type, ...(doc.description !== undefined ? { description: doc.description } : {}), createdAt: doc.createdAt, updatedAt: doc.updatedAt };
}

function pipelineOut(doc: PipelineDoc): PipelineDefinition {
  return {
    id: `${doc.collectionKey}.${doc.revision}`, collectionKey: doc.collectionKey, version: doc.revision, revisionId: doc.revisionId ?? `${doc.collectionKey}.${doc.revision}`,
    steps: unescapeKeys(doc.steps) as Step[], createdAt: doc.createdAt,
  };
}

export interface Vocabulary { key: string; title: string; description?: string; createdAt: string; updatedAt: string }
export interface Concept { vocabularyKey: string; code: string; definition?: string; designation?: Record<string, string>; createdAt: string; updatedAt: string }

function vocabularyOut(doc: VocabularyDoc): Vocabulary {
  return { key: doc.key, title: doc.title, ...(doc.description !== undefined ? { description: doc.description } : {}), createdAt: doc.createdAt, updatedAt: doc.updatedAt };
}

function conceptOut(doc: ConceptDoc): Concept {
  return {
    vocabularyKey: doc.vocabularyKey, code: doc.code, ...(doc.definition !== undefined ? { definition: doc.definition } : {}),
    ...(doc.designation !== undefined ? { designation: doc.designation } : {}), createdAt: doc.createdAt, updatedAt: doc.updatedAt,
  };
}

/** A relationship definition as answered: with its key, and `properties` always present (docs). */
export type RelationshipDefinitionOut = RelationshipDefinition & { key: string; properties: NonNullable<RelationshipDefinition['properties']> };

function relationshipDefinitionOut(key: string, definition: RelationshipDefinition): RelationshipDefinitionOut {
  return { key, ...definition, properties: definition.properties ?? {} };
}

/** 400 naming each step whose `modelId` is not a model of its kind. */
function checkModels(steps: readonly Step[], models: ModelRegistry): void {
  const details: { path: string; message: string }[] = [];
  steps.forEach((step, i) => {
    const [key, kind, modelId] = step.type === 'SEGMENTER' ? ['segmenter', 'segmenter', step.segmenter.modelId] as const
      : step.type === 'VECTORIZER' ? ['vectorizer', 'embedder', step.vectorizer.modelId] as const : [];
    if (key === undefined || models.get(kind, modelId)) return;
    details.push({ path: `steps[${i}].${key}.modelId`, message: `unknown ${kind === 'embedder' ? 'embedding' : 'segmenter'} model ${JSON.stringify(modelId)}; known: ${models.ids(kind).join(', ')}` });
  });
  if (details.length) throw invalid('unknown model id', details);
}

/** A ROOT profile ready to validate records: its definition, its validator and its contained profiles. */
export interface RootProfile {
  definition: ProfileDefinition;
  compiled: CompiledProfile;
  lookup: (profileKey: string) => ProfileDefinition | undefined;
}

export interface CatalogOptions {
  /**
   * How long a catalog read serving the write path (a source, a ROOT profile, a relationship type, a
   * collection's latest pipeline) is kept in this process; 0 reads every time. A change made through this
   * process drops every kept read at once; a change made through another process is seen here within this
   * time.
   */
  readCacheMs?: number;
  /** The model ids pipeline steps may name; the built-in ones by default. */
  models?: ModelRegistry;
}

/** Sources, profiles, relationship definitions and pipeline definitions, with compiled validators cached. */
export class CatalogService {
  private readonly compiled = new ProfileCache();
  /** Pipeline revisions by `_id` (a revision never changes once written). */
  private readonly revisions = new BoundedCache<PipelineDefinition>(1000);
  private readonly reads: BoundedCache<{ value: unknown }>;
  private readonly readCacheMs: number;
  private readonly models: ModelRegistry;
  /** Bumped by every catalog change: a read that started before a change is not kept. */
  private generation = 0;

  constructor(private readonly store: Store, private readonly now: () => Date = () => new Date(), opts: CatalogOptions = {}) {
    this.readCacheMs = opts.readCacheMs ?? DEFAULT_READ_CACHE_MS;
    this.models = opts.models ?? new ModelRegistry();
    this.reads = new BoundedCache(2000, this.readCacheMs);
  }

  /** A read of the write path, kept for `readCacheMs`. */
  private async cachedRead<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.readCacheMs <= 0) return load();
    const hit = this.reads.lookup(key);
    if (hit) return hit.value as T;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation) this.reads.store(key, { value });
    return value;
  }

  /** Called after every catalog change: nothing read before it is served again. */
  private changed(): void {
    this.generation++;
    this.reads.clear();
  }

  /** Creates or updates a source; `created` tells which. */
  async putSource(key: string, body: SourceBody): Promise<{ created: boolean; changed: boolean; source: Source }> {
    const at = this.now().toISOString();
    const existing = await this.store.sources.findOne({ _id: key });
    const doc: SourceDoc = { _id: key, key, type: body.type, ...(body.description !== undefined ? { description: body.description } : {}), createdAt: existing?.createdAt ?? at, updatedAt: at };
    if (existing && existing.type === doc.type && existing.description === doc.description) return { created: false, changed: false, source: sourceOut(existing) };
    await this.store.sources.replaceOne({ _id: key }, doc, { upsert: true });
    this.changed();
    return { created: !existing, changed: true, source: sourceOut(doc) };
  }

  /** Lists sources; `only` restricts to the keys a caller may see (undefined = all). */
  async listSources(only?: string[]): Promise<Source[]> {
    const docs = await this.store.sources.find(only ? { _id: { $in: only } } : {}).sort({ _id: 1 }).toArray();
    return docs.map(sourceOut);
  }

  /** The source or a 404. */
  async getSource(key: string): Promise<Source> {
    const doc = await this.cachedRead(`source:${key}`, () => this.store.sources.findOne({ _id: key }));
    if (!doc) throw notFound(`source '${key}' does not exist`);
    return sourceOut(doc);
  }

  /** Creates or updates a profile after checking its contained profiles exist and are CONTAINED. */
  async putProfile(source: string, key: string, definition: ProfileDefinition): Promise<{ created: boolean; changed: boolean; profile: ProfileDefinition & { key: string } }> {
    if (RESERVED_KEYS.has(key)) throw invalid(`'${key}' is reserved and cannot be a profile key`);
    const details: { path: string; message: string }[] = [];
    for (const [containKey, def] of Object.entries(definition.contained ?? {})) {
      for (const [i, type] of def.types.entries()) {
        const target = type === key ? definition : await this.profileDefinition(source, type);
        if (!target) details.push({ path: `contained.${containKey}.types[${i}]`, message: `profile '${type}' does not exist in source '${source}'` });
        else if (target.type !== 'CONTAINED') details.push({ path: `contained.${containKey}.types[${i}]`, message: `profile '${type}' is not a CONTAINED profile` });
      }
    }
    details.push(...(await this.missingVocabularies(boundVocabularies(definition.properties))));
    if (details.length) throw invalid('invalid profile', details);
    const at = this.now().toISOString();
    const _id = `${source}/${key}`;
    const existing = await this.store.profiles.findOne({ _id });
    if (existing && isDeepStrictEqual(unescapeKeys(existing.definition), definition)) return { created: false, changed: false, profile: { key, ...definition } };
    // Operator paths (`when`) are keys holding "."; the store refuses those unescaped.
    const doc: ProfileDoc = { _id, source, key, definition: escapeKeys(definition), version: (existing?.version ?? 0) + 1, createdAt: existing?.createdAt ?? at, updatedAt: at };
    await this.store.profiles.replaceOne({ _id }, doc, { upsert: true });
    this.changed();
    return { created: !existing, changed: true, profile: { key, ...definition } };
  }

  private async profileDoc(source: string, key: string): Promise<ProfileDoc | null> {
    return this.store.profiles.findOne({ _id: `${source}/${key}` });
  }

  private async profileDefinition(source: string, key: string): Promise<ProfileDefinition | undefined> {
    const doc = await this.profileDoc(source, key);
    return doc ? (unescapeKeys(doc.definition) as ProfileDefinition) : undefined;
  }

  /** The profile or a 404. */
  async getProfile(source: string, key: string): Promise<ProfileDefinition & { key: string }> {
    const def = await this.profileDefinition(source, key);
    if (!def) throw notFound(`profile '${key}' does not exist in source '${source}'`);
    return { key, ...def };
  }

  /** Every profile of a source. */
  async listProfiles(source: string): Promise<Array<ProfileDefinition & { key: string }>> {
    const docs = await this.store.profiles.find({ source }).sort({ key: 1 }).toArray();
    return docs.map((d) => ({ key: d.key, ...(unescapeKeys(d.definition) as ProfileDefinition) }));
  }

  /**
   * The compiled validator of a ROOT profile (404 for an unknown type, 400 for a CONTAINED one). Contained
   * profiles are read once here so the validator itself stays synchronous and pure.
   */
  async rootProfile(source: string, key: string): Promise<RootProfile> {
    return this.cachedRead(`root:${source}/${key}`, () => this.loadRootProfile(source, key));
  }

  private async loadRootProfile(source: string, key: string): Promise<RootProfile> {
    const doc = await this.profileDoc(source, key);
    if (!doc) throw notFound(`resource type '${key}' does not exist in source '${source}'`);
    const definition = unescapeKeys(doc.definition) as ProfileDefinition;
    if (definition.type !== 'ROOT') throw invalid(`'${key}' is a CONTAINED profile: its records live inside a root resource`);
    const containedKeys = [...new Set(Object.values(definition.contained ?? {}).flatMap((c) => c.types))];
    const containedDocs = containedKeys.length ? await this.store.profiles.find({ source, key: { $in: containedKeys } }).toArray() : [];
    const lookup = new Map(containedDocs.map((d) => [d.key, unescapeKeys(d.definition) as ProfileDefinition]));
    const vocabularies = await this.vocabularySets([definition, ...lookup.values()].flatMap((d) => boundVocabularies(d.properties)));
    const stamp = [doc.version, ...containedDocs.map((d) => `${d.key}@${d.version}`).sort(), ...vocabularies.stamp].join(',');
    const compiled = this.compiled.get(`${source}/${key}@${stamp}`, () => compileProfile(definition, (k) => lookup.get(k), vocabularies.lookup));
    return { definition, compiled, lookup: (k) => lookup.get(k) };
  }

  /** Creates or updates a relationship definition; both ends must be ROOT profiles of the source. */
  async putRelationshipDefinition(source: string, key: string, definition: RelationshipDefinition): Promise<{ created: boolean; changed: boolean; definition: RelationshipDefinitionOut }> {
    if (RESERVED_KEYS.has(key)) throw invalid(`'${key}' is reserved and cannot be a relationship type`);
    const details: { path: string; message: string }[] = [];
    for (const end of ['from', 'to'] as const) {
      const target = await this.profileDefinition(source, definition[end].profileKey);
      if (!target) details.push({ path: `${end}.profileKey`, message: `profile '${definition[end].profileKey}' does not exist in source '${source}'` });
      else if (target.type !== 'ROOT') details.push({ path: `${end}.profileKey`, message: `profile '${definition[end].profileKey}' is not a ROOT profile` });
    }
    details.push(...(await this.missingVocabularies(boundVocabularies(definition.properties ?? {}))));
    if (details.length) throw invalid('invalid relationship definition', details);
    const at = this.now().toISOString();
    const _id = `${source}/${key}`;
    const existing = await this.store.relationshipDefinitions.findOne({ _id });
    if (existing && isDeepStrictEqual(unescapeKeys(existing.definition), definition)) return { created: false, changed: false, definition: relationshipDefinitionOut(key, definition) };
    const doc: RelationshipDefinitionDoc = { _id, source, key, definition: escapeKeys(definition), version: (existing?.version ?? 0) + 1, createdAt: existing?.createdAt ?? at, updatedAt: at };
    await this.store.relationshipDefinitions.replaceOne({ _id }, doc, { upsert: true });
    this.changed();
    return { created: !existing, changed: true, definition: relationshipDefinitionOut(key, definition) };
  }

  /** The relationship definition or a 404. */
  async getRelationshipDefinition(source: string, key: string): Promise<RelationshipDefinitionOut> {
    const doc = await this.store.relationshipDefinitions.findOne({ _id: `${source}/${key}` });
    if (!doc) throw notFound(`relationship type '${key}' does not exist in source '${source}'`);
    return relationshipDefinitionOut(key, unescapeKeys(doc.definition) as RelationshipDefinition);
  }

  /** Every relationship definition of a source. */
  async listRelationshipDefinitions(source: string): Promise<RelationshipDefinitionOut[]> {
    const docs = await this.store.relationshipDefinitions.find({ source }).sort({ key: 1 }).toArray();
    return docs.map((d) => relationshipDefinitionOut(d.key, unescapeKeys(d.definition) as RelationshipDefinition));
  }

  /** A relationship definition with the compiled validator of its properties. */
  async relationshipType(source: string, key: string): Promise<{ definition: RelationshipDefinition; compiled: CompiledProfile }> {
    return this.cachedRead(`rel:${source}/${key}`, () => this.loadRelationshipType(source, key));
  }

  private async loadRelationshipType(source: string, key: string): Promise<{ definition: RelationshipDefinition; compiled: CompiledProfile }> {
    const doc = await this.store.relationshipDefinitions.findOne({ _id: `${source}/${key}` });
    if (!doc) throw notFound(`relationship type '${key}' does not exist in source '${source}'`);
    const definition = unescapeKeys(doc.definition) as RelationshipDefinition;
    const vocabularies = await this.vocabularySets(boundVocabularies(definition.properties ?? {}));
    const compiled = this.compiled.get(`${source}/rel:${key}@${[doc.version, ...vocabularies.stamp].join(',')}`, () =>
      compileProfile({ type: 'ROOT', properties: definition.properties ?? {} }, () => undefined, vocabularies.lookup),
    );
    return { definition, compiled };
  }

  /**
   * A registry collection (docs: collections): a ROOT profile (`resources`) or a relationship definition
   * (`relationships`) with its latest pipeline; 404 for anything else.
   */
  async collection(source: string, key: string): Promise<{ type: 'resources' | 'relationships'; key: string; profile: { key: string; properties: Record<string, unknown>; description?: string; contained?: Record<string, unknown> }; pipeline?: PipelineDefinition }> {
    const pipeline = await this.pipeline(source, key);
    const withPipeline = pipeline ? { pipeline } : {};
    const profile = await this.profileDefinition(source, key);
    if (profile?.type === 'ROOT') {
      const { type: _t, ...rest } = profile;
      return { type: 'resources', key, profile: { key, ...rest }, ...withPipeline };
    }
    const doc = await this.store.relationshipDefinitions.findOne({ _id: `${source}/${key}` });
    if (!doc) throw notFound(`collection '${key}' does not exist in source '${source}': it is neither a ROOT profile nor a relationship definition`);
    const definition = unescapeKeys(doc.definition) as RelationshipDefinition;
    return { type: 'relationships', key, profile: { key, properties: definition.properties ?? {}, ...(definition.description !== undefined ? { description: definition.description } : {}) }, ...withPipeline };
  }

  /** PUT of a collection: the profile of `resources`, the properties (and description) of `relationships`; true when created. */
  async putCollection(source: string, key: string, type: 'resources' | 'relationships', profile: Record<string, unknown>): Promise<boolean> {
    if (type === 'resources') {
      const definition = parseOrThrow(ProfileDefinitionSchema, { ...profile, type: 'ROOT' }, 'profile');
      return (await this.putProfile(source, key, definition)).created;
    }
    const current = await this.getRelationshipDefinition(source, key);
    const { key: _k, ...rest } = current;
    const body = parseOrThrow(RelationshipDefinitionSchema, { ...rest, ...profile }, 'profile');
    await this.putRelationshipDefinition(source, key, body);
    return false;
  }

  /** One detail per bound vocabulary that does not exist (docs: configure vocabularies before binding fields to them). */
  private async missingVocabularies(keys: string[]): Promise<{ path: string; message: string }[]> {
    if (keys.length === 0) return [];
    const found = new Set((await this.store.vocabularies.find({ _id: { $in: keys } }, { projection: { _id: 1 } }).toArray()).map((v) => v._id));
    return keys.filter((k) => !found.has(k)).map((k) => ({ path: 'binding.vocabulary.key', message: `vocabulary '${k}' does not exist; create it with PUT /terminology/v1/vocabularies/${k}` }));
  }

  /** The concept codes of vocabularies, with a stamp of their versions for the compiled-validator cache. */
  private async vocabularySets(keys: string[]): Promise<{ lookup: (key: string) => ReadonlySet<string> | undefined; stamp: string[] }> {
    const unique = [...new Set(keys)].sort();
    if (unique.length === 0) return { lookup: () => undefined, stamp: [] };
    const vocabs = await this.store.vocabularies.find({ _id: { $in: unique } }).toArray();
    const concepts = await this.store.concepts.find({ vocabularyKey: { $in: unique } }, { projection: { vocabularyKey: 1, code: 1 } }).toArray();
    const sets = new Map<string, Set<string>>(vocabs.map((v) => [v._id, new Set<string>()]));
    for (const c of concepts) sets.get(c.vocabularyKey)?.add(c.code);
    return { lookup: (key) => sets.get(key), stamp: vocabs.map((v) => `vocab:${v._id}@${v.version}`) };
  }

  /** Creates or updates a vocabulary of the terminology module (admin). */
  async putVocabulary(key: string, body: { title: string; description?: string | undefined }): Promise<{ created: boolean; vocabulary: Vocabulary }> {
    const at = this.now().toISOString();
    const existing = await this.store.vocabularies.findOne({ _id: key });
    const doc: VocabularyDoc = { _id: key, key, title: body.title, ...(body.description !== undefined ? { description: body.description } : {}), version: existing?.version ?? 1, createdAt: existing?.createdAt ?? at, updatedAt: at };
    await this.store.vocabularies.replaceOne({ _id: key }, doc, { upsert: true });
    this.changed();
    return { created: !existing, vocabulary: vocabularyOut(doc) };
  }

  async getVocabulary(key: string): Promise<Vocabulary> {
    const doc = await this.store.vocabularies.findOne({ _id: key });
    if (!doc) throw notFound(`vocabulary '${key}' does not exist`);
    return vocabularyOut(doc);
  }

  async listVocabularies(): Promise<Vocabulary[]> {
    return (await this.store.vocabularies.find({}).sort({ _id: 1 }).toArray()).map(vocabularyOut);
  }

  /** Creates or updates a concept; the vocabulary's version moves, so validators bound to it are compiled again. */
  async putConcept(vocabularyKey: string, code: string, body: { definition?: string | undefined; designation?: Record<string, string> | undefined }): Promise<{ created: boolean; concept: Concept }> {
    await this.getVocabulary(vocabularyKey);
    const at = this.now().toISOString();
    const _id = `${vocabularyKey}/${code}`;
    const existing = await this.store.concepts.findOne({ _id });
    const doc: ConceptDoc = {
      _id, vocabularyKey, code, ...(body.definition !== undefined ? { definition: body.definition } : {}), ...(body.designation !== undefined ? { designation: body.designation } : {}),
      createdAt: existing?.createdAt ?? at, updatedAt: at,
    };
    await this.store.concepts.replaceOne({ _id }, doc, { upsert: true });
    await this.store.vocabularies.updateOne({ _id: vocabularyKey }, { $inc: { version: 1 }, $set: { updatedAt: at } });
    this.changed();
    return { created: !existing, concept: conceptOut(doc) };
  }

  async getConcept(vocabularyKey: string, code: string): Promise<Concept> {
    const doc = await this.store.concepts.findOne({ _id: `${vocabularyKey}/${code}` });
    if (!doc) throw notFound(`vocabulary '${vocabularyKey}' has no concept '${code}'`);
    return conceptOut(doc);
  }

  /**
   * Stores a new pipeline revision for a collection (a profile or a relationship type). Steps equal to the
   * latest revision make no new revision. Concurrent writers race on the revision's `_id`; the loser retries.
   */
  async putPipeline(source: string, collectionKey: string, steps: Step[]): Promise<{ created: boolean; pipeline: PipelineDefinition }> {
    checkModels(steps, this.models);
    const isProfile = await this.profileDoc(source, collectionKey);
    const isRelationship = isProfile ? null : await this.store.relationshipDefinitions.findOne({ _id: `${source}/${collectionKey}` });
    if (!isProfile && !isRelationship) throw notFound(`collection '${collectionKey}' is neither a profile nor a relationship type of source '${source}'`);
    for (let attempt = 0; attempt < 5; attempt++) {
      const latest = await this.latestPipelineDoc(source, collectionKey);
      if (latest && isDeepStrictEqual(unescapeKeys(latest.steps), steps)) return { created: false, pipeline: pipelineOut(latest) };
      const revision = (latest?.revision ?? 0) + 1;
      const doc: PipelineDoc = { _id: `${source}/${collectionKey}.${revision}`, source, collectionKey, revision, revisionId: newId(), steps: escapeKeys(steps), createdAt: this.now().toISOString() };
      try {
        await this.store.pipelines.insertOne(doc);
        this.changed();
        return { created: true, pipeline: pipelineOut(doc) };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    throw new SluiceError('FAILED_PRECONDITION', 'the pipeline is being changed concurrently; try again');
  }

  private async latestPipelineDoc(source: string, collectionKey: string): Promise<PipelineDoc | null> {
    return this.store.pipelines.find({ source, collectionKey }).sort({ revision: -1 }).limit(1).next();
  }

  /**
   * The pipeline a read names (docs: `?version=` or `?revisionId=`, both naming the same revision when both are given):
   * the latest without either. NOT_FOUND when there is no such revision, OUT_OF_RANGE for a version past the latest.
   */
  async pipelineAt(source: string, collectionKey: string, at: { version?: number | undefined; revisionId?: string | undefined }): Promise<PipelineDefinition> {
    const latest = await this.pipeline(source, collectionKey);
    if (!latest) throw notFound(`collection '${collectionKey}' has no pipeline`);
    let found: PipelineDefinition | undefined = latest;
    if (at.version !== undefined) {
      if (at.version > latest.version) throw new SluiceError('OUT_OF_RANGE', `version ${at.version} is past the latest version ${latest.version} of the pipeline of '${collectionKey}'`);
      found = await this.pipeline(source, collectionKey, at.version);
    }
    if (at.revisionId !== undefined && found?.revisionId !== at.revisionId) {
      const doc = at.version === undefined ? await this.store.pipelines.findOne({ source, collectionKey, revisionId: at.revisionId }) : null;
      found = doc ? pipelineOut(doc) : undefined;
    }
    if (!found) throw notFound(`the pipeline of '${collectionKey}' has no revision ${[at.version !== undefined ? `version ${at.version}` : '', at.revisionId !== undefined ? `revisionId ${JSON.stringify(at.revisionId)}` : ''].filter(Boolean).join(' with ')}`);
    return found;
  }

  /** The latest (or a given) revision of a collection's pipeline; undefined when none was ever defined. */
  async pipeline(source: string, collectionKey: string, revision?: number): Promise<PipelineDefinition | undefined> {
    if (revision === undefined) {
      return this.cachedRead(`pipeline:${source}/${collectionKey}`, async () => {
        const latest = await this.latestPipelineDoc(source, collectionKey);
        return latest ? pipelineOut(latest) : undefined;
      });
    }
    // A revision never changes once written: every step of every execution reads it, so it is kept.
    const _id = `${source}/${collectionKey}.${revision}`;
    const cached = this.revisions.lookup(_id);
    if (cached) return cached;
    const doc = await this.store.pipelines.findOne({ _id });
    return doc ? this.revisions.store(_id, pipelineOut(doc)) : undefined;
  }
}
