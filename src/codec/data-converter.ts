import type { DataConverter } from '@temporalio/common';
import { ConfigError, type Config } from '../config';
import { EncryptionCodec, type CodecKeys } from './encryption-codec';

/** The module with the `failureConverter` export, by path: the worker, its workflow bundle and the clients load it. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The codec keys of the configuration. There is no unencrypted mode: a process without a key refuses to start, with
 * this message, rather than send record data to Temporal in clear.
 */
export function codecKeysFromConfig(config: Pick<Config, 'SLUICE_CODEC_KEY' | 'SLUICE_CODEC_KEY_ID' | 'SLUICE_CODEC_OLD_KEYS'>): CodecKeys {
  const { SLUICE_CODEC_KEY: key, SLUICE_CODEC_KEY_ID: id, SLUICE_CODEC_OLD_KEYS: old } = config;
  if (!key) {
    throw new ConfigError(
      'invalid configuration:\n  SLUICE_CODEC_KEY: is not set. Every payload Sluice sends to Temporal is encrypted with it, and Sluice does not run ' +
        'without it: set SLUICE_CODEC_KEY (32 bytes in base64, e.g. `openssl rand -base64 32`) and SLUICE_CODEC_KEY_ID (e.g. key-1). ' +
        '`npm start` generates one into .data/codec-key.',
    );
  }
  if (!id) throw new ConfigError('invalid configuration:\n  SLUICE_CODEC_KEY_ID: is not set; it names SLUICE_CODEC_KEY in every payload, so keys can rotate');
  const clash = old.find((k) => k.id === id);
  if (clash) throw new ConfigError(`invalid configuration:\n  SLUICE_CODEC_OLD_KEYS: holds the current key id '${id}'; a retired key needs an id of its own`);
  const ids = old.map((k) => k.id);
  const twice = ids.find((k, i) => ids.indexOf(k) !== i);
  if (twice) throw new ConfigError(`invalid configuration:\n  SLUICE_CODEC_OLD_KEYS: names key id '${twice}' twice`);
  return { current: { id, key }, old };
}

/** What every Temporal client and worker of Sluice is built with: the encrypting codec and the encoding failure converter. */
export function sluiceDataConverter(codec: EncryptionCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** The codec and data converter of the configuration; throws the ConfigError above when there is no key. */
export function codecFromConfig(config: Parameters<typeof codecKeysFromConfig>[0]): { codec: EncryptionCodec; dataConverter: DataConverter } {
  const codec = new EncryptionCodec(codecKeysFromConfig(config));
  return { codec, dataConverter: sluiceDataConverter(codec) };
}
