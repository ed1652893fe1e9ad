// The review console on a queue of 10,000 waiting executions, measured in the browser (Debian's Chromium driven by
// playwright-core): the first render of the queue page (navigation → 50 rows and the counts shown) and a filter change
// (Type chosen → the filtered rows and counts shown). Baselines of the same run, in the same browser: a blank page of
// the same origin making the page's calls (the key, the queue page, the counts) raw, from navigation start; the
// filtered page and counts fetched raw; and, on the server, FerretDB answering the same page as one filtered query,
// which is what the queue's snapshot saves (src/services/review-snapshot.ts).
// Seeding: a few real executions are held in review through the API (one per type), then cloned with the driver into
// N executions, their review queue entries (src/records/review-queue.ts's reviewEntryOf), tasks and receipts, and a
// share of claims cloned from a real one: every document has the shape the write path gives it.
// Env: BENCH_CONSOLE_N (10000), BENCH_CONSOLE_RUNS (7), BENCH_CONSOLE_CLAIMED (500), CHROMIUM_PATH (/usr/bin/chromium).
import { existsSync } from 'node:fs';
import KSUID from 'ksuid';
import { chromium, type Browser, type Page } from 'playwright-core';
import { recordKey } from '../src/records/keys';
import { reviewEntryOf } from '../src/records/review-queue';
import type { Step } from '../src/schemas/pipeline';
import type { AssignmentDoc, ExecutionDoc, ReceiptDoc, ReviewEntryDoc, TaskDoc } from '../src/store/documents';
import { emit, intFromEnv, nowMs, printTable, round, runBench, startSluice, stats, type Sluice } from './support';

const BENCH = 'console';
const TYPES = ['clinic', 'office', 'provider'] as const;
const PIPELINE = (instructions: string): { steps: Step[] } => ({ steps: [{ type: 'HUMAN_REVIEW', humanReview: { instructions } }] });
const DATA: Record<(typeof TYPES)[number], (i: number) => Record<string, unknown>> = {
  clinic: (i) => ({ name: `Bench Clinic ${i}` }),
  office: (i) => ({ name: `Bench Office ${i}`, address: { line: [`${i} Main St`], city: 'Halifax', country: 'CA' } }),
  provider: (i) => ({ name: `Dr. Bench ${i}`, practiceNumber: 1000 + i }),
};
/** Targets: the console's times against the raw API calls of the same run (rendering, polling and layout on top). */
const TARGET_FIRST_RENDER_MS = 1000;
const TARGET_FILTER_MS = 300;

/** What the in-page measures use of the browser (the bench compiles without the DOM library). */
interface El {
  textContent: string | null;
  value: string;
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
}
interface PageGlobals {
  document: { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El>; getElementById(id: string): El | null };
  sessionStorage: { setItem(k: string, v: string): void };
  performance: { now(): number };
  MutationObserver: new (cb: (records: unknown, observer: { disconnect(): void }) => void) => { observe(target: unknown, options: Record<string, boolean>): void; disconnect(): void };
  Event: new (type: string, init?: { bubbles?: boolean }) => unknown;
  fetch(url: string, init?: Record<string, unknown>): Promise<{ json(): Promise<unknown> }>;
  __rendered?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.floor(sorted.length / 2)] ?? 0, 1);
}

