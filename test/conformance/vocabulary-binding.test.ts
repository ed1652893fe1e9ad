import { expectError, startApi, type TestApi } from '../support/api';

// Vocabulary binding (docs: explanation/field-validation/vocabulary, readme "vocabulary-based validation"): a `code` or
// `coding` property bound to a vocabulary of the terminology module (docs: explanation/vocabularies, /concepts).

let api: TestApi;
const SRC = '/sources/vocab/v1';
beforeAll(async () => {
  api = await startApi();
  expect((await api.request('PUT', '/catalog/v1/sources/vocab', { body: { type: 'registry' } })).status).toBe(201);
  const vocab = await api.request('PUT', '/terminology/v1/vocabularies/spoken-language', { body: { title: 'Spoken Languages', description: 'Define all the system-allowed spoken languages for the stored Providers' } });
  expect(vocab.status).toBe(201);
  expect(vocab.body).toEqual({ key: 'spoken-language', title: 'Spoken Languages', description: expect.any(String), createdAt: expect.any(String), updatedAt: expect.any(String) });
  for (const [code, en] of [['lang-en', 'English'], ['lang-fr', 'French']]) {
    const concept = await api.request('PUT', `/terminology/v1/vocabularies/spoken-language/concepts/${code}`, { body: { definition: `${en} spoken-language`, designation: { en, fr: en === 'English' ? 'Anglais' : 'Français' } } });
    expect(concept.status).toBe(201);
  }
});
afterAll(async () => {
  await api.close();
});

describe('Vocabulary binding — https://docs.clinia.com/explanation/field-validation/vocabulary (vocabularies: https://docs.clinia.com/explanation/vocabularies, concepts: https://docs.clinia.com/explanation/concepts, profile: https://docs.clinia.com/docs/vocabulary-based-validation)', () => {
// The readme's provider profile with its spokenLanguages binding, as documented.
const provider = {
  type: 'ROOT',
  properties: {
    name: { type: 'symbol' },
    practiceNumber: { type: 'integer' },
    specialities: { type: 'array', items: { type: 'symbol' } },
    spokenLanguages: { type: 'array', items: { type: 'code', binding: { vocabulary: { key: 'spoken-language', strength: 'required' } } } },
    preferredLanguage: { type: 'coding', binding: { vocabulary: { key: 'spoken-language', strength: 'required' } } },
    nickname: { type: 'code', binding: { vocabulary: { key: 'spoken-language', strength: 'preferred' } } },
  },
};

test('the documented provider profile with a required binding is accepted and answered as sent', async () => {
  const put = await api.request('PUT', `${SRC}/profiles/provider`, { body: provider });
  expect(put.status).toBe(201);
  expect((await api.request('GET', `${SRC}/profiles/provider`)).body).toEqual({ key: 'provider', ...provider });
});

test('required: codes of the vocabulary pass, any other code is a 400 naming its path; preferred accepts anything', async () => {
  const ok = await api.request('POST', `${SRC}/resources/provider`, { body: { data: { name: 'Dr. Roy', spokenLanguages: ['lang-en', 'lang-fr'], preferredLanguage: { code: 'lang-fr', display: 'French' }, nickname: 'not-a-concept' } } });
  expect(ok.status).toBe(201);
  const bad = await api.request('POST', `${SRC}/resources/provider`, { body: { data: { name: 'Dr. Klein', spokenLanguages: ['lang-en', 'klingon'], preferredLanguage: { code: 'tlh' } } } });
  const err = expectError(bad, 400, 'INVALID_ARGUMENT');
  expect(err.details).toEqual(expect.arrayContaining([
    { path: 'data.spokenLanguages[1]', message: "must be a concept code of vocabulary 'spoken-language'" },
    { path: 'data.preferredLanguage.code', message: "must be a concept code of vocabulary 'spoken-language'" },
  ]));
  expect(await api.store.resources.countDocuments({ source: 'vocab', 'data.name': 'Dr. Klein' })).toBe(0);
});

test('a concept added later is valid at once (the validator is compiled again)', async () => {
  const before = await api.request('POST', `${SRC}/resources/provider`, { body: { data: { spokenLanguages: ['lang-es'] } } });
  expect(before.status).toBe(400);
  expect((await api.request('PUT', '/terminology/v1/vocabularies/spoken-language/concepts/lang-es', { body: { definition: 'Spanish', designation: { en: 'Spanish' }, code: 'lang-es' } })).status).toBe(201);
  expect((await api.request('POST', `${SRC}/resources/provider`, { body: { data: { spokenLanguages: ['lang-es'] } } })).status).toBe(201);
  expect((await api.request('GET', '/terminology/v1/vocabularies/spoken-language/concepts/lang-es')).body).toEqual(expect.objectContaining({ vocabularyKey: 'spoken-language', code: 'lang-es', definition: 'Spanish', designation: { en: 'Spanish' } }));
});

test('bad input: a binding to a missing vocabulary, on a symbol, a bad strength; a concept code that differs from the path; non-admin writes', async () => {
  const missing = await api.request('PUT', `${SRC}/profiles/p2`, { body: { type: 'ROOT', properties: { lang: { type: 'code', binding: { vocabulary: { key: 'no-such-vocab', strength: 'required' } } } } } });
  expect(expectError(missing, 400, 'INVALID_ARGUMENT').details).toEqual([expect.objectContaining({ message: expect.stringContaining("vocabulary 'no-such-vocab' does not exist") })]);
  const onSymbol = await api.request('PUT', `${SRC}/profiles/p3`, { body: { type: 'ROOT', properties: { lang: { type: 'symbol', binding: { vocabulary: { key: 'spoken-language', strength: 'required' } } } } } });
  expect(expectError(onSymbol, 400, 'INVALID_ARGUMENT').details).toEqual([expect.objectContaining({ path: 'properties.lang.binding' })]);
  const strength = await api.request('PUT', `${SRC}/profiles/p4`, { body: { type: 'ROOT', properties: { lang: { type: 'code', binding: { vocabulary: { key: 'spoken-language', strength: 'extensible' } } } } } });
  expect(expectError(strength, 400, 'INVALID_ARGUMENT').details).toEqual([expect.objectContaining({ path: 'properties.lang.binding.vocabulary.strength' })]);
  expectError(await api.request('PUT', '/terminology/v1/vocabularies/spoken-language/concepts/lang-de', { body: { code: 'lang-xx' } }), 400, 'INVALID_ARGUMENT');
  expectError(await api.request('PUT', '/terminology/v1/vocabularies/nope/concepts/x', { body: {} }), 404, 'NOT_FOUND');
  const sourceAdmin = await api.key(['admin'], ['vocab']);
  expectError(await api.request('PUT', '/terminology/v1/vocabularies/other', { key: sourceAdmin, body: { title: 'x' } }), 403, 'PERMISSION_DENIED');
  const reader = await api.key(['read'], ['vocab']);
  expect((await api.request('GET', '/terminology/v1/vocabularies', { key: reader })).body.data.map((v: { key: string }) => v.key)).toEqual(['spoken-language']);
});
});
