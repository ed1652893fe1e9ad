import { expectError, startApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

const R = '/sources/demo/v1/resources';

async function countResources(): Promise<number> {
  return api.store.resources.countDocuments({});
}

describe('create (POST)', () => {
  test('generates a KSUID id, persists, answers 201 PERSISTED with the resource and a task', async () => {
    const res = await api.request('POST', `${R}/provider`, { body: { data: { name: 'John Doe', practiceNumber: 1020993, specialities: ['Pharmacist'] } } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      taskId: expect.stringMatching(/^s_[0-9A-Za-z]{27}$/),
      status: 'PERSISTED',
      resource: {
        id: expect.stringMatching(/^[0-9A-Za-z]{27}$/),
        type: 'provider',
        data: { name: 'John Doe', practiceNumber: 1020993, specialities: ['Pharmacist'] },
        contained: {},
        meta: { createdAt: expect.any(String), updatedAt: expect.any(String), identifier: [], source: 'demo', versionId: '1' },
      },
    });
    const read = await api.request('GET', `${R}/provider/${res.body.resource.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body.resource);

    const task = await api.request('GET', `/sources/demo/v1/tasks/${res.body.taskId}?withReceipts=true`);
    expect(task.status).toBe(200);
    expect(task.body).toEqual(expect.objectContaining({
      taskId: res.body.taskId,
      status: 'SUCCESS',
      receipts: [{
        taskId: res.body.taskId, action: 'CREATE', targetType: 'RESOURCE', type: 'provider', id: res.body.resource.id,
        status: 'SUCCESS', receivedAt: expect.any(String), completedAt: expect.any(String),
      }],
    }));
    const withoutReceipts = await api.request('GET', `/sources/demo/v1/tasks/${res.body.taskId}`);
    expect(withoutReceipts.body.receipts).toBeUndefined();
    expect(withoutReceipts.body.status).toBe('SUCCESS');
  });

  test('a client id is kept; the same id again is 409 ALREADY_EXISTS and nothing changes', async () => {
    const first = await api.request('POST', `${R}/provider`, { body: { id: 'prov-1', data: { name: 'A' } } });
    expect(first.status).toBe(201);
    expect(first.body.resource.id).toBe('prov-1');
    const again = await api.request('POST', `${R}/provider`, { body: { id: 'prov-1', data: { name: 'B' } } });
    expectError(again, 409, 'ALREADY_EXISTS');
    expect((await api.request('GET', `${R}/provider/prov-1`)).body.data).toEqual({ name: 'A' });
  });

  test('@rootId as id and in a reference is replaced with the generated id', async () => {
    const res = await api.request('POST', `${R}/clinic`, { body: { id: '@rootId', data: { name: 'Self', office: '@rootId' } } });
    expect(res.status).toBe(201);
    expect(res.body.resource.data.office).toBe(res.body.resource.id);
    expect(res.body.resource.id).not.toBe('@rootId');
  });

  test('contained resources get ids of the form {rootType}/{rootId}/{containKey}/{id}', async () => {
    const res = await api.request('POST', `${R}/office`, {
      body: {
        id: 'office-1',
        data: { name: 'South West Clinic', note: 'Offering the best services in Toronto' },
        contained: {
          primaryPaymentMethod: [{ type: 'paymentMethod', data: { value: 'Visa' } }],
          alternativePaymentMethods: [
            { id: 'office/office-1/alternativePaymentMethods/mc', type: 'paymentMethod', data: { value: 'Mastercard' } },
            { id: 'amex', type: 'paymentMethod', data: { value: 'Amex' } },
          ],
        },
      },
    });
    expect(res.status).toBe(201);
    const c = res.body.resource.contained;
    expect(c.primaryPaymentMethod[0].id).toMatch(/^office\/office-1\/primaryPaymentMethod\/[0-9A-Za-z]{27}$/);
    expect(c.alternativePaymentMethods.map((i: { id: string }) => i.id)).toEqual([
      'office/office-1/alternativePaymentMethods/mc',
      'office/office-1/alternativePaymentMethods/amex',
    ]);
  });

  test('historical import: client createdAt, updatedAt and identifiers are kept', async () => {
    const meta = {
      createdAt: '2023-12-12T15:30:10.000Z',
      updatedAt: '2023-12-12T15:31:10.000Z',
      identifier: [{ system: 'https://npi.example', use: 'official', value: '123' }],
    };
    const res = await api.request('POST', `${R}/provider`, { body: { data: { name: 'Old' }, meta } });
    expect(res.status).toBe(201);
    expect(res.body.resource.meta).toEqual(expect.objectContaining(meta));
  });

  const badCreates: Array<[string, string, unknown, Array<{ path?: string; message?: unknown }>]> = [
    ['missing data', 'provider', { id: 'x1' }, [{ path: 'data' }]],
    ['data of the wrong type', 'provider', { data: 'John' }, [{ path: 'data' }]],
    ['a required property missing', 'provider', { data: {} }, [{ path: 'data.name' }]],
    ['a property of the wrong type', 'provider', { data: { name: 'A', practiceNumber: 'ten' } }, [{ path: 'data.practiceNumber' }]],
    ['an unknown property', 'provider', { data: { name: 'A', shoeSize: 42 } }, [{ path: 'data.shoeSize' }]],
    ['a bad id', 'provider', { id: 'has space', data: { name: 'A' } }, [{ path: 'id' }]],
    ['an unknown top-level field', 'provider', { data: { name: 'A' }, extra: 1 }, [{}]],
    ['a bad nested array item', 'provider', { data: { name: 'A', specialities: ['ok', 3] } }, [{ path: 'data.specialities[1]' }]],
    ['a code outside its vocabulary', 'office', { data: { name: 'O' }, contained: { primaryPaymentMethod: [{ type: 'paymentMethod', data: { value: 'Bitcoin' } }] } }, [{ path: 'contained.primaryPaymentMethod[0].data.value' }]],
    ['too many items for 0:1', 'office', { data: { name: 'O' }, contained: { primaryPaymentMethod: [{ type: 'paymentMethod', data: { value: 'Visa' } }, { type: 'paymentMethod', data: { value: 'Amex' } }] } }, [{ path: 'contained.primaryPaymentMethod' }]],
    ['an unknown contain key', 'office', { data: { name: 'O' }, contained: { nope: [] } }, [{ path: 'contained.nope' }]],
    ['a contained id for another root', 'office', { id: 'o-9', data: { name: 'O' }, contained: { primaryPaymentMethod: [{ id: 'office/other/primaryPaymentMethod/x1', type: 'paymentMethod', data: { value: 'Visa' } }] } }, [{ path: 'contained.primaryPaymentMethod[0].id' }]],
    ['a bad geopoint', 'office', { data: { name: 'O', location: { latitude: 91, longitude: 0 } } }, [{ path: 'data.location.latitude' }]],
    // The documented geopoint is {latitude, longitude}; the old {lat, lon} keys are unknown.
    ['a geopoint in the old {lat, lon} form', 'office', { data: { name: 'O', location: { lat: 45, lon: -73 } } }, [{ path: 'data.location.lat' }, { path: 'data.location.latitude', message: 'is required' }]],
    ['a contact point system outside its values', 'provider', { data: { name: 'A', telecom: [{ system: 'telegram', value: 'x' }] } }, [{ path: 'data.telecom[0].system' }]],
    ['a symbol that is not a string', 'provider', { data: { name: 'A', specialities: [['nested']] } }, [{ path: 'data.specialities[0]' }]],
    ['a bad date', 'clinic', { data: { name: 'C', openedOn: '2024-02-30' } }, [{ path: 'data.openedOn' }]],
    ['a bad url', 'clinic', { data: { name: 'C', website: 'not a url' } }, [{ path: 'data.website' }]],
    ['an unknown @rootId token', 'clinic', { data: { name: 'C', office: '@rootId7' } }, [{ path: 'data.office' }]],
    ['updatedAt without createdAt', 'provider', { data: { name: 'A' }, meta: { updatedAt: '2023-01-01T00:00:00Z' } }, [{ path: 'meta.updatedAt', message: 'updatedAt requires createdAt' }]],
    ['updatedAt before createdAt', 'provider', { data: { name: 'A' }, meta: { createdAt: '2023-01-02T00:00:00Z', updatedAt: '2023-01-01T00:00:00Z' } }, [{ path: 'meta.updatedAt', message: 'updatedAt must be greater than or equal to createdAt' }]],
    ['createdAt in the future', 'provider', { data: { name: 'A' }, meta: { createdAt: '2999-01-01T00:00:00Z' } }, [{ path: 'meta.createdAt', message: 'createdAt cannot be in the future' }]],
    ['identifier use source', 'provider', { data: { name: 'A' }, meta: { identifier: [{ system: 's', use: 'source', value: '1' }] } }, [{ path: 'meta.identifier[0].use' }]],
    ['identifier system mdm', 'provider', { data: { name: 'A' }, meta: { identifier: [{ system: 'mdm', value: '1' }] } }, [{ path: 'meta.identifier[0].system' }]],
    ['duplicate identifiers', 'provider', { data: { name: 'A' }, meta: { identifier: [{ system: 's', value: '1' }, { system: 's', value: '1' }] } }, [{ path: 'meta.identifier[1]' }]],
    ['a non-ISO createdAt', 'provider', { data: { name: 'A' }, meta: { createdAt: 'yesterday' } }, [{ path: 'meta.createdAt' }]],
  ];
  test.each(badCreates)('%s → 400 INVALID_ARGUMENT with the path, nothing written', async (_name, type, body, expected) => {
    const before = await countResources();
    const res = await api.request('POST', `${R}/${type}`, { body });
    const err = expectError(res, 400, 'INVALID_ARGUMENT');
    for (const detail of expected) expect(err.details).toEqual(expect.arrayContaining([expect.objectContaining(detail)]));
    expect(await countResources()).toBe(before);
  });

  test('a symbol is any Unicode string now: whitespace is accepted (it used to be refused)', async () => {
    const res = await api.request('POST', `${R}/provider`, { body: { data: { name: '  Dr.\tJane   Doe\n', specialities: ['Family medicine', 'Médecine familiale'] } } });
    expect(res.status).toBe(201);
    expect(res.body.resource.data).toEqual({ name: '  Dr.\tJane   Doe\n', specialities: ['Family medicine', 'Médecine familiale'] });
  });

  test('the "use" codes of addresses, names and contact points are not enforced any more (the docs call them proposed)', async () => {
    const provider = { name: 'Uses', telecom: [{ system: 'phone', value: '514-398-4455', use: 'car' }], names: [{ use: 'stage', family: 'Doe', given: ['Jane'] }] };
    const office = { name: 'Uses Office', address: { use: 'shipping', type: 'warehouse', city: 'Montreal' }, location: { latitude: 45.5, longitude: -73.6 } };
    const p = await api.request('POST', `${R}/provider`, { body: { data: provider } });
    expect(p.status).toBe(201);
    expect(p.body.resource.data).toEqual(provider);
    const o = await api.request('POST', `${R}/office`, { body: { data: office } });
    expect(o.status).toBe(201);
    expect(o.body.resource.data).toEqual(office);
  });

  test('an unknown resource type is 404, a CONTAINED profile is 400, an unknown source is 404', async () => {
    expectError(await api.request('POST', `${R}/spaceship`, { body: { data: {} } }), 404, 'NOT_FOUND');
    expectError(await api.request('POST', `${R}/paymentMethod`, { body: { data: { value: 'Visa' } } }), 400, 'INVALID_ARGUMENT');
    expectError(await api.request('POST', '/sources/nope/v1/resources/provider', { body: { data: { name: 'A' } } }), 404, 'NOT_FOUND');
  });
});

describe('read (GET)', () => {
  test('by identifier {system}:{value}:{use}: the system may hold ":"; every part must match', async () => {
    const identifier = { system: 'https://npi.example/ids', value: 'NPI-42', use: 'official' };
    const created = await api.request('POST', `${R}/provider`, { body: { id: 'ident-1', data: { name: 'Identified' }, meta: { identifier: [{ system: 'urn:other', value: '1', use: 'usual' }, identifier] } } });
    expect(created.status).toBe(201);
    const byIdentifier = await api.request('GET', `${R}/provider/${encodeURIComponent(`${identifier.system}:${identifier.value}:${identifier.use}`)}`);
    expect(byIdentifier.status).toBe(200);
    expect(byIdentifier.body).toEqual(created.body.resource);
    expect((await api.request('GET', `${R}/provider/${encodeURIComponent('urn:other:1:usual')}`)).body.id).toBe('ident-1');
    for (const other of [`${identifier.system}:${identifier.value}:usual`, `${identifier.system}:NPI-43:${identifier.use}`, `urn:other:${identifier.value}:${identifier.use}`]) {
      expectError(await api.request('GET', `${R}/provider/${encodeURIComponent(other)}`), 404, 'NOT_FOUND');
    }
    // An identifier reads resources of the named type only.
    expectError(await api.request('GET', `${R}/office/${encodeURIComponent(`${identifier.system}:${identifier.value}:${identifier.use}`)}`), 404, 'NOT_FOUND');
  });
});

describe('complex types of the docs', () => {
  beforeAll(async () => {
    const profile = {
      type: 'ROOT',
      properties: {
        title: { type: 'symbol' },
        body: { type: 'xhtml' },
        file: { type: 'attachment' },
        contact: { type: 'contactdetail' },
        category: { type: 'coding' },
        valid: { type: 'period' },
      },
    };
    expect((await api.request('PUT', '/sources/demo/v1/profiles/doc', { body: profile })).status).toBe(201);
  });

  test('attachment, contactdetail, coding, period (with id) and xhtml are accepted', async () => {
    const data = {
      title: 'Leaflet',
      body: '<div xmlns="http://www.w3.org/1999/xhtml">Hello</div>',
      file: { title: 'Leaflet', contentType: 'application/pdf', url: 'https://example.org/leaflet.pdf', language: 'fr-CA', size: 1024, creation: '2024-05-01T12:00:00Z' },
      contact: { name: 'Front desk', telecom: [{ system: 'phone', value: '514-398-4455', use: 'work' }] },
      category: { system: 'http://snomed.info/sct', version: '2024', code: '1234', display: 'Leaflet' },
      valid: { id: 'p1', start: '2024-01-01T00:00:00Z', end: '2024-12-31T00:00:00Z' },
    };
    const res = await api.request('POST', `${R}/doc`, { body: { data } });
    expect(res.status).toBe(201);
    expect(res.body.resource.data).toEqual(data);
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['coding has no userSelected any more', { category: { code: 'x', userSelected: true } }, 'data.category.userSelected'],
    ['an attachment size below 0', { file: { size: -1 } }, 'data.file.size'],
    ['an attachment key the docs do not list', { file: { data: 'AAAA' } }, 'data.file.data'],
    ['a contactdetail telecom with a bad system', { contact: { telecom: [{ system: 'pigeon' }] } }, 'data.contact.telecom[0].system'],
    ['a period ending before it starts', { valid: { start: '2024-02-01T00:00:00Z', end: '2024-01-01T00:00:00Z' } }, 'data.valid'],
  ])('%s → 400 with its path', async (_name, data, path) => {
    const err = expectError(await api.request('POST', `${R}/doc`, { body: { data } }), 400, 'INVALID_ARGUMENT');
    expect(err.details.map((d: { path?: string }) => d.path)).toContain(path);
  });
});

describe('upsert (PUT)', () => {
  test('creates with 201, then updates with 200 and a new version; createdAt stays', async () => {
    const created = await api.request('PUT', `${R}/provider/up-1`, { body: { data: { name: 'First' } } });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('PERSISTED');
    const updated = await api.request('PUT', `${R}/provider/up-1`, { body: { data: { name: 'Second' } } });
    expect(updated.status).toBe(200);
    expect(updated.body.resource.data).toEqual({ name: 'Second' });
    expect(updated.body.resource.meta.versionId).toBe('2');
    expect(updated.body.resource.meta.createdAt).toBe(created.body.resource.meta.createdAt);
    const task = await api.request('GET', `/sources/demo/v1/tasks/${updated.body.taskId}?withReceipts=true`);
    expect(task.body.receipts[0]).toEqual(expect.objectContaining({ action: 'UPSERT', id: 'up-1', status: 'SUCCESS' }));
  });

  test('meta timestamps on an upsert that updates are refused; on one that creates they are kept', async () => {
    const meta = { createdAt: '2020-01-01T00:00:00Z' };
    const created = await api.request('PUT', `${R}/provider/up-2`, { body: { data: { name: 'A' }, meta } });
    expect(created.status).toBe(201);
    expect(created.body.resource.meta.createdAt).toBe('2020-01-01T00:00:00Z');
    const refused = await api.request('PUT', `${R}/provider/up-2`, { body: { data: { name: 'B' }, meta } });
    const err = expectError(refused, 400, 'INVALID_ARGUMENT');
    expect(err.details).toEqual([{ path: 'meta.createdAt', message: 'createdAt is set by the system on update and cannot be given' }]);
    expect((await api.request('GET', `${R}/provider/up-2`)).body.data).toEqual({ name: 'A' });
  });

  test('an invalid body on update leaves the stored record unchanged', async () => {
    await api.request('PUT', `${R}/provider/up-3`, { body: { data: { name: 'Keep' } } });
    expectError(await api.request('PUT', `${R}/provider/up-3`, { body: { data: { practiceNumber: 1.5 } } }), 400, 'INVALID_ARGUMENT');
    expect((await api.request('GET', `${R}/provider/up-3`)).body.data).toEqual({ name: 'Keep' });
  });

  test('concurrent upserts of one record all succeed and the record holds one of them whole', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `N${i}`);
    const results = await Promise.all(names.map((name) => api.request('PUT', `${R}/provider/up-race`, { body: { data: { name } } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const stored = await api.request('GET', `${R}/provider/up-race`);
    expect(names).toContain(stored.body.data.name);
    expect(stored.body.meta.versionId).toBe('10');
  });
});

describe('update (PATCH)', () => {
  test('applies JSON Patch to data, paths relative to data; contained is left as it is; 200 PERSISTED', async () => {
    const put = await api.request('PUT', `${R}/office/patch-1`, { body: { data: { name: 'Office', address: { city: 'Laval' } }, contained: { alternativePaymentMethods: [{ type: 'paymentMethod', data: { value: 'Cash' } }] } } });
    const contained = put.body.resource.contained;
    const res = await api.request('PATCH', `${R}/office/patch-1`, {
      body: [
        { op: 'replace', path: '/name', value: 'Renamed' },
        { op: 'add', path: '/note', value: 'note' },
        { op: 'replace', path: '/address/city', value: 'Montreal' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('PERSISTED');
    expect(res.body.resource.data).toEqual({ name: 'Renamed', note: 'note', address: { city: 'Montreal' } });
    expect(res.body.resource.contained).toEqual(contained);
    const remove = await api.request('PATCH', `${R}/office/patch-1`, { body: [{ op: 'remove', path: '/note' }, { op: 'remove', path: '/address' }] });
    expect(remove.body.resource.data).toEqual({ name: 'Renamed' });
    // The root "" is the whole data.
    const whole = await api.request('PATCH', `${R}/office/patch-1`, { body: [{ op: 'replace', path: '', value: { name: 'Whole', note: 'new' } }] });
    expect(whole.status).toBe(200);
    expect(whole.body.resource.data).toEqual({ name: 'Whole', note: 'new' });
    expect(whole.body.resource.contained).toEqual(contained);
    expect(whole.body.resource.meta.versionId).toBe('4');
  });

  test.each([
    ['a patch that breaks the profile', [{ op: 'remove', path: '/name' }], 'data.name'],
    ['a path that is not a JSON pointer', [{ op: 'replace', path: 'name', value: 'x' }], '[0].path'],
    // Paths are relative to data: `/meta/...` is a path in data (there is no meta there), not the record's meta.
    ['a path into meta', [{ op: 'replace', path: '/meta/createdAt', value: 'x' }], '[0]'],
    ['a remove of a missing property', [{ op: 'remove', path: '/nothing' }], '[0]'],
    ['an unknown op', [{ op: 'move', from: '/a', path: '/b' }], '[0].op'],
    ['not an array', { op: 'remove', path: '/name' }, undefined],
    // The old forms now name properties `data` and `contained` of data.
    ['the old /data/name form (no property data)', [{ op: 'replace', path: '/data/name', value: 'x' }], '[0]'],
    ['adding /data (an undeclared property data)', [{ op: 'add', path: '/data', value: { name: 'x' } }], 'data.data'],
    ['the old /contained/... form (no property contained)', [{ op: 'add', path: '/contained/alternativePaymentMethods', value: [] }], '[0]'],
    ['adding /contained (an undeclared property contained)', [{ op: 'add', path: '/contained', value: {} }], 'data.contained'],
    ['replacing the whole data with an array', [{ op: 'replace', path: '', value: [] }], undefined],
  ])('%s → 400 and the record is unchanged', async (_name, body, path) => {
    await api.request('PUT', `${R}/provider/patch-bad`, { body: { data: { name: 'Same' } } });
    const res = await api.request('PATCH', `${R}/provider/patch-bad`, { body });
    const err = expectError(res, 400, 'INVALID_ARGUMENT');
    if (path) expect(err.details.map((d: { path?: string }) => d.path)).toContain(path);
    expect((await api.request('GET', `${R}/provider/patch-bad`)).body.data).toEqual({ name: 'Same' });
  });

  test('PATCH of a missing resource is 404', async () => {
    expectError(await api.request('PATCH', `${R}/provider/nobody`, { body: [{ op: 'add', path: '/name', value: 'x' }] }), 404, 'NOT_FOUND');
  });
});

describe('contained endpoints', () => {
  test('POST adds, PUT replaces or adds, DELETE removes; each answers the root resource', async () => {
    await api.request('PUT', `${R}/office/nest-1`, { body: { data: { name: 'Nest' } } });
    const added = await api.request('POST', `${R}/office/nest-1/alternativePaymentMethods`, { body: { type: 'paymentMethod', data: { value: 'Visa' } } });
    expect(added.status).toBe(200);
    expect(added.body.status).toBe('PERSISTED');
    expect(added.body.resource.id).toBe('nest-1');
    const itemId: string = added.body.resource.contained.alternativePaymentMethods[0].id;
    const shortId = itemId.split('/')[3];

    const replaced = await api.request('PUT', `${R}/office/nest-1/alternativePaymentMethods/${shortId}`, { body: { data: { value: 'Amex' } } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.resource.contained.alternativePaymentMethods).toEqual([{ id: itemId, type: 'paymentMethod', data: { value: 'Amex' } }]);

    const put = await api.request('PUT', `${R}/office/nest-1/primaryPaymentMethod/main`, { body: { type: 'paymentMethod', data: { value: 'Cash' } } });
    expect(put.body.resource.contained.primaryPaymentMethod).toEqual([{ id: 'office/nest-1/primaryPaymentMethod/main', type: 'paymentMethod', data: { value: 'Cash' } }]);
    expectError(await api.request('POST', `${R}/office/nest-1/primaryPaymentMethod`, { body: { type: 'paymentMethod', data: { value: 'Visa' } } }), 400, 'INVALID_ARGUMENT');

    const removed = await api.request('DELETE', `${R}/office/nest-1/alternativePaymentMethods/${shortId}`);
    expect(removed.status).toBe(200);
    expect(removed.body.resource.contained.alternativePaymentMethods).toBeUndefined();
    expectError(await api.request('DELETE', `${R}/office/nest-1/alternativePaymentMethods/${shortId}`), 404, 'NOT_FOUND');
    // A contained item body may carry `contained: {}` (the docs' body shape); a non-empty one is refused.
    const withEmpty = await api.request('POST', `${R}/office/nest-1/alternativePaymentMethods`, { body: { type: 'paymentMethod', data: { value: 'Visa' }, contained: {} } });
    expect(withEmpty.status).toBe(200);
    expect(withEmpty.body.resource.contained.alternativePaymentMethods).toEqual([expect.objectContaining({ type: 'paymentMethod', data: { value: 'Visa' } })]);
    expect(withEmpty.body.resource.contained.alternativePaymentMethods[0]).not.toHaveProperty('contained');
    const nested = expectError(await api.request('PUT', `${R}/office/nest-1/alternativePaymentMethods/deep`, { body: { type: 'paymentMethod', data: { value: 'Amex' }, contained: { more: [] } } }), 400, 'INVALID_ARGUMENT');
    expect(nested.details).toEqual([expect.objectContaining({ path: 'contained', message: expect.stringContaining('must be empty') })]);
    expect((await api.request('GET', `${R}/office/nest-1`)).body.contained.alternativePaymentMethods).toHaveLength(1);
    expectError(await api.request('POST', `${R}/office/nest-1/unknownKey`, { body: { type: 'paymentMethod', data: { value: 'Visa' } } }), 400, 'INVALID_ARGUMENT');
    expectError(await api.request('POST', `${R}/office/nobody/alternativePaymentMethods`, { body: { type: 'paymentMethod', data: { value: 'Visa' } } }), 404, 'NOT_FOUND');
  });
});

describe('delete and list', () => {
  test('DELETE answers 200 PERSISTED with a task; then GET is 404 and DELETE again is 404', async () => {
    await api.request('PUT', `${R}/provider/del-1`, { body: { data: { name: 'Gone' } } });
    const res = await api.request('DELETE', `${R}/provider/del-1`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ taskId: expect.stringMatching(/^s_/), status: 'PERSISTED' });
    expectError(await api.request('GET', `${R}/provider/del-1`), 404, 'NOT_FOUND');
    expectError(await api.request('DELETE', `${R}/provider/del-1`), 404, 'NOT_FOUND');
    const task = await api.request('GET', `/sources/demo/v1/tasks/${res.body.taskId}?withReceipts=true`);
    expect(task.body.receipts[0]).toEqual(expect.objectContaining({ action: 'DELETE', id: 'del-1', status: 'SUCCESS' }));
  });

  test('list pages through every resource of a type exactly once', async () => {
    for (let i = 0; i < 7; i++) await api.request('PUT', `${R}/clinic/list-${i}`, { body: { data: { name: `C${i}` } } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await api.request('GET', `${R}/clinic?perPage=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.data.map((r: { id: string }) => r.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = await api.store.resources.find({ source: 'demo', type: 'clinic' }).toArray();
    expect(seen.sort()).toEqual(all.map((d) => d.id).sort());
    expectError(await api.request('GET', `${R}/clinic?perPage=0`), 400, 'INVALID_ARGUMENT');
    expectError(await api.request('GET', `${R}/clinic?cursor=%25%25`), 400, 'INVALID_ARGUMENT');
  });
});
