import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://docs.clinia.com/explanation/data-types/base-types';

const c = useConformance('base-types');

// One property per field of the page's "Example Usage" tabs, of the type the example illustrates.
const PROFILE = {
  type: 'ROOT',
  properties: {
    name: { type: 'symbol' },
    description: { type: 'symbol' },
    status: { type: 'code' },
    type: { type: 'code' },
    instructions: { type: 'markdown' },
    system: { type: 'uri' },
    namespace: { type: 'uri' },
    profileUrl: { type: 'url' },
    resourceLink: { type: 'url' },
    age: { type: 'integer' },
    bedCount: { type: 'integer' },
  },
};

const EXAMPLES: [string, Record<string, unknown>][] = [
  ['Symbol (symbol)', { name: 'Dr. Sarah Wilson', description: 'Board-certified cardiologist specializing in interventional procedures' }],
  ['Code (code)', { status: 'active', type: 'outpatient' }],
  ['Markdown (markdown)', { instructions: '## Pre-procedure Instructions\n\n- Fast for **12 hours**\n- Take medications as prescribed' }],
  ['URI (uri)', { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', namespace: 'urn:uuid:53fefa32-fcbb-4ff8-8a92-55ee120877b7' }],
  ['URL (url)', { profileUrl: 'https://example.com/patient-profile', resourceLink: 'https://clinia.com/resource/1234567890' }],
  ['Integer (integer)', { age: 45, bedCount: 250 }],
];

async function rejected(data: Record<string, unknown>): Promise<string[]> {
  const res = expectDocError(await c.call('POST', '/resources/base-types', { body: { data } }), 400, 'INVALID_ARGUMENT');
  return (res.details as { path: string }[]).map((d) => d.path).sort();
}

describe(`Base types — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'base-types', PROFILE);
  });

  test.each(EXAMPLES)('the %s example usage is a valid record, stored as sent', async (_name, data) => {
    const res = await c.call('POST', '/resources/base-types', { body: { data } });
    expect(res.status).toBe(201);
    const written = expectShape(ResourceWriteShape, res.body).resource;
    expect(written.data).toEqual(data);
    const read = await c.call('GET', `/resources/base-types/${written.id}`);
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual(data);
  });

  test('all the examples together are one valid record', async () => {
    const data = Object.assign({}, ...EXAMPLES.map(([, d]) => d));
    expect((await c.call('POST', '/resources/base-types', { body: { data } })).status).toBe(201);
  });

  test('symbol is "a sequence of Unicode characters": any text, with spaces and accents', async () => {
    expect((await c.call('POST', '/resources/base-types', { body: { data: { name: 'Dre  Hélène Côté-Tremblay ', description: 'Médecin de famille\tà Montréal' } } })).status).toBe(201);
    expect(await rejected({ name: 42 })).toEqual(['data.name']);
  });

  test('code: "no leading/trailing whitespace, single spaces only"', async () => {
    expect((await c.call('POST', '/resources/base-types', { body: { data: { status: 'on hold' } } })).status).toBe(201);
    expect(await rejected({ status: ' active' })).toEqual(['data.status']);
    expect(await rejected({ status: 'active ' })).toEqual(['data.status']);
    expect(await rejected({ type: 'out  patient' })).toEqual(['data.type']);
    expect(await rejected({ type: 'out\tpatient' })).toEqual(['data.type']);
  });

  test('url is "a URI that is a literal web reference": a URN is a uri but not a url', async () => {
    expect(await rejected({ profileUrl: 'urn:uuid:53fefa32-fcbb-4ff8-8a92-55ee120877b7' })).toEqual(['data.profileUrl']);
    expect(await rejected({ resourceLink: 'clinia.com/resource/1234567890' })).toEqual(['data.resourceLink']);
    expect(await rejected({ system: 'not a uri' })).toEqual(['data.system']);
  });

  test('integer is a whole number: 45.5 and "45" are not', async () => {
    expect(await rejected({ age: 45.5 })).toEqual(['data.age']);
    expect(await rejected({ bedCount: '250' })).toEqual(['data.bedCount']);
  });
});
