/**
 * FerretDB (and MongoDB before 5.0) refuse field names that hold "." or start with "$", but operator paths are keys
 * of stored catalog definitions (`{"eq": {"address.city": "Laval"}}` in a `when`, a trigger or a validator rule).
 * Definitions are stored with their keys escaped: "%" → "%25", "." → "%2E", a leading "$" → "%24"; reading unescapes.
 * No key Sluice accepts holds "%" (property keys, contain keys and operator paths forbid it), so stored definitions
 * written before keys were escaped read back unchanged.
 */
export function escapeKeys<T>(value: T): T {
  return mapKeys(value, (key) => key.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24')) as T;
}

/** Reverses escapeKeys. */
export function unescapeKeys<T>(value: T): T {
  return mapKeys(value, (key) => (key.includes('%') ? key.replace(/%2E/g, '.').replace(/^%24/, '$').replace(/%25/g, '%') : key)) as T;
}

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => mapKeys(item, rename));
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // defineProperty keeps a `__proto__` key an own key instead of swapping the prototype.
    Object.defineProperty(out, rename(key), { value: mapKeys(item, rename), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
