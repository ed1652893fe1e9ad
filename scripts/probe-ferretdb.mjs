// `node scripts/probe-ferretdb.mjs` (after `npm run build` has fetched the binaries): the FerretDB
// measurements behind two bulk decisions, on a throwaway FerretDB. Prints one JSON line per measurement.
// 1. A chunk of 1,000 staged operations as an array of documents, against one deflated JSON blob.
// 2. 10,000 resources inserted with insertMany in batches of 250, 1,000 and 10,000, and 1,000 two at a time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { MongoClient, Binary } from 'mongodb';
import { freePort, startFerretDB, stopAll } from './stack.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-probe-'));
const ferret = await startFerretDB({ port: await freePort(), dataDir: path.join(dir, 'data'), logFile: path.join(dir, 'ferretdb.log') });
const client = new MongoClient(ferret.uri);
const print = (probe, fields) => console.log(JSON.stringify({ probe, ...fields }));
const ms = async (fn) => {
  const t0 = performance.now();
  await fn();
  return Math.round((performance.now() - t0) * 10) / 10;
};
try {
  await client.connect();
  const db = client.db('probe');
  const data = (i) => ({ name: `Dr Provider ${i}`, practiceNumber: 100000 + i, specialities: ['family medicine'], email: `p${i}@example.org`, active: true });
  const ops = Array.from({ length: 1000 }, (_, i) => ({ action: 'CREATE', create: { id: `bulk-${i}`, type: 'provider', data: data(i) } }));

  const rounds = 10;
  const chunk = async (name, value, read) => {
    const coll = db.collection(`chunk_${name}`);
    const insert = await ms(async () => {
      for (let k = 0; k < rounds; k++) await coll.insertOne({ _id: `c${k}`, ops: value() });
    });
    const find = await ms(async () => {
      for (let k = 0; k < rounds; k++) read((await coll.findOne({ _id: `c${k}` })).ops);
    });
    print('staged chunk of 1,000 operations', { as: name, insertMs: Math.round((insert / rounds) * 10) / 10, findMs: Math.round((find / rounds) * 10) / 10 });
  };
  await chunk('array', () => ops, (v) => v.length);
  await chunk('deflated blob', () => new Binary(zlib.deflateRawSync(Buffer.from(JSON.stringify(ops)), { level: 1 })), (v) => JSON.parse(zlib.inflateRawSync(v.buffer).toString()).length);

  const resources = (tag) => Array.from({ length: 10_000 }, (_, i) => ({
    _id: `demo/provider/${tag}-${i}`, source: 'demo', type: 'provider', id: `${tag}-${i}`, data: data(i), contained: {},
    meta: { createdAt: 'x', updatedAt: 'x', source: 'demo', versionId: '1' },
  }));
  // Warm-up: the first inserts into a new database are slower, whichever batch size comes first.
  await db.collection('warmup').insertMany(resources('warmup'), { ordered: false });
  for (const [batch, parallel] of [[10_000, 1], [1000, 1], [250, 1], [1000, 2]]) {
    const tag = `b${batch}x${parallel}`;
    const coll = db.collection(`resources_${tag}`);
    await coll.createIndex({ source: 1, type: 1, id: 1 }, { unique: true });
    const docs = resources(tag);
    let next = 0;
    const took = await ms(() => Promise.all(Array.from({ length: parallel }, async () => {
      while (next < docs.length) {
        const from = next;
        next += batch;
        await coll.insertMany(docs.slice(from, from + batch), { ordered: false });
      }
    })));
    print('10,000 resources with insertMany', { batch, callsAtOnce: parallel, ms: took });
  }
} finally {
  await client.close();
  await stopAll([ferret]);
  fs.rmSync(dir, { recursive: true, force: true });
}
