import { expectDocError, providerOfficeCatalog, settledTask, useConformance } from './setup';
import { BundleSubmissionShape, ReceiptShape, RelationshipShape, ResourceShape, TaskShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/bundle/bundle-resource-and-relationship-operations-to-be-processed';
const GUIDE = 'https://docs.clinia.com/docs/bundle-operation';

const c = useConformance('bundle', { worker: true });

describe(`Bundle resource and relationship operations — ${PAGE}`, () => {
  beforeAll(async () => {
    await providerOfficeCatalog(c);
  });

  test(`the guide's example starts with the office UPSERT {"id": "1", "type": "office", "data": {"name": "Clinic Name"}} (${GUIDE}); it is written`, async () => {
    const res = await c.call('POST', '/bundle', { body: { resourceOperations: [{ action: 'UPSERT', upsert: { id: '1', type: 'office', data: { name: 'Clinic Name' } } }], relationshipOperations: [] } });
    expect({ status: res.status, body: res.body }).toEqual({ status: expect.any(Number), body: expect.objectContaining({ taskId: expect.any(String) }) });
    const submitted = expectShape(BundleSubmissionShape, res.body);
    expect((await settledTask(c, submitted.taskId)).status).toBe('SUCCESS');
    expect(expectShape(ResourceShape, (await c.call('GET', '/resources/office/1')).body).data).toEqual({ name: 'Clinic Name' });
  });

  test('an office and a provider with a relationship between them through @rootId1 / @rootId2: all written, one receipt per operation', async () => {
    const res = await c.call('POST', '/bundle', {
      body: {
        resourceOperations: [
          { action: 'UPSERT', upsert: { id: 'office-1', type: 'office', data: { name: 'Clinic Name' } } },
          {
            action: 'CREATE',
            create: {
              type: 'provider',
              meta: { createdAt: '2023-11-07T05:31:56Z', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893', use: 'official' }], updatedAt: '2023-11-07T05:31:56Z' },
              data: { name: 'Dr. Sarah Wilson' },
              contained: {},
            },
          },
        ],
        relationshipOperations: [
          {
            action: 'CREATE',
            create: {
              type: 'provider-office',
              from: { id: '@rootId2', type: 'provider' },
              to: { id: '@rootId1', type: 'office' },
              meta: { createdAt: '2023-11-07T05:31:56Z', identifier: [], updatedAt: '2023-11-07T05:31:56Z' },
              data: { role: 'owner' },
            },
          },
        ],
      },
    });
    expect([201, 202]).toContain(res.status);
    const submitted = expectShape(BundleSubmissionShape, res.body);
    const task = await settledTask(c, submitted.taskId);
    expect(task.status).toBe('SUCCESS');
    const receipts = (task.receipts as unknown[]).map((r) => expectShape(ReceiptShape, r));
    expect(receipts.map((r) => [r.targetType, r.action, r.type, r.status])).toEqual([
      ['RESOURCE', 'UPSERT', 'office', 'SUCCESS'], ['RESOURCE', 'CREATE', 'provider', 'SUCCESS'], ['RELATIONSHIP', 'CREATE', 'provider-office', 'SUCCESS'],
    ]);
    expectShape(TaskShape, task);
    const providerId = receipts[1]!.id;
    expect(providerId).not.toBe('@rootId2');
    expect(receipts[2]!.id).toBe(`${providerId}.office-1`);
    expect(expectShape(ResourceShape, (await c.call('GET', '/resources/office/office-1')).body).data).toEqual({ name: 'Clinic Name' });
    expect(expectShape(ResourceShape, (await c.call('GET', `/resources/provider/${providerId}`)).body).meta.identifier).toEqual([{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893', use: 'official' }]);
    expect(expectShape(RelationshipShape, (await c.call('GET', `/relationships/provider-office/${providerId}.office-1`)).body)).toEqual(expect.objectContaining({
      from: { id: providerId, type: 'provider' }, to: { id: 'office-1', type: 'office' }, data: { role: 'owner' },
    }));
  });

  test('"If any operation fails, all operations are rolled back, ensuring no partial changes"', async () => {
    const res = await c.call('POST', '/bundle', {
      body: {
        resourceOperations: [
          { action: 'CREATE', create: { id: 'office-atomic', type: 'office', data: { name: 'North East Clinic' } } },
          { action: 'CREATE', create: { id: 'prov-atomic', type: 'provider', data: { name: 42 } } },
        ],
        relationshipOperations: [
          { action: 'CREATE', create: { type: 'provider-office', from: { id: '@rootId2', type: 'provider' }, to: { id: '@rootId1', type: 'office' } } },
        ],
      },
    });
    if (res.status === 400) expectDocError(res, 400, 'INVALID_ARGUMENT');
    else expect((await settledTask(c, res.body.taskId)).status).toBe('FAILURE');
    expect((await c.call('GET', '/resources/office/office-atomic')).status).toBe(404);
    expect((await c.call('GET', '/resources/provider/prov-atomic')).status).toBe(404);
  });

  test('"Only one operation per Resource and Relationship ID is allowed (e.g., you cannot both DELETE and UPSERT the same resource)"', async () => {
    const res = await c.call('POST', '/bundle', {
      body: {
        resourceOperations: [
          { action: 'UPSERT', upsert: { id: 'office-1', type: 'office', data: { name: 'Renamed Clinic' } } },
          { action: 'DELETE', delete: { id: 'office-1', type: 'office' } },
        ],
        relationshipOperations: [],
      },
    });
    expectDocError(res, 400, 'INVALID_ARGUMENT');
    expect((await c.call('GET', '/resources/office/office-1')).body.data).toEqual({ name: 'Clinic Name' });
  });

  test('a body without operations, or an operation of an unknown action, is 400 INVALID_ARGUMENT', async () => {
    expectDocError(await c.call('POST', '/bundle', { body: { resourceOperations: [], relationshipOperations: [] } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('POST', '/bundle', { body: { resourceOperations: [{ action: 'MERGE', merge: { id: 'office-1', type: 'office' } }], relationshipOperations: [] } }), 400, 'INVALID_ARGUMENT');
  });
});
