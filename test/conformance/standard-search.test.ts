import { putProfile, triggerProbe, useConformance } from './setup';

const PAGE = 'https://clinia.readme.io/docs/standard-search';

const c = useConformance('standard-search', { worker: true });
const probe = triggerProbe(c, 'person');

describe(`Standard search filters, used as pipeline triggers — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'person', { type: 'ROOT', properties: { name: { type: 'symbol' }, gender: { type: 'code' } } });
  });

  test('"Simple Single Filters": {"eq": {"name": "John"}}', async () => {
    await probe.use({ eq: { name: 'John' } });
    expect(await probe.holds({ name: 'John' })).toBe(true);
    expect(await probe.holds({ name: 'john' })).toBe(true);
    expect(await probe.holds({ name: 'Johnny' })).toBe(false);
  });

  test('"Complex Filters": and of eq name John with or of eq gender FEM* / MAL*', async () => {
    await probe.use({
      and: [
        { eq: { name: 'John' } },
        { or: [{ eq: { gender: 'FEM*' } }, { eq: { gender: 'MAL*' } }] },
      ],
    });
    expect(await probe.holds({ name: 'John', gender: 'female' })).toBe(true);
    expect(await probe.holds({ name: 'John', gender: 'MALE' })).toBe(true);
    expect(await probe.holds({ name: 'John', gender: 'non-binary' })).toBe(false);
    expect(await probe.holds({ name: 'John' })).toBe(false);
    expect(await probe.holds({ name: 'Jane', gender: 'female' })).toBe(false);
  });
});
