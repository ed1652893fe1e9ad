// What the write path relies on from the database (docs/ferretdb.md): a conditional write on one document is atomic,
// and `_id` lookups inside richer filters find what a full scan finds. Real MongoDB gives both; FerretDB v1 does as
// Sluice builds it (scripts/stack/go-builds.mjs). Raced, not sequenced: many writers at once on one document.
import { startApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

interface Counter {
  _id: string;
  v: number;
  by?: number;
  pad?: string;
}

test('compare-and-set on one document by 10 concurrent writers: every success is a distinct step, none lost', async () => {
  const col = api.store.db.collection<Counter>('cas_counter');
  await col.insertOne({ _id: 'x', v: 0, pad: 'p'.repeat(2000) });
  let wins = 0;
  let conflicts = 0;
  const worker = async (w: number): Promise<void> => {
    for (let k = 0; k < 20; k++) {
      for (;;) {
        const doc = (await col.findOne({ _id: 'x' })) as Counter;
        const res = await col.updateOne({ _id: 'x', v: doc.v }, { $set: { v: doc.v + 1, by: w } });
        if (res.matchedCount === 1) {
          wins++;
          break;
        }
        conflicts++;
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, (_, w) => worker(w)));
  expect(wins).toBe(200);
  expect(((await col.findOne({ _id: 'x' })) as Counter).v).toBe(200);
  // The writers did race: some compare-and-sets lost.
  expect(conflicts).toBeGreaterThan(0);
});

test('a conditional delete racing a conditional replace: exactly one of them takes effect', async () => {
  const col = api.store.db.collection<Counter>('cas_delete');
  for (let round = 0; round < 30; round++) {
    await col.insertOne({ _id: `r${round}`, v: 1 });
    const [replaced, deleted] = await Promise.all([
      col.replaceOne({ _id: `r${round}`, v: 1 }, { v: 2 }),
      col.deleteOne({ _id: `r${round}`, v: 1 }),
    ]);
    const stored = await col.findOne({ _id: `r${round}` });
    expect(replaced.matchedCount + deleted.deletedCount).toBe(1);
    expect(stored === null).toBe(deleted.deletedCount === 1);
  }
});

test('filters with an `_id` and more conditions, and `_id: {$in}`, find exactly what they match', async () => {
  const col = api.store.db.collection<Counter>('id_filters');
  await col.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `d${i}`, v: i % 5 })));
  expect(await col.findOne({ _id: 'd7', v: 2 })).toEqual({ _id: 'd7', v: 2 });
  expect(await col.findOne({ _id: 'd7', v: 3 })).toBeNull();
  expect(await col.findOne({ _id: 'd7', v: { $gt: 1 } })).toEqual({ _id: 'd7', v: 2 });
  const found = await col.find({ _id: { $in: ['d1', 'd2', 'd49', 'missing'] } }).toArray();
  expect(found.map((d) => d._id).sort()).toEqual(['d1', 'd2', 'd49']);
  expect(await col.countDocuments({ _id: { $in: ['d3', 'd4'] }, v: 3 })).toBe(1);
  expect((await col.updateOne({ _id: 'd9', v: 0 }, { $set: { v: 100 } })).matchedCount).toBe(0);
  expect((await col.updateOne({ _id: 'd9', v: 4 }, { $set: { v: 100 } })).matchedCount).toBe(1);
});
