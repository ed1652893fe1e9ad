import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceShape, ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/api-reference/resources/upsert-a-contained-resource-in-the-registry';

const c = useConformance('upsert-a-contained-resource');

describe(`Upsert a contained resource in the registry — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'paymentMethod', { type: 'CONTAINED', properties: { value: { type: 'symbol', rules: [{ required: true }] } } });
    await putProfile(c, 'office', {
      type: 'ROOT',
      properties: { name: { type: 'symbol' }, note: { type: 'symbol' } },
      contained: {
        primaryPaymentMethod: { types: ['paymentMethod'], cardinality: '0:1' },
        alternativePaymentMethods: { types: ['paymentMethod'], cardinality: '0:*' },
      },
    });
    expect((await c.call('PUT', '/resources/office/south-west', { body: { data: { name: 'South West Clinic', note: 'Offering the best services in Toronto' } } })).status).toBe(201);
  });

  test('PUT .../{id}/{containKey}/{containedResourceId} with {type, data, contained} answers {taskId, status, resource}: the root resource', async () => {
    const res = await c.call('PUT', '/resources/office/south-west/primaryPaymentMethod/visa', { body: { type: 'paymentMethod', data: { value: 'Visa' }, contained: {} } });
    expect(res.status).toBe(200);
    const out = expectShape(ResourceWriteShape, res.body);
    expect(out.resource).toEqual(expect.objectContaining({ id: 'south-west', type: 'office', data: { name: 'South West Clinic', note: 'Offering the best services in Toronto' } }));
    expect(out.resource.contained).toEqual({ primaryPaymentMethod: [{ id: 'office/south-west/primaryPaymentMethod/visa', type: 'paymentMethod', data: { value: 'Visa' } }] });
  });

  test('"the contained resource was replaced": the same path again replaces it; another id adds one', async () => {
    const replaced = await c.call('PUT', '/resources/office/south-west/primaryPaymentMethod/visa', { body: { type: 'paymentMethod', data: { value: 'Visa Debit' }, contained: {} } });
    expect(replaced.status).toBe(200);
    expect(expectShape(ResourceWriteShape, replaced.body).resource.contained.primaryPaymentMethod).toEqual([{ id: 'office/south-west/primaryPaymentMethod/visa', type: 'paymentMethod', data: { value: 'Visa Debit' } }]);
    await c.call('PUT', '/resources/office/south-west/alternativePaymentMethods/mastercard', { body: { type: 'paymentMethod', data: { value: 'Mastercard' }, contained: {} } });
    await c.call('PUT', '/resources/office/south-west/alternativePaymentMethods/amex', { body: { type: 'paymentMethod', data: { value: 'Amex' }, contained: {} } });
    const read = expectShape(ResourceShape, (await c.call('GET', '/resources/office/south-west')).body);
    expect(read.contained.alternativePaymentMethods?.map((p) => p.id)).toEqual(['office/south-west/alternativePaymentMethods/mastercard', 'office/south-west/alternativePaymentMethods/amex']);
  });

  test('the contained resource must follow its profile and its slot; the root must exist', async () => {
    expectDocError(await c.call('PUT', '/resources/office/south-west/primaryPaymentMethod/cash', { body: { type: 'paymentMethod', data: {}, contained: {} } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PUT', '/resources/office/south-west/primaryPaymentMethod/cash', { body: { type: 'office', data: { value: 'Cash' }, contained: {} } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PUT', '/resources/office/south-west/giftCards/cash', { body: { type: 'paymentMethod', data: { value: 'Cash' }, contained: {} } }), 400, 'INVALID_ARGUMENT');
    // "Contained resources exists only within the context of this top-level resource": no nesting.
    expectDocError(await c.call('PUT', '/resources/office/south-west/primaryPaymentMethod/cash', { body: { type: 'paymentMethod', data: { value: 'Cash' }, contained: { primaryPaymentMethod: [] } } }), 400, 'INVALID_ARGUMENT');
    // 0:1: a second primary payment method is one too many.
    expectDocError(await c.call('PUT', '/resources/office/south-west/primaryPaymentMethod/cash', { body: { type: 'paymentMethod', data: { value: 'Cash' }, contained: {} } }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('PUT', '/resources/office/north-east/primaryPaymentMethod/visa', { body: { type: 'paymentMethod', data: { value: 'Visa' }, contained: {} } }), 404, 'NOT_FOUND');
  });
});
