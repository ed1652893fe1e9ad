/**
 * The payload of the `decision` signal. The API sends every field; a signal typed by hand in the Temporal
 * CLI or UI may send only `{"action":"APPROVE"}` and the workflow fills in the rest.
 *
 * Checked by hand, not with zod: the workflow sandbox evaluates every module a workflow imports once per
 * workflow run (Temporal keeps a module cache per workflow), and zod's module graph made each new record
 * workflow's first task several times slower.
 */
export interface DecisionSignal {
  action: 'APPROVE' | 'REJECT';
  description?: string;
  id?: string;
  author?: { id: string; email?: string };
  actedAt?: string;
  /**
   * The review step the decision is for (the API always sends it): the workflow applies it to that step only, and
   * drops it (recorded on the execution) once another step waits. Without one, it decides the step that waits when
   * the workflow takes it.
   */
  stepIndex?: number;
}

const FIELDS = new Set(['action', 'description', 'id', 'author', 'actedAt', 'stepIndex']);
const AUTHOR_FIELDS = new Set(['id', 'email']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A well-formed decision, or every problem found (`path: message`). */
export function parseDecisionSignal(raw: unknown): { ok: true; value: DecisionSignal } | { ok: false; problems: string[] } {
  if (!isObject(raw)) return { ok: false, problems: ['payload: must be an object'] };
  const problems: string[] = [];
  const optionalString = (key: string, value: unknown, max: number, min = 0): void => {
    if (value === undefined) return;
    if (typeof value !== 'string') problems.push(`${key}: must be a string`);
    else if (value.length > max) problems.push(`${key}: must be at most ${max} characters`);
    else if (value.length < min) problems.push(`${key}: must not be empty`);
  };
  for (const key of Object.keys(raw)) if (!FIELDS.has(key)) problems.push(`${key}: is not a field of a decision`);
  if (raw.action !== 'APPROVE' && raw.action !== 'REJECT') problems.push('action: must be APPROVE or REJECT');
  optionalString('description', raw.description, 2000);
  optionalString('id', raw.id, 100, 1);
  optionalString('actedAt', raw.actedAt, 100);
  if (raw.stepIndex !== undefined && !(typeof raw.stepIndex === 'number' && Number.isInteger(raw.stepIndex) && raw.stepIndex >= 0 && raw.stepIndex < 1000)) {
    problems.push('stepIndex: must be an integer from 0 to 999');
  }
  if (raw.author !== undefined) {
    if (!isObject(raw.author)) problems.push('author: must be an object');
    else {
      for (const key of Object.keys(raw.author)) if (!AUTHOR_FIELDS.has(key)) problems.push(`author.${key}: is not a field of an author`);
      if (typeof raw.author.id !== 'string' || raw.author.id.length === 0) problems.push('author.id: must be a non-empty string');
      optionalString('author.email', raw.author.email, 320);
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, value: raw as unknown as DecisionSignal };
}
