import { checkCreateMeta, checkUpdateMeta } from '../../src/meta-rules';
import type { ErrorDetail } from '../../src/errors';
import type { MetaInput } from '../../src/schemas/records';

const NOW = new Date('2024-06-01T12:00:00.000Z');

describe('checkCreateMeta', () => {
  test.each<[string, MetaInput | undefined]>([
    ['no meta', undefined],
    ['an empty meta', {}],
    ['createdAt alone', { createdAt: '2023-12-12T15:30:10.000Z' }],
    ['createdAt and a later updatedAt', { createdAt: '2023-12-12T15:30:10.000Z', updatedAt: '2023-12-12T15:31:10.000Z' }],
    ['updatedAt equal to createdAt', { createdAt: '2023-12-12T15:30:10.000Z', updatedAt: '2023-12-12T15:30:10.000Z' }],
    ['timestamps exactly now', { createdAt: NOW.toISOString(), updatedAt: NOW.toISOString() }],
    ['equal instants written with different offsets', { createdAt: '2023-12-12T10:30:10-05:00', updatedAt: '2023-12-12T15:30:10Z' }],
    ['distinct identifiers', { identifier: [{ system: 's', use: 'official', value: '1' }, { system: 's', use: 'official', value: '2' }, { system: 't', use: 'official', value: '1' }, { system: 's', use: 'usual', value: '1' }] }],
    ['an identifier with only a value', { identifier: [{ value: '1' }] }],
    ['use and system values that only contain the reserved words', { identifier: [{ system: 'mdm-legacy', use: 'sources', value: '1' }] }],
    ['an empty identifier list', { identifier: [] }],
  ])('accepts %s', (_name, meta) => {
    expect(checkCreateMeta(meta, NOW)).toEqual([]);
  });

  test.each<[string, MetaInput, ErrorDetail[]]>([
    ['updatedAt without createdAt', { updatedAt: '2023-01-01T00:00:00Z' }, [{ path: 'meta.updatedAt', message: 'updatedAt requires createdAt' }]],
    ['updatedAt before createdAt', { createdAt: '2023-01-02T00:00:00Z', updatedAt: '2023-01-01T23:59:59.999Z' }, [{ path: 'meta.updatedAt', message: 'updatedAt must be greater than or equal to createdAt' }]],
    ['updatedAt before createdAt across offsets', { createdAt: '2023-01-01T12:00:00+02:00', updatedAt: '2023-01-01T09:59:59Z' }, [{ path: 'meta.updatedAt', message: 'updatedAt must be greater than or equal to createdAt' }]],
    ['createdAt in the future', { createdAt: '2024-06-01T12:00:00.001Z' }, [{ path: 'meta.createdAt', message: 'createdAt cannot be in the future' }]],
    ['updatedAt in the future', { createdAt: '2024-01-01T00:00:00Z', updatedAt: '2999-01-01T00:00:00Z' }, [{ path: 'meta.updatedAt', message: 'updatedAt cannot be in the future' }]],
    ['both in the future', { createdAt: '2999-01-01T00:00:00Z', updatedAt: '2999-01-02T00:00:00Z' }, [
      { path: 'meta.createdAt', message: 'createdAt cannot be in the future' },
      { path: 'meta.updatedAt', message: 'updatedAt cannot be in the future' },
    ]],
    ['updatedAt in the future without createdAt', { updatedAt: '2999-01-01T00:00:00Z' }, [
      { path: 'meta.updatedAt', message: 'updatedAt requires createdAt' },
      { path: 'meta.updatedAt', message: 'updatedAt cannot be in the future' },
    ]],
    ['both in the future, updatedAt first', { createdAt: '2999-01-02T00:00:00Z', updatedAt: '2999-01-01T00:00:00Z' }, [
      { path: 'meta.updatedAt', message: 'updatedAt must be greater than or equal to createdAt' },
      { path: 'meta.createdAt', message: 'createdAt cannot be in the future' },
      { path: 'meta.updatedAt', message: 'updatedAt cannot be in the future' },
    ]],
    ['identifier use "source"', { identifier: [{ system: 's', use: 'source', value: '1' }] }, [{ path: 'meta.identifier[0].use', message: "use cannot take the reserved value 'source'" }]],
    ['identifier system "mdm"', { identifier: [{ system: 'mdm', value: '1' }] }, [{ path: 'meta.identifier[0].system', message: "system cannot take the reserved value 'mdm'" }]],
    ['use "source" and system "mdm" on one identifier', { identifier: [{ value: 'ok' }, { system: 'mdm', use: 'source', value: '1' }] }, [
      { path: 'meta.identifier[1].use', message: "use cannot take the reserved value 'source'" },
      { path: 'meta.identifier[1].system', message: "system cannot take the reserved value 'mdm'" },
    ]],
    ['duplicate identifiers', { identifier: [{ system: 's', use: 'official', value: '1' }, { system: 's', use: 'official', value: '1' }] }, [{ path: 'meta.identifier[1]', message: 'identifiers must be distinct on the combination of system, use and value' }]],
    ['duplicates that differ only in period', { identifier: [{ system: 's', value: '1', period: { start: '2020-01-01T00:00:00Z' } }, { system: 's', value: '1' }] }, [{ path: 'meta.identifier[1]', message: 'identifiers must be distinct on the combination of system, use and value' }]],
    ['duplicates with every field absent but value', { identifier: [{ value: 'v' }, { system: 's', value: 'v' }, { value: 'v' }] }, [{ path: 'meta.identifier[2]', message: 'identifiers must be distinct on the combination of system, use and value' }]],
    ['a third copy is reported too', { identifier: [{ system: 's', value: '1' }, { system: 's', value: '1' }, { system: 's', value: '1' }] }, [
      { path: 'meta.identifier[1]', message: 'identifiers must be distinct on the combination of system, use and value' },
      { path: 'meta.identifier[2]', message: 'identifiers must be distinct on the combination of system, use and value' },
    ]],
  ])('refuses %s', (_name, meta, expected) => {
    expect(checkCreateMeta(meta, NOW)).toEqual(expected);
  });

  test('a missing field is not confused with a literal "null" value', () => {
    expect(checkCreateMeta({ identifier: [{ system: 'null', value: '1' }, { value: '1' }] }, NOW)).toEqual([]);
  });

  test('paths start at the given prefix (bulk and bundle operations)', () => {
    expect(checkCreateMeta({ updatedAt: '2023-01-01T00:00:00Z', identifier: [{ system: 'mdm', value: '1' }] }, NOW, 'operations[3].create.meta')).toEqual([
      { path: 'operations[3].create.meta.updatedAt', message: 'updatedAt requires createdAt' },
      { path: 'operations[3].create.meta.identifier[0].system', message: "system cannot take the reserved value 'mdm'" },
    ]);
  });
});

