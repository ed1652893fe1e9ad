import type { RootProfile } from '../catalog/catalog';
import type { Action } from '../domain';
import type { ErrorDetail } from '../errors';
import { newId, RECORD_ID_PATTERN } from '../ids';
import type { ContainedInput } from '../schemas/records';
import type { ProfileDefinition } from '../schemas/profile';
import type { ContainedMap } from '../store/documents';
import { replaceRootIds, type RootIdTokens } from '../validation/root-id';

/** The full id of a contained resource: `{rootType}/{rootId}/{containKey}/{containedId}`. */
export function containedId(rootType: string, rootId: string, containKey: string, shortId: string): string {
  return `${rootType}/${rootId}/${containKey}/${shortId}`;
}

/**
 * Gives every contained item its full id. A client may send no id (one is generated), a bare id, or the
 * full form whose prefix must name this root (with `@rootId` allowed for the root id).
 */
export function normalizeContained(
  contained: ContainedInput | undefined,
  rootType: string,
  rootId: string,
  tokens: RootIdTokens,
  lookup: (profileKey: string) => ProfileDefinition | undefined,
): { contained: ContainedMap; details: ErrorDetail[] } {
  const out: ContainedMap = {};
  const details: ErrorDetail[] = [];
  for (const [containKey, items] of Object.entries(contained ?? {})) {
    const seen = new Set<string>();
    const normalized = items.map((item, i) => {
      const path = `contained.${containKey}[${i}]`;
      let shortId = newId();
      if (item.id !== undefined) {
        const parts = item.id.split('/');
        if (parts.length === 1 && RECORD_ID_PATTERN.test(item.id)) shortId = item.id;
        else if (
          parts.length === 4 && parts[0] === rootType && (parts[1] === rootId || tokens.get(parts[1] ?? '') === rootId) &&
          parts[2] === containKey && RECORD_ID_PATTERN.test(parts[3] ?? '')
        ) shortId = parts[3] as string;
        else details.push({ path: `${path}.id`, message: `must be an id matching ${RECORD_ID_PATTERN.source} or '${rootType}/${rootId}/${containKey}/<id>'` });
      }
      const id = containedId(rootType, rootId, containKey, shortId);
      if (seen.has(id)) details.push({ path: `${path}.id`, message: `duplicate contained id '${id}'` });
      seen.add(id);
      const profile = lookup(item.type);
      const replaced = profile ? replaceRootIds(item.data, profile, tokens, `${path}.data`) : { data: item.data, unknownTokens: [] };
      details.push(...replaced.unknownTokens);
      return { id, type: item.type, data: replaced.data };
    });
    // Defined, not assigned: a contain key `__proto__` stays a key (and is refused as unknown), never a prototype.
    Object.defineProperty(out, containKey, { enumerable: true, writable: true, configurable: true, value: normalized });
  }
  return { contained: out, details };
}


/**
 * The one check of a resource version, shared by the single path and a bulk's batched CREATEs: `@rootId` tokens
 * replaced, contained items given their full ids, the profile's rules applied. Pure: every problem is a detail.
 */
export function checkResource(
  profile: RootProfile,
  type: string,
  id: string,
  draft: { data: Record<string, unknown>; contained?: ContainedInput | ContainedMap | undefined },
  ctx: { action: Action; previous?: Record<string, unknown> },
  tokens: RootIdTokens = new Map([['@rootId', id]]),
): { data: Record<string, unknown>; contained: ContainedMap; details: ErrorDetail[] } {
  const replaced = replaceRootIds(draft.data, profile.definition, tokens);
  const normalized = normalizeContained(draft.contained as ContainedInput | undefined, type, id, tokens, profile.lookup);
  const violations = profile.compiled.validate({ data: replaced.data, contained: normalized.contained }, ctx);
  return { data: replaced.data, contained: normalized.contained, details: [...replaced.unknownTokens, ...normalized.details, ...violations] };
}
