import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';

import type { Step } from '../schemas/pipeline';
import { readDataPath, writeDataPath, type StepIssue } from './data-path';

export type NormalizerConfig = Extract<Step, { type: 'NORMALIZER' }>['normalizer'];
type NormalizeRule = NormalizerConfig['properties'][number];

// Deliberately loose: catches typos such as a missing @ or domain without rejecting unusual but valid addresses.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/**
 * Applies a NORMALIZER step to a record's `data` and returns a normalized copy (the input is untouched).
 * Each rule applies, in this order, to the string at its path or to each string of an array there:
 * - `trim`: strips both ends and collapses internal runs of whitespace to one space;
 * - `case`: lower, upper, or title (first letter of each word, after a space or hyphen, upper; the rest lower);
 * - `email`: trims and lower-cases an address; an invalid one is left as it was;
 * - `phone`: rewrites a valid number to E.164 using `defaultCountry` for national numbers; one that is
 *   invalid, unparseable, or carries an extension (E.164 has none) is left as it was.
 * Absent and null values are skipped; every value left as it was for a reason is listed in `issues`, whose
 * messages never quote the value (they end up in logs and workflow history; the path locates it).
 */
export function normalize(
  config: NormalizerConfig,
  data: Record<string, unknown>,
): { data: Record<string, unknown>; issues: StepIssue[] } {
  const result = structuredClone(data);
  const issues: StepIssue[] = [];
  for (const rule of config.properties) {
    const value = readDataPath(result, rule.property);
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') {
      const normalized = normalizeString(rule, value, rule.property, issues);
      if (normalized !== value) writeDataPath(result, rule.property, normalized);
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => {
        const path = `${rule.property}.${index}`;
        if (typeof item === 'string') value[index] = normalizeString(rule, item, path, issues);
        else if (item !== null) issues.push({ path, message: `is ${describe(item)}, not a string` });
      });
    } else {
      issues.push({ path: rule.property, message: `is ${describe(value)}, not a string or an array of strings` });
    }
  }
  return { data: result, issues };
}

function normalizeString(rule: NormalizeRule, input: string, path: string, issues: StepIssue[]): string {
  let value = input;
  if (rule.trim === true) value = value.trim().replace(/\s+/gu, ' ');
  if (rule.case !== undefined) value = changeCase(value, rule.case);
  if (rule.email === true) {
    const email = value.trim().toLowerCase();
    if (EMAIL_PATTERN.test(email)) value = email;
    else issues.push({ path, message: 'is not a valid e-mail address' });
  }
  if (rule.phone !== undefined) {
    const phone = toE164(value, rule.phone.defaultCountry);
    if ('number' in phone) value = phone.number;
    else issues.push({ path, message: phone.problem });
  }
  return value;
}

function changeCase(value: string, mode: NonNullable<NormalizeRule['case']>): string {
  if (mode === 'lower') return value.toLowerCase();
  if (mode === 'upper') return value.toUpperCase();
  return value.toLowerCase().replace(/(^|[\s-])(\p{Ll})/gu, (_match, before: string, letter: string) => before + letter.toUpperCase());
}

function toE164(value: string, defaultCountry: string): { number: string } | { problem: string } {
  if (!isSupportedCountry(defaultCountry)) {
    return { problem: `cannot be normalized: "${defaultCountry}" is not a country with phone number metadata` };
  }
  const parsed = parsePhoneNumberFromString(value, defaultCountry);
  if (parsed === undefined || !parsed.isValid()) {
    return { problem: `is not a valid phone number (default country ${defaultCountry})` };
  }
  if (parsed.ext !== undefined) {
    return { problem: 'has an extension, which E.164 cannot hold' };
  }
  return { number: parsed.number };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
