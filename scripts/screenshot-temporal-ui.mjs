// Screenshots of the Temporal UI on one Sluice execution's history (README "Payload encryption"):
//   docs/img/temporal-ui-decoded.png  the UI decoding through the API's codec route (the way `npm start` wires it)
//   docs/img/temporal-ui-raw.png      the same history with no codec endpoint: what Temporal stores, ciphertext
// Re-runnable: `node scripts/screenshot-temporal-ui.mjs` builds, starts a throwaway stack on free ports (Temporal
// with its UI on a database file, FerretDB, the worker and the API from dist/), ingests a clinic that waits in
// review, approves it with a comment, photographs its history, restarts Temporal on the same database without the
// codec endpoint, photographs it again, and stops everything. Chromium: /usr/bin/chromium, or CHROMIUM_PATH.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  ROOT,
  codecEnv,
  ensureBinaries,
  freePort,
  logger as log,
  newCodecKey,
  newCodecUiToken,
  spawnChild,
  startFerretDB,
  startTemporal,
  stopAll,
  temporalBinary,
  waitForPort,
} from './stack.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const OUT_DIR = path.join(ROOT, 'docs', 'img');
// The UI keeps polling; a fixed wait lets it render the history and the decoded payloads.
const SETTLE_MS = Number(process.env.SCREENSHOT_WAIT_MS || 8000);
const S = '/sources/demo/v1';

async function main() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  await ensureBinaries();
  await run('npm', ['run', 'build']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-screenshot-'));
  const [temporalPort, uiPort, ferretPort, apiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const api = `http://127.0.0.1:${apiPort}`;
  const ui = `http://127.0.0.1:${uiPort}`;
  const token = newCodecUiToken();
  const adminKey = `sk_screenshot_${newCodecUiToken().slice(0, 24)}`;
  const dbFile = path.join(dir, 'temporal.db');
  const temporalOptions = { port: temporalPort, uiPort, dbFile, logFile: path.join(dir, 'logs', 'temporal.log') };
  const handles = [];
  try {
    let temporal = await startTemporal({ ...temporalOptions, uiCodecEndpoint: `${api}/codec/ui/${token}` });
    handles.push(temporal);
    handles.push(await startFerretDB({ port: ferretPort, dataDir: path.join(dir, 'ferretdb'), logFile: path.join(dir, 'logs', 'ferretdb.log') }));
    const env = {
      ...process.env,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      TEMPORAL_ADDRESS: temporal.address,
      MONGODB_URI: `mongodb://127.0.0.1:${ferretPort}/`,
      SLUICE_ADMIN_KEY: adminKey,
      SLUICE_DATA_DIR: path.join(dir, 'data'),
      SLUICE_WORKFLOW_BUNDLE: path.join(ROOT, 'dist', 'workflow-bundle.js'),
      ...codecEnv(newCodecKey()),
      SLUICE_CODEC_UI_TOKEN: token,
      SLUICE_CODEC_CORS_ORIGINS: ui,
      LOG_LEVEL: 'warn',
    };
    for (const entry of ['worker', 'server']) {
      handles.push(spawnChild({ name: entry, command: process.execPath, args: [`dist/src/${entry}.js`], env, logFile: path.join(dir, 'logs', `${entry}.log`) }));
    }
    await waitForPort({ port: apiPort, handle: handles.at(-1), timeoutMs: 60_000, what: 'the Sluice API' });
    const workflowId = await reviewedClinic(api, adminKey);
    const runId = JSON.parse((await promisify(execFile)(temporalBinary(), ['workflow', 'describe', '--workflow-id', workflowId, '--address', temporal.address, '--output', 'json'])).stdout)
      .workflowExecutionInfo.execution.runId;
    const historyUrl = `${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
    fs.mkdirSync(OUT_DIR, { recursive: true });
    await screenshot(historyUrl, path.join(OUT_DIR, 'temporal-ui-decoded.png'));

    // The same history, the UI without a codec endpoint: restart Temporal on the same database file.
    await stopAll([temporal]);
    handles.splice(handles.indexOf(temporal), 1);
    temporal = await startTemporal(temporalOptions);
    handles.unshift(temporal);
    await screenshot(historyUrl, path.join(OUT_DIR, 'temporal-ui-raw.png'));
    log.info('screenshots written', { decoded: 'docs/img/temporal-ui-decoded.png', raw: 'docs/img/temporal-ui-raw.png', workflowId });
  } finally {
    await stopAll(handles.reverse());
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A clinic trimmed, held for review, and approved with a comment; returns its execution's workflow id. */
async function reviewedClinic(api, key) {
  const call = async (method, p, body) => {
    const res = await fetch(`${api}${p}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const json = await res.json().catch(() => undefined);
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  await until(async () => (await fetch(`${api}/ready`)).ok, 'the API to be ready');
  await call('PUT', `${S}/collections/clinic/pipeline`, { steps: [
    { type: 'NORMALIZER', normalizer: { properties: [{ property: 'name', trim: true }] } },
    { type: 'HUMAN_REVIEW', humanReview: { instructions: 'Check new clinics' } },
  ] });
  const { taskId } = await call('POST', `${S}/resources/clinic`, { id: 'riverside', data: { name: '  Riverside Family Clinic ' } });
  const executionId = await until(async () => {
    const t = await call('GET', `${S}/tasks/${taskId}?withReceipts=true`);
    return t.receipts?.[0]?.pipelineExecution?.status === 'IN_REVIEW' && t.receipts[0].pipelineExecution.id;
  }, 'the clinic in review');
  await call('POST', `${S}/pipelines/executions/${executionId}/decision`, { action: 'APPROVE', description: 'Licence checked against the provincial register' });
  await until(async () => (await call('GET', `${S}/tasks/${taskId}`)).status === 'SUCCESS', 'the task to succeed');
  return `execution:${executionId}`;
}

async function screenshot(url, file) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1500 } });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(SETTLE_MS);
    // Opens the reviewer's decision (a signal whose payload holds the comment) from the timeline.
    await page.getByText('decision', { exact: true }).first().click();
    await page.waitForTimeout(2000);
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await browser.close();
  }
}

async function until(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => false);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`\`${command} ${args.join(' ')}\` exited with ${code}`))));
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
