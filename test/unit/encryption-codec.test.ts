import { randomBytes } from 'node:crypto';
import { DefaultFailureConverter, defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../src/config';
import { codecKeysFromConfig } from '../../src/codec/data-converter';
import { CodecError, ENCRYPTED_ENCODING, EncryptionCodec, METADATA_KEY_ID, isEncrypted, type CodecKey } from '../../src/codec/encryption-codec';
import { failureConverter } from '../../src/codec/failure-converter';

const key = (id: string): CodecKey => ({ id, key: randomBytes(32) });
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');
const SECRET = { name: 'Dr. Ada Lovelace', diagnosis: 'PHI-SENTINEL-unit' };

describe('EncryptionCodec', () => {
  const k1 = key('k1');
  const codec = new EncryptionCodec({ current: k1, old: [] });

  test('round trip: a JSON payload comes back byte for byte, metadata included', async () => {
    const payload = defaultPayloadConverter.toPayload(SECRET);
    const [encrypted] = await codec.encode([payload]);
    expect(text(encrypted!.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted!.metadata?.[METADATA_KEY_ID])).toBe('k1');
    expect(Object.keys(encrypted!.metadata ?? {}).sort()).toEqual([METADATA_KEY_ID, METADATA_ENCODING_KEY].sort());
    expect(text(encrypted!.data)).not.toContain('PHI-SENTINEL');
    expect(text(encrypted!.data)).not.toContain('json/plain');
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(SECRET);
    expect(text(decoded!.metadata?.[METADATA_ENCODING_KEY])).toBe('json/plain');
  });

  test('round trip of any bytes and metadata (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ maxLength: 2048 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }).filter((k) => k !== '__proto__'), fc.uint8Array({ maxLength: 64 }), { maxKeys: 4 }),
      async (data, metadata) => {
        const [decoded] = await codec.decode(await codec.encode([{ metadata, data }]));
        expect(Buffer.from(decoded!.data ?? [])).toEqual(Buffer.from(data));
        expect(Object.fromEntries(Object.entries(decoded!.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v)]))).toEqual(
          Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v)])),
        );
      },
    ), { numRuns: 200 });
  });

  test('a fresh IV per payload: the same value encrypts differently every time', async () => {
    const payload = defaultPayloadConverter.toPayload(SECRET);
    const out = await codec.encode([payload, payload, payload]);
    const ivs = out.map((p) => Buffer.from(p.data!).subarray(0, 12).toString('hex'));
    expect(new Set(ivs).size).toBe(3);
    expect(new Set(out.map((p) => Buffer.from(p.data!).toString('hex'))).size).toBe(3);
  });

  test('an encrypted payload is not encrypted again; a plain one passes decode untouched (histories from before the codec)', async () => {
    const [once] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const [twice] = await codec.encode([once!]);
    expect(twice).toBe(once);
    expect(isEncrypted(once!)).toBe(true);
    const plain = defaultPayloadConverter.toPayload(SECRET);
    const [passed] = await codec.decode([plain]);
    expect(passed).toBe(plain);
  });

  test('rotation: payloads of a retired key still decode, new ones use the current key', async () => {
    const k2 = key('k2');
    const [old] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const rotated = new EncryptionCodec({ current: k2, old: [k1] });
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(SECRET)]);
    expect(text(fresh!.metadata?.[METADATA_KEY_ID])).toBe('k2');
    const decoded = await rotated.decode([old!, fresh!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([SECRET, SECRET]);
    // The process that only has the old key cannot read what the new one wrote.
    await expect(codec.decode([fresh!])).rejects.toThrow(/encrypted with key 'k2', which this process does not have/);
  });

  test('an unknown key id is a clear error naming the key and the payload', async () => {
    const [encrypted] = await new EncryptionCodec({ current: key('gone'), old: [] }).encode([defaultPayloadConverter.toPayload(SECRET)]);
    const plain = defaultPayloadConverter.toPayload(1);
    const err = await codec.decode([plain, encrypted!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect(err).toEqual(expect.objectContaining({ index: 1, message: expect.stringMatching(/^payload 1 was encrypted with key 'gone', which this process does not have \(add it to SLUICE_CODEC_OLD_KEYS\)$/) }));
  });

  test('an encrypted payload without a key id is refused', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const { [METADATA_KEY_ID]: _dropped, ...metadata } = encrypted!.metadata ?? {};
    await expect(codec.decode([{ ...encrypted!, metadata }])).rejects.toThrow(/names no key/);
  });

  test.each([
    ['a flipped ciphertext bit', (d: Buffer) => { d[20]! ^= 1; return d; }],
    ['a flipped IV bit', (d: Buffer) => { d[0]! ^= 1; return d; }],
    ['a flipped tag bit', (d: Buffer) => { d[d.length - 1]! ^= 1; return d; }],
    ['a truncated payload', (d: Buffer) => d.subarray(0, d.length - 1)],
    ['a payload shorter than IV and tag', (d: Buffer) => d.subarray(0, 20)],
  ])('tampering fails: %s', async (_name, tamper) => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const altered: Payload = { ...encrypted!, data: tamper(Buffer.from(encrypted!.data!)) };
    await expect(codec.decode([altered])).rejects.toThrow(CodecError);
  });

  test('a payload of another key with a swapped key id does not decode', async () => {
    const other = key('k1');
    const [foreign] = await new EncryptionCodec({ current: other, old: [] }).encode([defaultPayloadConverter.toPayload(SECRET)]);
    await expect(codec.decode([foreign!])).rejects.toThrow(/does not decrypt with key 'k1'/);
  });

  test('keys of the wrong size or repeated ids are refused at construction', () => {
    expect(() => new EncryptionCodec({ current: { id: 'short', key: randomBytes(16) }, old: [] })).toThrow(/16 bytes; AES-256 needs 32/);
    expect(() => new EncryptionCodec({ current: k1, old: [{ ...key('k1') }] })).toThrow(/distinct/);
  });
});

