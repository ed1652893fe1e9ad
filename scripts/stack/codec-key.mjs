// The payload codec's key (every payload Temporal stores is encrypted) and the Temporal UI's codec token,
// for the stacks these scripts run: `npm start` keeps both in its data folder, next to the Temporal database whose
// payloads the key encrypts (generated once, reused after: a lost key leaves that history unreadable); tests and
// benchmarks take throwaway ones. Both are secrets: files are mode 600 and neither value is ever logged.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const KEY_FILE = 'codec-key';
const UI_TOKEN_FILE = 'codec-ui-token';

/** A fresh key: an id (dated, so a rotated key is told apart at a glance) and 32 random bytes in base64. */
export function newCodecKey() {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `key-${day}-${randomBytes(3).toString('hex')}`, key: randomBytes(32).toString('base64') };
}

/** The variables the API and the worker read the key from. */
export function codecEnv({ id, key }) {
  return { SLUICE_CODEC_KEY_ID: id, SLUICE_CODEC_KEY: key };
}

/** The key in `<dir>/codec-key` (`<id>:<base64>`), created on first use. */
export function ensureCodecKey(dir) {
  const file = path.join(dir, KEY_FILE);
  const created = !fs.existsSync(file);
  if (created) {
    const { id, key } = newCodecKey();
    writeSecret(file, `${id}:${key}\n`);
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  const at = text.indexOf(':');
  if (at <= 0) throw new Error(`${file} is not <id>:<base64 key>; restore it from a backup (the Temporal history in ${dir} is encrypted with it)`);
  return { id: text.slice(0, at), key: text.slice(at + 1), file, created };
}

/** The Temporal UI's codec token in `<dir>/codec-ui-token`, created on first use. */
export function ensureCodecUiToken(dir) {
  const file = path.join(dir, UI_TOKEN_FILE);
  if (!fs.existsSync(file)) writeSecret(file, `${newCodecUiToken()}\n`);
  return { token: fs.readFileSync(file, 'utf8').trim(), file };
}

/** A fresh token for the Temporal UI's codec path (43 URL-safe characters). */
export function newCodecUiToken() {
  return randomBytes(32).toString('base64url');
}

function writeSecret(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // `wx`: never overwrite a key another process wrote meanwhile.
  fs.writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
}
