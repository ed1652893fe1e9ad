import fc from 'fast-check';

import type { StepIssue } from '../../src/pipeline/data-path';
import { normalize, type NormalizerConfig } from '../../src/pipeline/normalizer';
import { StepSchema } from '../../src/schemas/pipeline';

const config = (...properties: Record<string, unknown>[]): NormalizerConfig => {
  const step = StepSchema.parse({ type: 'NORMALIZER', normalizer: { properties } });
  if (step.type !== 'NORMALIZER') throw new Error('unreachable');
  return step.normalizer;
};

const CA = { defaultCountry: 'CA' };

describe('the normalizer step schema', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['an empty path', { property: '' }, 'must be a property path relative to data, e.g. "abstract" or "address.city" (keys joined by ".")'],
    ['a path with an empty segment', { property: 'contact..email' }, 'must be a property path relative to data, e.g. "abstract" or "address.city" (keys joined by ".")'],
    ['a path with an array index', { property: 'phones.0' }, 'must be a property path relative to data, e.g. "abstract" or "address.city" (keys joined by ".")'],
  ])('refuses %s', (_name, rule, message) => {
    const result = StepSchema.safeParse({ type: 'NORMALIZER', normalizer: { properties: [{ ...rule, trim: true }] } });
    expect(result.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toEqual([{ path: ['normalizer', 'properties', 0, 'property'], message }]);
  });

  test('the old config key is refused', () => {
    const result = StepSchema.safeParse({ type: 'NORMALIZER', config: { properties: [{ property: 'data.name', trim: true }] } });
    expect(result.error?.issues.map((i) => i.message)).toContain('unknown key(s) "config"; a NORMALIZER step is {"type": "NORMALIZER", "trigger"?, "onlyOnTriggeredPipeline"?, "normalizer": {...}}');
  });
});

