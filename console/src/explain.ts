// Why an item can no longer be decided, in words, from the execution and its claim as the API answers them now: what a
// 409 means is read from the facts, never guessed from the error's wording.
import type { Assignment, Execution, QueueItem, Reviewer } from './api';
import { ago } from './time';

/** Who a claim or decision names, as the reviewer reads it. */
export function who(by: { id: string; name?: string; email?: string }, me: Reviewer): string {
  if (by.id === me.id) return 'you';
  if (by.id === 'system') return 'the review timeout';
  if (by.id === 'temporal-signal') return 'a signal sent from Temporal';
  return by.email ? (by.name ? `${by.name} (${by.email})` : by.email) : (by.name ?? `key ${by.id}`);
}

/** The ending of an execution that has left review, or undefined while it waits. */
export function ending(execution: Execution, item: QueueItem, me: Reviewer): string | undefined {
  const decision = execution.steps[item.stepIndex]?.decision;
  const byWhom = decision ? ` by ${who(decision.author, me)} ${ago(decision.actedAt)}` : '';
  const comment = decision?.description ? `: “${decision.description}”` : '';
  switch (execution.status) {
    case 'IN_REVIEW':
      return undefined;
    case 'CANCELLED':
      return item.bundleId
        ? 'Cancelled: its bundle was dropped, or a newer request replaced one of the bundle\'s records. Nothing was written.'
        : 'Replaced by a newer request for this record. This version can no longer be approved or rejected.';
    case 'DROPPED':
      return `Rejected${byWhom}${comment}. Nothing was written.`;
    case 'IN_PROGRESS':
      return `Approved${byWhom}${comment}; the pipeline is finishing.`;
    case 'SUCCESSFUL':
      return `Approved${byWhom}${comment}; the record is stored.`;
    case 'ERROR': {
      const failed = execution.steps.find((s) => s.error);
      return `Approved${byWhom}, but the pipeline ended in error${failed?.error ? `: ${failed.error.message}` : ''}.`;
    }
  }
}

/** Why a claim or decision was refused with a 409, from the execution and claim read after the refusal. */
export function conflict(execution: Execution | undefined, assignment: Assignment | undefined, item: QueueItem, me: Reviewer, serverMessage: string): string {
  if (!execution) return `This execution no longer exists: ${serverMessage}`;
  const ended = ending(execution, item, me);
  if (ended) return `Too late: ${ended}`;
  if (assignment && assignment.by.id !== me.id) {
    return `Claimed by ${who(assignment.by, me)} ${ago(assignment.at)}: only they or an admin can decide or release it.`;
  }
  return `Refused: ${serverMessage}`;
}
