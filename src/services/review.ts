import type { CatalogService } from '../catalog/catalog';
import { SluiceError } from '../errors';
import { parseDuration } from '../pipeline/duration';
import { assignmentOut, type AssignmentService } from '../records/assignments';
import { AGE_BUCKETS, type ClaimFilter, type QueueCounts, type QueueCountsQuery, type QueueItem, type QueueQuery, type Reviewer } from '../schemas/review';
import type { AssignmentDoc, ReviewEntryDoc } from '../store/documents';
import type { Store } from '../store/db';
import { decodeCursor, encodeCursor } from '../store/paging';
import type { Principal } from './api-keys';
import { ReviewQueueSnapshot, queueOrder, type SnapshotOptions } from './review-snapshot';

export interface ReviewOptions {
  /** The Temporal Web UI the console links executions to. */
  temporalUiUrl?: string;
  namespace?: string;
  /** How long the queue's snapshot serves reads (src/services/review-snapshot.ts). */
  snapshot?: SnapshotOptions;
}

const FACETS = ['source', 'type', 'pipeline', 'claimedBy', 'olderThan'] as const;
type Facet = (typeof FACETS)[number];

/** Who holds an entry's claim, from the key's side. */
function heldBy(claim: AssignmentDoc | undefined, principal: Principal): Exclude<ClaimFilter, 'anyone'> {
  return !claim ? 'nobody' : claim.by.id === principal.id ? 'me' : 'others';
}

/** The queue entry with its claim, as the queue lists it. */
function itemOut(entry: ReviewEntryDoc, claim: AssignmentDoc | undefined): QueueItem {
  const { _id, ...rest } = entry;
  return { id: _id, ...rest, ...(claim ? { assignment: assignmentOut(claim) } : {}) };
}

/**
 * The review console's reads (issue #12): the queue of executions waiting in review across the key's sources, with
 * server-side filters, a cursor and counts per filter value; and the signed-in key. The queue is read from a snapshot of
 * the review queue collection (what waits, one small document each) and the claims, never from the executions.
 */
export class ReviewService {
  private readonly snapshot: ReviewQueueSnapshot;

  constructor(
    store: Store,
    private readonly catalog: CatalogService,
    assignments: AssignmentService,
    private readonly options: ReviewOptions = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.snapshot = new ReviewQueueSnapshot(store, assignments, options.snapshot);
  }

  /** The key, the sources it reaches and the Temporal UI its executions are in. */
  async me(principal: Principal): Promise<Reviewer> {
    return {
      id: principal.id, name: principal.name, ...(principal.email ? { email: principal.email } : {}), roles: principal.roles,
      sources: await this.sourcesOf(principal),
      temporal: { ...(this.options.temporalUiUrl ? { uiUrl: this.options.temporalUiUrl } : {}), namespace: this.options.namespace ?? 'default' },
    };
  }

  /** One page of the queue, oldest or newest first, after the cursor. */
  async queue(principal: Principal, q: QueueQuery): Promise<{ data: QueueItem[]; nextCursor?: string }> {
    const sources = new Set(await this.scope(principal, q.source));
    if (sources.size === 0) return { data: [] };
    const snapshot = await this.snapshot.read();
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const older = q.olderThan ? this.before(q.olderThan) : undefined;
    const newest = q.order === 'newest';
    const { entries, claims, hidden } = snapshot;
    const page: ReviewEntryDoc[] = [];
    let more = false;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[newest ? entries.length - 1 - i : i]!;
      if (after !== undefined && (newest ? queueOrder(e) >= after : queueOrder(e) <= after)) continue;
      if (!sources.has(e.source) || hidden.has(e._id)) continue;
      if ((q.type !== undefined && e.type !== q.type) || (q.pipeline !== undefined && e.pipelineDefinitionId !== q.pipeline)) continue;
      if (older !== undefined && e.createdAt > older) continue;
      if (q.claimedBy !== 'anyone' && heldBy(claims.get(e._id), principal) !== q.claimedBy) continue;
      if (page.length === q.perPage) {
        more = true;
        break;
      }
      page.push(e);
    }
    const last = page[page.length - 1];
    return { data: page.map((d) => itemOut(d, claims.get(d._id))), ...(more && last ? { nextCursor: encodeCursor(queueOrder(last)) } : {}) };
  }

  /** Counts per value of each filter: each filter's counts apply the other filters, and `total` applies them all. */
  async counts(principal: Principal, q: QueueCountsQuery): Promise<QueueCounts> {
    const out: QueueCounts = { total: 0, sources: {}, types: {}, pipelines: {}, claimedBy: { anyone: 0, me: 0, nobody: 0, others: 0 }, olderThan: {} };
    for (const age of AGE_BUCKETS) out.olderThan[age] = 0;
    if (q.source !== undefined) await this.scope(principal, q.source);
    const sources = new Set(await this.scope(principal));
    if (sources.size === 0) return out;
    const { entries, claims, hidden } = await this.snapshot.read();
    const older = q.olderThan ? this.before(q.olderThan) : undefined;
    const buckets = AGE_BUCKETS.map((age) => [age, this.before(age)] as const);
    for (const e of entries) {
      if (!sources.has(e.source) || hidden.has(e._id)) continue;
      const held = heldBy(claims.get(e._id), principal);
      const pass: Record<Facet, boolean> = {
        source: q.source === undefined || e.source === q.source,
        type: q.type === undefined || e.type === q.type,
        pipeline: q.pipeline === undefined || e.pipelineDefinitionId === q.pipeline,
        claimedBy: q.claimedBy === 'anyone' || q.claimedBy === held,
        olderThan: older === undefined || e.createdAt <= older,
      };
      const failing = FACETS.filter((f) => !pass[f]);
      if (failing.length > 1) continue;
      // Counted for a facet when every other facet passes (the facet itself may fail: its other values are counted).
      const countsFor = (facet: Facet): boolean => failing.length === 0 || failing[0] === facet;
      if (countsFor('source')) out.sources[e.source] = (out.sources[e.source] ?? 0) + 1;
      if (countsFor('type')) out.types[e.type] = (out.types[e.type] ?? 0) + 1;
      if (countsFor('pipeline')) out.pipelines[e.pipelineDefinitionId] = (out.pipelines[e.pipelineDefinitionId] ?? 0) + 1;
      if (countsFor('claimedBy')) {
        out.claimedBy.anyone++;
        out.claimedBy[held]++;
      }
      if (countsFor('olderThan')) for (const [age, at] of buckets) if (e.createdAt <= at) out.olderThan[age]! += 1;
      if (failing.length === 0) out.total++;
    }
    return out;
  }

  /** The sources a key reaches: its list, or every existing source for `*`. */
  private async sourcesOf(principal: Principal): Promise<string[]> {
    if (principal.sources.includes('*')) return (await this.catalog.listSources()).map((s) => s.key);
    return [...principal.sources].sort();
  }

  /** The sources a queue read covers: the key's, or the one asked for, which must be one of them (403 otherwise). */
  private async scope(principal: Principal, source?: string): Promise<string[]> {
    if (source === undefined) return this.sourcesOf(principal);
    if (!principal.sources.includes('*') && !principal.sources.includes(source)) {
      throw new SluiceError('PERMISSION_DENIED', `this API key has no access to source '${source}'`);
    }
    return [source];
  }

  /** The ISO time `duration` ago. */
  private before(duration: string): string {
    return new Date(this.now().getTime() - parseDuration(duration)).toISOString();
  }
}
