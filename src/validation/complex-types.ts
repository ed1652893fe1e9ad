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

const text: PropertyDefinition = { type: 'string' };
const texts: PropertyDefinition = { type: 'array', items: { type: 'string' } };
const period: PropertyDefinition = { type: 'period' };
const code = (...vocabulary: string[]): PropertyDefinition => ({ type: 'code', vocabulary });

/** Every complex type, keyed by its profile type name. Unknown keys in a value are violations. */
export const COMPLEX_TYPES: Readonly<Record<ComplexTypeName, ComplexTypeDefinition>> = {
  humanname: {
    label: 'HumanName',
    properties: {
      use: code('usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden'),
      text,
      family: text,
      given: texts,
      prefix: texts,
      suffix: texts,
      period,
    },
  },
  address: {
    label: 'Address',
    properties: {
      use: code('home', 'work', 'temp', 'old', 'billing'),
      type: code('postal', 'physical', 'both'),
      text,
      line: texts,
      city: text,
      district: text,
      state: text,
      postalCode: text,
      country: text,
      period,
    },
  },
  contactpoint: {
    label: 'ContactPoint',
    properties: {
      system: code('phone', 'fax', 'email', 'pager', 'url', 'sms', 'other'),
      value: text,
      use: code('home', 'work', 'temp', 'old', 'mobile'),
      rank: { type: 'integer', rules: { min: 1 } },
      period,
    },
  },
  identifier: {
    label: 'Identifier',
    properties: {
      use: code('usual', 'official', 'temp', 'secondary', 'old'),
      system: text,
      value: text,
      period,
    },
  },
  period: {
    label: 'Period',
    properties: {
      start: { type: 'datetime' },
      end: { type: 'datetime' },
    },
    ordered: { first: 'start', second: 'end' },
  },
  coding: {
    label: 'Coding',
    properties: {
      system: text,
      version: text,
      code: { type: 'code' },
      display: text,
      userSelected: { type: 'boolean' },
    },
  },
  geopoint: {
    label: 'GeoPoint',
    properties: {
      lat: { type: 'decimal', rules: { required: true, min: -90, max: 90 } },
      lon: { type: 'decimal', rules: { required: true, min: -180, max: 180 } },
    },
  },
};
