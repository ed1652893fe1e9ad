// The review queue: filters with their counts, one page of waiting executions, paging by cursor, and selection for
// bulk decisions. Filtering, ordering and paging happen on the server (GET /review/v1/queue and /counts).
import type { QueueCounts, QueueItem, Reviewer } from './api';
import { who } from './explain';
import { ago } from './time';

export interface Filters {
  source: string;
  type: string;
  pipeline: string;
  claimedBy: 'anyone' | 'me' | 'nobody' | 'others';
  olderThan: string;
  order: 'oldest' | 'newest';
}

export const NO_FILTERS: Filters = { source: '', type: '', pipeline: '', claimedBy: 'anyone', olderThan: '', order: 'oldest' };

/** The query string of the filters (empty ones left out). */
export function filterQuery(f: Filters, withOrder: boolean): URLSearchParams {
  const q = new URLSearchParams();
  if (f.source) q.set('source', f.source);
  if (f.type) q.set('type', f.type);
  if (f.pipeline) q.set('pipeline', f.pipeline);
  if (f.claimedBy !== 'anyone') q.set('claimedBy', f.claimedBy);
  if (f.olderThan) q.set('olderThan', f.olderThan);
  if (withOrder) q.set('order', f.order);
  return q;
}

const AGES: [string, string][] = [['1h', 'Older than 1 hour'], ['1d', 'Older than 1 day'], ['7d', 'Older than 7 days']];

interface Props {
  me: Reviewer;
  filters: Filters;
  setFilters(f: Filters): void;
  counts: QueueCounts | undefined;
  items: QueueItem[];
  loading: boolean;
  error: string | undefined;
  activeId: string | undefined;
  open(item: QueueItem): void;
  selected: ReadonlySet<string>;
  toggle(id: string): void;
  selectPage(all: boolean): void;
  page: number;
  hasNext: boolean;
  next(): void;
  previous(): void;
  bulk: { comment: string; setComment(c: string): void; run(action: 'APPROVE' | 'REJECT'): void; busy: boolean; progress: string | undefined };
}

