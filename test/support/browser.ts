import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

// A real browser for the console's tests: Debian's Chromium driven by playwright-core (no browser download). `npm test`
// installs it when missing and it can (scripts/run.mjs); CHROMIUM_PATH points elsewhere.

const ROOT = resolve(__dirname, '../..');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Where the tests write their screenshots (git-ignored); SLUICE_SCREENSHOT_DIR adds a second copy (docs/img for the README). */
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Builds dist/console when it is missing or older than console/ (scripts/console-build.mjs). */
export function ensureConsoleBuilt(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'console-build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

/** Launches Chromium headless, or fails saying how to provide one. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium; \`npm test\` does it when run as root on Debian) or set CHROMIUM_PATH to a Chromium or Chrome executable`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Violations axe-core finds on the page whose impact is serious or critical (axe injected from node_modules). */
export async function seriousViolations(page: Page): Promise<{ id: string; impact: string; help: string; targets: string[] }[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    const w = globalThis as any;
    const axe = w.axe as { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> };
    return axe.run(w.document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Saves a screenshot into test-artifacts/ (and SLUICE_SCREENSHOT_DIR when set); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  const extra = process.env.SLUICE_SCREENSHOT_DIR;
  if (extra) {
    mkdirSync(resolve(ROOT, extra), { recursive: true });
    await page.screenshot({ path: resolve(ROOT, extra, name), fullPage: true });
  }
  return file;
}

/** Polls a condition in the test process (the page updates itself by polling the API). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
