import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflate } from 'node:zlib';
import { JSONParser } from '@streamparser/json';
import split2 from 'split2';
import { SluiceError } from '../errors';
import { findJsonHazard } from '../schemas/json-guard';

/** One item of a streamed bulk body, in request order: an operation, or a line that could not be one. */
export type StreamedOperation =
  | { op: Record<string, unknown> }
  /** An NDJSON line that is not a JSON object with an `action`: that operation's FAILURE receipt, not a 400. */
  | { malformed: { line: number; message: string } };

/** The content types a bulk body may have: the JSON envelope `{"operations":[...]}`, or one operation per line. */
export const BULK_BODY_TYPES = ['application/json', 'application/x-ndjson', 'application/jsonl'] as const;

/** Deepest nesting an operation may have (as for any request body). */
const MAX_DEPTH = 256;

/**
 * Counts the bytes that pass and fails the stream once they exceed `limit` (413, with the limit in the message), or at
 * the first byte that is not UTF-8 (400: refused, never decoded to U+FFFD and stored as if the client had sent it).
 */
class BodyCheck extends Transform {
  private seen = 0;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      done(new SluiceError('CONTENT_TOO_LARGE', `request body is larger than the limit of ${this.limit} bytes for this endpoint (BODY_LIMIT_BULK)`));
      return;
    }
    try {
      this.utf8.decode(chunk, { stream: true });
    } catch {
      done(new SluiceError('INVALID_ARGUMENT', 'request body is not valid UTF-8'));
      return;
    }
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    try {
      this.utf8.decode();
      done();
    } catch {
      done(new SluiceError('INVALID_ARGUMENT', 'request body is not valid UTF-8'));
    }
  }
}

/**
 * The body's bytes as they arrive, decompressed when the request says so (the limit counts decompressed bytes). The
 * request is piped in, not part of the stages: when the stages fail (413, 400) the request stays open, so the answer
 * can still be sent on it; `detach` then stops reading it.
 */
function bodyBytes(req: Readable, encoding: string | undefined, limit: number): { stages: Transform[]; detach: () => void } {
  const enc = (encoding ?? 'identity').toLowerCase();
  const stages: Transform[] = [];
  if (enc === 'gzip' || enc === 'x-gzip') stages.push(createGunzip());
  else if (enc === 'deflate') stages.push(createInflate());
  else if (enc !== 'identity') throw new SluiceError('UNSUPPORTED_MEDIA_TYPE', `content encoding ${encoding} is not supported; send identity, gzip or deflate`);
  stages.push(new BodyCheck(limit));
  const first = stages[0] as Transform;
  // Closed before its end: the client went away mid-body. (A body read to its end may close before the stages have
  // drained it: `readableEnded`, or an HTTP request's `complete`, tells the two apart.)
  const gone = (): void => {
    if (!req.readableEnded && !(req as Readable & { complete?: boolean }).complete) first.destroy(new Error('the client closed the connection before the body ended'));
  };
  const failed = (err: Error): void => {
    first.destroy(err);
  };
  req.on('close', gone);
  req.on('error', failed);
  req.pipe(first);
  return {
    stages,
    detach: () => {
      req.off('close', gone);
      req.off('error', failed);
      req.unpipe(first);
      // What is left of the body is read and dropped (the answer says to close the connection: see the route).
      req.resume();
    },
  };
}

/** Why a parsed value cannot be an operation; undefined when it can (an object with a string `action`, not too deep). */
export function notAnOperation(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'an operation must be a JSON object';
  if (typeof (value as Record<string, unknown>).action !== 'string') return 'an operation must have a string `action`';
  const hazard = findJsonHazard(value, MAX_DEPTH);
  return hazard ? hazard.message : undefined;
}

/**
 * The operations of a bulk body as they arrive, never the whole body in memory. NDJSON (`application/x-ndjson` or
 * `application/jsonl`): one operation per line, blank lines skipped; a line that is not a JSON object with an `action`
 * is yielded as malformed with its line number (1-based). JSON: the envelope `{"operations":[...]}` parsed as a stream;
 * as before streaming, the envelope must be well-formed, with only `operations`, every operation an object with an
 * `action`, else the whole body is a 400. A body over `limit` bytes is a 413.
 */
export async function* streamedOperations(req: Readable, contentType: string, encoding: string | undefined, limit: number): AsyncGenerator<StreamedOperation> {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/x-ndjson' || type === 'application/jsonl') yield* ndjsonOperations(bodyBytes(req, encoding, limit));
  else if (type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))) yield* envelopeOperations(bodyBytes(req, encoding, limit));
  else throw new SluiceError('UNSUPPORTED_MEDIA_TYPE', `content type ${contentType || '(none)'} is not supported; send application/json or application/x-ndjson`);
}

