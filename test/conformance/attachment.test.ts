import { expectDocError, putProfile, useConformance } from './setup';
import { ResourceWriteShape, expectShape } from './shapes';

const PAGE = 'https://clinia.readme.io/docs/attachment';

const c = useConformance('attachment-type');

describe(`Attachment — ${PAGE}`, () => {
  beforeAll(async () => {
    await putProfile(c, 'document', { type: 'ROOT', properties: { file: { type: 'attachment' } } });
  });

  test('the template {title, contentType, url, language, size, creation} with its placeholders filled is a valid attachment', async () => {
    const file = {
      title: 'Referral letter',
      contentType: 'application/pdf',
      url: 'https://files.example.com/referrals/2024-0315.pdf',
      language: 'en',
      size: 48213,
      creation: '2024-03-15T14:30:00Z',
    };
    const res = await c.call('POST', '/resources/document', { body: { data: { file } } });
    expect(res.status).toBe(201);
    expect(expectShape(ResourceWriteShape, res.body).resource.data).toEqual({ file });
  });

  test('each attribute has its documented type: url a url, size an integer, creation a datetime', async () => {
    for (const [file, path] of [
      [{ url: 'referrals/2024-0315.pdf' }, 'data.file.url'],
      [{ size: '48 kB' }, 'data.file.size'],
      [{ creation: 'yesterday' }, 'data.file.creation'],
    ] as const) {
      const res = expectDocError(await c.call('POST', '/resources/document', { body: { data: { file } } }), 400, 'INVALID_ARGUMENT');
      expect(JSON.stringify(res.details)).toContain(path);
    }
  });
});
