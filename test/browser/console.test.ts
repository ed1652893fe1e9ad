import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startApi, type TestApi } from '../support/api';
import { ensureConsoleBuilt, eventually, launchChromium, screenshot, seriousViolations } from '../support/browser';
import { waitFor } from '../support/wait';

// The review console (issue #12) in a real browser: Debian's Chromium driven by playwright-core against the real API,
// worker, Temporal and FerretDB. Every action goes through the console's buttons, keys and fields; the API is read
// afterwards to check what the reviewer's actions did.

jest.setTimeout(180_000);

let api: TestApi;
let browser: Browser;
const run = randomBytes(3).toString('hex');
const S = '/sources/demo/v1';
const keys = { ada: '', bob: '', reader: '', elsewhere: '' };
const contexts: BrowserContext[] = [];

async function makeKey(name: string, roles: string[], sources: string[]): Promise<string> {
  const res = await api.request('POST', '/admin/v1/api-keys', { body: { name, email: `${name}@example.org`, roles, sources } });
  expect(res.status).toBe(201);
  return res.body.key as string;
}

/** Sends a write that waits in review; answers its task and execution ids once it waits. */
async function hold(method: string, path: string, body: unknown): Promise<{ taskId: string; executionId: string }> {
  const res = await api.request(method, `${S}${path}`, { body });
  expect(res.status).toBe(202);
  const task = await waitFor(async () => (await api.request('GET', `${S}/tasks/${res.body.taskId}?withReceipts=true`)).body, (t) => t.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW', 30_000, `${path} in review`);
  return { taskId: res.body.taskId, executionId: task.receipts[0].pipelineExecution.id };
}

async function status(executionId: string): Promise<string> {
  return (await api.request('GET', `${S}/pipelines/executions/${executionId}`)).body.status;
}

async function taskStatus(taskId: string, want: string): Promise<void> {
  await waitFor(async () => (await api.request('GET', `${S}/tasks/${taskId}`)).body.status, (s) => s === want, 30_000, `task ${taskId} ${want}`);
}

/** A new browser tab signed in with `key`. */
async function signIn(key: string, opts: { bypassCSP?: boolean; clock?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, bypassCSP: opts.bypassCSP ?? false });
  contexts.push(context);
  const page = await context.newPage();
  if (opts.clock) await page.clock.install();
  await page.goto(`${api.baseUrl}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Review queue' }).waitFor();
  return page;
}

function row(page: Page, recordId: string) {
  return page.getByRole('row', { name: new RegExp(`\\b${recordId}$`) });
}

/** Opens the queue's row of a record and waits for its item view. */
async function open(page: Page, type: string, recordId: string): Promise<void> {
  await row(page, recordId).waitFor({ timeout: 20_000 });
  await row(page, recordId).getByRole('button', { name: recordId }).click();
  await page.getByRole('heading', { level: 2, name: `${type} ${recordId}` }).waitFor();
  await page.getByRole('heading', { name: 'Proposed record' }).waitFor();
}

async function chooseFilter(page: Page, label: string, optionStartsWith: string): Promise<void> {
  const select = page.getByLabel(label, { exact: true });
  await eventually(async () => (await select.locator('option').allTextContents()).some((t) => t.startsWith(optionStartsWith)), `option ${optionStartsWith} of ${label}`);
  const text = (await select.locator('option').allTextContents()).find((t) => t.startsWith(optionStartsWith))!;
  await select.selectOption({ label: text });
}

beforeAll(async () => {
  ensureConsoleBuilt();
  browser = await launchChromium();
  api = await startApi({ worker: true });
  // An office stored before its pipeline exists: the later update is held and diffed against it.
  expect((await api.request('PUT', `${S}/resources/office/o-${run}`, { body: {
    data: { name: 'Harbour Office', address: { line: ['1 Quay St', 'Unit 4'], city: 'Halifax', country: 'CA' }, telecom: [{ system: 'phone', value: '+19025550100' }] },
    contained: { alternativePaymentMethods: [{ id: 'visa', type: 'paymentMethod', data: { value: 'Visa' } }] },
  } })).status).toBe(201);
  const pipelines: [string, unknown[]][] = [
    ['clinic', [
      { type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } },
      { type: 'HUMAN_REVIEW', humanReview: { instructions: 'Check new clinics', timeout: '7d', onTimeout: 'REJECT' } },
    ]],
    ['office', [
      { type: 'VALIDATOR', validator: { rules: [{ name: 'namedOffice', assert: { eq: { name: '*Office' } }, message: 'an office name ends with "Office"', onFailure: 'WARN' }] } },
      { type: 'HUMAN_REVIEW', humanReview: { instructions: 'Compare the address with the previous version' } },
    ]],
    ['provider', [{ type: 'HUMAN_REVIEW', humanReview: { instructions: 'Bulk import: approve in batches' } }]],
  ];
  for (const [collection, steps] of pipelines) expect((await api.request('PUT', `${S}/collections/${collection}/pipeline`, { body: { steps } })).status).toBe(201);
  keys.ada = await makeKey('ada', ['review'], ['demo']);
  keys.bob = await makeKey('bob', ['review'], ['demo']);
  keys.reader = await makeKey('reader', ['read'], ['demo']);
  expect((await api.request('PUT', '/catalog/v1/sources/elsewhere', { body: { type: 'registry' } })).status).toBe(201);
  keys.elsewhere = await makeKey('elsewhere', ['admin'], ['elsewhere']);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  if (!api) return;
  // Nothing stays waiting: the record workflows' ids would outlive this database on a shared Temporal.
  for (const e of await api.store.executions.find({ status: 'IN_REVIEW' }).toArray()) {
    await api.request('POST', `/sources/${e.source}/v1/pipelines/executions/${e._id}/decision`, { body: { action: 'REJECT', description: 'test cleanup' } });
  }
  await waitFor(() => api.store.executions.countDocuments({ status: 'IN_REVIEW' }), (n) => n === 0, 30_000, 'no execution in review');
  await api.close();
});

test('sign in, see a held record in the queue, open it, claim it, approve it: the record is stored and the task SUCCESS', async () => {
  const id = `walk-${run}`;
  const { taskId, executionId } = await hold('POST', '/resources/clinic', { id, data: { name: '  Downtown Clinic ' } });
  const page = await signIn(keys.ada);
  // The key is kept in the tab's session storage, never in the address.
  expect(page.url()).toBe(`${api.baseUrl}/console/`);
  expect(await page.evaluate(() => Object.values((globalThis as any).sessionStorage))).toEqual([keys.ada]);
  await open(page, 'clinic', id);
  // A CREATE: everything is new; the proposed record is the one the NORMALIZER left.
  await page.getByText('a new record: everything is new').waitFor();
  expect(await page.getByRole('list', { name: 'Proposed record' }).textContent()).toContain('"Downtown Clinic"');
  await page.getByText('Not stored yet.').waitFor();
  await page.getByText('Check new clinics').waitFor();
  await page.getByText(/^7 d left; then the step's timeout decides REJECT\.$|^6 d 23 h left/).waitFor();
  await page.getByText('No version stored yet.').waitFor();
  expect(await page.getByRole('link', { name: 'Open execution in the Temporal UI' }).getAttribute('href')).toBe(
    `http://127.0.0.1:8233/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="execution:${executionId}"`)}`,
  );

  await page.getByRole('button', { name: 'Claim', exact: true }).click();
  await page.getByText('Claimed by you').first().waitFor();
  expect((await api.request('GET', `${S}/pipelines/executions/${executionId}/assignment`)).body.by.name).toBe('ada');
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  await page.getByRole('status').filter({ hasText: `Approved ${id}.` }).waitFor();
  await taskStatus(taskId, 'SUCCESS');
  expect((await api.request('GET', `${S}/resources/clinic/${id}`)).body.data).toEqual({ name: 'Downtown Clinic' });
  // The item says how it ended, and leaves the queue.
  await page.getByRole('alert').filter({ hasText: 'Approved by you' }).waitFor();
  expect(await page.getByRole('button', { name: 'Approve', exact: true }).isDisabled()).toBe(true);
  await row(page, id).waitFor({ state: 'detached', timeout: 20_000 });
});

