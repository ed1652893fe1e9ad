import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { streamedOperations, type StreamedOperation } from '../../src/services/bulk-stream';

/** What the stream yields, then its error as `{error: type, message, details}` if it ends with one. */
async function read(body: string | Buffer, type: string, opts: { limit?: number; encoding?: string; pieces?: number } = {}): Promise<unknown[]> {
  const bytes = Buffer.from(body);
  const size = Math.max(1, Math.ceil(bytes.length / (opts.pieces ?? 1)));
  const pieces = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  const out: unknown[] = [];
  try {
    for await (const item of streamedOperations(Readable.from(pieces), type, opts.encoding, opts.limit ?? 1e9)) out.push(item);
  } catch (err) {
    const e = err as { type: string; message: string; details: unknown[] };
    out.push({ error: e.type, message: e.message, ...(e.details?.length ? { details: e.details } : {}) });
  }
  return out;
}

describe('the JSON envelope, parsed as a stream', () => {
  test('yields each operation in order, whatever the pieces the body arrives in', async () => {
    const ops = Array.from({ length: 50 }, (_, i) => ({ action: 'UPSERT', upsert: { id: `p-${i}`, type: 'provider', data: { name: `é ${i}` } } }));
    const expected: StreamedOperation[] = ops.map((op) => ({ op }));
    expect(await read(JSON.stringify({ operations: ops }), 'application/json', { pieces: 97 })).toEqual(expected);
    expect(await read(JSON.stringify({ operations: ops }), 'application/json; charset=utf-8')).toEqual(expected);
  });

  test.each([
    ['an unknown field', '{"operations":[{"action":"DELETE"}],"extra":true}', [{ path: 'extra', message: expect.stringContaining('unknown field') }]],
    ['operations not an array', '{"operations":"x"}', [{ path: 'operations', message: 'must be an array' }]],
    ['no operations', '{}', [{ path: 'operations', message: 'required' }]],
    ['an operation that is not an object', '{"operations":[42]}', [{ path: 'operations.0', message: 'an operation must be a JSON object' }]],
    ['an operation without an action', '{"operations":[{"action":"DELETE"},{"create":{}}]}', [{ path: 'operations.1', message: 'an operation must have a string `action`' }]],
  ])('a malformed envelope (%s) ends with a 400 naming the path', async (_name, body, details) => {
    const out = await read(body, 'application/json');
    expect(out.at(-1)).toEqual({ error: 'INVALID_ARGUMENT', message: 'invalid request body', details });
  });

  test('a body cut short, or not JSON at all, is a 400', async () => {
    expect((await read('{"operations":[{"action":"CREATE","create":{', 'application/json')).at(-1)).toEqual({ error: 'INVALID_ARGUMENT', message: expect.stringContaining('not valid JSON') });
    expect((await read('hello', 'application/json')).at(-1)).toEqual({ error: 'INVALID_ARGUMENT', message: expect.stringContaining('not valid JSON') });
  });
});

describe('NDJSON', () => {
  test('one operation per line; a line that cannot be one is yielded as malformed with its 1-based line number', async () => {
    const body = '{"action":"A"}\r\n\n not json\n[1]\n{"x":1}\n{"action":"B"}';
    expect(await read(body, 'application/x-ndjson', { pieces: 7 })).toEqual([
      { op: { action: 'A' } },
      { malformed: { line: 3, message: expect.stringMatching(/^line 3 is not JSON: /) } },
      { malformed: { line: 4, message: 'line 4: an operation must be a JSON object' } },
      { malformed: { line: 5, message: 'line 5: an operation must have a string `action`' } },
      { op: { action: 'B' } },
    ]);
    expect(await read('{"action":"A"}\n', 'application/jsonl')).toEqual([{ op: { action: 'A' } }]);
  });

  test('a gzip body is decompressed; the limit counts decompressed bytes', async () => {
    const body = '{"action":"A"}\n'.repeat(1000);
    expect(await read(gzipSync(body), 'application/x-ndjson', { encoding: 'gzip' })).toHaveLength(1000);
    expect((await read(gzipSync(body), 'application/x-ndjson', { encoding: 'gzip', limit: 10_000 })).at(-1)).toEqual({ error: 'CONTENT_TOO_LARGE', message: expect.stringContaining('limit of 10000 bytes') });
  });
});

describe('what no body type takes', () => {
  test('a body over the limit is a 413 naming the limit', async () => {
    expect((await read('{"action":"A"}\n'.repeat(100), 'application/x-ndjson', { limit: 500 })).at(-1)).toEqual({ error: 'CONTENT_TOO_LARGE', message: expect.stringContaining('limit of 500 bytes') });
  });

  test('bytes that are not UTF-8 are a 400, never decoded to U+FFFD', async () => {
    expect((await read(Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), 'application/x-ndjson')).at(-1)).toEqual({ error: 'INVALID_ARGUMENT', message: 'request body is not valid UTF-8' });
  });

  test('another content type is a 415, another encoding too', async () => {
    expect(await read('a,b', 'text/csv')).toEqual([{ error: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('text/csv') }]);
    expect(await read('{}', 'application/x-ndjson', { encoding: 'br' })).toEqual([{ error: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('br') }]);
  });
});
