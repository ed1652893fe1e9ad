import { putProfile, triggerProbe, useConformance } from './setup';

const PAGE = 'https://docs.clinia.com/explanation/search';

const c = useConformance('search-dsl', { worker: true });
const probe = triggerProbe(c, 'article');

describe(`Query DSL operators, used as pipeline triggers — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'article', {
      type: 'ROOT',
      properties: { name: { type: 'symbol' }, status: { type: 'code' }, lastModified: { type: 'datetime' }, description: { type: 'symbol' } },
    });
  });

  test('the "filter" example: and of {"eq": {"status": "active"}} and {"gt": {"lastModified": "2024-01-01T00:00:00Z"}}', async () => {
    await probe.use({ and: [{ eq: { status: 'active' } }, { gt: { lastModified: '2024-01-01T00:00:00Z' } }] });
    expect(await probe.holds({ status: 'active', lastModified: '2024-02-10T08:00:00Z' })).toBe(true);
    expect(await probe.holds({ status: 'active', lastModified: '2024-01-01T00:00:00Z' })).toBe(true);
    expect(await probe.holds({ status: 'active', lastModified: '2023-11-07T05:31:56Z' })).toBe(false);
    expect(await probe.holds({ status: 'retired', lastModified: '2024-02-10T08:00:00Z' })).toBe(false);
  });

  test('the "query" example\'s match: {"match": {"description": {"value": "cardiac symptoms", "type": "phrase"}}}', async () => {
    await probe.use({ match: { description: { value: 'cardiac symptoms', type: 'phrase' } } });
    expect(await probe.holds({ description: 'Early signs of cardiac symptoms in adults' })).toBe(true);
    expect(await probe.holds({ description: 'Symptoms that are not cardiac' })).toBe(false);
  });

  test('"or" of operators holds when one of them does', async () => {
    await probe.use({ or: [{ match: { description: { value: 'cardiac symptoms', type: 'phrase' } } }, { eq: { status: 'active' } }] });
    expect(await probe.holds({ description: 'Pediatric nutrition', status: 'active' })).toBe(true);
    expect(await probe.holds({ description: 'Pediatric nutrition', status: 'draft' })).toBe(false);
  });
});
