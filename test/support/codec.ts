import type { DataConverter } from '@temporalio/common';
import { loadConfig } from '../../src/config';
import { codecKeysFromConfig, sluiceDataConverter } from '../../src/codec/data-converter';
import { EncryptionCodec, type CodecKeys } from '../../src/codec/encryption-codec';

/** The codec keys of this run: SLUICE_CODEC_KEY / _KEY_ID / _OLD_KEYS, which jest's global setup sets (a throwaway key). */
export function testCodecKeys(): CodecKeys {
  return codecKeysFromConfig(loadConfig(process.env));
}

/** The codec and data converter every test client and worker is built with, as the API and the worker are. */
export function testCodec(keys: CodecKeys = testCodecKeys()): { codec: EncryptionCodec; dataConverter: DataConverter } {
  const codec = new EncryptionCodec(keys);
  return { codec, dataConverter: sluiceDataConverter(codec) };
}
