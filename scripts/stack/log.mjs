// The stack's shared ground: the repository root, the JSON-line logger, and small text and time helpers.
// Plain Node ESM with no dependencies, like the rest of scripts/stack/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Writes one JSON line per event to stdout: {"level","msg","time",...fields}. */
export const logger = Object.freeze({
  info: (msg, fields) => writeLogLine('info', msg, fields),
  warn: (msg, fields) => writeLogLine('warn', msg, fields),
  error: (msg, fields) => writeLogLine('error', msg, fields),
});

function writeLogLine(level, msg, fields = {}) {
  process.stdout.write(`${JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields })}\n`);
}

/** The last 20,000 characters of file, or '' when it cannot be read. */
export function readTail(file) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-20_000);
  } catch {
    return '';
  }
}

/** The last count lines of text. */
export function lastLines(text, count) {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** Seconds since the Date.now() value since, to one decimal. */
export function seconds(since) {
  return Math.round((Date.now() - since) / 100) / 10;
}
