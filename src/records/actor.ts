import { AsyncLocalStorage } from 'node:async_hooks';

/** Who an operation is written for: the API key's id and e-mail (the docs' history `userInfo`). */
export interface Actor {
  id: string;
  email?: string;
}

/** The actor of work that no key asked for (the catalog file at start-up, a test calling a service directly). */
export const SYSTEM_ACTOR: Actor = { id: 'system' };

const actors = new AsyncLocalStorage<Actor>();

/** Runs `fn` for `actor`: every operation it accepts or writes is recorded as theirs (the router wraps each request). */
export function runAs<T>(actor: Actor, fn: () => T): T {
  return actors.run(actor, fn);
}

/** The actor of the request being served, or SYSTEM_ACTOR outside one. */
export function currentActor(): Actor {
  return actors.getStore() ?? SYSTEM_ACTOR;
}
