import { CatalogService } from '../../src/catalog/catalog';
import { expectError, startApi, type HttpResult, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

const P = '/sources/demo/v1/profiles';
const RD = '/sources/demo/v1/relationship-definitions';
const R = '/sources/demo/v1/resources';
const pipelineOf = (collection: string) => `/sources/demo/v1/collections/${collection}/pipeline`;

/** Asserts a 400 INVALID_ARGUMENT whose details name `path` (and, when given, a message containing `message`). */
function expectInvalidAt(res: HttpResult, path: string, message = ''): void {
  const err = expectError(res, 400, 'INVALID_ARGUMENT');
  expect(err.details).toEqual(
    expect.arrayContaining([expect.objectContaining({ path, message: expect.stringContaining(message) })]),
  );
}

describe('sources', () => {
  test('PUT creates with 201, PUT again updates with 200, GET reads it back', async () => {
    const created = await api.request('PUT', '/catalog/v1/sources/clinics-east', { body: { type: 'registry', description: 'East' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ key: 'clinics-east', type: 'registry', description: 'East', createdAt: expect.any(String), updatedAt: expect.any(String) });

    const updated = await api.request('PUT', '/catalog/v1/sources/clinics-east', { body: { type: 'registry', description: 'East coast' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual(expect.objectContaining({ key: 'clinics-east', description: 'East coast', createdAt: created.body.createdAt }));

    const read = await api.request('GET', '/catalog/v1/sources/clinics-east');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(updated.body);
    expect(await api.store.sources.countDocuments({ _id: 'clinics-east' })).toBe(1);
  });

  test('the list holds the demo source and every created source', async () => {
    await api.request('PUT', '/catalog/v1/sources/listed-1', { body: { type: 'registry' } });
    const res = await api.request('GET', '/catalog/v1/sources');
    expect(res.status).toBe(200);
    const keys = (res.body.data as Array<{ key: string }>).map((s) => s.key);
    expect(keys).toEqual(expect.arrayContaining(['demo', 'listed-1']));
  });

  test('an unknown source is 404 NOT_FOUND', async () => {
    expectError(await api.request('GET', '/catalog/v1/sources/no-such-source'), 404, 'NOT_FOUND');
  });

  test.each<[string, string, unknown, string | undefined]>([
    ['a key starting with "_"', '_hidden', { type: 'registry' }, undefined],
    ['a key with a dot', 'a.b', { type: 'registry' }, undefined],
    ['a key of 63 characters', 'k'.repeat(63), { type: 'registry' }, undefined],
    ['a wrong type value', 'bad-type', { type: 'warehouse' }, 'type'],
    ['a missing type', 'no-type', { description: 'x' }, 'type'],
    ['a description that is not a string', 'bad-desc', { type: 'registry', description: 7 }, 'description'],
  ])('%s → 400 and no source stored', async (_name, key, body, path) => {
    const res = await api.request('PUT', `/catalog/v1/sources/${key}`, { body });
    if (path) expectInvalidAt(res, path);
    else expectError(res, 400, 'INVALID_ARGUMENT');
    expect(await api.store.sources.countDocuments({ _id: key })).toBe(0);
  });

  test('unknown fields → 400 and no source stored', async () => {
    const res = await api.request('PUT', '/catalog/v1/sources/extra-field', { body: { type: 'registry', owner: 'me' } });
    const err = expectError(res, 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(err.details)).toContain('owner');
    expect(await api.store.sources.countDocuments({ _id: 'extra-field' })).toBe(0);
  });
});

describe('profiles', () => {
  const gadget = { type: 'ROOT', description: 'A gadget', properties: { name: { type: 'string', rules: { required: true } } } };

  test('PUT creates with 201, the same PUT answers 200, GET and list read it back', async () => {
    const created = await api.request('PUT', `${P}/gadget`, { body: gadget });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ key: 'gadget', ...gadget });

    const again = await api.request('PUT', `${P}/gadget`, { body: gadget });
    expect(again.status).toBe(200);

    const changed = { ...gadget, description: 'A better gadget' };
    const updated = await api.request('PUT', `${P}/gadget`, { body: changed });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ key: 'gadget', ...changed });

    const read = await api.request('GET', `${P}/gadget`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ key: 'gadget', ...changed });

    const list = await api.request('GET', P);
    expect(list.status).toBe(200);
    const keys = (list.body.data as Array<{ key: string }>).map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['clinic', 'gadget', 'office', 'paymentMethod', 'provider']));
    expect(list.body.data).toEqual(expect.arrayContaining([{ key: 'gadget', ...changed }]));
  });

  test('an unknown profile is 404; a profile under an unknown source is 404', async () => {
    expectError(await api.request('GET', `${P}/no-such-profile`), 404, 'NOT_FOUND');
    expectError(await api.request('PUT', '/sources/no-such-source/v1/profiles/gadget', { body: gadget }), 404, 'NOT_FOUND');
  });

  const root = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'ROOT', properties, ...extra });
  // Every row names all five columns: jest treats a missing trailing argument as the `done` callback.
  const badProfiles: Array<[string, string, unknown, string, string]> = [
    ['a property key with a dot', 'bad-dot', root({ 'a.b': { type: 'string' } }), 'properties.a.b', 'invalid property key "a.b"'],
    ['a property key starting with $', 'bad-dollar', root({ $x: { type: 'string' } }), 'properties.$x', 'invalid property key "$x"'],
    ['a nested property key with a dot', 'bad-nested-dot', root({ addr: { type: 'object', properties: { 'c.d': { type: 'string' } } } }), 'properties.addr.properties.c.d', 'invalid property key "c.d"'],
    ['an array without items', 'bad-array', root({ tags: { type: 'array' } }), 'properties.tags.items', 'is required for type "array"'],
    ['an object without properties', 'bad-object', root({ addr: { type: 'object' } }), 'properties.addr.properties', 'is required for type "object"'],
    ['a reference without profile', 'bad-ref', root({ office: { type: 'reference' } }), 'properties.office.profile', 'is required for type "reference"'],
    ['an unknown property type', 'bad-type', root({ x: { type: 'money' } }), 'properties.x.type', 'unknown type "money"'],
    ['a missing property type', 'no-type', root({ x: { description: 'no type' } }), 'properties.x.type', 'is required'],
    ['a bad regex pattern', 'bad-regex', root({ x: { type: 'string', rules: { pattern: '([a-z' } } }), 'properties.x.rules.pattern', 'is not a valid ECMAScript regular expression'],
    ['min greater than max', 'bad-bounds', root({ x: { type: 'integer', rules: { min: 5, max: 1 } } }), 'properties.x.rules.min', 'min (5) must not be greater than max (1)'],
    ['min on a boolean', 'bad-min', root({ x: { type: 'boolean', rules: { min: 1 } } }), 'properties.x.rules.min', 'does not apply to type "boolean"'],
    ['an unknown rule', 'bad-rule', root({ x: { type: 'string', rules: { unique: true } } }), 'properties.x.rules', 'unknown key(s) "unique"'],
    ['items on a string', 'bad-items', root({ x: { type: 'string', items: { type: 'string' } } }), 'properties.x.items', 'is only allowed for type "array"'],
    ['a bad item inside an array', 'bad-item', root({ x: { type: 'array', items: { type: 'nope' } } }), 'properties.x.items.type', 'unknown type "nope"'],
    ['a bad when predicate', 'bad-when', root({ x: { type: 'string', rules: { required: true, when: { property: 'data.y' } } } }), 'properties.x.rules.when', '"property" needs exactly one operator'],
    ['a missing properties map', 'no-props', { type: 'ROOT' }, 'properties', 'is required'],
    ['a bad profile type', 'bad-kind', { type: 'LEAF', properties: {} }, 'type', 'must be "ROOT" or "CONTAINED"'],
    ['contained on a CONTAINED profile', 'bad-contained', { type: 'CONTAINED', properties: {}, contained: { pm: { types: ['paymentMethod'], cardinality: '0:1' } } }, 'contained', 'is only allowed on ROOT profiles'],
    ['contained types naming a missing profile', 'bad-missing', root({}, { contained: { pm: { types: ['ghost'], cardinality: '0:1' } } }), 'contained.pm.types[0]', "profile 'ghost' does not exist"],
    ['contained types naming a ROOT profile', 'bad-root', root({}, { contained: { pm: { types: ['paymentMethod', 'provider'], cardinality: '0:*' } } }), 'contained.pm.types[1]', "profile 'provider' is not a CONTAINED profile"],
    ['a bad cardinality', 'bad-card', root({}, { contained: { pm: { types: ['paymentMethod'], cardinality: '2:3' } } }), 'contained.pm.cardinality', 'must be one of'],
    ['a contain key with a dot', 'bad-ckey', root({}, { contained: { 'p.m': { types: ['paymentMethod'], cardinality: '0:1' } } }), 'contained.p.m', 'invalid contain key'],
    ['an unknown top-level field', 'bad-field', root({}, { indexes: [] }), '', 'unknown key(s) "indexes"'],
  ];
  test.each(badProfiles)('%s → 400 with its path, nothing stored', async (_name, key, body, path, message) => {
    const res = await api.request('PUT', `${P}/${key}`, { body });
    if (path === '') {
      const err = expectError(res, 400, 'INVALID_ARGUMENT');
      expect(err.details).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining(message) })]));
    } else {
      expectInvalidAt(res, path, message);
    }
    expect(await api.store.profiles.countDocuments({ _id: `demo/${key}` })).toBe(0);
    expectError(await api.request('GET', `${P}/${key}`), 404, 'NOT_FOUND');
  });

  test('the reserved key "bulk" → 400, nothing stored', async () => {
    const res = await api.request('PUT', `${P}/bulk`, { body: gadget });
    const err = expectError(res, 400, 'INVALID_ARGUMENT');
    expect(err.message).toContain('reserved');
    expect(await api.store.profiles.countDocuments({ _id: 'demo/bulk' })).toBe(0);
  });

  test('a bad profile key in the URL → 400, nothing stored', async () => {
    expectError(await api.request('PUT', `${P}/_under`, { body: gadget }), 400, 'INVALID_ARGUMENT');
    expect(await api.store.profiles.countDocuments({ _id: 'demo/_under' })).toBe(0);
  });

  test('a profile may contain itself only when it is CONTAINED; a ROOT one naming itself → 400', async () => {
    const res = await api.request('PUT', `${P}/selfish`, { body: root({}, { contained: { me: { types: ['selfish'], cardinality: '0:1' } } }) });
    expectInvalidAt(res, 'contained.me.types[0]', "profile 'selfish' is not a CONTAINED profile");
  });

  test('a profile change is used by the very next write', async () => {
    const v1 = { type: 'ROOT', properties: { name: { type: 'string' } } };
    expect((await api.request('PUT', `${P}/widget`, { body: v1 })).status).toBe(201);
    expect((await api.request('POST', `${R}/widget`, { body: { data: { name: 'first' } } })).status).toBe(201);

    const v2 = { type: 'ROOT', properties: { name: { type: 'string' }, serial: { type: 'string', rules: { required: true } } } };
    expect((await api.request('PUT', `${P}/widget`, { body: v2 })).status).toBe(200);
    const before = await api.store.resources.countDocuments({ type: 'widget' });
    expectInvalidAt(await api.request('POST', `${R}/widget`, { body: { data: { name: 'second' } } }), 'data.serial');
    expect(await api.store.resources.countDocuments({ type: 'widget' })).toBe(before);
    const ok = await api.request('POST', `${R}/widget`, { body: { data: { name: 'second', serial: 'S-1' } } });
    expect(ok.status).toBe(201);
    expect(ok.body.resource.data).toEqual({ name: 'second', serial: 'S-1' });

    // Dropping the property again makes it unknown at once.
    expect((await api.request('PUT', `${P}/widget`, { body: v1 })).status).toBe(200);
    expectInvalidAt(await api.request('POST', `${R}/widget`, { body: { data: { name: 'third', serial: 'S-2' } } }), 'data.serial');
  });

  test('a change to a contained profile is used by the next write of its root', async () => {
    const pm = { type: 'CONTAINED', properties: { value: { type: 'string', rules: { required: true } } } };
    expect((await api.request('PUT', `${P}/slot`, { body: pm })).status).toBe(201);
    const box = { type: 'ROOT', properties: {}, contained: { slots: { types: ['slot'], cardinality: '0:*' } } };
    expect((await api.request('PUT', `${P}/box`, { body: box })).status).toBe(201);
    expect((await api.request('POST', `${R}/box`, { body: { data: {}, contained: { slots: [{ type: 'slot', data: { value: 'a' } }] } } })).status).toBe(201);

    const pm2 = { type: 'CONTAINED', properties: { value: { type: 'string', rules: { required: true, max: 1 } }, size: { type: 'integer', rules: { required: true } } } };
    expect((await api.request('PUT', `${P}/slot`, { body: pm2 })).status).toBe(200);
    expectInvalidAt(
      await api.request('POST', `${R}/box`, { body: { data: {}, contained: { slots: [{ type: 'slot', data: { value: 'a' } }] } } }),
      'contained.slots[0].data.size',
    );
  });

  test('two profile changes within the same millisecond: the next write uses the second one', async () => {
    // A catalog over the same database with a frozen clock stands for two PUTs landing in one millisecond
    // (a catalog file applied at start-up and changed at once, or a script issuing quick updates).
    const frozen = new Date('2024-05-01T12:00:00.000Z');
    const catalog = new CatalogService(api.store, () => frozen);
    await catalog.putProfile('demo', 'frozen', { type: 'ROOT', properties: { a: { type: 'string' } } });
    expect((await catalog.rootProfile('demo', 'frozen')).compiled.validate({ data: { a: 'x' } })).toEqual([]);

    const v2 = { type: 'ROOT' as const, properties: { a: { type: 'string' as const }, b: { type: 'string' as const, rules: { required: true } } } };
    const put = await catalog.putProfile('demo', 'frozen', v2);
    expect(put).toEqual(expect.objectContaining({ created: false, changed: true }));
    const current = await catalog.rootProfile('demo', 'frozen');
    expect(current.definition).toEqual(v2);
    expect(current.compiled.definition).toEqual(v2);
    expect(current.compiled.validate({ data: { a: 'x' } })).toEqual([expect.objectContaining({ path: 'data.b' })]);
  });
});

