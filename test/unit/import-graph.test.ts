import { resolve } from 'node:path';
import madge from 'madge';

// The layout's rules, checked on the real import graph (type-only imports included): no import circle anywhere,
// and each folder imports only what may run where it runs.

const ROOT = resolve(__dirname, '../..');
let graph: Record<string, string[]>;
let circles: string[][];

beforeAll(async () => {
  const result = await madge(['src', 'workflows', 'activities', 'bench'].map((d) => resolve(ROOT, d)), {
    baseDir: ROOT,
    fileExtensions: ['ts'],
    tsConfig: resolve(ROOT, 'tsconfig.json'),
    detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
  });
  graph = result.obj();
  circles = result.circular();
}, 60_000);

/** Every edge from a file under `from` to a file under one of `to`. */
function edges(from: string, to: string[]): string[] {
  return Object.entries(graph).flatMap(([file, deps]) =>
    file.startsWith(from) ? deps.filter((d) => to.some((t) => d.startsWith(t))).map((d) => `${file} -> ${d}`) : [],
  );
}

test('the graph is read (it has the files of every folder)', () => {
  for (const dir of ['src/', 'workflows/', 'activities/', 'bench/']) expect(Object.keys(graph).some((f) => f.startsWith(dir))).toBe(true);
  expect(Object.keys(graph).length).toBeGreaterThan(80);
});

test('no import circle, type-only imports included', () => {
  expect(circles).toEqual([]);
});

test('src/services/ imports nothing from activities/; activities/ nothing from src/services/ or src/http/', () => {
  expect(edges('src/services/', ['activities/'])).toEqual([]);
  expect(edges('activities/', ['src/services/', 'src/http/'])).toEqual([]);
});

test('workflows/ import only workflows/, the domain vocabulary and activity types', () => {
  const outside = Object.entries(graph).flatMap(([file, deps]) =>
    file.startsWith('workflows/') ? deps.filter((d) => !d.startsWith('workflows/') && d !== 'src/domain.ts' && d !== 'activities/index.ts').map((d) => `${file} -> ${d}`) : [],
  );
  expect(outside).toEqual([]);
});

test('nothing in src/ imports the HTTP layer except the HTTP layer and the server', () => {
  const users = Object.entries(graph)
    .filter(([file, deps]) => file.startsWith('src/') && !file.startsWith('src/http/') && file !== 'src/server.ts' && deps.some((d) => d.startsWith('src/http/')))
    .map(([file]) => file);
  expect(users).toEqual([]);
});
