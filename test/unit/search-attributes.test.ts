import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SA } from '../../workflows/messages';

test('the workflows use exactly the search attributes the dev server and compose register', () => {
  const registered = JSON.parse(readFileSync(join(__dirname, '../../scripts/search-attributes.json'), 'utf8')) as Record<string, string>;
  expect(Object.values(SA).sort()).toEqual(Object.keys(registered).sort());
  expect(new Set(Object.values(registered))).toEqual(new Set(['Keyword']));
});
