import { z } from 'zod';
import { invalid } from '../../errors';
import { KeySchema } from '../../schemas/profile';
import { READERS, json } from '../route';
import { apiRoute } from './deps';

const V = '/terminology/v1/vocabularies';
// Vocabularies are shared by every source (docs: explanation/vocabularies): admin keys of every source write them.
const ADMIN_ALL = { roles: ['admin'], scope: 'every-source' } as const;
const READ = { roles: READERS, scope: 'none' } as const;

const PARAMS = { vocabularyKey: KeySchema.describe('The vocabulary key, e.g. `spoken-language`.') };
const CODE = { conceptCode: z.string().min(1).max(200).regex(/^\S(.*\S)?$/, 'must be a code without leading or trailing whitespace').describe('The concept code, unique in its vocabulary.') };

const VocabularyBodySchema = z.strictObject({
  title: z.string({ error: 'is required: a title' }).min(1).max(500),
  description: z.string().max(5000).optional(),
});
const ConceptBodySchema = z.strictObject({
  definition: z.string().max(5000).optional(),
  designation: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,35}$/, 'must be a language or locale key such as "en" or "fr-CA"'), z.string().max(2000), { error: 'must map language keys to terms' }).optional(),
  code: z.string().optional().describe('The code is the path\'s `conceptCode`; when given here it must be the same.'),
});

const Timestamp = z.iso.datetime({ offset: true });
const VocabularySchema = z.object({ key: z.string(), title: z.string(), description: z.string().optional(), createdAt: Timestamp, updatedAt: Timestamp });
const ConceptSchema = z.object({ vocabularyKey: z.string(), code: z.string(), definition: z.string().optional(), designation: z.record(z.string(), z.string()).optional(), createdAt: Timestamp, updatedAt: Timestamp });

/** The terminology module (docs: explanation/vocabularies, explanation/concepts): what profile `binding`s validate against. */
export const terminologyRoutes = [
  apiRoute({
    method: 'put', path: `${V}/{vocabularyKey}`, operationId: 'putVocabulary', tag: 'Terminology', summary: 'Create or update a vocabulary (admin keys of every source)',
    access: ADMIN_ALL, params: PARAMS, body: VocabularyBodySchema,
    responses: { 200: json('Updated.', VocabularySchema), 201: json('Created.', VocabularySchema) },
    handler: async ({ params, body, deps }) => {
      const { created, vocabulary } = await deps.catalog.putVocabulary(params.vocabularyKey, body);
      return { status: created ? 201 : 200, body: vocabulary };
    },
  }),
  apiRoute({
    method: 'get', path: V, operationId: 'listVocabularies', tag: 'Terminology', summary: 'List the vocabularies',
    access: READ,
    responses: { 200: json('The vocabularies.', z.object({ data: z.array(VocabularySchema) })) },
    handler: async ({ deps }) => ({ status: 200, body: { data: await deps.catalog.listVocabularies() } }),
  }),
  apiRoute({
    method: 'get', path: `${V}/{vocabularyKey}`, operationId: 'getVocabulary', tag: 'Terminology', summary: 'Read a vocabulary',
    access: READ, params: PARAMS,
    responses: { 200: json('The vocabulary.', VocabularySchema) },
    errors: { NOT_FOUND: 'the vocabulary does not exist' },
    handler: async ({ params, deps }) => ({ status: 200, body: await deps.catalog.getVocabulary(params.vocabularyKey) }),
  }),
  apiRoute({
    method: 'put', path: `${V}/{vocabularyKey}/concepts/{conceptCode}`, operationId: 'putConcept', tag: 'Terminology',
    summary: 'Create or update a concept of a vocabulary (admin keys of every source)',
    access: ADMIN_ALL, params: { ...PARAMS, ...CODE }, body: ConceptBodySchema,
    responses: { 200: json('Updated.', ConceptSchema), 201: json('Created.', ConceptSchema) },
    errors: { NOT_FOUND: 'the vocabulary does not exist' },
    handler: async ({ params, body, deps }) => {
      if (body.code !== undefined && body.code !== params.conceptCode) throw invalid('invalid request body', [{ path: 'code', message: `must be the path's concept code "${params.conceptCode}" (or be left out)` }]);
      const { created, concept } = await deps.catalog.putConcept(params.vocabularyKey, params.conceptCode, { definition: body.definition, designation: body.designation });
      return { status: created ? 201 : 200, body: concept };
    },
  }),
  apiRoute({
    method: 'get', path: `${V}/{vocabularyKey}/concepts/{conceptCode}`, operationId: 'getConcept', tag: 'Terminology', summary: 'Read a concept',
    access: READ, params: { ...PARAMS, ...CODE },
    responses: { 200: json('The concept.', ConceptSchema) },
    errors: { NOT_FOUND: 'the vocabulary or the concept does not exist' },
    handler: async ({ params, deps }) => ({ status: 200, body: await deps.catalog.getConcept(params.vocabularyKey, params.conceptCode) }),
  }),
];
