import type { ComplexTypeName, PropertyDefinition } from '../schemas/profile';

/**
 * A fixed-shape, FHIR-like object type. Its fields are ordinary property definitions, so the profile
 * compiler validates them (and reports paths) exactly like a profile's own properties.
 */
export interface ComplexTypeDefinition {
  /** The FHIR name, used in messages ("must be an Address object"). */
  label: string;
  properties: Readonly<Record<string, PropertyDefinition>>;
  /** Two date/time fields where the first must not come after the second. */
  ordered?: { first: string; second: string };
}

const text: PropertyDefinition = { type: 'symbol' };
const texts: PropertyDefinition = { type: 'array', items: { type: 'symbol' } };
const code: PropertyDefinition = { type: 'code' };
const period: PropertyDefinition = { type: 'period' };
const closed = (...vocabulary: string[]): PropertyDefinition => ({ type: 'code', vocabulary });

/**
 * Every complex type, keyed by its profile type name, with the fields of the docs' data-types pages (explanation/
 * data-types/clinia-types and the per-type pages). Values the docs call "proposed" (`use` of an address, a name, an
 * identifier, a contact point) are codes, not enforced; contactpoint `system` lists "available" values and is checked.
 * Unknown keys in a value are violations.
 */
export const COMPLEX_TYPES: Readonly<Record<ComplexTypeName, ComplexTypeDefinition>> = {
  address: {
    label: 'Address',
    properties: { use: code, type: code, text, line: texts, city: text, district: text, state: text, postalCode: text, country: text, period },
  },
  attachment: {
    label: 'Attachment',
    properties: { title: text, contentType: code, url: { type: 'url' }, language: code, size: { type: 'integer', rules: [{ min: 0 }] }, creation: { type: 'datetime' } },
  },
  coding: {
    label: 'Coding',
    properties: { system: { type: 'uri' }, version: text, code, display: text },
  },
  contactdetail: {
    label: 'ContactDetail',
    properties: { name: text, telecom: { type: 'array', items: { type: 'contactpoint' } } },
  },
  contactpoint: {
    label: 'ContactPoint',
    properties: {
      system: closed('phone', 'fax', 'email', 'pager', 'url', 'sms', 'other'),
      value: text,
      use: code,
      rank: { type: 'integer', rules: [{ min: 1 }] },
      period,
    },
  },
  geopoint: {
    label: 'GeoPoint',
    properties: {
      latitude: { type: 'decimal', rules: [{ required: true, min: -90, max: 90 }] },
      longitude: { type: 'decimal', rules: [{ required: true, min: -180, max: 180 }] },
    },
  },
  humanname: {
    label: 'HumanName',
    properties: { use: code, text, family: text, given: texts, prefix: texts, suffix: texts, period },
  },
  identifier: {
    label: 'Identifier',
    properties: { use: code, system: { type: 'uri' }, value: text, period },
  },
  period: {
    label: 'Period',
    properties: { id: text, start: { type: 'datetime' }, end: { type: 'datetime' } },
    ordered: { first: 'start', second: 'end' },
  },
};