describe('relationship definitions', () => {
  const clinicOffice = { from: { profileKey: 'clinic' }, to: { profileKey: 'office' }, description: 'A clinic sits in an office.', properties: { floor: { type: 'integer' } } };

  test('PUT creates with 201, updates with 200; GET and list read it back', async () => {
    const created = await api.request('PUT', `${RD}/clinic-office`, { body: clinicOffice });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ key: 'clinic-office', ...clinicOffice });

    expect((await api.request('PUT', `${RD}/clinic-office`, { body: clinicOffice })).status).toBe(200);
    const changed = { ...clinicOffice, description: 'changed' };
    const updated = await api.request('PUT', `${RD}/clinic-office`, { body: changed });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ key: 'clinic-office', ...changed });

    const read = await api.request('GET', `${RD}/clinic-office`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ key: 'clinic-office', ...changed });

    const list = await api.request('GET', RD);
    expect(list.status).toBe(200);
    expect((list.body.data as Array<{ key: string }>).map((d) => d.key)).toEqual(expect.arrayContaining(['clinic-office', 'provider-office']));
  });

  test('an unknown relationship type is 404', async () => {
    expectError(await api.request('GET', `${RD}/no-such-type`), 404, 'NOT_FOUND');
  });

  test.each<[string, string, unknown, string, string]>([
    ['from naming a missing profile', 'rd-missing-from', { from: { profileKey: 'ghost' }, to: { profileKey: 'office' } }, 'from.profileKey', "profile 'ghost' does not exist"],
    ['to naming a missing profile', 'rd-missing-to', { from: { profileKey: 'clinic' }, to: { profileKey: 'ghost' } }, 'to.profileKey', "profile 'ghost' does not exist"],
    ['from naming a CONTAINED profile', 'rd-contained-from', { from: { profileKey: 'paymentMethod' }, to: { profileKey: 'office' } }, 'from.profileKey', 'is not a ROOT profile'],
    ['to naming a CONTAINED profile', 'rd-contained-to', { from: { profileKey: 'office' }, to: { profileKey: 'paymentMethod' } }, 'to.profileKey', 'is not a ROOT profile'],
    ['a missing to', 'rd-no-to', { from: { profileKey: 'clinic' } }, 'to', ''],
    ['a bad property key', 'rd-bad-prop', { from: { profileKey: 'clinic' }, to: { profileKey: 'office' }, properties: { 'a.b': { type: 'string' } } }, 'properties.a.b', 'invalid property key "a.b": must match'],
    ['a bad property definition', 'rd-bad-def', { from: { profileKey: 'clinic' }, to: { profileKey: 'office' }, properties: { tags: { type: 'array' } } }, 'properties.tags.items', 'is required for type "array"'],
  ])('%s → 400 with its path, nothing stored', async (_name, key, body, path, message) => {
    expectInvalidAt(await api.request('PUT', `${RD}/${key}`, { body }), path, message);
    expect(await api.store.relationshipDefinitions.countDocuments({ _id: `demo/${key}` })).toBe(0);
  });

  test('two relationship definition changes within the same millisecond: the next write uses the second one', async () => {
    const frozen = new Date('2024-05-01T12:00:00.000Z');
    const catalog = new CatalogService(api.store, () => frozen);
    const v1 = { from: { profileKey: 'clinic' }, to: { profileKey: 'office' }, properties: { floor: { type: 'integer' as const } } };
    await catalog.putRelationshipDefinition('demo', 'frozen-rel', v1);
    expect((await catalog.relationshipType('demo', 'frozen-rel')).compiled.validate({ data: { floor: 2 } })).toEqual([]);

    const v2 = { ...v1, properties: { floor: { type: 'integer' as const, rules: { required: true } }, wing: { type: 'string' as const, rules: { required: true } } } };
    await catalog.putRelationshipDefinition('demo', 'frozen-rel', v2);
    const current = await catalog.relationshipType('demo', 'frozen-rel');
    expect(current.definition).toEqual(v2);
    expect(current.compiled.validate({ data: { floor: 2 } })).toEqual([expect.objectContaining({ path: 'data.wing' })]);
  });

  test('the reserved key "bulk" → 400', async () => {
    expectError(await api.request('PUT', `${RD}/bulk`, { body: clinicOffice }), 400, 'INVALID_ARGUMENT');
    expect(await api.store.relationshipDefinitions.countDocuments({ _id: 'demo/bulk' })).toBe(0);
  });
});