describe('checkUpdateMeta', () => {
  test.each<[string, MetaInput | undefined, ErrorDetail[]]>([
    ['no meta', undefined, []],
    ['an empty meta', {}, []],
    ['identifiers only', { identifier: [{ system: 's', value: '1' }] }, []],
    ['createdAt', { createdAt: '2023-01-01T00:00:00Z' }, [{ path: 'meta.createdAt', message: 'createdAt is set by the system on update and cannot be given' }]],
    ['updatedAt', { updatedAt: '2023-01-01T00:00:00Z' }, [{ path: 'meta.updatedAt', message: 'updatedAt is set by the system on update and cannot be given' }]],
    ['both', { createdAt: '2023-01-01T00:00:00Z', updatedAt: '2023-01-02T00:00:00Z' }, [
      { path: 'meta.createdAt', message: 'createdAt is set by the system on update and cannot be given' },
      { path: 'meta.updatedAt', message: 'updatedAt is set by the system on update and cannot be given' },
    ]],
  ])('%s', (_name, meta, expected) => {
    expect(checkUpdateMeta(meta)).toEqual(expected);
  });

  test('paths start at the given prefix', () => {
    expect(checkUpdateMeta({ updatedAt: '2023-01-01T00:00:00Z' }, 'operations[0].upsert.meta')).toEqual([
      { path: 'operations[0].upsert.meta.updatedAt', message: 'updatedAt is set by the system on update and cannot be given' },
    ]);
  });
});
