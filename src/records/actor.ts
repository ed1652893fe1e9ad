/** Who an operation is written for: the API key's id and e-mail (the docs' history `userInfo`). */
export interface Actor {
  id: string;
  email?: string;
}

/** The actor of work that no key asked for (the catalog file at start-up, a test calling a service directly). */
export const SYSTEM_ACTOR: Actor = { id: 'system' };

/** The actor of a key: its id and e-mail, the history item's `userInfo`. */
export function actorOf(principal: { id: string; email?: string }): Actor {
  return { id: principal.id, ...(principal.email ? { email: principal.email } : {}) };
}