describe('the failure converter', () => {
  test('moves message and stack trace into the encoded attributes, which the codec then encrypts', async () => {
    const failure = failureConverter.errorToFailure(new Error('could not reach PHI-SENTINEL-failure'), defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(text(failure.encodedAttributes?.data)).toContain('PHI-SENTINEL-failure');
    expect(failureConverter).toBeInstanceOf(DefaultFailureConverter);
  });
});

describe('codec configuration', () => {
  const b64 = randomBytes(32).toString('base64');

  test('SLUICE_CODEC_KEY, _KEY_ID and _OLD_KEYS become the current key and the retired ones', () => {
    const old1 = randomBytes(32).toString('base64');
    const old2 = randomBytes(32).toString('base64');
    const keys = codecKeysFromConfig(loadConfig({ SLUICE_CODEC_KEY: b64, SLUICE_CODEC_KEY_ID: 'key-2', SLUICE_CODEC_OLD_KEYS: `key-1:${old1}, key-0:${old2}` }));
    expect(keys.current).toEqual({ id: 'key-2', key: Buffer.from(b64, 'base64') });
    expect(keys.old).toEqual([{ id: 'key-1', key: Buffer.from(old1, 'base64') }, { id: 'key-0', key: Buffer.from(old2, 'base64') }]);
  });

  test('no key: the process refuses to start, saying which variables to set (there is no unencrypted mode)', () => {
    expect(() => codecKeysFromConfig(loadConfig({}))).toThrow(ConfigError);
    expect(() => codecKeysFromConfig(loadConfig({}))).toThrow(/SLUICE_CODEC_KEY: is not set.*does not run without it.*openssl rand -base64 32.*SLUICE_CODEC_KEY_ID/s);
    expect(() => codecKeysFromConfig(loadConfig({ SLUICE_CODEC_KEY: b64 }))).toThrow(/SLUICE_CODEC_KEY_ID: is not set/);
  });

  test.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['a key of 16 bytes', { SLUICE_CODEC_KEY: randomBytes(16).toString('base64') }, /SLUICE_CODEC_KEY: must be 32 random bytes in base64/],
    ['a key that is not base64', { SLUICE_CODEC_KEY: 'not base64 at all, but long enough to be 32 bytes!!' }, /SLUICE_CODEC_KEY: must be 32 random bytes/],
    ['a key id with a space', { SLUICE_CODEC_KEY_ID: 'key 1' }, /SLUICE_CODEC_KEY_ID: must be 1 to 64 letters/],
    ['an old key without an id', { SLUICE_CODEC_OLD_KEYS: b64 }, /SLUICE_CODEC_OLD_KEYS: entry 1 must be <id>:<key>/],
    ['an old key of the wrong size', { SLUICE_CODEC_OLD_KEYS: `ok:${b64},bad:${randomBytes(8).toString('base64')}` }, /SLUICE_CODEC_OLD_KEYS: entry 2 must be/],
    ['a CORS origin with a path', { SLUICE_CODEC_CORS_ORIGINS: 'http://127.0.0.1:8233/ui' }, /SLUICE_CODEC_CORS_ORIGINS: must be origins.*http:\/\/127\.0\.0\.1:8233\/ui/],
    ['a short UI token', { SLUICE_CODEC_UI_TOKEN: 'short' }, /SLUICE_CODEC_UI_TOKEN: must be 32 to 128/],
  ])('%s is refused, naming the variable', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('a bad key is refused without quoting it', () => {
    const bad = randomBytes(31).toString('base64');
    const message = (() => { try { loadConfig({ SLUICE_CODEC_KEY: bad }); } catch (e) { return (e as Error).message; } return ''; })();
    expect(message).toMatch(/SLUICE_CODEC_KEY/);
    expect(message).not.toContain(bad);
  });

  test('the current key id among the old keys, or an old id twice, is refused', () => {
    const other = randomBytes(32).toString('base64');
    expect(() => codecKeysFromConfig(loadConfig({ SLUICE_CODEC_KEY: b64, SLUICE_CODEC_KEY_ID: 'k', SLUICE_CODEC_OLD_KEYS: `k:${other}` }))).toThrow(/holds the current key id 'k'/);
    expect(() => codecKeysFromConfig(loadConfig({ SLUICE_CODEC_KEY: b64, SLUICE_CODEC_KEY_ID: 'k', SLUICE_CODEC_OLD_KEYS: `a:${other},a:${other}` }))).toThrow(/names key id 'a' twice/);
  });
});