test('the diff of an update marks changed, new and removed fields in nested objects, arrays and contained resources; reject needs a comment and drops it', async () => {
  const id = `o-${run}`;
  const { taskId, executionId } = await hold('PUT', `/resources/office/${id}`, {
    data: { name: 'Harbour Offices Ltd', address: { line: ['1 Quay St'], city: 'Dartmouth', country: 'CA' }, telecom: [{ system: 'phone', value: '+19025550100' }, { system: 'email', value: 'desk@harbour.example' }] },
    contained: { alternativePaymentMethods: [{ id: 'visa', type: 'paymentMethod', data: { value: 'Visa' } }, { id: 'cash', type: 'paymentMethod', data: { value: 'Cash' } }] },
  });
  const page = await signIn(keys.ada, { bypassCSP: true });
  await open(page, 'office', id);
  const proposed = page.getByRole('list', { name: 'Proposed record' });
  const stored = page.getByRole('list', { name: 'Stored record' });
  await stored.waitFor();
  const marked = async (side: typeof proposed, mark: string) => (await side.locator(`li.mark-${mark} > .key`).allTextContents()).map((t) => t.trim());
  expect(await marked(proposed, 'changed')).toEqual(expect.arrayContaining(['name', 'city']));
  expect(await marked(stored, 'changed')).toEqual(expect.arrayContaining(['name', 'city']));
  expect(await marked(proposed, 'added')).toEqual(expect.arrayContaining(['[1]']));
  expect(await marked(stored, 'removed')).toEqual(['[1]']);
  expect(await proposed.getByText('new', { exact: true }).count()).toBe(2);
  expect(await stored.getByText('removed', { exact: true }).count()).toBe(1);
  expect(await proposed.textContent()).toContain('"Cash"');
  // The untouched contained item and telecom entry are not marked.
  expect(await proposed.locator('li.mark-changed, li.mark-added').filter({ hasText: '"Visa"' }).count()).toBe(0);
  await page.getByText('version 1').waitFor();
  await page.getByText('Compare the address with the previous version').waitFor();
  await page.getByText('an office name ends with "Office" (WARN)').waitFor();
  await page.getByRole('list').filter({ hasText: 'UPSERT by' }).waitFor();

  // Claimed with the keyboard; the page passes axe with no serious violation; the screenshot of an item view.
  await page.keyboard.press('c');
  await page.getByText('Claimed by you').first().waitFor();
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'console-item.png');

  // Reject without a comment: refused in the page, nothing sent.
  await page.getByRole('button', { name: 'Reject', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'A comment is required to reject.' }).waitFor();
  expect(await status(executionId)).toBe('IN_REVIEW');
  await page.getByLabel('Comment (required to reject)').fill('wrong city: the office did not move');
  await page.getByRole('button', { name: 'Reject', exact: true }).click();
  await page.getByRole('status').filter({ hasText: `Rejected ${id}.` }).waitFor();
  await waitFor(() => status(executionId), (s) => s === 'DROPPED', 20_000, 'office update DROPPED');
  await taskStatus(taskId, 'SUCCESS');
  // Nothing of it was stored: the office is as it was, with one history item.
  const office = (await api.request('GET', `${S}/resources/office/${id}`)).body;
  expect(office.data.address.city).toBe('Halifax');
  expect(office.meta.versionId).toBe('1');
  const execution = (await api.request('GET', `${S}/pipelines/executions/${executionId}`)).body;
  expect(execution.steps[1].decision).toEqual(expect.objectContaining({ action: 'REJECT', description: 'wrong city: the office did not move' }));
  await page.getByRole('alert').filter({ hasText: 'Rejected by you' }).waitFor();
});

