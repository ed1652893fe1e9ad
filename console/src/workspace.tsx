// The signed-in console: the queue beside the open item, kept fresh by polling, driven by the keyboard too.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, eachLimited, executionPath, type QueueCounts, type QueueItem, type Reviewer } from './api';
import { ItemView, type ItemActions } from './item';
import { NO_FILTERS, QueueView, filterQuery, type Filters } from './queue';

const PER_PAGE = 50;
const POLL_MS = 3000;
/** Bulk decisions go one request per item, this many at a time. */
const BULK_CONCURRENCY = 6;

interface Props {
  me: Reviewer;
  apiKey: string;
  signOut(): void;
}

const SHORTCUTS: [string, string][] = [
  ['j or ↓', 'next item'],
  ['k or ↑', 'previous item'],
  ['c', 'claim or release the open item'],
  ['a', 'approve the open item'],
  ['r', 'reject the open item (type the comment first)'],
  ['x', 'select or unselect the open item for a bulk decision'],
  ['n / p', 'next / previous page'],
  ['?', 'show or hide these shortcuts'],
];

export function Workspace({ me, apiKey, signOut }: Props) {
  const [filters, setFiltersState] = useState<Filters>(NO_FILTERS);
  const [cursors, setCursors] = useState<string[]>([]);
  const [items, setItems] = useState<QueueItem[]>([]);
  const [nextCursor, setNextCursor] = useState<string>();
  const [counts, setCounts] = useState<QueueCounts>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const [active, setActive] = useState<QueueItem>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulkComment, setBulkComment] = useState('');
  const [bulkBusy, setBulkBusy] = useState(false);
  const [bulkProgress, setBulkProgress] = useState<string>();
  const [help, setHelp] = useState(false);
  const actions = useRef<ItemActions | undefined>(undefined);
  const generation = useRef(0);
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(async () => {
    const mine = ++generation.current;
    const q = filterQuery(filters, true);
    q.set('perPage', String(PER_PAGE));
    if (cursor) q.set('cursor', cursor);
    try {
      const [page, c] = await Promise.all([
        call<{ data: QueueItem[]; nextCursor?: string }>(apiKey, 'GET', `/review/v1/queue?${q}`),
        call<QueueCounts>(apiKey, 'GET', `/review/v1/queue/counts?${filterQuery(filters, false)}`),
      ]);
      if (mine !== generation.current) return;
      setItems(page.data);
      setNextCursor(page.nextCursor);
      setCounts(c);
      setError(undefined);
      setSelected((s) => new Set([...s].filter((id) => page.data.some((i) => i.id === id))));
    } catch (err) {
      if (mine !== generation.current) return;
      if (err instanceof ApiError && err.status === 401) signOut();
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [filters, cursor, apiKey, signOut]);

  useEffect(() => {
    setLoading(true);
    void load();
    const timer = setInterval(() => {
      if (!document.hidden) void load();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  const setFilters = (f: Filters) => {
    setFiltersState(f);
    setCursors([]);
    setSelected(new Set());
  };

  const move = useCallback((step: 1 | -1) => {
    if (items.length === 0) return;
    const at = active ? items.findIndex((i) => i.id === active.id) : -1;
    const to = at < 0 ? (step === 1 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, at + step));
    setActive(items[to]);
  }, [items, active]);

  const toggle = useCallback((id: string) => {
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  }, []);

  const runBulk = useCallback(async (action: 'APPROVE' | 'REJECT') => {
    const chosen = items.filter((i) => selected.has(i.id));
    if (chosen.length === 0) return;
    if (action === 'REJECT' && bulkComment.trim() === '') {
      setBulkProgress('A comment is required to reject: type it in the comment box.');
      return;
    }
    setBulkBusy(true);
    let done = 0;
    setBulkProgress(`${action === 'APPROVE' ? 'Approving' : 'Rejecting'} ${chosen.length}…`);
    const results = await eachLimited(chosen, BULK_CONCURRENCY, async (item) => {
      await call(apiKey, 'POST', `${executionPath(item.source, item.id)}/decision`, { action, ...(bulkComment.trim() ? { description: bulkComment.trim() } : {}) });
      done++;
      setBulkProgress(`${action === 'APPROVE' ? 'Approving' : 'Rejecting'}: ${done} of ${chosen.length}`);
    });
    const refused = results.map((r, i) => ({ r, item: chosen[i]! })).filter(({ r }) => r.status === 'rejected');
    const reasons = refused.map(({ r, item }) => `${item.recordId}: ${(r as PromiseRejectedResult).reason instanceof Error ? ((r as PromiseRejectedResult).reason as Error).message : 'refused'}`);
    setBulkProgress(
      `${action === 'APPROVE' ? 'Approved' : 'Rejected'} ${chosen.length - refused.length} of ${chosen.length}.` + (refused.length ? ` Refused: ${reasons.slice(0, 5).join('; ')}${refused.length > 5 ? ` and ${refused.length - 5} more` : ''}.` : ''),
    );
    setSelected(new Set(refused.map(({ item }) => item.id)));
    setBulkBusy(false);
    void load();
  }, [items, selected, bulkComment, apiKey, load]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      const handlers: Record<string, () => void> = {
        j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
        a: () => actions.current?.approve(), r: () => actions.current?.reject(), c: () => actions.current?.toggleClaim(),
        x: () => active && toggle(active.id),
        n: () => nextCursor && setCursors((c) => [...c, nextCursor]),
        p: () => setCursors((c) => c.slice(0, -1)),
        '?': () => setHelp((h) => !h),
        Escape: () => setHelp(false),
      };
      const handler = handlers[e.key];
      if (!handler) return;
      e.preventDefault();
      handler();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [move, toggle, active, nextCursor]);

  return (
    <>
      <header class="top">
        <h1>Sluice review console</h1>
        <p>
          Signed in as <strong>{me.name}</strong>
          {me.email ? ` (${me.email})` : ''} · {me.roles.join(', ')} · {me.sources.length ? me.sources.join(', ') : 'no source'}
        </p>
        <button type="button" onClick={() => setHelp((h) => !h)} aria-expanded={help} aria-controls="shortcuts">
          Keyboard shortcuts
        </button>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      {help ? (
        <section id="shortcuts" class="shortcuts" aria-label="Keyboard shortcuts">
          <dl>
            {SHORTCUTS.map(([k, what]) => (
              <div key={k}>
                <dt>
                  <kbd>{k}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
        </section>
      ) : null}
      <main class="layout">
        <QueueView
          me={me}
          filters={filters}
          setFilters={setFilters}
          counts={counts}
          items={items}
          loading={loading}
          error={error}
          activeId={active?.id}
          open={setActive}
          selected={selected}
          toggle={toggle}
          selectPage={(all) => setSelected(all ? new Set(items.map((i) => i.id)) : new Set())}
          page={cursors.length}
          hasNext={!!nextCursor}
          next={() => nextCursor && setCursors((c) => [...c, nextCursor])}
          previous={() => setCursors((c) => c.slice(0, -1))}
          bulk={{ comment: bulkComment, setComment: setBulkComment, run: (a) => void runBulk(a), busy: bulkBusy, progress: bulkProgress }}
        />
        {active ? (
          <ItemView key={active.id} item={active} me={me} apiKey={apiKey} onChanged={() => void load()} actions={actions} />
        ) : (
          <section class="item empty" aria-label="Item">
            <p>Choose an item of the queue (or press j) to see what it would change.</p>
          </section>
        )}
      </main>
    </>
  );
}
