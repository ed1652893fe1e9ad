import { expectDocError, putProfile, useConformance } from './setup';
import { ProfileShape, ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://clinia.readme.io/docs/managing-profiles';
// The page's examples have no `type`; the newer page says profiles are ROOT or CONTAINED ("type": "CONTAINED").
const PROFILE_TYPES_PAGE = 'https://docs.clinia.com/explanation/sources/profile';

const c = useConformance('managing-profiles');

// The page's "simple profile": a provider with a symbol, an integer and an array of symbols.
const SIMPLE_PROFILE = {
  properties: {
    name: { type: 'symbol' },
    practiceNumber: { type: 'integer' },
    specialities: { type: 'array', items: { type: 'symbol' } },
  },
};

// The page's "office profile definition with a contained resource".
const OFFICE_PROFILE = {
  properties: {
    name: { type: 'symbol' },
    note: { type: 'symbol' },
  },
  contained: {
    primaryPaymentMethod: { types: ['paymentMethod'], cardinality: '0:1' },
    alternativePaymentMethods: { types: ['paymentMethod'], cardinality: '0:*' },
  },
};

// "Given that a simple profile paymentMethod with a single value property is already created".
const PAYMENT_METHOD_PROFILE = { type: 'CONTAINED', properties: { value: { type: 'symbol' } } };

describe(`Managing profiles — ${PAGE}`, () => {
  test('the simple profile example, sent as the page writes it (no "type"), is accepted', async () => {
    const profile = await putProfile(c, 'provider', SIMPLE_PROFILE);
    expect(profile.properties).toEqual(SIMPLE_PROFILE.properties);
  });

  test('the contained example, sent as the page writes it (no "type"), is accepted once paymentMethod exists', async () => {
    await putProfile(c, 'paymentMethod', PAYMENT_METHOD_PROFILE);
    const office = await putProfile(c, 'office', OFFICE_PROFILE);
    expect(office.contained).toEqual(OFFICE_PROFILE.contained);
  });

  test(`the simple profile with "type": "ROOT" (${PROFILE_TYPES_PAGE}) is stored as sent and validates provider records`, async () => {
    const put = await putProfile(c, 'provider-root', { type: 'ROOT', ...SIMPLE_PROFILE });
    expect(put).toEqual(expect.objectContaining({ key: 'provider-root', type: 'ROOT', properties: SIMPLE_PROFILE.properties }));
    const get = await c.call('GET', '/profiles/provider-root');
    expect(get.status).toBe(200);
    expect(expectShape(ProfileShape, get.body)).toEqual(put);

    const ok = await c.call('POST', '/resources/provider-root', { body: { data: { name: 'John Doe', practiceNumber: 1020993, specialities: ['Pharmacist'] } } });
    expect(ok.status).toBe(201);
    expect(expectShape(ResourceWriteShape, ok.body).resource.data).toEqual({ name: 'John Doe', practiceNumber: 1020993, specialities: ['Pharmacist'] });
    // "practiceNumber" is an integer and "specialities" an array of symbols: other values are refused.
    const bad = expectDocError(await c.call('POST', '/resources/provider-root', { body: { data: { name: 'John Doe', practiceNumber: 'ten', specialities: 'Pharmacist' } } }), 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(bad.details)).toContain('practiceNumber');
    expect(JSON.stringify(bad.details)).toContain('specialities');
  });

  test(`the contained example with "type": "ROOT" stores the contained definitions, and the office takes its payment methods`, async () => {
    await putProfile(c, 'paymentMethod', PAYMENT_METHOD_PROFILE);
    const office = await putProfile(c, 'office-root', { type: 'ROOT', ...OFFICE_PROFILE });
    expect(office.contained).toEqual(OFFICE_PROFILE.contained);
    const get = await c.call('GET', '/profiles/office-root');
    expect(expectShape(ProfileShape, get.body).contained).toEqual(OFFICE_PROFILE.contained);

    const res = await c.call('POST', '/resources/office-root', {
      body: {
        data: { name: 'South West Clinic', note: 'Offering the best services in Toronto' },
        contained: {
          primaryPaymentMethod: [{ type: 'paymentMethod', data: { value: 'Visa' } }],
          alternativePaymentMethods: [{ type: 'paymentMethod', data: { value: 'Mastercard' } }, { type: 'paymentMethod', data: { value: 'Amex' } }],
        },
      },
    });
    expect(res.status).toBe(201);
    const written = expectShape(ResourceWriteShape, res.body).resource;
    expect(written.contained.alternativePaymentMethods?.map((p) => p.data.value)).toEqual(['Mastercard', 'Amex']);
  });

  test('a contained slot must reference an existing profile, with a documented cardinality: otherwise 400 INVALID_ARGUMENT', async () => {
    const unknown = expectDocError(await c.call('PUT', '/profiles/office-bad', {
      body: { type: 'ROOT', properties: { name: { type: 'symbol' } }, contained: { primaryPaymentMethod: { types: ['creditCard'], cardinality: '0:1' } } },
    }), 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(unknown.details)).toContain('creditCard');
    expectDocError(await c.call('PUT', '/profiles/office-bad', {
      body: { type: 'ROOT', properties: { name: { type: 'symbol' } }, contained: { primaryPaymentMethod: { types: ['paymentMethod'], cardinality: 'one' } } },
    }), 400, 'INVALID_ARGUMENT');
    expectDocError(await c.call('GET', '/profiles/office-bad'), 404, 'NOT_FOUND');
  });

  test('"See Data Types for all supported property types": a property of an unknown type is 400 INVALID_ARGUMENT', async () => {
    const res = expectDocError(await c.call('PUT', '/profiles/provider-bad', { body: { type: 'ROOT', properties: { name: { type: 'text' } } } }), 400, 'INVALID_ARGUMENT');
    expect(JSON.stringify(res.details)).toContain('name');
  });
});