test('keyboard: next, previous, claim, approve and reject; a rejected CREATE stores nothing', async () => {
  const first = await hold('POST', '/resources/clinic', { id: `k1-${run}`, data: { name: 'Keyboard One' } });
  const second = await hold('POST', '/resources/clinic', { id: `k2-${run}`, data: { name: 'Keyboard Two' } });
  const page = await signIn(keys.ada);
  await chooseFilter(page, 'Claimed by', 'Nobody');
  await chooseFilter(page, 'Order', 'Newest first');
  await row(page, `k2-${run}`).waitFor();
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await page.getByRole('heading', { level: 2, name: `clinic k2-${run}` }).waitFor();
  await page.keyboard.press('j');
  await page.getByRole('heading', { level: 2, name: `clinic k1-${run}` }).waitFor();
  await page.keyboard.press('k');
  await page.getByRole('heading', { level: 2, name: `clinic k2-${run}` }).waitFor();
  await page.getByRole('heading', { name: 'Proposed record' }).waitFor();
  await page.keyboard.press('c');
  await page.getByText('Claimed by you').first().waitFor();
  await page.keyboard.press('a');
  await page.getByRole('status').filter({ hasText: `Approved k2-${run}.` }).waitFor();
  await taskStatus(second.taskId, 'SUCCESS');

  await page.keyboard.press('j');
  await page.getByRole('heading', { level: 2, name: `clinic k1-${run}` }).waitFor();
  await page.getByRole('heading', { name: 'Proposed record' }).waitFor();
  await page.getByLabel('Comment (required to reject)').fill('not a real clinic');
  await page.getByRole('heading', { level: 2, name: `clinic k1-${run}` }).click();
  await page.keyboard.press('r');
  await page.getByRole('status').filter({ hasText: `Rejected k1-${run}.` }).waitFor();
  await waitFor(() => status(first.executionId), (s) => s === 'DROPPED', 20_000, 'k1 DROPPED');
  await taskStatus(first.taskId, 'SUCCESS');
  expect((await api.request('GET', `${S}/resources/clinic/k1-${run}`)).status).toBe(404);
  expect((await api.request('GET', `${S}/resources/clinic/k2-${run}`)).body.data).toEqual({ name: 'Keyboard Two' });
});

