import type { CodecKeys } from '../../src/codec/encryption-codec';

/**
 * The codec key record-histories.ts records the replay fixtures with, and replay.test.ts replays them with: histories
 * hold payloads encrypted, and a run's throwaway key would make the fixtures unreadable to the next run. It
 * encrypts only the recorder's fake data, so it is no secret. Fixtures recorded before the codec hold plain payloads,
 * which the codec passes through.
 */
export const FIXTURE_CODEC_KEYS: CodecKeys = {
  current: { id: 'replay-fixtures', key: Buffer.from('sluice-replay-fixtures-test-key!', 'utf8') },
  old: [],
};
