import { expectDocError, putProfile, useConformance } from './setup';
import { ProfileShape, ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/explanation/field-validation/advanced';

const c = useConformance('field-validation-advanced');

async function create(type: string, body: Record<string, unknown>): Promise<{ status: number; paths: string[] }> {
  const res = await c.call('POST', `/resources/${type}`, { body });
  if (res.status === 201) {
    expectShape(ResourceWriteShape, res.body);
    return { status: 201, paths: [] };
  }
  return { status: res.status, paths: (expectDocError(res, 400, 'INVALID_ARGUMENT').details as { path: string }[]).map((d) => d.path).sort() };
}

describe(`Field validation, advanced — ${PAGE}`, () => {
  describe('arrays of objects: a plain path tests any element, [current] the element being validated', () => {
    // "emailCC is required if ANY contact point system is of type "email"" and "value must be defined if the
    // contact system value is of type "email"".
    const PROFILE = {
      type: 'ROOT',
      properties: {
        contacts: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              system: { type: 'code' },
              value: { type: 'symbol', rules: [{ required: true, when: { eq: { 'contacts[current].system': 'email' } } }] },
            },
          },
        },
        emailCC: { type: 'symbol', rules: [{ required: true, when: { eq: { 'contacts.system': 'email' } } }] },
      },
    };
    beforeAll(async () => {
      const profile = await putProfile(c, 'contact-card', PROFILE);
      expect(profile.properties).toEqual(PROFILE.properties);
    });

    test('"emailCC is not required": no contact point is an e-mail', async () => {
      expect(await create('contact-card', { data: { contacts: [{ system: 'phone', value: '+1 617 555 0199' }, { system: 'fax', value: '+1 617 555 0100' }] } })).toEqual({ status: 201, paths: [] });
    });

    test('"emailCC is required": one contact point of the array is an e-mail', async () => {
      const contacts = [{ system: 'phone', value: '+1 617 555 0199' }, { system: 'email', value: 'frontdesk@bostonheart.org' }];
      expect(await create('contact-card', { data: { contacts } })).toEqual({ status: 400, paths: ['data.emailCC'] });
      expect(await create('contact-card', { data: { contacts, emailCC: 'records@bostonheart.org' } })).toEqual({ status: 201, paths: [] });
    });

    test('"value must be defined if the contact system value is of type email": [current] names the contact point being validated', async () => {
      expect(await create('contact-card', { data: { contacts: [{ system: 'email' }], emailCC: 'records@bostonheart.org' } })).toEqual({ status: 400, paths: ['data.contacts[0].value'] });
      // The phone without a value is fine: its own system is not email, although another item's is.
      expect(await create('contact-card', {
        data: { contacts: [{ system: 'email', value: 'frontdesk@bostonheart.org' }, { system: 'phone' }], emailCC: 'records@bostonheart.org' },
      })).toEqual({ status: 201, paths: [] });
      expect(await create('contact-card', {
        data: { contacts: [{ system: 'phone' }, { system: 'email' }], emailCC: 'records@bostonheart.org' },
      })).toEqual({ status: 400, paths: ['data.contacts[1].value'] });
    });
  });

  test('nested objects: "when clauses reference properties from the root of the profile", in dot notation', async () => {
    await putProfile(c, 'facility', {
      type: 'ROOT',
      properties: {
        location: {
          type: 'object',
          properties: {
            country: { type: 'code' },
            state: { type: 'symbol', rules: [{ required: true, when: { eq: { 'location.country': 'US' } } }] },
          },
        },
      },
    });
    expect(await create('facility', { data: { location: { country: 'US' } } })).toEqual({ status: 400, paths: ['data.location.state'] });
    expect(await create('facility', { data: { location: { country: 'US', state: 'MA' } } })).toEqual({ status: 201, paths: [] });
    expect(await create('facility', { data: { location: { country: 'CA' } } })).toEqual({ status: 201, paths: [] });
  });

  test('"eq checks equality": for a symbol, case-insensitively', async () => {
    await putProfile(c, 'referral', {
      type: 'ROOT',
      properties: { priority: { type: 'symbol' }, reason: { type: 'symbol', rules: [{ required: true, when: { eq: { priority: 'urgent' } } }] } },
    });
    expect(await create('referral', { data: { priority: 'URGENT' } })).toEqual({ status: 400, paths: ['data.reason'] });
    expect(await create('referral', { data: { priority: 'routine' } })).toEqual({ status: 201, paths: [] });
  });

  test('"lt: less than or equal" and "gt: greater than or equal", on numeric and temporal fields', async () => {
    await putProfile(c, 'patient', {
      type: 'ROOT',
      properties: {
        age: { type: 'integer' },
        visitDate: { type: 'date' },
        guardianName: { type: 'symbol', rules: [{ required: true, when: { lt: { age: 17 } } }] },
        followUpNote: { type: 'symbol', rules: [{ required: true, when: { gt: { visitDate: '2024-01-01' } } }] },
      },
    });
    expect(await create('patient', { data: { age: 17 } })).toEqual({ status: 400, paths: ['data.guardianName'] });
    expect(await create('patient', { data: { age: 12, guardianName: 'Maria Lopez' } })).toEqual({ status: 201, paths: [] });
    expect(await create('patient', { data: { age: 18 } })).toEqual({ status: 201, paths: [] });
    expect(await create('patient', { data: { age: 40, visitDate: '2024-01-01' } })).toEqual({ status: 400, paths: ['data.followUpNote'] });
    expect(await create('patient', { data: { age: 40, visitDate: '2024-03-15' } })).toEqual({ status: 400, paths: ['data.followUpNote'] });
    expect(await create('patient', { data: { age: 40, visitDate: '2023-12-31' } })).toEqual({ status: 201, paths: [] });
  });

  describe('cardinality: 0:1, 1:1, 0:* and 1:* of contained resources', () => {
    beforeAll(async () => {
      await putProfile(c, 'paymentMethod', { type: 'CONTAINED', properties: { value: { type: 'symbol', rules: [{ required: true }] } } });
      const office = await putProfile(c, 'office', {
        type: 'ROOT',
        properties: { name: { type: 'symbol' } },
        contained: {
          primaryPaymentMethod: { types: ['paymentMethod'], cardinality: '0:1' },
          billingMethod: { types: ['paymentMethod'], cardinality: '1:1' },
          alternativePaymentMethods: { types: ['paymentMethod'], cardinality: '0:*' },
          acceptedCards: { types: ['paymentMethod'], cardinality: '1:*' },
        },
      });
      expect(expectShape(ProfileShape, office).contained?.billingMethod).toEqual({ types: ['paymentMethod'], cardinality: '1:1' });
    });
    const pm = (value: string) => ({ type: 'paymentMethod', data: { value } });
    const office = (contained: Record<string, unknown>) => ({ data: { name: 'South West Clinic' }, contained });

    test('a record within every cardinality is accepted (0:1 omitted, 0:* with many items)', async () => {
      expect(await create('office', office({ billingMethod: [pm('Invoice')], acceptedCards: [pm('Visa')] }))).toEqual({ status: 201, paths: [] });
      expect(await create('office', office({
        primaryPaymentMethod: [pm('Visa')], billingMethod: [pm('Invoice')], alternativePaymentMethods: [pm('Mastercard'), pm('Amex'), pm('Interac')], acceptedCards: [pm('Visa'), pm('Amex')],
      }))).toEqual({ status: 201, paths: [] });
    });

    test('"over-populated single-valued properties will fail ingestion": two items in 0:1 or 1:1', async () => {
      expect((await create('office', office({ primaryPaymentMethod: [pm('Visa'), pm('Amex')], billingMethod: [pm('Invoice')], acceptedCards: [pm('Visa')] }))).status).toBe(400);
      expect((await create('office', office({ billingMethod: [pm('Invoice'), pm('Cheque')], acceptedCards: [pm('Visa')] }))).status).toBe(400);
    });

    test('"missing required properties will fail ingestion": 1:1 absent, 1:* absent or empty', async () => {
      expect((await create('office', office({ acceptedCards: [pm('Visa')] }))).status).toBe(400);
      expect((await create('office', office({ billingMethod: [pm('Invoice')] }))).status).toBe(400);
      expect((await create('office', office({ billingMethod: [pm('Invoice')], acceptedCards: [] }))).status).toBe(400);
    });

    test('a cardinality outside the documented notation is 400 INVALID_ARGUMENT at the profile', async () => {
      expectDocError(await c.call('PUT', '/profiles/office-bad', {
        body: { type: 'ROOT', properties: { name: { type: 'symbol' } }, contained: { billingMethod: { types: ['paymentMethod'], cardinality: '0..1' } } },
      }), 400, 'INVALID_ARGUMENT');
    });
  });
});
