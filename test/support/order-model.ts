import { isDeepStrictEqual } from 'node:util';

/**
 * The model the concurrency tests check a record's final state against (docs/durability.md, "the order of writes").
 *
 * Each request takes effect at one instant between its send and its answer (its claim on the record). So a request
 * applied and answered before another applied request was sent can never be the one the record ends with; among the
 * requests that were in flight together, any may have claimed last. The record must end with the data of an applied
 * request that no later-sent applied request follows, or of one whose outcome is unknown (never answered); with no
 * applied request at all, it keeps what it had.
 */
export type Applied = 'yes' | 'no' | 'maybe';

export interface SentRequest {
  /** A name for messages: the request's label and its task id. */
  name: string;
  sentAt: number;
  /** When the answer came; undefined when none came (a killed process, a dropped connection). */
  answeredAt?: number;
  /** Whether its write is in the record's history: yes (a SUCCESS receipt), no (refused, failed, cancelled, rejected), maybe. */
  applied: Applied;
  /** The record's data after this request (null: a delete). */
  expected: Record<string, unknown> | null;
}

/** The requests whose data the record may end with; `initial` stands for no request at all. */
export function allowedWinners(requests: SentRequest[]): { candidates: SentRequest[]; initialAllowed: boolean } {
  const applied = requests.filter((r) => r.applied === 'yes');
  const candidates = requests.filter((w) => w.applied !== 'no' && !applied.some((y) => y !== w && w.answeredAt !== undefined && y.sentAt > w.answeredAt));
  return { candidates, initialAllowed: applied.length === 0 };
}

/** A violation, or undefined when `final` (null: absent) is one the model allows. */
export function checkFinal(record: string, requests: SentRequest[], final: Record<string, unknown> | null, initial: Record<string, unknown> | null): string | undefined {
  const { candidates, initialAllowed } = allowedWinners(requests);
  const same = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);
  if (candidates.some((c) => same(c.expected, final))) return undefined;
  if (initialAllowed && same(initial, final)) return undefined;
  return `${record}: ends with ${JSON.stringify(final)}, but the model allows only ${JSON.stringify([...candidates.map((c) => `${c.name} -> ${JSON.stringify(c.expected)}`), ...(initialAllowed ? [`initial -> ${JSON.stringify(initial)}`] : [])])}`;
}
