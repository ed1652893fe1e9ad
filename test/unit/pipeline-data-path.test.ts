import { deleteDataPath, readDataPath, writeDataPath } from '../../src/pipeline/data-path';

describe('readDataPath', () => {
  test.each<[string, unknown]>([
    ['name', 'Ada'],
    ['contact.email', 'ada@example.org'],
    ['contact.phone', undefined],
    ['tags', ['a', 'b']],
    ['tags.1', 'b'],
    ['name.length', undefined],
    ['constructor', undefined],
    ['data.name', undefined],
  ])('%s', (path, expected) => {
    expect(readDataPath({ name: 'Ada', contact: { email: 'ada@example.org' }, tags: ['a', 'b'] }, path)).toEqual(expected);
  });
});

describe('writeDataPath', () => {
  test.each<[string, Record<string, unknown>, string, Record<string, unknown>]>([
    ['a top-level property', { a: 1 }, 'b', { a: 1, b: 'v' }],
    ['over an existing value', { a: 1 }, 'a', { a: 'v' }],
    ['creating intermediate objects', { a: 1 }, 'x.y.z', { a: 1, x: { y: { z: 'v' } } }],
    ['replacing a null intermediate', { x: null }, 'x.y', { x: { y: 'v' } }],
    ['into an existing object', { x: { k: 1 } }, 'x.y', { x: { k: 1, y: 'v' } }],
    ['a key named data is just a key (paths are relative to data)', {}, 'data.b', { data: { b: 'v' } }],
  ])('%s', (_name, data, path, expected) => {
    expect(writeDataPath(data, path, 'v')).toBeUndefined();
    expect(data).toEqual(expected);
  });

  test.each<[string, Record<string, unknown>, string, string]>([
    ['through a string', { x: 's' }, 'x.y', 'cannot be written: x is not an object'],
    ['through an array', { x: { list: [] } }, 'x.list.y', 'cannot be written: x.list is not an object'],
    ['the empty path', {}, '', 'is not a property path'],
  ])('refuses %s', (_name, data, path, message) => {
    const before = structuredClone(data);
    expect(writeDataPath(data, path, 'v')).toEqual({ path, message });
    expect(data).toEqual(before);
  });

  test('writes __proto__ as an own property, leaving the prototype alone', () => {
    const data: Record<string, unknown> = {};
    writeDataPath(data, '__proto__', { polluted: true });
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect((data as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('deleteDataPath', () => {
  test.each<[string, string, Record<string, unknown>]>([
    ['a top-level property', 'a', { x: { y: 1, z: 2 } }],
    ['a nested property', 'x.y', { a: 1, x: { z: 2 } }],
    ['an absent property', 'q.r', { a: 1, x: { y: 1, z: 2 } }],
    ['through a number', 'a.b', { a: 1, x: { y: 1, z: 2 } }],
    ['the empty path', '', { a: 1, x: { y: 1, z: 2 } }],
  ])('%s', (_name, path, expected) => {
    const data = { a: 1, x: { y: 1, z: 2 } };
    deleteDataPath(data, path);
    expect(data).toEqual(expected);
  });
});