describe('pipelines', () => {
  const normalize = { type: 'NORMALIZER', config: { properties: [{ property: 'data.name', trim: true }] } };
  const review = { type: 'HUMAN_REVIEW', trigger: { type: 'OPERATOR', operator: { action: { in: ['CREATE'] } } }, config: { timeout: '2h', onTimeout: 'REJECT' } };

  beforeAll(async () => {
    const res = await api.request('PUT', `${P}/piped`, { body: { type: 'ROOT', properties: { name: { type: 'string' } } } });
    expect(res.status).toBe(201);
  });

  test('PUT makes revision 1 ({collectionKey}.1, 201); the same steps answer 200 with that revision; a change makes revision 2', async () => {
    const first = await api.request('PUT', pipelineOf('piped'), { body: { steps: [normalize] } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: 'piped.1', collectionKey: 'piped', revision: 1, steps: [normalize], createdAt: expect.any(String) });

    const same = await api.request('PUT', pipelineOf('piped'), { body: { steps: [normalize] } });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(first.body);
    expect(await api.store.pipelines.countDocuments({ source: 'demo', collectionKey: 'piped' })).toBe(1);

    const second = await api.request('PUT', pipelineOf('piped'), { body: { steps: [normalize, review] } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(expect.objectContaining({ id: 'piped.2', revision: 2, steps: [normalize, review] }));

    const latest = await api.request('GET', pipelineOf('piped'));
    expect(latest.status).toBe(200);
    expect(latest.body).toEqual(second.body);

    const rev1 = await api.request('GET', `${pipelineOf('piped')}?revision=1`);
    expect(rev1.status).toBe(200);
    expect(rev1.body).toEqual(first.body);

    expectError(await api.request('GET', `${pipelineOf('piped')}?revision=9`), 404, 'NOT_FOUND');
    expectError(await api.request('GET', `${pipelineOf('piped')}?revision=zero`), 400, 'INVALID_ARGUMENT');
  });

  test('a pipeline on a relationship type works the same way', async () => {
    const res = await api.request('PUT', pipelineOf('provider-office'), { body: { steps: [normalize] } });
    expect(res.status).toBe(201);
    expect(res.body.id).toBe('provider-office.1');
  });

  test('an unknown collection is 404 on PUT and GET, and nothing is stored', async () => {
    expectError(await api.request('PUT', pipelineOf('ghost'), { body: { steps: [normalize] } }), 404, 'NOT_FOUND');
    expectError(await api.request('GET', pipelineOf('ghost')), 404, 'NOT_FOUND');
    expect(await api.store.pipelines.countDocuments({ collectionKey: 'ghost' })).toBe(0);
  });

  test('a collection without a pipeline is 404 on GET', async () => {
    expectError(await api.request('GET', pipelineOf('clinic')), 404, 'NOT_FOUND');
  });

  const badSteps: Array<[string, unknown, string]> = [
    ['an unknown step type', { steps: [{ type: 'TRANSLATOR', config: {} }] }, 'steps[0].type'],
    ['HUMAN_REVIEW timeout without onTimeout', { steps: [normalize, { type: 'HUMAN_REVIEW', config: { timeout: '1h' } }] }, 'steps[1].config.onTimeout'],
    ['HUMAN_REVIEW with a bad timeout', { steps: [{ type: 'HUMAN_REVIEW', config: { timeout: 'soon', onTimeout: 'APPROVE' } }] }, 'steps[0].config.timeout'],
    ['a bad predicate in a trigger', { steps: [{ ...normalize, trigger: { type: 'OPERATOR', operator: { property: 'data.name' } } }] }, 'steps[0].trigger.operator'],
    ['an unknown operator in a nested trigger predicate', { steps: [{ ...normalize, trigger: { type: 'OPERATOR', operator: { and: [{ property: 'data.name', like: 'x' }] } } }] }, 'steps[0].trigger.operator.and[0]'],
    ['an unknown trigger type', { steps: [{ ...normalize, trigger: { type: 'SOMETIMES' } }] }, 'steps[0].trigger.type'],
    ['a NORMALIZER property outside data', { steps: [{ type: 'NORMALIZER', config: { properties: [{ property: 'meta.source', trim: true }] } }] }, 'steps[0].config.properties[0].property'],
    ['a SEGMENTER overlap not smaller than maxTokens', { steps: [{ type: 'SEGMENTER', config: { source: 'data.name', target: 'data.chunks', maxTokens: 10, overlap: 10 } }] }, 'steps[0].config.overlap'],
    ['a VALIDATOR with a bad onFailure', { steps: [{ type: 'VALIDATOR', config: { rules: [{ name: 'n', assert: { property: 'data.name', exists: true }, message: 'm', onFailure: 'PANIC' }] } }] }, 'steps[0].config.rules[0].onFailure'],
    ['an unknown key on a step', { steps: [{ ...normalize, retries: 3 }] }, 'steps[0]'],
    ['steps that are not an array', { steps: 'NORMALIZER' }, 'steps'],
  ];
  test.each(badSteps)('%s → 400 with its path, no revision stored', async (_name, body, path) => {
    const before = await api.store.pipelines.countDocuments({});
    expectInvalidAt(await api.request('PUT', pipelineOf('piped'), { body }), path);
    expect(await api.store.pipelines.countDocuments({})).toBe(before);
  });
});

describe('the catalog read cache', () => {
  const v1 = { type: 'ROOT' as const, properties: { a: { type: 'string' as const } } };
  const v2 = { type: 'ROOT' as const, properties: { a: { type: 'string' as const }, b: { type: 'string' as const, rules: { required: true } } } };

  test('a change is seen at once by the process that made it, and by another within the cache time', async () => {
    // Two catalogs over one database stand for two API processes.
    const here = new CatalogService(api.store, undefined, { readCacheMs: 60_000 });
    const there = new CatalogService(api.store, undefined, { readCacheMs: 400 });
    await here.putProfile('demo', 'cached', v1);
    expect((await there.rootProfile('demo', 'cached')).definition).toEqual(v1);
    expect((await here.rootProfile('demo', 'cached')).definition).toEqual(v1);

    await here.putProfile('demo', 'cached', v2);
    expect((await here.rootProfile('demo', 'cached')).definition).toEqual(v2);
    // The other process still serves what it read, until its entry expires.
    expect((await there.rootProfile('demo', 'cached')).definition).toEqual(v1);
    await new Promise((r) => setTimeout(r, 500));
    expect((await there.rootProfile('demo', 'cached')).definition).toEqual(v2);
  });

  test('with a cache time of 0 every read goes to the database', async () => {
    const writer = new CatalogService(api.store);
    const reader = new CatalogService(api.store, undefined, { readCacheMs: 0 });
    await writer.putProfile('demo', 'uncached', v1);
    expect((await reader.rootProfile('demo', 'uncached')).definition).toEqual(v1);
    await writer.putProfile('demo', 'uncached', v2);
    expect((await reader.rootProfile('demo', 'uncached')).definition).toEqual(v2);
  });

  test('a new pipeline revision is used by the next write through the same process', async () => {
    expect((await api.request('PUT', `${P}/cachepipe`, { body: v1 })).status).toBe(201);
    const first = await api.request('POST', `${R}/cachepipe`, { body: { data: { a: 'x' } } });
    expect({ status: first.status, outcome: first.body.status }).toEqual({ status: 201, outcome: 'PERSISTED' });
    expect((await api.request('PUT', pipelineOf('cachepipe'), { body: { steps: [{ type: 'HUMAN_REVIEW', config: {} }] } })).status).toBe(201);
    const second = await api.request('POST', `${R}/cachepipe`, { body: { data: { a: 'y' } } });
    expect({ status: second.status, outcome: second.body.status }).toEqual({ status: 202, outcome: 'ACCEPTED' });
  });
});