function Select({ label, value, onChange, options, id }: { label: string; id: string; value: string; onChange(v: string): void; options: [string, string][] }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The options of a filter: "all" with its total, then every value with its count (the chosen one even at 0). */
function valueOptions(all: string, values: Record<string, number> | undefined, chosen: string, extra: string[] = []): [string, string][] {
  const keys = new Set([...extra, ...Object.keys(values ?? {})]);
  if (chosen) keys.add(chosen);
  const total = Object.values(values ?? {}).reduce((a, b) => a + b, 0);
  return [['', `${all} (${total})`], ...[...keys].sort().map((k): [string, string] => [k, `${k} (${values?.[k] ?? 0})`])];
}

export function QueueView(p: Props) {
  const { me, filters, counts } = p;
  const set = (patch: Partial<Filters>) => p.setFilters({ ...filters, ...patch });
  const canReview = me.roles.includes('review') || me.roles.includes('admin');
  const allSelected = p.items.length > 0 && p.items.every((i) => p.selected.has(i.id));
  return (
    <section class="queue" aria-labelledby="queue-title">
      <h2 id="queue-title">Review queue</h2>
      <form class="filters" role="search" aria-label="Queue filters" onSubmit={(e) => e.preventDefault()}>
        <Select id="f-source" label="Source" value={filters.source} onChange={(v) => set({ source: v })} options={valueOptions('All sources', counts?.sources, filters.source, me.sources)} />
        <Select id="f-type" label="Type" value={filters.type} onChange={(v) => set({ type: v })} options={valueOptions('All types', counts?.types, filters.type)} />
        <Select id="f-pipeline" label="Pipeline" value={filters.pipeline} onChange={(v) => set({ pipeline: v })} options={valueOptions('All pipelines', counts?.pipelines, filters.pipeline)} />
        <Select
          id="f-claim"
          label="Claimed by"
          value={filters.claimedBy}
          onChange={(v) => set({ claimedBy: v as Filters['claimedBy'] })}
          options={[
            ['anyone', `Anyone (${counts?.claimedBy.anyone ?? 0})`],
            ['me', `Me (${counts?.claimedBy.me ?? 0})`],
            ['nobody', `Nobody (${counts?.claimedBy.nobody ?? 0})`],
            ['others', `Others (${counts?.claimedBy.others ?? 0})`],
          ]}
        />
        <Select id="f-age" label="Age" value={filters.olderThan} onChange={(v) => set({ olderThan: v })} options={[['', 'Any age'], ...AGES.map(([v, t]): [string, string] => [v, `${t} (${counts?.olderThan[v] ?? 0})`])]} />
        <Select id="f-order" label="Order" value={filters.order} onChange={(v) => set({ order: v as Filters['order'] })} options={[['oldest', 'Oldest first'], ['newest', 'Newest first']]} />
      </form>
      <p class="summary" role="status" aria-live="polite">
        {counts ? `${counts.total} waiting` : 'Loading…'}
        {p.error ? ` · ${p.error}` : ''}
      </p>

      {canReview ? (
        <div class="bulk" role="group" aria-label="Bulk decision">
          <span>{p.selected.size} selected</span>
          <label for="bulk-comment" class="sr-only">
            Comment for the selected items
          </label>
          <input id="bulk-comment" type="text" placeholder="Comment (required to reject)" value={p.bulk.comment} maxLength={2000} onInput={(e) => p.bulk.setComment((e.target as HTMLInputElement).value)} />
          <button type="button" class="approve" disabled={p.selected.size === 0 || p.bulk.busy} onClick={() => p.bulk.run('APPROVE')}>
            Approve selected
          </button>
          <button type="button" class="reject" disabled={p.selected.size === 0 || p.bulk.busy} onClick={() => p.bulk.run('REJECT')}>
            Reject selected
          </button>
          {p.bulk.progress ? (
            <span role="status" class="bulk-progress">
              {p.bulk.progress}
            </span>
          ) : null}
        </div>
      ) : null}

      <table class="rows" aria-label="Waiting executions">
        <thead>
          <tr>
            {canReview ? (
              <th scope="col">
                <input type="checkbox" aria-label="Select every item of this page" checked={allSelected} onChange={() => p.selectPage(!allSelected)} />
              </th>
            ) : null}
            <th scope="col">Record</th>
            <th scope="col">Source</th>
            <th scope="col">Action</th>
            <th scope="col">Pipeline</th>
            <th scope="col">Waiting</th>
            <th scope="col">Claimed by</th>
          </tr>
        </thead>
        <tbody>
          {p.items.map((item) => {
            const active = item.id === p.activeId;
            return (
              <tr
                key={item.id}
                aria-label={`${item.type} ${item.recordId}`}
                aria-current={active ? 'true' : undefined}
                class={active ? 'active' : undefined}
                onClick={() => p.open(item)}
              >
                {canReview ? (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${item.recordId}`}
                      checked={p.selected.has(item.id)}
                      onClick={(e) => e.stopPropagation()}
                      onChange={() => p.toggle(item.id)}
                    />
                  </td>
                ) : null}
                <td>
                  <button type="button" class="link" onClick={(e) => { e.stopPropagation(); p.open(item); }}>
                    {item.recordId}
                  </button>{' '}
                  <span class="hint">{item.type}</span>
                </td>
                <td>{item.source}</td>
                <td>{item.action}</td>
                <td>{item.pipelineDefinitionId}</td>
                <td>
                  <time dateTime={item.createdAt}>{ago(item.createdAt)}</time>
                </td>
                <td>{item.assignment ? who(item.assignment.by, me) : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!p.loading && p.items.length === 0 ? <p class="empty">Nothing waits for review here.</p> : null}
      <nav class="pager" aria-label="Queue pages">
        <button type="button" onClick={p.previous} disabled={p.page === 0}>
          Previous page
        </button>
        <span>Page {p.page + 1}</span>
        <button type="button" onClick={p.next} disabled={!p.hasNext}>
          Next page
        </button>
      </nav>
    </section>
  );
}
