import { deleteDataPath, readDataPath, writeDataPath } from '../../src/pipeline/data-path';

describe('readDataPath', () => {
  test.each<[string, unknown]>([
    ['data.name', 'Ada'],
    ['data.contact.email', 'ada@example.org'],
    ['data.contact.phone', undefined],
    ['data.tags', ['a', 'b']],
    ['data.name.length', undefined],
    ['meta.source', undefined],
  ])('%s', (path, expected) => {
    expect(readDataPath({ name: 'Ada', contact: { email: 'ada@example.org' }, tags: ['a', 'b'] }, path)).toEqual(expected);
  });
});

describe('writeDataPath', () => {
  test.each<[string, Record<string, unknown>, string, Record<string, unknown>]>([
    ['a top-level property', { a: 1 }, 'data.b', { a: 1, b: 'v' }],
    ['over an existing value', { a: 1 }, 'data.a', { a: 'v' }],
    ['creating intermediate objects', { a: 1 }, 'data.x.y.z', { a: 1, x: { y: { z: 'v' } } }],
    ['replacing a null intermediate', { x: null }, 'data.x.y', { x: { y: 'v' } }],
    ['into an existing object', { x: { k: 1 } }, 'data.x.y', { x: { k: 1, y: 'v' } }],
  ])('%s', (_name, data, path, expected) => {
    expect(writeDataPath(data, path, 'v')).toBeUndefined();
    expect(data).toEqual(expected);
  });

  test.each<[string, Record<string, unknown>, string, string]>([
    ['through a string', { x: 's' }, 'data.x.y', 'cannot be written: data.x is not an object'],
    ['through an array', { x: { list: [] } }, 'data.x.list.y', 'cannot be written: data.x.list is not an object'],
    ['outside data', {}, 'meta.x', 'is not a property under data'],
  ])('refuses %s', (_name, data, path, message) => {
    const before = structuredClone(data);
    expect(writeDataPath(data, path, 'v')).toEqual({ path, message });
    expect(data).toEqual(before);
  });

  test('writes __proto__ as an own property, leaving the prototype alone', () => {
    const data: Record<string, unknown> = {};
    writeDataPath(data, 'data.__proto__', { polluted: true });
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect((data as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('deleteDataPath', () => {
  test.each<[string, string, Record<string, unknown>]>([
    ['a top-level property', 'data.a', { x: { y: 1, z: 2 } }],
    ['a nested property', 'data.x.y', { a: 1, x: { z: 2 } }],
    ['an absent property', 'data.q.r', { a: 1, x: { y: 1, z: 2 } }],
    ['through a number', 'data.a.b', { a: 1, x: { y: 1, z: 2 } }],
  ])('%s', (_name, path, expected) => {
    const data = { a: 1, x: { y: 1, z: 2 } };
    deleteDataPath(data, path);
    expect(data).toEqual(expected);
  });
});
