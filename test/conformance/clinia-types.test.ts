import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/explanation/data-types/clinia-types';

const c = useConformance('clinia-types');

// The page's three "Example Usage" records, each a property of the complex type it illustrates.
const IDENTIFIER_EXAMPLE = {
  patientId: {
    system: 'http://hospital.example.com/patients',
    value: 'MRN-123456',
    use: 'usual',
    period: {
      start: '2020-01-01T00:00:00Z',
    },
  },
};
const ADDRESS_EXAMPLE = {
  clinicAddress: {
    use: 'work',
    type: 'physical',
    text: '123 Medical Center Dr, Suite 200, Boston, MA 02115',
    line: ['123 Medical Center Dr', 'Suite 200'],
    city: 'Boston',
    state: 'MA',
    postalCode: '02115',
    country: 'US',
    period: {
      start: '2020-01-01T00:00:00Z',
    },
  },
};
const HUMANNAME_EXAMPLE = {
  providerName: {
    use: 'official',
    text: 'Dr. Sarah Elizabeth Wilson, MD',
    family: 'Wilson',
    given: ['Sarah', 'Elizabeth'],
    prefix: ['Dr.'],
    suffix: ['MD'],
    period: {
      start: '2015-01-01T00:00:00Z',
    },
  },
};

async function rejected(data: Record<string, unknown>): Promise<string> {
  const res = expectDocError(await c.call('POST', '/resources/clinia-types', { body: { data } }), 400, 'INVALID_ARGUMENT');
  return JSON.stringify(res.details);
}

describe(`Clinia complex types — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'clinia-types', {
      type: 'ROOT',
      properties: { patientId: { type: 'identifier' }, clinicAddress: { type: 'address' }, providerName: { type: 'humanname' } },
    });
  });

  test.each([
    ['Identifier (identifier)', IDENTIFIER_EXAMPLE],
    ['Address (address)', ADDRESS_EXAMPLE],
    ['HumanName (humanname)', HUMANNAME_EXAMPLE],
  ])('the %s example usage is a valid record, stored as sent', async (_name, data) => {
    const res = await c.call('POST', '/resources/clinia-types', { body: { data } });
    expect(res.status).toBe(201);
    expect(expectShape(ResourceWriteShape, res.body).resource.data).toEqual(data);
  });

  test('identifier: "Provide either system+value together or just value"; each property has its documented type', async () => {
    expect((await c.call('POST', '/resources/clinia-types', { body: { data: { patientId: { value: 'MRN-123456' } } } })).status).toBe(201);
    // system is a uri, period a period.
    expect(await rejected({ patientId: { system: 'hospital patients', value: 'MRN-123456' } })).toContain('data.patientId.system');
    expect(await rejected({ patientId: { value: 'MRN-123456', period: { start: 'last year' } } })).toContain('data.patientId.period.start');
  });

  test('address: line is an array of symbol (0:*), the other fields single values (0:1)', async () => {
    expect(await rejected({ clinicAddress: { line: '123 Medical Center Dr', city: 'Boston' } })).toContain('data.clinicAddress.line');
    expect(await rejected({ clinicAddress: { city: ['Boston'] } })).toContain('data.clinicAddress.city');
  });

  test('humanname: given, prefix and suffix are arrays of symbol, family a single symbol', async () => {
    expect(await rejected({ providerName: { family: ['Wilson'] } })).toContain('data.providerName.family');
    expect(await rejected({ providerName: { given: 'Sarah' } })).toContain('data.providerName.given');
  });

  test('a property the complex type does not define is refused', async () => {
    expect(await rejected({ clinicAddress: { city: 'Boston', province: 'MA' } })).toContain('data.clinicAddress');
  });
});
