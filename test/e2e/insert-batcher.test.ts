import { isDuplicateKey } from '../../src/store/db';
import { InsertBatcher } from '../../src/store/insert-batcher';
import { startApi, type TestApi } from '../support/api';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

interface Doc {
  _id: string;
  n: number;
}

test('concurrent inserts go out together; each caller gets its own outcome, a duplicate only its own', async () => {
  const collection = api.store.db.collection<Doc>(`batcher_${Date.now()}`);
  await collection.insertOne({ _id: 'taken', n: -1 });
  const calls: string[] = [];
  const counted = new Proxy(collection, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if ((prop === 'insertOne' || prop === 'insertMany') && typeof value === 'function') {
        return (...args: unknown[]) => {
          calls.push(prop);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value;
    },
  });
  const batcher = new InsertBatcher<Doc>(counted);
  const ids = Array.from({ length: 40 }, (_, i) => (i === 17 ? 'taken' : i === 30 ? 'd-3' : `d-${i}`));
  const outcomes = await Promise.allSettled(ids.map((id, n) => batcher.insert({ _id: id, n })));

  // The first insert went alone; the 39 that came meanwhile went in one call.
  expect(calls).toEqual(['insertOne', 'insertMany']);
  const rejected = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
  expect(rejected).toEqual([17, 30]);
  for (const i of rejected) expect(isDuplicateKey((outcomes[i] as PromiseRejectedResult).reason)).toBe(true);
  const stored = await collection.find({}).sort({ n: 1 }).toArray();
  expect(stored.map((d) => d._id)).toEqual(['taken', ...ids.filter((_, i) => i !== 17 && i !== 30)]);
  expect(stored.find((d) => d._id === 'd-3')?.n).toBe(3);

  // Alone, an insert goes out by itself at once.
  calls.length = 0;
  await batcher.insert({ _id: 'alone', n: 99 });
  expect(calls).toEqual(['insertOne']);
  await expect(batcher.insert({ _id: 'alone', n: 100 })).rejects.toMatchObject({ code: 11000 });
});