async function seed(sluice: Sluice, n: number, claimed: number): Promise<{ seconds: number }> {
  const started = nowMs();
  const templates: { exec: ExecutionDoc; entry: ReviewEntryDoc; task: TaskDoc; receipt: ReceiptDoc; step: Step }[] = [];
  for (const type of TYPES) {
    const put = await sluice.request('PUT', `/sources/demo/v1/collections/${type}/pipeline`, PIPELINE(`Bench: check the ${type}`));
    if (put.status !== 201 && put.status !== 200) throw new Error(`pipeline ${type}: ${put.status} ${JSON.stringify(put.body)}`);
    const res = await sluice.request('POST', `/sources/demo/v1/resources/${type}`, { id: `template-${type}`, data: DATA[type](0) });
    if (res.status !== 202) throw new Error(`template ${type}: ${res.status} ${JSON.stringify(res.body)}`);
    const taskId = (res.body as { taskId: string }).taskId;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const exec = await sluice.store.executions.findOne({ 'operation.taskId': taskId });
      const entry = exec ? await sluice.store.reviewQueue.findOne({ _id: exec._id }) : null;
      if (exec && entry) {
        const task = await sluice.store.tasks.findOne({ _id: taskId });
        const receipt = await sluice.store.receipts.findOne({ _id: exec.receiptId });
        if (!task || !receipt) throw new Error(`template ${type}: task or receipt missing`);
        templates.push({ exec, entry, task, receipt, step: PIPELINE(`Bench: check the ${type}`).steps[0]! });
        break;
      }
      if (Date.now() > deadline) throw new Error(`template ${type} did not reach review`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // A real claim, made through the API, is the template of the seeded ones.
  const claim = await sluice.request('PUT', `/sources/demo/v1/pipelines/executions/${templates[0]!.exec._id}/assignment`);
  if (claim.status !== 201) throw new Error(`claim: ${claim.status} ${JSON.stringify(claim.body)}`);
  const claimTemplate = (await sluice.store.reviewAssignments.findOne({ _id: templates[0]!.exec._id }))!;

  const now = Date.now();
  const spanMs = 10 * 86_400_000;
  for (let start = 0; start < n; start += 1000) {
    const execs: ExecutionDoc[] = [];
    const entries: ReviewEntryDoc[] = [];
    const tasks: TaskDoc[] = [];
    const receipts: ReceiptDoc[] = [];
    const claims: AssignmentDoc[] = [];
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      const t = templates[i % templates.length]!;
      // Accepted over the last ten days, oldest first: the age filter and both orders have something to do.
      const at = new Date(now - spanMs + Math.floor((i / n) * spanMs));
      const id = KSUID.randomSync(at).string;
      const taskId = `s_${KSUID.randomSync(at).string}`;
      const recordId = `bench-${t.exec.operation.target.type}-${i}`;
      const iso = at.toISOString();
      const body = { ...t.exec.operation.body, data: DATA[t.exec.operation.target.type as (typeof TYPES)[number]](i) };
      const exec: ExecutionDoc = {
        ...t.exec, _id: id, recordKey: recordKey('demo', 'RESOURCE', t.exec.operation.target.type, recordId),
        operation: { ...t.exec.operation, taskId, body, target: { ...t.exec.operation.target, id: recordId } }, processedOperation: body,
        receiptId: `${taskId}:0`, createdAt: iso, updatedAt: iso,
      };
      execs.push(exec);
      entries.push(reviewEntryOf(exec, t.entry.stepIndex, t.step));
      tasks.push({ ...t.task, _id: taskId, createdAt: iso });
      receipts.push({ ...t.receipt, _id: `${taskId}:0`, taskId, id: recordId, receivedAt: iso, pipelineExecution: { ...t.receipt.pipelineExecution!, id } });
      if (i % Math.max(1, Math.floor(n / Math.max(1, claimed))) === 0 && claims.length < claimed) claims.push({ ...claimTemplate, _id: id, at: iso });
    }
    await sluice.store.executions.insertMany(execs);
    await sluice.store.reviewQueue.insertMany(entries);
    await sluice.store.tasks.insertMany(tasks);
    await sluice.store.receipts.insertMany(receipts);
    if (claims.length) await sluice.store.reviewAssignments.insertMany(claims);
  }
  return { seconds: round((nowMs() - started) / 1000, 1) };
}

/**
 * Loads the console signed in (the key put in session storage before the page starts, as a signed-in tab has it) and
 * answers the page's own measure: milliseconds from navigation start until the table shows `rows` rows and the counts.
 */
async function firstRender(browser: Browser, baseUrl: string, key: string, rows: number): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  try {
    await context.addInitScript(({ key: k, rows: r }) => {
      const w = globalThis as unknown as PageGlobals;
      w.sessionStorage.setItem('sluice.console.apiKey', k);
      new w.MutationObserver((_, obs) => {
        const summary = w.document.querySelector('.summary')?.textContent ?? '';
        if (w.document.querySelectorAll('table.rows tbody tr').length === r && /\d+ waiting/.test(summary)) {
          w.__rendered = w.performance.now();
          obs.disconnect();
        }
      }).observe(w.document, { childList: true, subtree: true, characterData: true });
    }, { key, rows });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/`);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__rendered !== undefined, undefined, { timeout: 60_000 });
    return await page.evaluate(() => (globalThis as unknown as PageGlobals).__rendered ?? 0);
  } finally {
    await context.close();
  }
}

/** Chooses a Type in the page and answers the milliseconds until every row is of that type and its counts are shown. */
async function filterChange(page: Page, type: string, expectedTotal: number): Promise<number> {
  return page.evaluate(({ t, total }) => new Promise<number>((resolve, reject) => {
    const w = globalThis as unknown as PageGlobals;
    const document = w.document;
    const select = document.getElementById('f-type')!;
    const done = (): boolean => {
      const rows = Array.from(document.querySelectorAll('table.rows tbody tr'));
      const ofType = t === '' ? rows.length === Math.min(50, total) : rows.length > 0 && rows.every((r) => r.getAttribute('aria-label')?.startsWith(`${t} `));
      return ofType && (document.querySelector('.summary')?.textContent ?? '').startsWith(`${total} waiting`);
    };
    setTimeout(() => reject(new Error(`the filter ${t || '(all types)'} did not show ${total} waiting within 60 s`)), 60_000);
    const started = w.performance.now();
    const obs = new w.MutationObserver(() => {
      if (done()) {
        obs.disconnect();
        resolve(w.performance.now() - started);
      }
    });
    obs.observe(document, { childList: true, subtree: true, characterData: true });
    select.value = t;
    select.dispatchEvent(new w.Event('change', { bubbles: true }));
  }), { t: type, total: expectedTotal });
}

/**
 * The first render's baseline: a minimal page of the same origin (`/health`) that makes the console's three calls in the
 * same order (the key, then the queue page and its counts) without rendering; milliseconds from navigation start.
 */
async function rawFirstLoad(browser: Browser, baseUrl: string, key: string): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/health`);
    return await page.evaluate(async (k) => {
      const w = globalThis as unknown as PageGlobals;
      const headers = { 'x-api-key': k };
      await (await w.fetch('/review/v1/me', { headers, cache: 'no-store' })).json();
      const [a, b] = await Promise.all([w.fetch('/review/v1/queue?order=oldest&perPage=50', { headers, cache: 'no-store' }), w.fetch('/review/v1/queue/counts', { headers, cache: 'no-store' })]);
      await Promise.all([a.json(), b.json()]);
      return w.performance.now();
    }, key);
  } finally {
    await context.close();
  }
}

