import { expectDocError, putProfile, triggerProbe, useConformance } from './setup';

const PAGE = 'https://clinia.readme.io/docs/operators';

const c = useConformance('operators', { worker: true });
const probe = triggerProbe(c, 'provider');

// A provider with a field of each kind the operators apply to.
const PROVIDER = {
  type: 'ROOT',
  properties: {
    name: { type: 'symbol' },
    gender: { type: 'code' },
    status: { type: 'code' },
    practiceNumber: { type: 'integer' },
    age: { type: 'integer' },
    birthDate: { type: 'date' },
    lastModified: { type: 'datetime' },
    opensAt: { type: 'time' },
    specialities: { type: 'array', items: { type: 'symbol' } },
    location: { type: 'geopoint' },
    description: { type: 'symbol' },
  },
};

describe(`Search operators, used in a pipeline trigger — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'provider', PROVIDER);
  });

  test('Equal: "Case insensitive for symbol type"', async () => {
    await probe.use({ eq: { name: 'Sarah Wilson' } });
    expect(await probe.holds({ name: 'Sarah Wilson' })).toBe(true);
    expect(await probe.holds({ name: 'SARAH WILSON' })).toBe(true);
    expect(await probe.holds({ name: 'Sarah Wilsons' })).toBe(false);
    expect(await probe.holds({})).toBe(false);
  });

  test('Equal: "The wildcard * can be used alone to test if the field has a value"', async () => {
    await probe.use({ eq: { practiceNumber: '*' } });
    expect(await probe.holds({ practiceNumber: 1020993 })).toBe(true);
    expect(await probe.holds({ name: 'John Doe' })).toBe(false);
  });

  test('Equal: the wildcard "with text to test for partial match"', async () => {
    await probe.use({ eq: { gender: 'FEM*' } });
    expect(await probe.holds({ gender: 'female' })).toBe(true);
    expect(await probe.holds({ gender: 'male' })).toBe(false);
  });

  test('Equal on an integer', async () => {
    await probe.use({ eq: { age: 45 } });
    expect(await probe.holds({ age: 45 })).toBe(true);
    expect(await probe.holds({ age: 46 })).toBe(false);
  });

  test('Less Than: "a value lower or equal than a given one", on numbers, dates and times', async () => {
    await probe.use({ lt: { age: 18 } });
    expect(await probe.holds({ age: 18 })).toBe(true);
    expect(await probe.holds({ age: 12 })).toBe(true);
    expect(await probe.holds({ age: 19 })).toBe(false);
    await probe.use({ lt: { birthDate: '2000-01-01' } });
    expect(await probe.holds({ birthDate: '2000-01-01' })).toBe(true);
    expect(await probe.holds({ birthDate: '2000-01-02' })).toBe(false);
    await probe.use({ lt: { opensAt: '09:00:00' } });
    expect(await probe.holds({ opensAt: '08:30:00' })).toBe(true);
    expect(await probe.holds({ opensAt: '09:30:00' })).toBe(false);
  });

  test('Greater Than: "a value greater or equal than a given one"', async () => {
    await probe.use({ gt: { lastModified: '2024-01-01T00:00:00Z' } });
    expect(await probe.holds({ lastModified: '2024-01-01T00:00:00Z' })).toBe(true);
    expect(await probe.holds({ lastModified: '2024-06-30T12:00:00Z' })).toBe(true);
    expect(await probe.holds({ lastModified: '2023-12-31T23:59:59Z' })).toBe(false);
  });

  test('Geo Distance: the documented example (radius 20000 m around longitude 45.0, latitude -73.0)', async () => {
    await probe.use({ geoDistance: { location: { radius: 20000, coordinates: { longitude: 45.0, latitude: -73.0 } } } });
    expect(await probe.holds({ location: { latitude: -73.0, longitude: 45.0 } })).toBe(true);
    // 0.1 degree of latitude is about 11 km: within 20 km; 0.3 degree, about 33 km, is not.
    expect(await probe.holds({ location: { latitude: -73.1, longitude: 45.0 } })).toBe(true);
    expect(await probe.holds({ location: { latitude: -73.3, longitude: 45.0 } })).toBe(false);
  });

  test('Any: "a property is one of the given values"', async () => {
    await probe.use({ any: { status: ['active', 'pending'] } });
    expect(await probe.holds({ status: 'pending' })).toBe(true);
    expect(await probe.holds({ status: 'active' })).toBe(true);
    expect(await probe.holds({ status: 'inactive' })).toBe(false);
  });

  test('All: "an enumerable property has all of the given values"', async () => {
    await probe.use({ all: { specialities: ['Cardiology', 'Pediatrics'] } });
    expect(await probe.holds({ specialities: ['Pediatrics', 'Oncology', 'Cardiology'] })).toBe(true);
    expect(await probe.holds({ specialities: ['Cardiology'] })).toBe(false);
  });

  test('Match, type word: "all the words are found, irrespective of the order"', async () => {
    await probe.use({ match: { description: { value: 'symptoms cardiac', type: 'word' } } });
    expect(await probe.holds({ description: 'Walk-in care for cardiac symptoms and rehabilitation' })).toBe(true);
    expect(await probe.holds({ description: 'Cardiac rehabilitation' })).toBe(false);
  });

  test('Match, types wordPrefix and phrase', async () => {
    await probe.use({ match: { description: { value: 'cardiac symptoms', type: 'phrase' } } });
    expect(await probe.holds({ description: 'We treat cardiac symptoms daily' })).toBe(true);
    expect(await probe.holds({ description: 'Symptoms of cardiac disease' })).toBe(false);
    await probe.use({ match: { description: { value: 'card symp', type: 'wordPrefix' } } });
    expect(await probe.holds({ description: 'Cardiology for common symptoms' })).toBe(true);
    expect(await probe.holds({ description: 'Pediatric care' })).toBe(false);
  });

  test('an operator outside the documented ones, or an operand of the wrong form, is 400 INVALID_ARGUMENT at the pipeline', async () => {
    for (const operator of [
      { ne: { status: 'active' } },
      { any: { status: 'active' } },
      { match: { description: { value: 'cardiac', type: 'fuzzy' } } },
      { geoDistance: { location: { radius: 20000, coordinates: { longitude: -273.0, latitude: 45.0 } } } },
    ]) {
      const res = expectDocError(await c.call('PUT', '/collections/provider/pipeline', {
        body: { steps: [{ type: 'NORMALIZER', trigger: { type: 'OPERATOR', operator }, normalizer: { properties: [{ property: 'name', trim: true }] } }] },
      }), 400, 'INVALID_ARGUMENT');
      expect(JSON.stringify(res.details)).toContain('trigger');
    }
  });
});