test('a second reviewer sees the claim and cannot decide; a decision that loses a race gets the 409 explained', async () => {
  const claimed = await hold('POST', '/resources/clinic', { id: `claim-${run}`, data: { name: 'Claimed Clinic' } });
  const ada = await signIn(keys.ada);
  await open(ada, 'clinic', `claim-${run}`);
  await ada.getByRole('button', { name: 'Claim', exact: true }).click();
  await ada.getByText('Claimed by you').first().waitFor();

  const bob = await signIn(keys.bob, { clock: true });
  await eventually(async () => (await row(bob, `claim-${run}`).textContent())?.includes('ada (ada@example.org)') ?? false, 'the claim shown in bob\'s queue');
  await open(bob, 'clinic', `claim-${run}`);
  await bob.getByText('Claimed by ada (ada@example.org)').waitFor();
  await bob.getByText('Only they or an admin can decide it.').waitFor();
  for (const name of ['Approve', 'Reject', 'Claim']) expect(await bob.getByRole('button', { name, exact: true }).isDisabled()).toBe(true);
  expect(await status(claimed.executionId)).toBe('IN_REVIEW');

  // Bob's page shows an item still open (its polling paused) while ada approves it through the API.
  const race = await hold('POST', '/resources/clinic', { id: `race-${run}`, data: { name: 'Raced Clinic' } });
  await open(bob, 'clinic', `race-${run}`);
  await bob.getByText('Not claimed.').waitFor();
  await bob.clock.pauseAt((await bob.evaluate(() => Date.now())) + 100);
  expect((await api.request('POST', `${S}/pipelines/executions/${race.executionId}/decision`, { key: keys.ada, body: { action: 'APPROVE', description: 'mine' } })).status).toBe(202);
  await waitFor(() => status(race.executionId), (s) => s === 'SUCCESSFUL', 20_000, 'race approved by ada');
  expect(await bob.getByRole('button', { name: 'Approve', exact: true }).isDisabled()).toBe(false);
  await bob.getByRole('button', { name: 'Approve', exact: true }).click();
  const notice = bob.getByRole('status').filter({ hasText: 'Too late' });
  await notice.waitFor();
  expect(await notice.textContent()).toMatch(/^Too late: Approved by ada@example\.org .* ago: “mine”; the record is stored\.$/);
  expect(await bob.getByRole('button', { name: 'Approve', exact: true }).isDisabled()).toBe(true);
  await bob.clock.resume();
  expect((await api.request('GET', `${S}/pipelines/executions/${race.executionId}`)).body.steps[1].decision.author.email).toBe('ada@example.org');
});

