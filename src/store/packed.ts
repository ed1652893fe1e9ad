import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { Binary } from 'mongodb';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/**
 * A JSON value stored as one deflated binary field. FerretDB converts every nested field of a document on
 * each write and read: a chunk of 1,000 staged operations as an array costs ~100 ms to insert and as much to
 * read, as one deflated blob ~4 ms. Used for data that is only ever read whole by Sluice itself (a bulk's
 * staged operations, a chunk's receipts), never for records or anything a query filters on.
 */
export async function packJson(json: string): Promise<Binary> {
  return new Binary(await deflate(Buffer.from(json, 'utf8'), { level: 1 }));
}

/** Reads a value written by packJson. */
export async function unpackJson<T>(packed: Binary): Promise<T> {
  return JSON.parse((await inflate(packed.buffer)).toString('utf8')) as T;
}
