import { expectDocError, putProfile, useConformance } from './setup';
import { HistoryItemShape, HistoryItemWithPayloadShape, HistoryListShape, RelationshipShape, ResourceShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/versionhistory/get-a-specific-history-item';

const c = useConformance('history-item');
const base = '/history/resources/patient/pat-1/operations';

describe(`Get a specific history item — ${PAGE}`, () => {
  let items: any[];
  beforeAll(async () => {
    await putProfile(c, 'patient', { type: 'ROOT', properties: { name: { type: 'array', items: { type: 'humanname' } }, birthDate: { type: 'date' } } });
    await c.call('POST', '/resources/patient', {
      body: {
        id: 'pat-1',
        data: { name: [{ family: 'Lopez', given: ['Maria'] }], birthDate: '1980-04-12' },
        meta: { createdAt: '2019-03-14T09:30:00Z', identifier: [{ system: 'http://hospital.example.com/patients', value: 'MRN-123456', use: 'usual', period: { start: '2020-01-01T00:00:00Z' } }] },
      },
    });
    await c.call('PATCH', '/resources/patient/pat-1', { body: [{ op: 'replace', path: '/birthDate', value: '1980-04-21' }] });
    await c.call('DELETE', '/resources/patient/pat-1');
    items = expectShape(HistoryListShape, (await c.call('GET', base)).body);
    expect(items.map((i) => i.action)).toEqual(['CREATE', 'UPDATE', 'DELETE']);
  });

  test('GET .../operations/{operationId} answers the item', async () => {
    const res = await c.call('GET', `${base}/${items[0].operationId}`);
    expect(res.status).toBe(200);
    const item = expectShape(HistoryItemShape, res.body);
    expect(item).toEqual(expect.objectContaining(items[0]));
    expect(res.body.payload).toBeUndefined();
  });

  test('withPayload=true: "the full entity payload related to the operationId" {id, type, data, meta {createdAt, identifier, source, updatedAt}, contained}', async () => {
    const created = expectShape(HistoryItemWithPayloadShape, (await c.call('GET', `${base}/${items[0].operationId}?withPayload=true`)).body);
    const createdPayload = expectShape(ResourceShape, created.payload);
    expect(createdPayload).toEqual(expect.objectContaining({ id: 'pat-1', type: 'patient', data: { name: [{ family: 'Lopez', given: ['Maria'] }], birthDate: '1980-04-12' }, contained: {} }));
    expect(createdPayload.meta).toEqual(expect.objectContaining({ source: 'history-item', identifier: [{ system: 'http://hospital.example.com/patients', value: 'MRN-123456', use: 'usual', period: { start: '2020-01-01T00:00:00Z' } }] }));
    expect(Date.parse(createdPayload.meta.createdAt)).toBe(Date.parse('2019-03-14T09:30:00Z'));

    // "at that point in time": each item has the record as its operation left it.
    const updated = expectShape(HistoryItemWithPayloadShape, (await c.call('GET', `${base}/${items[1].operationId}?withPayload=true`)).body);
    expect((updated.payload as { data: unknown }).data).toEqual({ name: [{ family: 'Lopez', given: ['Maria'] }], birthDate: '1980-04-21' });
    const deleted = expectShape(HistoryItemWithPayloadShape, (await c.call('GET', `${base}/${items[2].operationId}?withPayload=True`)).body);
    expect(deleted.action).toBe('DELETE');
    expect((deleted.payload as { id: string }).id).toBe('pat-1');
  });

  test('a relationship item\'s payload is the relationship', async () => {
    await putProfile(c, 'practitioner', { type: 'ROOT', properties: { name: { type: 'array', items: { type: 'humanname' } } } });
    await c.call('PUT', '/resources/patient/pat-2', { body: { data: { birthDate: '1975' } } });
    await c.call('PUT', '/resources/practitioner/prac-1', { body: { data: { name: [{ family: 'Wilson', given: ['Sarah'] }] } } });
    await c.call('PUT', '/relationship-definitions/patient-practitioner', { body: { from: { profileKey: 'patient', includeKey: 'generalPractitioner' }, to: { profileKey: 'practitioner', includeKey: 'patients' } } });
    await c.call('POST', '/relationships/patient-practitioner', { body: { from: { id: 'pat-2', type: 'patient' }, to: { id: 'prac-1', type: 'practitioner' } } });
    const [item] = expectShape(HistoryListShape, (await c.call('GET', '/history/relationships/patient-practitioner/pat-2.prac-1/operations')).body);
    const res = expectShape(HistoryItemWithPayloadShape, (await c.call('GET', `/history/relationships/patient-practitioner/pat-2.prac-1/operations/${item!.operationId}?withPayload=true`)).body);
    expect(expectShape(RelationshipShape, res.payload)).toEqual(expect.objectContaining({ id: 'pat-2.prac-1', from: { id: 'pat-2', type: 'patient' }, to: { id: 'prac-1', type: 'practitioner' } }));
  });

  test('an unknown operation is 404 NOT_FOUND; withPayload must be a boolean', async () => {
    expectDocError(await c.call('GET', `${base}/2aGwnMFgM7iZrL1nPxL0ZqAHM2z`), 404, 'NOT_FOUND');
    expectDocError(await c.call('GET', `${base}/${items[0].operationId}?withPayload=full`), 400, 'INVALID_ARGUMENT');
  });
});