describe('normalize', () => {
  test.each<[string, NormalizerConfig, Record<string, unknown>, Record<string, unknown>, StepIssue[]]>([
    ['trim collapses inner whitespace', config({ property: 'name', trim: true }), { name: '  Ada \t\n  Lovelace  ' }, { name: 'Ada Lovelace' }, []],
    ['trim of blanks gives an empty string', config({ property: 'name', trim: true }), { name: ' \u00a0 ' }, { name: '' }, []],
    ['lower case', config({ property: 'code', case: 'lower' }), { code: 'AbC-Ä' }, { code: 'abc-ä' }, []],
    ['upper case', config({ property: 'code', case: 'upper' }), { code: 'abc-ß' }, { code: 'ABC-SS' }, []],
    ['title case after spaces and hyphens', config({ property: 'name', trim: true, case: 'title' }), { name: ' jEAN-luc   PICARD ' }, { name: 'Jean-Luc Picard' }, []],
    ['title case of accented letters', config({ property: 'name', case: 'title' }), { name: 'ÉMILE zola' }, { name: 'Émile Zola' }, []],
    ['title case leaves digits', config({ property: 'addr', case: 'title' }), { addr: '221b baker STREET' }, { addr: '221b Baker Street' }, []],
    ['e-mail at a nested path', config({ property: 'contact.email', email: true }), { contact: { email: '  Jane.Doe@Example.COM ' } }, { contact: { email: 'jane.doe@example.com' } }, []],
    ['invalid e-mail left as is', config({ property: 'email', email: true }), { email: ' Jane at Example ' }, { email: ' Jane at Example ' }, [{ path: 'email', message: 'is not a valid e-mail address' }]],
    ['national phone to E.164', config({ property: 'phone', phone: CA }), { phone: '(416) 555-0199' }, { phone: '+14165550199' }, []],
    ['international phone keeps its country', config({ property: 'phone', phone: CA }), { phone: '+44 20 7946 0958' }, { phone: '+442079460958' }, []],
    ['phone with another default country', config({ property: 'phone', phone: { defaultCountry: 'FR' } }), { phone: '06 12 34 56 78' }, { phone: '+33612345678' }, []],
    ['too short a phone', config({ property: 'phone', phone: CA }), { phone: '12345' }, { phone: '12345' }, [{ path: 'phone', message: 'is not a valid phone number (default country CA)' }]],
    ['text that is no phone', config({ property: 'phone', phone: CA }), { phone: 'call me' }, { phone: 'call me' }, [{ path: 'phone', message: 'is not a valid phone number (default country CA)' }]],
    ['an impossible area code', config({ property: 'phone', phone: CA }), { phone: '999 999 9999' }, { phone: '999 999 9999' }, [{ path: 'phone', message: 'is not a valid phone number (default country CA)' }]],
    ['a phone with an extension', config({ property: 'phone', phone: CA }), { phone: '416 555 0199 ext. 12' }, { phone: '416 555 0199 ext. 12' }, [{ path: 'phone', message: 'has an extension, which E.164 cannot hold' }]],
    ['an unknown country', config({ property: 'phone', phone: { defaultCountry: 'ZZ' } }), { phone: '416 555 0199' }, { phone: '416 555 0199' }, [{ path: 'phone', message: 'cannot be normalized: "ZZ" is not a country with phone number metadata' }]],
    [
      'each string of an array',
      config({ property: 'phones', phone: CA }),
      { phones: ['416-555-0199', 'nope', '613 555 0123'] },
      { phones: ['+14165550199', 'nope', '+16135550123'] },
      [{ path: 'phones.1', message: 'is not a valid phone number (default country CA)' }],
    ],
    [
      'non-strings of an array reported, nulls skipped',
      config({ property: 'tags', trim: true }),
      { tags: ['  a  b ', 3, null, { x: 1 }] },
      { tags: ['a b', 3, null, { x: 1 }] },
      [
        { path: 'tags.1', message: 'is a number, not a string' },
        { path: 'tags.3', message: 'is an object, not a string' },
      ],
    ],
    ['a number reported', config({ property: 'age', trim: true }), { age: 42 }, { age: 42 }, [{ path: 'age', message: 'is a number, not a string or an array of strings' }]],
    ['an object reported', config({ property: 'name', case: 'upper' }), { name: { given: 'x' } }, { name: { given: 'x' } }, [{ path: 'name', message: 'is an object, not a string or an array of strings' }]],
    ['absent and null values skipped', config({ property: 'a', trim: true }, { property: 'b.c', email: true }), { b: null, n: null }, { b: null, n: null }, []],
    [
      'several rules, other properties untouched',
      config({ property: 'name', trim: true, case: 'title' }, { property: 'email', email: true }, { property: 'phone', trim: true, phone: CA }),
      { name: 'ada  LOVELACE', email: 'ADA@Example.org', phone: ' 416.555.0199 ', other: '  keep  ' },
      { name: 'Ada Lovelace', email: 'ada@example.org', phone: '+14165550199', other: '  keep  ' },
      [],
    ],
    ['the e-mail rule wins over case', config({ property: 'email', case: 'upper', email: true }), { email: 'a@b.co' }, { email: 'a@b.co' }, []],
  ])('%s', (_name, cfg, data, expected, issues) => {
    expect(normalize(cfg, data)).toEqual({ data: expected, issues });
  });

  test('leaves its input untouched', () => {
    const input = { name: ['  x  y  '], contact: { email: ' A@B.CO ' } };
    const before = structuredClone(input);
    const { data } = normalize(config({ property: 'name', trim: true }, { property: 'contact.email', email: true }), input);
    expect(input).toEqual(before);
    expect(data).toEqual({ name: ['x y'], contact: { email: 'a@b.co' } });
  });

  test('trim is idempotent and leaves no leading, trailing or doubled whitespace', () => {
    const cfg = config({ property: 's', trim: true });
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\t', '\n', '\u00a0', 'é') }), (s) => {
        const once = normalize(cfg, { s }).data.s as string;
        expect(once).toBe(once.trim());
        expect(once).not.toMatch(/\s\s/u);
        expect(normalize(cfg, { s: once }).data.s).toBe(once);
        expect(once.replace(/\s/gu, '')).toBe(s.replace(/\s/gu, ''));
      }),
    );
  });
});
