import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceShape, ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://clinia.readme.io/docs/send-data-to-the-registry';

const c = useConformance('send-data');

// The page's office with contained resources, `<rootResourceId>` and `<containedResourceId>` substituted as it says.
const office = (rootId: string) => ({
  data: {
    name: 'South West Clinic',
    note: 'Offering the best services in Toronto',
  },
  contained: {
    primaryPaymentMethod: [
      { id: `office/${rootId}/primaryPaymentMethod/visa`, type: 'paymentMethod', data: { value: 'Visa' } },
    ],
    alternativePaymentMethods: [
      { id: `office/${rootId}/alternativePaymentMethods/mastercard`, type: 'paymentMethod', data: { value: 'Mastercard' } },
      { id: `office/${rootId}/alternativePaymentMethods/amex`, type: 'paymentMethod', data: { value: 'Amex' } },
    ],
  },
});

describe(`Send data to the registry — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'paymentMethod', { type: 'CONTAINED', properties: { value: { type: 'symbol' } } });
    await putProfile(c, 'office', {
      type: 'ROOT',
      properties: { name: { type: 'symbol' }, note: { type: 'symbol' } },
      contained: {
        primaryPaymentMethod: { types: ['paymentMethod'], cardinality: '0:1' },
        alternativePaymentMethods: { types: ['paymentMethod'], cardinality: '0:*' },
      },
    });
  });

  test('"PUT requires an id property": the office upserted at its id keeps its contained resources and their ids', async () => {
    const res = await c.call('PUT', '/resources/office/south-west', { body: office('south-west') });
    expect(res.status).toBe(201);
    const written = expectShape(ResourceWriteShape, res.body).resource;
    expect(written.contained).toEqual(office('south-west').contained);
    expect(expectShape(ResourceShape, (await c.call('GET', '/resources/office/south-west')).body).contained).toEqual(office('south-west').contained);
  });

  test('"POST allows Clinia system to generate the id property": contained items without ids get theirs', async () => {
    const { contained, data } = office('unused');
    const body = { data, contained: Object.fromEntries(Object.entries(contained).map(([k, items]) => [k, items.map(({ type, data: d }) => ({ type, data: d }))])) };
    const res = await c.call('POST', '/resources/office', { body });
    expect(res.status).toBe(201);
    const written = expectShape(ResourceWriteShape, res.body).resource;
    for (const [key, items] of Object.entries(written.contained)) {
      for (const item of items) expect(item.id.startsWith(`office/${written.id}/${key}/`)).toBe(true);
    }
    expect(written.contained.alternativePaymentMethods?.map((p) => p.data.value)).toEqual(['Mastercard', 'Amex']);
  });

  test('a contained id naming another root, or a duplicate contained id, is 400 INVALID_ARGUMENT', async () => {
    expectDocError(await c.call('PUT', '/resources/office/north-east', { body: office('south-west') }), 400, 'INVALID_ARGUMENT');
    const dup = office('north-east');
    dup.contained.alternativePaymentMethods[1] = { ...dup.contained.alternativePaymentMethods[0]!, data: { value: 'Amex' } };
    expectDocError(await c.call('PUT', '/resources/office/north-east', { body: dup }), 400, 'INVALID_ARGUMENT');
  });
});
