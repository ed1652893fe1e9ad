import type { ErrorDetail } from '../errors';
import type { ProfileDefinition, PropertyDefinition } from '../schemas/profile';

const TOKEN = /^@rootId\d*$/;

/** Tokens that stand for generated ids: `@rootId` in a single request, `@rootId1..N` in a bundle. */
export type RootIdTokens = ReadonlyMap<string, string>;

function walk(value: unknown, def: PropertyDefinition, tokens: RootIdTokens, path: string, unknown: ErrorDetail[]): unknown {
  if (def.type === 'reference' && typeof value === 'string' && TOKEN.test(value)) {
    const id = tokens.get(value);
    if (id === undefined) unknown.push({ path, message: `unknown id token '${value}'` });
    return id ?? value;
  }
  if (def.type === 'array' && def.items && Array.isArray(value)) {
    const items = def.items;
    return value.map((v, i) => walk(v, items, tokens, `${path}[${i}]`, unknown));
  }
  if (def.type === 'object' && def.properties && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return replaceInData(value as Record<string, unknown>, def.properties, tokens, path, unknown);
  }
  return value;
}

function replaceInData(
  data: Record<string, unknown>,
  properties: Record<string, PropertyDefinition>,
  tokens: RootIdTokens,
  prefix: string,
  unknown: ErrorDetail[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const def = properties[key];
    out[key] = def ? walk(value, def, tokens, `${prefix}.${key}`, unknown) : value;
  }
  return out;
}

/**
 * Replaces id tokens in the `reference` properties of a record's data (guided by its profile), returning
 * the new data and one detail per token that names no record.
 */
export function replaceRootIds(
  data: Record<string, unknown>,
  profile: Pick<ProfileDefinition, 'properties'>,
  tokens: RootIdTokens,
  prefix = 'data',
): { data: Record<string, unknown>; unknownTokens: ErrorDetail[] } {
  const unknownTokens: ErrorDetail[] = [];
  return { data: replaceInData(data, profile.properties, tokens, prefix, unknownTokens), unknownTokens };
}
