import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { Binary } from 'mongodb';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/**
 * A JSON value stored as one deflated binary field, for data only Sluice reads, and whole (a bulk's staged
 * operations, a chunk's receipts): far cheaper than nested fields on FerretDB (docs/ferretdb.md).
 */
export async function packJson(json: string): Promise<Binary> {
  return new Binary(await deflate(Buffer.from(json, 'utf8'), { level: 1 }));
}

/** Reads a value written by packJson. */
export async function unpackJson<T>(packed: Binary): Promise<T> {
  return JSON.parse((await inflate(packed.buffer)).toString('utf8')) as T;
}
