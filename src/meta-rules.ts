import type { ErrorDetail } from './errors';
import type { MetaInput } from './schemas/records';

/**
 * The historical-import rules for client metadata on create; returns one detail per broken rule.
 * `prefix` is the path of the meta object in the request (e.g. `meta` or `operations[3].create.meta`).
 */
export function checkCreateMeta(meta: MetaInput | undefined, now: Date, prefix = 'meta'): ErrorDetail[] {
  if (!meta) return [];
  const details: ErrorDetail[] = [];
  const created = meta.createdAt ? Date.parse(meta.createdAt) : undefined;
  const updated = meta.updatedAt ? Date.parse(meta.updatedAt) : undefined;
  if (updated !== undefined && created === undefined) {
    details.push({ path: `${prefix}.updatedAt`, message: 'updatedAt requires createdAt' });
  }
  if (created !== undefined && updated !== undefined && updated < created) {
    details.push({ path: `${prefix}.updatedAt`, message: 'updatedAt must be greater than or equal to createdAt' });
  }
  if (created !== undefined && created > now.getTime()) {
    details.push({ path: `${prefix}.createdAt`, message: 'createdAt cannot be in the future' });
  }
  if (updated !== undefined && updated > now.getTime()) {
    details.push({ path: `${prefix}.updatedAt`, message: 'updatedAt cannot be in the future' });
  }
  const seen = new Set<string>();
  (meta.identifier ?? []).forEach((ident, i) => {
    const path = `${prefix}.identifier[${i}]`;
    if (ident.use === 'source') details.push({ path: `${path}.use`, message: "use cannot take the reserved value 'source'" });
    if (ident.system === 'mdm') details.push({ path: `${path}.system`, message: "system cannot take the reserved value 'mdm'" });
    const key = JSON.stringify([ident.system ?? null, ident.use ?? null, ident.value ?? null]);
    if (seen.has(key)) {
      details.push({ path, message: 'identifiers must be distinct on the combination of system, use and value' });
    }
    seen.add(key);
  });
  return details;
}

/** On update the system sets the timestamps; a client value is refused with one detail per field. */
export function checkUpdateMeta(meta: MetaInput | undefined, prefix = 'meta'): ErrorDetail[] {
  if (!meta) return [];
  const details: ErrorDetail[] = [];
  for (const field of ['createdAt', 'updatedAt'] as const) {
    if (meta[field] !== undefined) {
      details.push({ path: `${prefix}.${field}`, message: `${field} is set by the system on update and cannot be given` });
    }
  }
  return details;
}
