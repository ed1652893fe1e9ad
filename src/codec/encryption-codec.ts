import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** The `encoding` of an encrypted payload (the name Temporal's encryption samples use, so their tools read ours). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata key naming the key a payload was encrypted with. */
export const METADATA_KEY_ID = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** AES-256 takes a 32-byte key. */
export const KEY_BYTES = 32;

/** One key: the id payloads name it by, and its 32 bytes. */
export interface CodecKey {
  id: string;
  key: Buffer;
}

/** The key new payloads are encrypted with, and the older ones still accepted when decoding (rotation). */
export interface CodecKeys {
  current: CodecKey;
  old: readonly CodecKey[];
}

/**
 * Why a payload could not be decoded: its key id is unknown, or it was altered (the GCM tag does not match). The
 * codec endpoint answers it as a 400 naming the payload; the SDK fails the task that carried it.
 */
export class CodecError extends Error {
  override name = 'CodecError';
  constructor(message: string, readonly index: number) {
    super(message);
  }
}

/**
 * AES-256-GCM over the whole serialized payload (metadata included), as Temporal's encryption samples do: the stored
 * payload is `{encoding: binary/encrypted, encryption-key-id: <id>}` and `data` = IV (12 bytes) ‖ ciphertext ‖ tag
 * (16 bytes), with a fresh random IV per payload. Decoding picks the key by the payload's id, so keys rotate without
 * re-encrypting history; payloads that are not encrypted (histories recorded before the codec) pass through.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: CodecKey;

  constructor(keys: CodecKeys) {
    const all = [keys.current, ...keys.old];
    for (const k of all) {
      if (k.key.length !== KEY_BYTES) throw new RangeError(`codec key '${k.id}' has ${k.key.length} bytes; AES-256 needs ${KEY_BYTES}`);
    }
    if (new Set(all.map((k) => k.id)).size !== all.length) throw new RangeError('codec key ids must be distinct');
    this.current = keys.current;
    this.keys = new Map(all.map((k) => [k.id, k.key]));
  }

  /** The id new payloads are encrypted with. */
  get keyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? payload : this.encrypt(payload)));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload, index) => (isEncrypted(payload) ? this.decrypt(payload, index) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, this.current.key, iv, { authTagLength: TAG_BYTES });
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: Buffer.from(this.current.id) },
      data,
    };
  }

  private decrypt(payload: Payload, index: number): Payload {
    const idBytes = payload.metadata?.[METADATA_KEY_ID];
    if (!idBytes || idBytes.length === 0) throw new CodecError(`payload ${index} is encrypted but names no key (metadata '${METADATA_KEY_ID}' is missing)`, index);
    const id = Buffer.from(idBytes).toString('utf8');
    const key = this.keys.get(id);
    if (!key) throw new CodecError(`payload ${index} was encrypted with key '${id}', which this process does not have (add it to SLUICE_CODEC_OLD_KEYS)`, index);
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new CodecError(`payload ${index} is too short to be an encrypted payload`, index);
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new CodecError(`payload ${index} does not decrypt with key '${id}': it was altered, or the key is not the one it was encrypted with`, index);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

/** True for a payload this codec (or another with the same scheme) encrypted. */
export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString('utf8') === ENCRYPTED_ENCODING;
}
