import { SluiceError, notFound } from '../errors';
import type { AssignmentDoc, ExecutionDoc } from '../store/documents';
import { findOfSource, isDuplicateKey, type Store } from '../store/db';
import type { Principal } from '../services/api-keys';

/** A claim as the API shows it. */
export interface Assignment {
  executionId: string;
  source: string;
  by: { id: string; name: string; email?: string };
  at: string;
}

/** What this process changed: a claim made or taken over, a claim dropped, a decision sent. */
export type AssignmentChange = { kind: 'claimed'; doc: AssignmentDoc } | { kind: 'released' | 'decided'; id: string };

/** How a claim answers: `created` when this call made it (201), else it was the caller's already or taken over. */
export interface ClaimOutcome {
  assignment: Assignment;
  created: boolean;
}

/** A stored claim in the API's shape. */
export function assignmentOut(doc: AssignmentDoc): Assignment {
  return { executionId: doc._id, source: doc.source, by: doc.by, at: doc.at };
}

function isAdmin(p: Principal): boolean {
  return p.roles.includes('admin');
}

function holder(doc: AssignmentDoc): string {
  return doc.by.email ? `${doc.by.name} <${doc.by.email}>` : doc.by.name;
}

/** The 409 of an execution claimed by another reviewer, naming who and since when. */
export function claimedByOther(doc: AssignmentDoc, what: string): SluiceError {
  const message = `pipeline execution '${doc._id}' is claimed by ${holder(doc)} (key ${doc.by.id}) since ${doc.at}; ${what}`;
  return new SluiceError('FAILED_PRECONDITION', message, [{ path: 'assignment', message: `claimed by ${holder(doc)}` }], { retryable: false });
}

function notInReview(doc: ExecutionDoc): SluiceError {
  return new SluiceError('FAILED_PRECONDITION', `pipeline execution '${doc._id}' is ${doc.status}, not IN_REVIEW`, [{ path: 'status', message: doc.status }], { retryable: false });
}

/**
 * Reviewers' claims on executions waiting in review, one document per execution keyed by its id: a claim is an
 * insert, which only one reviewer can win (docs/ferretdb.md), and an admin may take a claim over or release it.
 */
export class AssignmentService {
  private readonly listeners: ((change: AssignmentChange) => void)[] = [];

  constructor(private readonly store: Store, private readonly now: () => Date = () => new Date()) {}

  /** Tells `listener` of every claim, release and decision this process makes (the review queue's snapshot follows them). */
  onChange(listener: (change: AssignmentChange) => void): void {
    this.listeners.push(listener);
  }

  /** A decision this process signalled: the execution leaves review. */
  noteDecided(id: string): void {
    this.emit({ kind: 'decided', id });
  }

  private emit(change: AssignmentChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** The execution of a source, or a 404. */
  private async execution(source: string, id: string): Promise<ExecutionDoc> {
    const doc = await findOfSource(this.store.executions, id, source);
    if (!doc) throw notFound(`pipeline execution '${id}' does not exist in source '${source}'`);
    return doc;
  }

  /** The claim on an execution; 404 when the execution does not exist or nobody claims it. */
  async get(source: string, id: string): Promise<Assignment> {
    await this.execution(source, id);
    const doc = await this.store.reviewAssignments.findOne({ _id: id });
    if (!doc || doc.source !== source) throw notFound(`pipeline execution '${id}' is not claimed`);
    return assignmentOut(doc);
  }

  /**
   * Claims an execution waiting in review for the key. The key's own claim is answered as is; another reviewer's is a
   * 409 unless the key is admin, which takes it over. 409 when the execution is not IN_REVIEW.
   */
  async claim(source: string, id: string, principal: Principal): Promise<ClaimOutcome> {
    const execution = await this.execution(source, id);
    if (execution.status !== 'IN_REVIEW') throw notInReview(execution);
    const outcome = await this.take(execution, principal, 'release it first, or ask an admin');
    // The execution may have left review between the read and the insert: then its workflow removed the claims it had.
    const after = await this.execution(source, id);
    if (after.status !== 'IN_REVIEW') {
      await this.store.reviewAssignments.deleteOne({ _id: id });
      this.emit({ kind: 'released', id });
      throw notInReview(after);
    }
    return outcome;
  }

  /**
   * The claim a decision needs: the key's (made now if nobody holds one), or any when the key is admin; another
   * reviewer's is a 409. So two reviewers deciding at once cannot both win: one insert fails.
   */
  async forDecision(execution: ExecutionDoc, principal: Principal): Promise<{ made: boolean }> {
    const current = await this.store.reviewAssignments.findOne({ _id: execution._id });
    if (current) {
      if (current.by.id === principal.id || isAdmin(principal)) return { made: false };
      throw claimedByOther(current, 'only that reviewer or an admin can decide it');
    }
    const { created } = await this.take(execution, principal, 'only that reviewer or an admin can decide it', false);
    return { made: created };
  }

  /** Drops a claim the key made for a decision that did not reach the workflow. */
  async dropClaim(id: string, principal: Principal): Promise<void> {
    await this.store.reviewAssignments.deleteOne({ _id: id, 'by.id': principal.id });
    this.emit({ kind: 'released', id });
  }

  /** Releases a claim: the key's own, or any when the key is admin; another reviewer's is a 409. Nothing claimed is no error. */
  async release(source: string, id: string, principal: Principal): Promise<void> {
    await this.execution(source, id);
    const current = await this.store.reviewAssignments.findOne({ _id: id });
    if (!current) return;
    if (current.by.id !== principal.id && !isAdmin(principal)) throw claimedByOther(current, 'only that reviewer or an admin can release it');
    await this.store.reviewAssignments.deleteOne({ _id: id });
    this.emit({ kind: 'released', id });
  }

  /** Inserts the key's claim; on a claim already there, answers it when it is the key's, takes it over when allowed. */
  private async take(execution: ExecutionDoc, principal: Principal, refusal: string, adminTakesOver = true): Promise<ClaimOutcome> {
    const mine: AssignmentDoc = {
      _id: execution._id, source: execution.source,
      by: { id: principal.id, name: principal.name, ...(principal.email ? { email: principal.email } : {}) }, at: this.now().toISOString(),
    };
    // A claim released between the failed insert and the read is tried again; a few rounds settle any race.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.store.reviewAssignments.insertOne(mine);
        this.emit({ kind: 'claimed', doc: mine });
        return { assignment: assignmentOut(mine), created: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const current = await this.store.reviewAssignments.findOne({ _id: execution._id });
      if (!current) continue;
      if (current.by.id === principal.id) return { assignment: assignmentOut(current), created: false };
      if (!isAdmin(principal)) throw claimedByOther(current, refusal);
      if (!adminTakesOver) return { assignment: assignmentOut(current), created: false };
      await this.store.reviewAssignments.replaceOne({ _id: execution._id }, mine);
      this.emit({ kind: 'claimed', doc: mine });
      return { assignment: assignmentOut(mine), created: false };
    }
    throw new SluiceError('FAILED_PRECONDITION', `pipeline execution '${execution._id}' was claimed and released concurrently too many times; retry`);
  }
}
