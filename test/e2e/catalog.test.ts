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
  const gadget = { type: 'ROOT', description: 'A gadget', properties: { name: { type: 'symbol', rules: [{ required: true }] } } };

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
    expect(keys).toEqual(expect.arrayContaining(['article', 'clinic', 'gadget', 'office', 'paymentMethod', 'provider']));
    expect(list.body.data).toEqual(expect.arrayContaining([{ key: 'gadget', ...changed }]));
  });

  test('input aliases are stored in the documented form: type "string" answers "symbol", one rule object answers a one-item rules array', async () => {
    const legacy = { type: 'ROOT', properties: { name: { type: 'string', rules: { required: true, max: 5 } }, tags: { type: 'array', items: { type: 'string' }, rules: { max: 2 } } } };
    const documented = { type: 'ROOT', properties: { name: { type: 'symbol', rules: [{ required: true, max: 5 }] }, tags: { type: 'array', items: { type: 'symbol' }, rules: [{ max: 2 }] } } };
    const created = await api.request('PUT', `${P}/aliased`, { body: legacy });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ key: 'aliased', ...documented });
    expect((await api.request('GET', `${P}/aliased`)).body).toEqual({ key: 'aliased', ...documented });
    // The alias and the documented form are the same definition: PUTting the documented form changes nothing.
    expect((await api.request('PUT', `${P}/aliased`, { body: documented })).status).toBe(200);
    expectInvalidAt(await api.request('POST', `${R}/aliased`, { body: { data: { name: 'longer than five' } } }), 'data.name', 'at most 5');
  });

  test('rules apply in order, each with its own `when` (paths relative to data, `[current]` naming the array item)', async () => {
    const ruled = {
      type: 'ROOT',
      properties: {
        kind: { type: 'symbol' },
        practiceNumber: { type: 'integer', rules: [{ min: 1 }, { required: true, when: { eq: { kind: 'person' } } }] },
        contacts: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              system: { type: 'code', vocabulary: ['email', 'phone'] },
              value: { type: 'symbol', rules: [{ required: true }, { pattern: '@', when: { eq: { 'contacts[current].system': 'email' } } }] },
            },
          },
        },
      },
    };
    // Operator paths hold "." and are keys of the stored definition: they read back unchanged (the store refuses
    // dotted field names, so they are stored escaped).
    expect((await api.request('PUT', `${P}/ruled`, { body: ruled })).status).toBe(201);
    expect((await api.request('GET', `${P}/ruled`)).body).toEqual({ key: 'ruled', ...ruled });
    expect((await api.request('PUT', `${P}/ruled`, { body: ruled })).status).toBe(200);
    expect((await api.request('POST', `${R}/ruled`, { body: { data: { kind: 'clinic' } } })).status).toBe(201);
    expectInvalidAt(await api.request('POST', `${R}/ruled`, { body: { data: { kind: 'PERSON' } } }), 'data.practiceNumber', 'is required');
    expectInvalidAt(await api.request('POST', `${R}/ruled`, { body: { data: { kind: 'clinic', practiceNumber: 0 } } }), 'data.practiceNumber', 'must be >= 1');
    // Only the email item needs an "@": [current] is the item being validated, not any item of the array.
    const contacts = [{ system: 'phone', value: '555-0100' }, { system: 'email', value: 'no-at-sign' }];
    const res = await api.request('POST', `${R}/ruled`, { body: { data: { kind: 'clinic', contacts } } });
    const err = expectError(res, 400, 'INVALID_ARGUMENT');
    expect(err.details).toEqual([expect.objectContaining({ path: 'data.contacts[1].value', message: expect.stringContaining('pattern') })]);
    expect((await api.request('POST', `${R}/ruled`, { body: { data: { kind: 'clinic', contacts: [contacts[0], { system: 'email', value: 'a@b.c' }] } } })).status).toBe(201);
  });

  test('an unknown profile is 404; a profile under an unknown source is 404', async () => {
    expectError(await api.request('GET', `${P}/no-such-profile`), 404, 'NOT_FOUND');
    expectError(await api.request('PUT', '/sources/no-such-source/v1/profiles/gadget', { body: gadget }), 404, 'NOT_FOUND');
  });

  const root = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'ROOT', properties, ...extra });
  // Every row names all five columns: jest treats a missing trailing argument as the `done` callback.
  const badProfiles: Array<[string, string, unknown, string, string]> = [
    ['a property key with a dot', 'bad-dot', root({ 'a.b': { type: 'symbol' } }), 'properties.a.b', 'invalid property key "a.b"'],
    ['a property key starting with $', 'bad-dollar', root({ $x: { type: 'symbol' } }), 'properties.$x', 'invalid property key "$x"'],
    ['a nested property key with a dot', 'bad-nested-dot', root({ addr: { type: 'object', properties: { 'c.d': { type: 'symbol' } } } }), 'properties.addr.properties.c.d', 'invalid property key "c.d"'],
    ['an array without items', 'bad-array', root({ tags: { type: 'array' } }), 'properties.tags.items', 'is required for type "array"'],
    ['an object without properties', 'bad-object', root({ addr: { type: 'object' } }), 'properties.addr.properties', 'is required for type "object"'],
    ['a reference without profile', 'bad-ref', root({ office: { type: 'reference' } }), 'properties.office.profile', 'is required for type "reference"'],
    ['an unknown property type', 'bad-type', root({ x: { type: 'money' } }), 'properties.x.type', 'unknown type "money"'],
    ['a missing property type', 'no-type', root({ x: { description: 'no type' } }), 'properties.x.type', 'is required'],
    ['a bad regex pattern', 'bad-regex', root({ x: { type: 'symbol', rules: [{ pattern: '([a-z' }] } }), 'properties.x.rules[0].pattern', 'is not a valid ECMAScript regular expression'],
    ['min greater than max', 'bad-bounds', root({ x: { type: 'integer', rules: [{ min: 5, max: 1 }] } }), 'properties.x.rules[0].min', 'min (5) must not be greater than max (1)'],
    ['min on a boolean', 'bad-min', root({ x: { type: 'boolean', rules: [{ min: 1 }] } }), 'properties.x.rules[0].min', 'does not apply to type "boolean"'],
    ['a bad rule after a good one (its index named)', 'bad-second', root({ x: { type: 'boolean', rules: [{ required: true }, { max: 1 }] } }), 'properties.x.rules[1].max', 'does not apply to type "boolean"'],
    ['an unknown rule', 'bad-rule', root({ x: { type: 'symbol', rules: [{ unique: true }] } }), 'properties.x.rules[0]', 'unknown key(s) "unique"'],
    ['rules that are neither an array nor a rule object', 'bad-rules', root({ x: { type: 'symbol', rules: 'required' } }), 'properties.x.rules', 'must be an array of rule objects'],
    ['min on an object (only "required" applies)', 'bad-obj-min', root({ x: { type: 'object', properties: {}, rules: [{ min: 1 }] } }), 'properties.x.rules[0].min', 'object and complex-type properties accept only "required"'],
    ['a pattern on a complex type (only "required" applies)', 'bad-cx-pattern', root({ x: { type: 'address', rules: [{ pattern: 'x' }] } }), 'properties.x.rules[0].pattern', 'object and complex-type properties accept only "required"'],
    ['an enum on a boolean', 'bad-enum-kind', root({ x: { type: 'boolean', rules: [{ enum: ['true'] }] } }), 'properties.x.rules[0].enum', 'enum applies to numeric and string-based types'],
    ['an enum value of another kind', 'bad-enum-value', root({ x: { type: 'integer', rules: [{ enum: [1, 'two'] }] } }), 'properties.x.rules[0].enum[1]', 'must be a number'],
    ['items on a symbol', 'bad-items', root({ x: { type: 'symbol', items: { type: 'symbol' } } }), 'properties.x.items', 'is only allowed for type "array"'],
    ['a bad item inside an array', 'bad-item', root({ x: { type: 'array', items: { type: 'nope' } } }), 'properties.x.items.type', 'unknown type "nope"'],
    // The old `{property, eq}` predicates are gone (no alias): `when` is an operator of the documented language.
    ['an old-style {property} predicate in when', 'bad-when', root({ x: { type: 'symbol', rules: [{ required: true, when: { property: 'data.y', exists: true } }] } }), 'properties.x.rules[0].when', 'unknown operator(s) "property", "exists"'],
    ['two operators in one when object', 'bad-when-two', root({ x: { type: 'symbol', rules: [{ required: true, when: { eq: { y: 'a' }, not: { eq: { z: '*' } } } }] } }), 'properties.x.rules[0].when', 'one operator per object'],
    ['a when path that is not a data path', 'bad-when-path', root({ x: { type: 'symbol', rules: [{ required: true, when: { eq: { 'y/z': 'a' } } }] } }), 'properties.x.rules[0].when.eq.y/z', 'takes property paths relative to data'],
    ['a when without another rule', 'bad-when-alone', root({ x: { type: 'symbol', rules: [{ when: { eq: { y: 'a' } } }] } }), 'properties.x.rules[0].when', 'has no effect without another rule'],
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
    const v1 = { type: 'ROOT', properties: { name: { type: 'symbol' } } };
    expect((await api.request('PUT', `${P}/widget`, { body: v1 })).status).toBe(201);
    expect((await api.request('POST', `${R}/widget`, { body: { data: { name: 'first' } } })).status).toBe(201);

    const v2 = { type: 'ROOT', properties: { name: { type: 'symbol' }, serial: { type: 'symbol', rules: [{ required: true }] } } };
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
    const pm = { type: 'CONTAINED', properties: { value: { type: 'symbol', rules: [{ required: true }] } } };
    expect((await api.request('PUT', `${P}/slot`, { body: pm })).status).toBe(201);
    const box = { type: 'ROOT', properties: {}, contained: { slots: { types: ['slot'], cardinality: '0:*' } } };
    expect((await api.request('PUT', `${P}/box`, { body: box })).status).toBe(201);
    expect((await api.request('POST', `${R}/box`, { body: { data: {}, contained: { slots: [{ type: 'slot', data: { value: 'a' } }] } } })).status).toBe(201);

    const pm2 = { type: 'CONTAINED', properties: { value: { type: 'symbol', rules: [{ required: true, max: 1 }] }, size: { type: 'integer', rules: [{ required: true }] } } };
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
    await catalog.putProfile('demo', 'frozen', { type: 'ROOT', properties: { a: { type: 'symbol' } } });
    expect((await catalog.rootProfile('demo', 'frozen')).compiled.validate({ data: { a: 'x' } })).toEqual([]);

    const v2 = { type: 'ROOT' as const, properties: { a: { type: 'symbol' as const }, b: { type: 'symbol' as const, rules: [{ required: true }] } } };
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

  test('ends carry includeKey and includeCardinality (`cardinality` is an input alias); answers always carry properties', async () => {
    const body = { from: { profileKey: 'clinic', includeKey: 'offices', cardinality: '0:*' }, to: { profileKey: 'office', includeKey: 'clinics', includeCardinality: '0:1' } };
    const documented = { from: { profileKey: 'clinic', includeKey: 'offices', includeCardinality: '0:*' }, to: { profileKey: 'office', includeKey: 'clinics', includeCardinality: '0:1' } };
    const created = await api.request('PUT', `${RD}/clinic-located`, { body });
    expect(created.status).toBe(201);
    // No properties in the body: the answer still has `properties: {}` (the docs' shape).
    expect(created.body).toEqual({ key: 'clinic-located', ...documented, properties: {} });
    expect((await api.request('GET', `${RD}/clinic-located`)).body).toEqual({ key: 'clinic-located', ...documented, properties: {} });
    expect((await api.request('PUT', `${RD}/clinic-located`, { body: documented })).status).toBe(200);
    const list = await api.request('GET', RD);
    expect(list.body.data).toEqual(expect.arrayContaining([{ key: 'clinic-located', ...documented, properties: {} }]));
    // The demo catalog's definition names its include keys too.
    expect((await api.request('GET', `${RD}/provider-office`)).body).toEqual(expect.objectContaining({
      from: { profileKey: 'provider', includeKey: 'worksAt', includeCardinality: '0:*' },
      to: { profileKey: 'office', includeKey: 'staff', includeCardinality: '0:*' },
    }));
  });

  test.each<[string, string, unknown, string, string]>([
    ['from naming a missing profile', 'rd-missing-from', { from: { profileKey: 'ghost' }, to: { profileKey: 'office' } }, 'from.profileKey', "profile 'ghost' does not exist"],
    ['to naming a missing profile', 'rd-missing-to', { from: { profileKey: 'clinic' }, to: { profileKey: 'ghost' } }, 'to.profileKey', "profile 'ghost' does not exist"],
    ['from naming a CONTAINED profile', 'rd-contained-from', { from: { profileKey: 'paymentMethod' }, to: { profileKey: 'office' } }, 'from.profileKey', 'is not a ROOT profile'],
    ['to naming a CONTAINED profile', 'rd-contained-to', { from: { profileKey: 'office' }, to: { profileKey: 'paymentMethod' } }, 'to.profileKey', 'is not a ROOT profile'],
    ['a missing to', 'rd-no-to', { from: { profileKey: 'clinic' } }, 'to', ''],
    ['a bad property key', 'rd-bad-prop', { from: { profileKey: 'clinic' }, to: { profileKey: 'office' }, properties: { 'a.b': { type: 'symbol' } } }, 'properties.a.b', 'invalid property key "a.b": must match'],
    ['an unknown key on an end', 'rd-bad-end', { from: { profileKey: 'clinic', label: 'x' }, to: { profileKey: 'office' } }, 'from', 'unknown key(s) "label"'],
    ['a bad includeCardinality', 'rd-bad-card', { from: { profileKey: 'clinic', includeCardinality: 'many' }, to: { profileKey: 'office' } }, 'from.includeCardinality', 'must be one of'],
    ['a bad includeKey', 'rd-bad-include', { from: { profileKey: 'clinic' }, to: { profileKey: 'office', includeKey: 'a.b' } }, 'to.includeKey', 'must be a property key'],
    ['a bad property definition', 'rd-bad-def', { from: { profileKey: 'clinic' }, to: { profileKey: 'office' }, properties: { tags: { type: 'array' } } }, 'properties.tags.items', 'is required for type "array"'],
  ])('%s → 400 with its path, nothing stored', async (_name, key, body, path, message) => {
    expectInvalidAt(await api.request('PUT', `${RD}/${key}`, { body }), path, message);
    expect(await api.store.relationshipDefinitions.countDocuments({ _id: `demo/${key}` })).toBe(0);
  });

  test('a `when` with a dotted path in relationship properties is stored and read back unchanged', async () => {
    const body = { from: { profileKey: 'clinic' }, to: { profileKey: 'office' }, properties: { details: { type: 'object', properties: { kind: { type: 'symbol' } } }, since: { type: 'date', rules: [{ required: true, when: { eq: { 'details.kind': 'lease' } } }] } } };
    expect((await api.request('PUT', `${RD}/clinic-lease`, { body })).status).toBe(201);
    expect((await api.request('GET', `${RD}/clinic-lease`)).body).toEqual({ key: 'clinic-lease', ...body });
    expect((await api.request('PUT', `${RD}/clinic-lease`, { body })).status).toBe(200);
  });

  test('two relationship definition changes within the same millisecond: the next write uses the second one', async () => {
    const frozen = new Date('2024-05-01T12:00:00.000Z');
    const catalog = new CatalogService(api.store, () => frozen);
    const v1 = { from: { profileKey: 'clinic' }, to: { profileKey: 'office' }, properties: { floor: { type: 'integer' as const } } };
    await catalog.putRelationshipDefinition('demo', 'frozen-rel', v1);
    expect((await catalog.relationshipType('demo', 'frozen-rel')).compiled.validate({ data: { floor: 2 } })).toEqual([]);

    const v2 = { ...v1, properties: { floor: { type: 'integer' as const, rules: [{ required: true }] }, wing: { type: 'symbol' as const, rules: [{ required: true }] } } };
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
  const normalize = { type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } };
  const review = { type: 'HUMAN_REVIEW', trigger: { type: 'OPERATOR', operator: { any: { '@action': ['CREATE'] } } }, humanReview: { timeout: '2h', onTimeout: 'REJECT' } };
  const segment = { type: 'SEGMENTER', segmenter: { inputProperty: 'description', modelId: 'clinia-chunk.1', propertyKey: 'passages' } };

  beforeAll(async () => {
    const res = await api.request('PUT', `${P}/piped`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' }, description: { type: 'markdown' } } } });
    expect(res.status).toBe(201);
  });

  test('PUT makes version 1 ({collectionKey}.1, 201); the same steps answer 200 with that version; a change makes version 2', async () => {
    const first = await api.request('PUT', pipelineOf('piped'), { body: { steps: [normalize] } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: 'piped.1', collectionKey: 'piped', version: 1, revisionId: expect.any(String), steps: [normalize], createdAt: expect.any(String) });
    expect(first.body).not.toHaveProperty('revision');

    const same = await api.request('PUT', pipelineOf('piped'), { body: { steps: [normalize] } });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(first.body);
    expect(await api.store.pipelines.countDocuments({ source: 'demo', collectionKey: 'piped' })).toBe(1);

    const second = await api.request('PUT', pipelineOf('piped'), { body: { steps: [normalize, review] } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(expect.objectContaining({ id: 'piped.2', version: 2, steps: [normalize, review] }));
    expect(second.body.revisionId).not.toBe(first.body.revisionId);

    const latest = await api.request('GET', pipelineOf('piped'));
    expect(latest.status).toBe(200);
    expect(latest.body).toEqual(second.body);
  });

  test('GET reads a version with ?version= or a revision with ?revisionId=; a version past the latest is 400 OUT_OF_RANGE', async () => {
    expect((await api.request('PUT', `${P}/versioned`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' }, description: { type: 'markdown' } } } })).status).toBe(201);
    const V = pipelineOf('versioned');
    expect((await api.request('PUT', V, { body: { steps: [normalize] } })).status).toBe(201);
    const latest = (await api.request('PUT', V, { body: { steps: [normalize, segment] } })).body;
    expect(latest.version).toBe(2);
    const v1 = await api.request('GET', `${V}?version=1`);
    expect(v1.status).toBe(200);
    expect(v1.body).toEqual(expect.objectContaining({ id: 'versioned.1', version: 1, steps: [normalize] }));
    expect((await api.request('GET', `${V}?version=2`)).body).toEqual(latest);

    const byRevision = await api.request('GET', `${V}?revisionId=${encodeURIComponent(v1.body.revisionId)}`);
    expect(byRevision.status).toBe(200);
    expect(byRevision.body).toEqual(v1.body);
    // Both naming the same revision is that revision; naming two different ones is no revision.
    expect((await api.request('GET', `${V}?version=1&revisionId=${encodeURIComponent(v1.body.revisionId)}`)).body).toEqual(v1.body);
    expectError(await api.request('GET', `${V}?version=2&revisionId=${encodeURIComponent(v1.body.revisionId)}`), 404, 'NOT_FOUND');
    expectError(await api.request('GET', `${V}?revisionId=no-such-revision`), 404, 'NOT_FOUND');

    const past = expectError(await api.request('GET', `${V}?version=${latest.version + 1}`), 400, 'OUT_OF_RANGE');
    expect(past.message).toContain(`latest version ${latest.version}`);
    expectError(await api.request('GET', `${V}?version=zero`), 400, 'INVALID_ARGUMENT');
    expectError(await api.request('GET', `${V}?version=0`), 400, 'INVALID_ARGUMENT');
    // `?revision=` is gone (the documented parameters are version and revisionId): an unknown parameter is a 400.
    expectError(await api.request('GET', `${V}?revision=1`), 400, 'INVALID_ARGUMENT');
  });

  test('the demo catalog defines the article pipeline in the documented step form', async () => {
    const res = await api.request('GET', pipelineOf('article'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 'article.1', collectionKey: 'article', version: 1, revisionId: expect.any(String), createdAt: expect.any(String),
      steps: [
        { type: 'SEGMENTER', segmenter: { inputProperty: 'abstract', modelId: 'clinia-chunk.1', propertyKey: 'passages' } },
        { type: 'VECTORIZER', vectorizer: { inputProperty: 'abstract.passages', modelId: 'mte-base-knowledge.1', propertyKey: 'vector' } },
        { type: 'HUMAN_REVIEW', trigger: { type: 'OPERATOR', operator: { eq: { status: 'draft' } } }, humanReview: { instructions: 'Check that a draft article may be published.' } },
      ],
    });
  });

  test('a HUMAN_REVIEW step may leave out humanReview: it is stored and answered as {}', async () => {
    expect((await api.request('PUT', `${P}/reviewed-bare`, { body: { type: 'ROOT', properties: { name: { type: 'symbol' } } } })).status).toBe(201);
    const res = await api.request('PUT', pipelineOf('reviewed-bare'), { body: { steps: [{ type: 'HUMAN_REVIEW' }] } });
    expect(res.status).toBe(201);
    expect(res.body.steps).toEqual([{ type: 'HUMAN_REVIEW', humanReview: {} }]);
  });

  test('a pipeline on a relationship type works the same way', async () => {
    const res = await api.request('PUT', pipelineOf('provider-office'), { body: { steps: [{ type: 'NORMALIZER', normalizer: { properties: [{ property: 'role', trim: true }] } }] } });
    expect(res.status).toBe(201);
    expect(res.body.id).toBe('provider-office.1');
    expect(res.body.version).toBe(1);
  });

  test('an unknown collection is 404 on PUT and GET, and nothing is stored', async () => {
    expectError(await api.request('PUT', pipelineOf('ghost'), { body: { steps: [normalize] } }), 404, 'NOT_FOUND');
    expectError(await api.request('GET', pipelineOf('ghost')), 404, 'NOT_FOUND');
    expect(await api.store.pipelines.countDocuments({ collectionKey: 'ghost' })).toBe(0);
  });

  test('a collection without a pipeline is 404 on GET (also with ?version=)', async () => {
    expectError(await api.request('GET', pipelineOf('clinic')), 404, 'NOT_FOUND');
    expectError(await api.request('GET', `${pipelineOf('clinic')}?version=1`), 404, 'NOT_FOUND');
  });

  const badSteps: Array<[string, unknown, string, string]> = [
    ['an unknown step type', { steps: [{ type: 'TRANSLATOR', translator: {} }] }, 'steps[0].type', 'must be one of'],
    // The old `config` member is gone: each step carries its settings under its step key.
    ['a step in the old {type, config} form', { steps: [{ type: 'NORMALIZER', config: { properties: [{ property: 'name', trim: true }] } }] }, 'steps[0]', 'unknown key(s) "config"'],
    ['a step without its step key', { steps: [{ type: 'NORMALIZER' }] }, 'steps[0].normalizer', ''],
    ['HUMAN_REVIEW timeout without onTimeout', { steps: [normalize, { type: 'HUMAN_REVIEW', humanReview: { timeout: '1h' } }] }, 'steps[1].humanReview.onTimeout', 'go together'],
    ['HUMAN_REVIEW with a bad timeout', { steps: [{ type: 'HUMAN_REVIEW', humanReview: { timeout: 'soon', onTimeout: 'APPROVE' } }] }, 'steps[0].humanReview.timeout', 'must be a duration'],
    // `{property, eq}` predicates are gone (no alias): triggers use the operator language.
    ['an old-style {property} predicate in a trigger', { steps: [{ ...normalize, trigger: { type: 'OPERATOR', operator: { property: 'data.name', matches: '^x' } } }] }, 'steps[0].trigger.operator', 'unknown operator(s) "property", "matches"'],
    ['an unknown operator in a nested trigger operator', { steps: [{ ...normalize, trigger: { type: 'OPERATOR', operator: { and: [{ like: { name: 'x' } }] } } }] }, 'steps[0].trigger.operator.and[0]', 'unknown operator(s) "like"'],
    ['an empty operator in a trigger', { steps: [{ ...normalize, trigger: { type: 'OPERATOR', operator: {} } }] }, 'steps[0].trigger.operator', 'empty operator'],
    ['a trigger OPERATOR without operator', { steps: [{ ...normalize, trigger: { type: 'OPERATOR' } }] }, 'steps[0].trigger.operator', ''],
    ['an unknown trigger type', { steps: [{ ...normalize, trigger: { type: 'SOMETIMES' } }] }, 'steps[0].trigger.type', ''],
    ['a NORMALIZER property that is not a path relative to data', { steps: [{ type: 'NORMALIZER', normalizer: { properties: [{ property: '/name', trim: true }] } }] }, 'steps[0].normalizer.properties[0].property', 'relative to data'],
    ['a SEGMENTER overlap not smaller than maxTokens', { steps: [{ type: 'SEGMENTER', segmenter: { inputProperty: 'name', propertyKey: 'chunks', modelId: 'clinia-chunk.1', maxTokens: 10, overlap: 10 } }] }, 'steps[0].segmenter.overlap', 'smaller than maxTokens'],
    ['a SEGMENTER without modelId', { steps: [{ type: 'SEGMENTER', segmenter: { inputProperty: 'name', propertyKey: 'chunks' } }] }, 'steps[0].segmenter.modelId', ''],
    ['a SEGMENTER propertyKey that is a path', { steps: [{ type: 'SEGMENTER', segmenter: { inputProperty: 'name', propertyKey: 'a.b', modelId: 'clinia-chunk.1' } }] }, 'steps[0].segmenter.propertyKey', 'must be a property key'],
    ['an unknown SEGMENTER modelId', { steps: [{ type: 'SEGMENTER', segmenter: { inputProperty: 'description', propertyKey: 'passages', modelId: 'no-such-model' } }] }, 'steps[0].segmenter.modelId', 'unknown segmenter model "no-such-model"; known: clinia-chunk.1, clinia-segment-v1'],
    ['an unknown VECTORIZER modelId (after a good step)', { steps: [segment, { type: 'VECTORIZER', vectorizer: { inputProperty: 'description.passages', propertyKey: 'vector', modelId: 'no-such-model' } }] }, 'steps[1].vectorizer.modelId', 'unknown embedding model "no-such-model"'],
    ['a segmenter model on a VECTORIZER', { steps: [{ type: 'VECTORIZER', vectorizer: { inputProperty: 'name', propertyKey: 'vector', modelId: 'clinia-chunk.1' } }] }, 'steps[0].vectorizer.modelId', 'unknown embedding model "clinia-chunk.1"'],
    ['a VALIDATOR with a bad onFailure', { steps: [{ type: 'VALIDATOR', validator: { rules: [{ name: 'n', assert: { eq: { name: '*' } }, message: 'm', onFailure: 'PANIC' }] } }] }, 'steps[0].validator.rules[0].onFailure', ''],
    ['a VALIDATOR assert in the old predicate form', { steps: [{ type: 'VALIDATOR', validator: { rules: [{ name: 'n', assert: { property: 'data.name', exists: true }, message: 'm', onFailure: 'FAIL' }] } }] }, 'steps[0].validator.rules[0].assert', 'unknown operator(s) "property", "exists"'],
    ['an unknown key on a step', { steps: [{ ...normalize, retries: 3 }] }, 'steps[0]', 'unknown key(s) "retries"'],
    ['steps that are not an array', { steps: 'NORMALIZER' }, 'steps', ''],
  ];
  test.each(badSteps)('%s → 400 with its path, no version stored', async (_name, body, path, message) => {
    const before = await api.store.pipelines.countDocuments({});
    expectInvalidAt(await api.request('PUT', pipelineOf('piped'), { body }), path, message);
    expect(await api.store.pipelines.countDocuments({})).toBe(before);
  });
});

describe('the catalog read cache', () => {
  const v1 = { type: 'ROOT' as const, properties: { a: { type: 'symbol' as const } } };
  const v2 = { type: 'ROOT' as const, properties: { a: { type: 'symbol' as const }, b: { type: 'symbol' as const, rules: [{ required: true }] } } };

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

  test('a new pipeline version is used by the next write through the same process', async () => {
    expect((await api.request('PUT', `${P}/cachepipe`, { body: v1 })).status).toBe(201);
    const first = await api.request('POST', `${R}/cachepipe`, { body: { data: { a: 'x' } } });
    expect({ status: first.status, outcome: first.body.status }).toEqual({ status: 201, outcome: 'PERSISTED' });
    expect((await api.request('PUT', pipelineOf('cachepipe'), { body: { steps: [{ type: 'HUMAN_REVIEW', humanReview: {} }] } })).status).toBe(201);
    const second = await api.request('POST', `${R}/cachepipe`, { body: { data: { a: 'y' } } });
    expect({ status: second.status, outcome: second.body.status }).toEqual({ status: 202, outcome: 'ACCEPTED' });
  });
});
