import { z } from 'zod';

export interface JsonHazard {
  path: (string | number)[];
  message: string;
}

/**
 * Finds the first structural hazard in raw JSON before zod recurses into it: nesting deeper than
 * `maxDepth` (which would exhaust the stack) or a `__proto__` key (which zod silently drops).
 */
export function findJsonHazard(value: unknown, maxDepth: number): JsonHazard | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const current = top.value;
    if (typeof current !== 'object' || current === null) continue;
    if (top.path.length >= maxDepth) {
      return { path: top.path, message: `nests more than ${maxDepth} levels deep` };
    }
    if (Array.isArray(current)) {
      current.forEach((item: unknown, index) => stack.push({ value: item, path: [...top.path, index] }));
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (key === '__proto__') return { path: top.path, message: 'the key "__proto__" is not allowed' };
      stack.push({ value: item, path: [...top.path, key] });
    }
  }
  return undefined;
}

/** Turns `findJsonHazard` into a zod preprocess step that stops parsing at the first hazard. */
export function guardJson(maxDepth: number) {
  return (value: unknown, ctx: z.core.$RefinementCtx): unknown => {
    const hazard = findJsonHazard(value, maxDepth);
    if (hazard) ctx.addIssue({ code: 'custom', path: hazard.path, message: hazard.message, input: value });
    return value;
  };
}

/** An ECMAScript regular expression source, compiled with the `u` flag exactly as it will be used. */
export const RegexSourceSchema = z
  .string({ error: 'must be a string holding a regular expression' })
  .max(1000, 'must be at most 1000 characters long')
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'u');
    } catch (err) {
      const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
      ctx.addIssue({ code: 'custom', message: `is not a valid ECMAScript regular expression (u flag): ${reason}`, input: source });
    }
  });
