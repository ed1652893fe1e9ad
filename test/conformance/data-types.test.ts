import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://clinia.readme.io/docs/data-types';

const c = useConformance('data-types');

async function accepted(data: Record<string, unknown>): Promise<void> {
  const res = await c.call('POST', '/resources/primitives', { body: { data } });
  expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: expect.anything() });
  expect(expectShape(ResourceWriteShape, res.body).resource.data).toEqual(data);
}
async function rejected(data: Record<string, unknown>, path: string): Promise<void> {
  const res = expectDocError(await c.call('POST', '/resources/primitives', { body: { data } }), 400, 'INVALID_ARGUMENT');
  expect((res.details as { path: string }[]).map((d) => d.path)).toEqual([path]);
}

describe(`Data types, primitive types — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'primitives', {
      type: 'ROOT',
      properties: {
        acceptingPatients: { type: 'boolean' },
        birthDate: { type: 'date' },
        lastVisit: { type: 'datetime' },
        consultationFee: { type: 'decimal' },
        receivedAt: { type: 'instant' },
        opensAt: { type: 'time' },
        summary: { type: 'xhtml' },
        credentials: { type: 'object', properties: { board: { type: 'symbol' }, certifiedOn: { type: 'date' } } },
      },
    });
  });

  test('boolean: "Value of true or false"', async () => {
    await accepted({ acceptingPatients: true });
    await rejected({ acceptingPatients: 'yes' }, 'data.acceptingPatients');
  });

  test('date: "A date or partial date (e.g. just year or year + month)… Dates SHALL be valid dates"', async () => {
    await accepted({ birthDate: '1980' });
    await accepted({ birthDate: '1980-04' });
    await accepted({ birthDate: '1980-04-12' });
    await rejected({ birthDate: '1980-02-30' }, 'data.birthDate');
    await rejected({ birthDate: '1980-04-12T10:00:00Z' }, 'data.birthDate');
  });

  test('datetime: "A date, date-time or partial date"', async () => {
    await accepted({ lastVisit: '2024' });
    await accepted({ lastVisit: '2024-03-15' });
    await accepted({ lastVisit: '2024-03-15T14:30:00-05:00' });
    await rejected({ lastVisit: 'March 15, 2024' }, 'data.lastVisit');
  });

  test('decimal: "A rational number"; instant: "known at least to the second"; time: "with no date specified"', async () => {
    await accepted({ consultationFee: 125.5, receivedAt: '2024-03-15T14:30:00Z', opensAt: '08:30:00' });
    await rejected({ consultationFee: '125.50' }, 'data.consultationFee');
    await rejected({ receivedAt: '2024-03-15' }, 'data.receivedAt');
    await rejected({ opensAt: '2024-03-15T08:30:00Z' }, 'data.opensAt');
  });

  test('xhtml and object ("A custom structure that bundles other Clinia Data Types")', async () => {
    await accepted({ summary: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Walk-in clinic</p></div>', credentials: { board: 'ABIM', certifiedOn: '2012-06' } });
    await rejected({ credentials: { board: 'ABIM', certifiedOn: 'June 2012' } }, 'data.credentials.certifiedOn');
  });
});
