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
    ['a bad geopoint', 'office', { data: { name: 'O', location: { lat: 91, lon: 0 } } }, [{ path: 'data.location.lat' }]],
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

  test('an unknown resource type is 404, a CONTAINED profile is 400, an unknown source is 404', async () => {
    expectError(await api.request('POST', `${R}/spaceship`, { body: { data: {} } }), 404, 'NOT_FOUND');
    expectError(await api.request('POST', `${R}/paymentMethod`, { body: { data: { value: 'Visa' } } }), 400, 'INVALID_ARGUMENT');
    expectError(await api.request('POST', '/sources/nope/v1/resources/provider', { body: { data: { name: 'A' } } }), 404, 'NOT_FOUND');
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
  test('applies JSON Patch to data and contained; 200 PERSISTED', async () => {
    await api.request('PUT', `${R}/office/patch-1`, { body: { data: { name: 'Office' } } });
    const res = await api.request('PATCH', `${R}/office/patch-1`, {
      body: [
        { op: 'replace', path: '/data/name', value: 'Renamed' },
        { op: 'add', path: '/data/note', value: 'note' },
        { op: 'add', path: '/contained/alternativePaymentMethods', value: [{ type: 'paymentMethod', data: { value: 'Cash' } }] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('PERSISTED');
    expect(res.body.resource.data).toEqual({ name: 'Renamed', note: 'note' });
    expect(res.body.resource.contained.alternativePaymentMethods[0].id).toMatch(/^office\/patch-1\/alternativePaymentMethods\//);
    const remove = await api.request('PATCH', `${R}/office/patch-1`, { body: [{ op: 'remove', path: '/data/note' }] });
    expect(remove.body.resource.data).toEqual({ name: 'Renamed' });
  });

  test.each([
    ['a patch that breaks the profile', [{ op: 'remove', path: '/data/name' }], 'data.name'],
    ['a path outside data and contained', [{ op: 'replace', path: '/meta/createdAt', value: 'x' }], '[0].path'],
    ['a remove of a missing property', [{ op: 'remove', path: '/data/nothing' }], '[0]'],
    ['an unknown op', [{ op: 'move', from: '/data/a', path: '/data/b' }], '[0].op'],
    ['not an array', { op: 'remove', path: '/data/name' }, undefined],
  ])('%s → 400 and the record is unchanged', async (_name, body, path) => {
    await api.request('PUT', `${R}/provider/patch-bad`, { body: { data: { name: 'Same' } } });
    const res = await api.request('PATCH', `${R}/provider/patch-bad`, { body });
    const err = expectError(res, 400, 'INVALID_ARGUMENT');
    if (path) expect(err.details.map((d: { path?: string }) => d.path)).toContain(path);
    expect((await api.request('GET', `${R}/provider/patch-bad`)).body.data).toEqual({ name: 'Same' });
  });

  test('PATCH of a missing resource is 404', async () => {
    expectError(await api.request('PATCH', `${R}/provider/nobody`, { body: [{ op: 'add', path: '/data/name', value: 'x' }] }), 404, 'NOT_FOUND');
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