test('an item superseded while open says it was replaced by a newer request and disables its buttons', async () => {
  const id = `sup-${run}`;
  const older = await hold('PUT', `/resources/clinic/${id}`, { data: { name: 'First Version' } });
  const page = await signIn(keys.ada);
  await open(page, 'clinic', id);
  expect(await page.getByRole('button', { name: 'Approve', exact: true }).isDisabled()).toBe(false);
  const newer = await hold('PUT', `/resources/clinic/${id}`, { data: { name: 'Second Version' } });
  expect(await status(older.executionId)).toBe('CANCELLED');
  await page.getByRole('alert').filter({ hasText: 'Replaced by a newer request for this record.' }).waitFor();
  for (const name of ['Approve', 'Reject', 'Claim']) expect(await page.getByRole('button', { name, exact: true }).isDisabled()).toBe(true);
  // The newer request waits in the queue in its place.
  await eventually(async () => {
    const items = (await api.request('GET', '/review/v1/queue?perPage=200', { key: keys.ada })).body.data as { id: string }[];
    return items.some((i) => i.id === newer.executionId) && !items.some((i) => i.id === older.executionId);
  }, 'the newer execution in the queue');
  await row(page, id).waitFor();
});

test('bulk approve of 50 selected items', async () => {
  const operations = Array.from({ length: 50 }, (_, i) => ({ action: 'UPSERT', upsert: { id: `b${String(i).padStart(2, '0')}-${run}`, type: 'provider', data: { name: `Dr. Bulk ${i}` } } }));
  const bulk = await api.request('POST', `${S}/resources/bulk`, { body: { operations } });
  expect(bulk.status).toBe(202);
  await waitFor(async () => (await api.request('GET', '/review/v1/queue/counts?type=provider', { key: keys.ada })).body.total, (n) => n === 50, 60_000, '50 providers in review');
  const page = await signIn(keys.ada, { bypassCSP: true });
  await chooseFilter(page, 'Type', 'provider (50)');
  await page.getByRole('status').filter({ hasText: '50 waiting' }).waitFor();
  await eventually(async () => (await page.locator('tbody tr').count()) === 50, '50 rows');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('checkbox', { name: 'Select every item of this page' }).check();
  await page.getByText('50 selected').waitFor();
  await open(page, 'provider', `b00-${run}`);
  await screenshot(page, 'console-queue.png');
  await page.getByRole('button', { name: 'Approve selected' }).click();
  await page.getByRole('status').filter({ hasText: 'Approved 50 of 50.' }).waitFor({ timeout: 60_000 });
  await taskStatus(bulk.body.taskId, 'SUCCESS');
  const stored = await api.store.resources.countDocuments({ source: 'demo', type: 'provider', id: { $regex: `-${run}$` } });
  expect(stored).toBe(50);
  await page.getByRole('status').filter({ hasText: '0 waiting' }).waitFor({ timeout: 30_000 });
});

test('a read-only key sees the queue and the item but no button to decide', async () => {
  const id = `ro-${run}`;
  await hold('POST', '/resources/clinic', { id, data: { name: 'Read Only Clinic' } });
  const page = await signIn(keys.reader);
  await open(page, 'clinic', id);
  await page.getByText('This key can read the queue but not decide').waitFor();
  for (const name of ['Approve', 'Reject', 'Claim', 'Release', 'Approve selected', 'Reject selected']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
  expect(await page.getByRole('checkbox').count()).toBe(0);
  expect(await page.getByLabel('Comment (required to reject)').count()).toBe(0);
});

test('a key of another source sees nothing of demo', async () => {
  const page = await signIn(keys.elsewhere);
  await page.getByRole('status').filter({ hasText: '0 waiting' }).waitFor();
  await page.getByText('Nothing waits for review here.').waitFor();
  expect(await page.locator('tbody tr').count()).toBe(0);
  expect(await page.getByLabel('Source', { exact: true }).locator('option').allTextContents()).toEqual(['All sources (0)', 'elsewhere (0)']);
  expect(await page.getByText('demo').count()).toBe(0);
});

test('a bad key is refused at sign-in, and the console sets its security headers', async () => {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const res = await page.goto(`${api.baseUrl}/console/`);
  expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
  await page.getByLabel('API key').fill('sk_not_a_key_of_anyone');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'This API key is not known to Sluice.' }).waitFor();
  expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
});
