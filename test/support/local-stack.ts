import type { EphemeralStack } from '../../scripts/stack.mjs';

// Global setup and teardown run in jest's parent process and share its globalThis, not modules.
const KEY = Symbol.for('sluice.test.localStack');
type Holder = { [KEY]?: EphemeralStack };

/** Remembers the stack that global setup started, for global teardown. */
export function keepStack(stack: EphemeralStack): void {
  (globalThis as Holder)[KEY] = stack;
}

/** Returns the stack that global setup started (once), or undefined when it started none. */
export function takeStack(): EphemeralStack | undefined {
  const holder = globalThis as Holder;
  const stack = holder[KEY];
  delete holder[KEY];
  return stack;
}
