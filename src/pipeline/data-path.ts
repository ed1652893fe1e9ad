
/** A value a step could not process, at the path relative to data where it was found (`phones.1`). */
export interface StepIssue {
  path: string;
  message: string;
}

/** The value at a step's property path relative to data (`contact.email`; a numeric key indexes an array). */
export function readDataPath(data: Record<string, unknown>, path: string): unknown {
  let current: unknown = data;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Sets the value at a step's property path in `data`, creating missing intermediate objects; mutates
 * `data`, so callers pass their own copy. Returns an issue instead when a segment on the way is not an object.
 */
export function writeDataPath(data: Record<string, unknown>, path: string, value: unknown): StepIssue | undefined {
  const segments = dataSegments(path);
  const last = segments.pop();
  if (last === undefined) return { path, message: 'is not a property path' };
  let current = data;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i] as string;
    const next = Object.hasOwn(current, segment) ? current[segment] : undefined;
    if (next === undefined || next === null) {
      const created: Record<string, unknown> = {};
      define(current, segment, created);
      current = created;
    } else if (typeof next === 'object' && !Array.isArray(next)) {
      current = next as Record<string, unknown>;
    } else {
      return { path, message: `cannot be written: ${segments.slice(0, i + 1).join('.')} is not an object` };
    }
  }
  define(current, last, value);
  return undefined;
}

/** Removes the value at a step's property path from `data` (mutates it), if present. */
export function deleteDataPath(data: Record<string, unknown>, path: string): void {
  const segments = dataSegments(path);
  const last = segments.pop();
  if (last === undefined) return;
  let current: unknown = data;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, segment)) return;
    current = (current as Record<string, unknown>)[segment];
  }
  if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
    delete (current as Record<string, unknown>)[last];
  }
}

function dataSegments(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

// The path pattern admits `__proto__`; defining the property keeps it an own key instead of swapping the prototype.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
