import { expectDocError, putProfile, settledTask, useConformance } from './setup';
import {
  BulkAcceptedShape, BundleSubmissionShape, HistoryItemWithPayloadShape, HistoryListShape, ReceiptShape, RelationshipDefinitionShape,
  RelationshipShape, RelationshipWriteShape, ResourceShape, ResourceWriteShape, SourceShape, TaskShape, expectShape,
} from './shapes';

const PAGE = 'https://docs.clinia.com/guides/managing-data/historical-import';
// The bulk example with metadata ("Bulk API Metadata") is on the older version of the guide.
const README_PAGE = 'https://clinia.readme.io/docs/historical-import';

// The guide's walk-through, end to end, in its source `history-demo`: each test is one step and builds on the
// previous ones (jest runs them in order).
const c = useConformance('history-demo', { worker: true, createSource: false });

const MRN = { system: 'http://hospital.example.com/patients', value: 'MRN-123456', use: 'usual', period: { start: '2020-01-01T00:00:00Z' } };
const same = (a: string, b: string) => expect(Date.parse(a)).toBe(Date.parse(b));

describe(`Historical import — ${PAGE}`, () => {
  const importer = { id: '', key: '', email: 'migration@hospital.example.com' };
  const tasks: Record<string, string> = {};
  let practitionerId = '';

  test('Set up 1: "Create a source": PUT /catalog/v1/sources/history-demo {"type": "registry"}', async () => {
    const res = await c.api.request('PUT', '/catalog/v1/sources/history-demo', { body: { type: 'registry' } });
    expect(res.status).toBe(201);
    expect(expectShape(SourceShape, res.body)).toEqual(expect.objectContaining({ key: 'history-demo', type: 'registry' }));
  });

  test('Set up 2: "Create minimal profiles": the patient profile as the guide writes it, and a practitioner', async () => {
    const patient = await putProfile(c, 'patient', {
      type: 'ROOT',
      properties: {
        name: { type: 'array', items: { type: 'humanname' } },
        birthDate: { type: 'date' },
      },
    });
    expect(patient).toEqual(expect.objectContaining({ key: 'patient', type: 'ROOT', properties: { name: { type: 'array', items: { type: 'humanname' } }, birthDate: { type: 'date' } } }));
    // The guide's practitioner body is cut off in the stored page; a practitioner with names and qualifications.
    await putProfile(c, 'practitioner', {
      type: 'ROOT',
      properties: { name: { type: 'array', items: { type: 'humanname' } }, qualification: { type: 'array', items: { type: 'coding' } } },
    });
  });

  test('Set up 3: "Create a relationship definition" between patients and their practitioner', async () => {
    const res = await c.call('PUT', '/relationship-definitions/patient-practitioner', {
      body: {
        from: { profileKey: 'patient', includeKey: 'generalPractitioner', includeCardinality: '0:*' },
        to: { profileKey: 'practitioner', includeKey: 'patients', includeCardinality: '0:*' },
        description: 'The general practitioner of a patient.',
        properties: { since: { type: 'date' } },
      },
    });
    expect(res.status).toBe(201);
    expectShape(RelationshipDefinitionShape, res.body);
  });

  test('an ingest key with an e-mail, so that the history names its author (POST /admin/v1/api-keys {name, email, roles, sources})', async () => {
    const res = await c.api.request('POST', '/admin/v1/api-keys', { body: { name: 'EHR migration', email: importer.email, roles: ['ingest'], sources: ['history-demo'] } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(expect.objectContaining({ id: expect.any(String), key: expect.any(String), email: importer.email }));
    importer.id = res.body.id;
    importer.key = res.body.key;
  });

  test('"Resource Upsert": system-modifiable metadata {createdAt, updatedAt, identifier} when creating a resource', async () => {
    const res = await c.call('PUT', '/resources/patient/pat-001', {
      key: importer.key,
      body: {
        meta: { createdAt: '2015-06-01T08:00:00Z', updatedAt: '2021-03-15T10:30:00Z', identifier: [MRN] },
        data: { name: [{ use: 'official', family: 'Lopez', given: ['Maria', 'Elena'] }], birthDate: '1980-04-12' },
      },
    });
    expect(res.status).toBe(201);
    const { resource, taskId } = expectShape(ResourceWriteShape, res.body);
    tasks.upsert = taskId;
    same(resource.meta.createdAt, '2015-06-01T08:00:00Z');
    same(resource.meta.updatedAt, '2021-03-15T10:30:00Z');
    expect(resource.meta).toEqual(expect.objectContaining({ identifier: [MRN], source: 'history-demo' }));
    const read = expectShape(ResourceShape, (await c.call('GET', '/resources/patient/pat-001')).body);
    same(read.meta.createdAt, '2015-06-01T08:00:00Z');
    expect(read.meta.identifier).toEqual([MRN]);
  });

  test('a create (POST) with metadata, and "Relationship Create": "historical metadata on the link itself"', async () => {
    const prac = await c.call('POST', '/resources/practitioner', {
      key: importer.key,
      body: {
        data: { name: [{ family: 'Wilson', given: ['Sarah'], prefix: ['Dr.'] }], qualification: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0360', code: 'MD', display: 'Doctor of Medicine' }] },
        meta: { createdAt: '2012-09-01T00:00:00Z', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893', use: 'official' }] },
      },
    });
    expect(prac.status).toBe(201);
    practitionerId = expectShape(ResourceWriteShape, prac.body).resource.id;
    same(prac.body.resource.meta.createdAt, '2012-09-01T00:00:00Z');

    const rel = await c.call('POST', '/relationships/patient-practitioner', {
      key: importer.key,
      body: { from: { id: 'pat-001', type: 'patient' }, to: { id: practitionerId, type: 'practitioner' }, meta: { createdAt: '2016-01-10T09:00:00Z', updatedAt: '2019-05-02T14:00:00Z' }, data: { since: '2016-01-10' } },
    });
    expect(rel.status).toBe(201);
    const { relationship } = expectShape(RelationshipWriteShape, rel.body);
    tasks.relationship = rel.body.taskId;
    same(relationship.meta.createdAt, '2016-01-10T09:00:00Z');
    same(relationship.meta.updatedAt, '2019-05-02T14:00:00Z');
    same(expectShape(RelationshipShape, (await c.call('GET', `/relationships/patient-practitioner/pat-001.${practitionerId}`)).body).meta.createdAt, '2016-01-10T09:00:00Z');
  });

  test(`"Bulk API Metadata" (${README_PAGE}): CREATE and UPSERT operations with meta, and the task with its receipts`, async () => {
    const res = await c.call('POST', '/resources/bulk', {
      key: importer.key,
      body: {
        operations: [
          {
            action: 'CREATE',
            create: {
              id: 'pat-002',
              type: 'patient',
              data: { name: [{ family: 'Tremblay', given: ['Luc'] }], birthDate: '1972-11' },
              contained: {},
              meta: {
                createdAt: '2023-12-12T15:30:10.0000Z',
                updatedAt: '2023-12-12T15:31:10.0000Z',
                identifier: [{ system: 'http://hospital.example.com/patients', use: 'usual', value: 'MRN-654321', period: { start: '2023-12-12T15:30:10Z', end: '2033-12-12T15:30:10Z' } }],
              },
            },
          },
          {
            action: 'UPSERT',
            upsert: {
              id: 'pat-003',
              type: 'patient',
              data: { name: [{ family: 'Nguyen', given: ['An'] }] },
              contained: {},
              meta: { createdAt: '2023-12-12T15:30:10.0000Z', updatedAt: '2023-12-12T15:31:10.0000Z' },
            },
          },
        ],
      },
    });
    expect(res.status).toBe(202);
    tasks.bulk = expectShape(BulkAcceptedShape, res.body).taskId;
    const task = await settledTask(c, tasks.bulk);
    expect(task.status).toBe('SUCCESS');
    expect((task.receipts as unknown[]).map((r) => expectShape(ReceiptShape, r)).map((r) => [r.taskId, r.action, r.targetType, r.type, r.id, r.status])).toEqual([
      [tasks.bulk, 'CREATE', 'RESOURCE', 'patient', 'pat-002', 'SUCCESS'],
      [tasks.bulk, 'UPSERT', 'RESOURCE', 'patient', 'pat-003', 'SUCCESS'],
    ]);
    expectShape(TaskShape, task);
    const pat2 = expectShape(ResourceShape, (await c.call('GET', '/resources/patient/pat-002')).body);
    same(pat2.meta.createdAt, '2023-12-12T15:30:10Z');
    same(pat2.meta.updatedAt, '2023-12-12T15:31:10Z');
    const pat3 = expectShape(ResourceShape, (await c.call('GET', '/resources/patient/pat-003')).body);
    same(pat3.meta.updatedAt, '2023-12-12T15:31:10Z');
  });

  test('a bundle with metadata on its resource and relationship operations (@rootId1), and its task', async () => {
    const res = await c.call('POST', '/bundle', {
      key: importer.key,
      body: {
        resourceOperations: [
          { action: 'CREATE', create: { id: 'pat-004', type: 'patient', data: { birthDate: '1991-02-03' }, meta: { createdAt: '2018-07-01T12:00:00Z', updatedAt: '2018-07-01T12:00:00Z' } } },
          { action: 'UPSERT', upsert: { id: 'pat-001', type: 'patient', data: { name: [{ use: 'official', family: 'Lopez', given: ['Maria', 'Elena'] }], birthDate: '1980-04-21' } } },
        ],
        relationshipOperations: [
          { action: 'CREATE', create: { type: 'patient-practitioner', from: { id: '@rootId1', type: 'patient' }, to: { id: practitionerId, type: 'practitioner' }, meta: { createdAt: '2018-07-01T12:00:00Z' }, data: { since: '2018-07' } } },
        ],
      },
    });
    expect([201, 202]).toContain(res.status);
    tasks.bundle = expectShape(BundleSubmissionShape, res.body).taskId;
    const task = await settledTask(c, tasks.bundle);
    expect(task.status).toBe('SUCCESS');
    expect((task.receipts as unknown[]).map((r) => expectShape(ReceiptShape, r)).map((r) => [r.action, r.targetType, r.id, r.status])).toEqual([
      ['CREATE', 'RESOURCE', 'pat-004', 'SUCCESS'], ['UPSERT', 'RESOURCE', 'pat-001', 'SUCCESS'], ['CREATE', 'RELATIONSHIP', `pat-004.${practitionerId}`, 'SUCCESS'],
    ]);
    same(expectShape(RelationshipShape, (await c.call('GET', `/relationships/patient-practitioner/pat-004.${practitionerId}`)).body).meta.createdAt, '2018-07-01T12:00:00Z');
    // The historical createdAt of pat-001 stays; the update is now.
    const pat1 = expectShape(ResourceShape, (await c.call('GET', '/resources/patient/pat-001')).body);
    same(pat1.meta.createdAt, '2015-06-01T08:00:00Z');
    expect(Date.parse(pat1.meta.updatedAt)).toBeGreaterThan(Date.parse('2021-03-15T10:30:00Z'));
  });

  test('an update by another key (admin, no e-mail), then the history of the patient: each operation in order with its task and its author', async () => {
    const patch = await c.call('PATCH', '/resources/patient/pat-001', { body: [{ op: 'add', path: '/name/0/prefix', value: ['Mrs.'] }] });
    expect(patch.status).toBe(200);
    tasks.patch = patch.body.taskId;

    const res = await c.call('GET', '/history/resources/patient/pat-001/operations?perPage=20&page=1');
    expect(res.status).toBe(200);
    const items = expectShape(HistoryListShape, res.body);
    expect(items.map((i) => [i.action, i.taskId, i.userInfo.email])).toEqual([
      ['UPSERT', tasks.upsert, importer.email],
      ['UPSERT', tasks.bundle, importer.email],
      ['UPDATE', tasks.patch, undefined],
    ]);
    for (const item of items) expect(item).toEqual(expect.objectContaining({ id: 'pat-001', type: 'patient', targetType: 'resources' }));
    expect(items[0]!.userInfo.id).toBe(importer.id);
    expect(items[2]!.userInfo.id).not.toBe(importer.id);

    // The first item's payload is the record as the import wrote it, with its historical metadata.
    const first = expectShape(HistoryItemWithPayloadShape, (await c.call('GET', `/history/resources/patient/pat-001/operations/${items[0]!.operationId}?withPayload=true`)).body);
    const payload = expectShape(ResourceShape, first.payload);
    expect(payload.data.birthDate).toBe('1980-04-12');
    same(payload.meta.createdAt, '2015-06-01T08:00:00Z');
    expect(payload.meta.identifier).toEqual([MRN]);
    const last = expectShape(HistoryItemWithPayloadShape, (await c.call('GET', `/history/resources/patient/pat-001/operations/${items[2]!.operationId}?withPayload=true`)).body);
    expect((last.payload as { data: any }).data.name[0].prefix).toEqual(['Mrs.']);

    // The bulk-created patient and the relationship have their own histories.
    const bulkItems = expectShape(HistoryListShape, (await c.call('GET', '/history/resources/patient/pat-002/operations')).body);
    expect(bulkItems.map((i) => [i.action, i.taskId, i.userInfo.email])).toEqual([['CREATE', tasks.bulk, importer.email]]);
    const relItems = expectShape(HistoryListShape, (await c.call('GET', `/history/relationships/patient-practitioner/pat-001.${practitionerId}/operations`)).body);
    expect(relItems.map((i) => [i.action, i.taskId, i.targetType, i.userInfo.email])).toEqual([['CREATE', tasks.relationship, 'relationships', importer.email]]);
    // `from` / `to` narrow the history to a period: nothing before the import.
    expect((await c.call('GET', '/history/resources/patient/pat-001/operations?to=2020-01-01T00:00:00Z')).body).toEqual([]);
  });

  describe('"Metadata Rules": each broken rule is 400 INVALID_ARGUMENT {code, type, message, details}', () => {
    const create = (id: string, meta: unknown) => c.call('POST', '/resources/patient', { key: importer.key, body: { id, data: { birthDate: '1990-01-01' }, meta } });
    const paths = (body: any) => (body.details as { path: string }[]).map((d) => d.path);

    test('"If a value is specified for updatedAt, one must also be provided for createdAt"', async () => {
      expect(paths(expectDocError(await create('pat-r1', { updatedAt: '2021-03-15T10:30:00Z' }), 400, 'INVALID_ARGUMENT'))).toEqual(['meta.updatedAt']);
    });

    test('"The datetime value of the updatedAt must be greater or equal to the createdAt"', async () => {
      expect(paths(expectDocError(await create('pat-r2', { createdAt: '2021-03-15T10:30:00Z', updatedAt: '2015-06-01T08:00:00Z' }), 400, 'INVALID_ARGUMENT'))).toEqual(['meta.updatedAt']);
      expect((await create('pat-r2', { createdAt: '2021-03-15T10:30:00Z', updatedAt: '2021-03-15T10:30:00Z' })).status).toBe(201);
    });

    test('"The createdAt and updatedAt datetime values cannot be in the future"', async () => {
      const future = new Date(Date.now() + 86_400_000).toISOString();
      expect(paths(expectDocError(await create('pat-r3', { createdAt: future }), 400, 'INVALID_ARGUMENT'))).toEqual(['meta.createdAt']);
      expect(paths(expectDocError(await create('pat-r3', { createdAt: '2021-03-15T10:30:00Z', updatedAt: future }), 400, 'INVALID_ARGUMENT'))).toEqual(['meta.updatedAt']);
    });

    test('"distinct combined values of system, use and value"; "use can\'t take the reserved value source"; "system can\'t take the reserved value mdm"', async () => {
      expect(paths(expectDocError(await create('pat-r4', { identifier: [MRN, { ...MRN, period: { start: '2022-01-01T00:00:00Z' } }] }), 400, 'INVALID_ARGUMENT'))).toEqual(['meta.identifier[1]']);
      expect(paths(expectDocError(await create('pat-r4', { identifier: [{ ...MRN, use: 'source' }] }), 400, 'INVALID_ARGUMENT'))).toEqual(['meta.identifier[0].use']);
      expect(paths(expectDocError(await create('pat-r4', { identifier: [{ ...MRN, system: 'mdm' }] }), 400, 'INVALID_ARGUMENT'))).toEqual(['meta.identifier[0].system']);
      expect((await c.call('GET', '/resources/patient/pat-r4')).status).toBe(404);
    });

    test('the rules hold on relationships too, and in a bulk an operation breaking them fails alone', async () => {
      expectDocError(await c.call('POST', '/relationships/patient-practitioner', {
        key: importer.key, body: { from: { id: 'pat-002', type: 'patient' }, to: { id: practitionerId, type: 'practitioner' }, meta: { updatedAt: '2019-05-02T14:00:00Z' } },
      }), 400, 'INVALID_ARGUMENT');
      const bulk = await c.call('POST', '/resources/bulk', {
        key: importer.key,
        body: {
          operations: [
            { action: 'CREATE', create: { id: 'pat-r5', type: 'patient', data: {}, meta: { createdAt: '2021-03-15T10:30:00Z', updatedAt: '2015-06-01T08:00:00Z' } } },
            { action: 'CREATE', create: { id: 'pat-r6', type: 'patient', data: {}, meta: { createdAt: '2015-06-01T08:00:00Z' } } },
          ],
        },
      });
      const task = await settledTask(c, bulk.body.taskId);
      expect(task.receipts.map((r: { status: string }) => r.status)).toEqual(['FAILURE', 'SUCCESS']);
      expect(JSON.stringify(task.receipts[0].error)).toContain('updatedAt');
    });

    test('"in a create or upsert operation (but not update)": an upsert of an existing record does not change its createdAt', async () => {
      const res = await c.call('PUT', '/resources/patient/pat-001', { key: importer.key, body: { data: { birthDate: '1980-04-21' }, meta: { createdAt: '2010-01-01T00:00:00Z' } } });
      if (res.status !== 200) expectDocError(res, 400, 'INVALID_ARGUMENT');
      same(expectShape(ResourceShape, (await c.call('GET', '/resources/patient/pat-001')).body).meta.createdAt, '2015-06-01T08:00:00Z');
    });
  });
});