/** Items pushed by a parser callback, pulled by the generator; `fail` ends the pull with an error. */
class Queue<T> {
  private items: T[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private error: unknown;
  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }
  end(err?: unknown): void {
    this.ended = true;
    if (err !== undefined) this.error ??= err;
    this.wake?.();
  }
  get size(): number {
    return this.items.length;
  }
  /** Waits for items or the end: the items so far, or undefined once it ended (throwing its error, if any). */
  async take(): Promise<T[] | undefined> {
    while (this.items.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    if (this.error !== undefined) throw this.error;
    if (this.items.length === 0) return undefined;
    const out = this.items;
    this.items = [];
    return out;
  }
}

/** How many parsed operations may wait for the stager before the body is paused. */
const HIGH_WATER = 2000;

/**
 * Runs `stages` piped into a sink that feeds `onData` and yields what `queue` collects; the source is paused while
 * the consumer lags (backpressure), so memory holds at most about HIGH_WATER operations.
 */
async function* drive<T>(body: { stages: Transform[]; detach: () => void }, queue: Queue<T>, onData: (chunk: Buffer | string) => void, onEnd: () => void): AsyncGenerator<T> {
  const { stages } = body;
  let resume: (() => void) | undefined;
  const sink = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer | string, _enc, done) {
      try {
        onData(chunk);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (queue.size < HIGH_WATER) done();
      else resume = () => done();
    },
    flush(done) {
      try {
        onEnd();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  sink.resume();
  const piped = pipeline([...stages, sink] as unknown as NodeJS.ReadWriteStream[]).then(() => queue.end(), (err: unknown) => queue.end(err));
  try {
    for (;;) {
      const items = await queue.take();
      if (!items) break;
      for (const item of items) yield item;
      const go = resume;
      resume = undefined;
      go?.();
    }
  } finally {
    // An early end (an error below, or the consumer stopped): the body is not read any further.
    for (const s of stages) s.destroy();
    sink.destroy();
    await piped;
    body.detach();
  }
}

function ndjsonOperations(body: { stages: Transform[]; detach: () => void }): AsyncGenerator<StreamedOperation> {
  const queue = new Queue<StreamedOperation>();
  let line = 0;
  const lines = split2({ maxLength: Number.MAX_SAFE_INTEGER });
  const onLine = (text: string): void => {
    line++;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      queue.push({ malformed: { line, message: `line ${line} is not JSON: ${(err as Error).message}` } });
      return;
    }
    const why = notAnOperation(value);
    queue.push(why ? { malformed: { line, message: `line ${line}: ${why}` } } : { op: value as Record<string, unknown> });
  };
  return drive({ ...body, stages: [...body.stages, lines] }, queue, (chunk) => onLine(String(chunk)), () => undefined);
}

function envelopeOperations(body: { stages: Transform[]; detach: () => void }): AsyncGenerator<StreamedOperation> {
  const queue = new Queue<StreamedOperation>();
  // `$.operations.*` yields each operation and drops it from memory (keepStack false); `$.*` then sees each top-level
  // key once, `operations` emptied, so an unknown key or an `operations` that is not an array is found too.
  const parser = new JSONParser({ paths: ['$.operations.*', '$.*', '$'], keepStack: false });
  let index = 0;
  let sawOperations = false;
  let root = false;
  const invalid = (path: string, message: string): SluiceError => new SluiceError('INVALID_ARGUMENT', 'invalid request body', [{ path, message }]);
  parser.onValue = ({ value, key, stack }) => {
    if (stack.length === 2) {
      const why = notAnOperation(value);
      if (why) throw invalid(`operations.${index}`, why);
      index++;
      queue.push({ op: value as Record<string, unknown> });
    } else if (stack.length === 1) {
      if (key !== 'operations') throw invalid(String(key), 'unknown field (the envelope holds only `operations`)');
      if (!Array.isArray(value)) throw invalid('operations', 'must be an array');
      sawOperations = true;
    } else {
      root = true;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('(body)', 'must be a JSON object `{"operations":[...]}`');
    }
  };
  const onData = (chunk: Buffer | string): void => {
    try {
      parser.write(chunk);
    } catch (err) {
      if (err instanceof SluiceError) throw err;
      throw new SluiceError('INVALID_ARGUMENT', `request body is not valid JSON: ${(err as Error).message}`);
    }
  };
  const onEnd = (): void => {
    if (!parser.isEnded) {
      try {
        parser.end();
      } catch {
        throw new SluiceError('INVALID_ARGUMENT', 'request body is not valid JSON: it ends too early');
      }
    }
    if (!root) throw new SluiceError('INVALID_ARGUMENT', 'a JSON request body is required');
    if (!sawOperations) throw invalid('operations', 'required');
  };
  return drive(body, queue, onData, onEnd);
}