/** The same two API calls the queue page makes, fetched raw in the page (no rendering): the baseline. */
async function rawFetch(page: Page, key: string, query: string): Promise<number> {
  return page.evaluate(async ({ k, q }) => {
    const w = globalThis as unknown as PageGlobals;
    const started = w.performance.now();
    const headers = { 'x-api-key': k };
    const [a, b] = await Promise.all([w.fetch(`/review/v1/queue?${q}&order=oldest&perPage=50`, { headers, cache: 'no-store' }), w.fetch(`/review/v1/queue/counts?${q}`, { headers, cache: 'no-store' })]);
    await Promise.all([a.json(), b.json()]);
    return w.performance.now() - started;
  }, { k: key, q: query });
}

async function main(): Promise<boolean> {
  const n = intFromEnv('BENCH_CONSOLE_N', 10_000);
  const runs = intFromEnv('BENCH_CONSOLE_RUNS', 7);
  const claimed = intFromEnv('BENCH_CONSOLE_CLAIMED', 500);
  const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  emit(BENCH, 'start', { n, runs, claimed });
  const sluice = await startSluice(BENCH);
  let browser: Browser | undefined;
  try {
    const seeded = await seed(sluice, n, claimed);
    const waiting = await sluice.store.reviewQueue.countDocuments({});
    emit(BENCH, 'seeded', { ...seeded, waiting });
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'] });

    // What one filtered page costs FerretDB without the snapshot: the query the queue would otherwise send.
    const dbPage: number[] = [];
    for (let i = 0; i < Math.min(runs, 5); i++) {
      const t = nowMs();
      await sluice.store.reviewQueue.find({ source: 'demo', type: 'office' }).sort({ createdAt: 1, _id: 1 }).limit(51).toArray();
      dbPage.push(nowMs() - t);
    }
    emit(BENCH, 'phase', { side: 'ferretdb-filtered-page', ms: stats(dbPage) });

    // The first load reads the queue into the snapshot; the later ones are served from it while it is fresh.
    const renders: number[] = [];
    const rawLoads: number[] = [];
    for (let i = 0; i < runs; i++) {
      renders.push(await firstRender(browser, sluice.baseUrl, sluice.adminKey, 50));
      rawLoads.push(await rawFirstLoad(browser, sluice.baseUrl, sluice.adminKey));
      emit(BENCH, 'round', { side: 'first-render', run: i + 1, ms: round(renders[i]!, 1), rawLoadMs: round(rawLoads[i]!, 1) });
    }
    const counts = (await sluice.request('GET', '/review/v1/queue/counts')).body as { total: number; types: Record<string, number> };
    if (counts.total !== waiting) throw new Error(`the counts say ${counts.total} waiting, the collection holds ${waiting}`);
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    await context.addInitScript((k) => (globalThis as unknown as PageGlobals).sessionStorage.setItem('sluice.console.apiKey', k), sluice.adminKey);
    const page = await context.newPage();
    await page.goto(`${sluice.baseUrl}/console/`);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('table.rows tbody tr').length === 50, undefined, { timeout: 60_000 });
    const filters: number[] = [];
    const rawAll: number[] = [];
    const rawFiltered: number[] = [];
    for (let i = 0; i < runs; i++) {
      const type = TYPES[i % TYPES.length]!;
      filters.push(await filterChange(page, type, counts.types[type] ?? 0));
      // Back to all types before the next change.
      await filterChange(page, '', waiting);
      rawAll.push(await rawFetch(page, sluice.adminKey, ''));
      rawFiltered.push(await rawFetch(page, sluice.adminKey, `type=${type}`));
      emit(BENCH, 'round', { side: 'filter-change', run: i + 1, type, ms: round(filters[i]!, 1), rawAllMs: round(rawAll[i]!, 1), rawFilteredMs: round(rawFiltered[i]!, 1) });
    }
    await context.close();

    const warm = renders.slice(1);
    const summary = {
      waiting,
      firstRenderColdMs: round(renders[0]!, 1),
      firstRenderMedianMs: median(warm.length ? warm : renders),
      filterChangeMedianMs: median(filters),
      rawFirstLoadMedianMs: median(rawLoads),
      rawPageAndCountsMedianMs: median(rawAll),
      rawFilteredMedianMs: median(rawFiltered),
      ferretdbFilteredPageMedianMs: median(dbPage),
      firstRenderOverRaw: round(median(warm.length ? warm : renders) / Math.max(0.1, median(rawLoads)), 2),
      filterOverRaw: round(median(filters) / Math.max(0.1, median(rawFiltered)), 2),
      targets: { firstRenderMs: TARGET_FIRST_RENDER_MS, filterChangeMs: TARGET_FILTER_MS },
    };
    const met = summary.firstRenderMedianMs <= TARGET_FIRST_RENDER_MS && summary.filterChangeMedianMs <= TARGET_FILTER_MS;
    emit(BENCH, 'summary', { ...summary, targetsMet: met });
    printTable(`console: ${waiting} waiting, medians of ${runs} runs (the first render's first run reads the queue into the snapshot)`, [
      { measure: 'first render (navigation → 50 rows + counts)', console: `${summary.firstRenderMedianMs} ms (cold ${summary.firstRenderColdMs} ms)`, baseline: `blank page + the same 3 calls ${summary.rawFirstLoadMedianMs} ms`, ratio: summary.firstRenderOverRaw, target: `≤ ${TARGET_FIRST_RENDER_MS} ms` },
      { measure: 'filter change (Type → rows + counts)', console: `${summary.filterChangeMedianMs} ms`, baseline: `raw filtered fetch ${summary.rawFilteredMedianMs} ms`, ratio: summary.filterOverRaw, target: `≤ ${TARGET_FILTER_MS} ms` },
      { measure: 'FerretDB: the filtered page as one query', console: '', baseline: `${summary.ferretdbFilteredPageMedianMs} ms`, ratio: '', target: '' },
    ]);
    return true;
  } finally {
    await browser?.close();
    await sluice.close();
  }
}

runBench(BENCH, main);
