// The review console's build (dist/console), made when it is missing or older than its sources: `npm test` and the
// browser tests need it, and `npm run build` always makes it. Run as a script, it builds if stale and says so.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = path.join(ROOT, 'console');
export const CONSOLE_INDEX = path.join(ROOT, 'dist', 'console', 'index.html');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(file) : fs.statSync(file).mtimeMs);
  }
  return newest;
}

/** True when dist/console is missing or older than console/ or the installed packages. */
export function consoleBuildStale() {
  if (!fs.existsSync(CONSOLE_INDEX)) return true;
  const built = fs.statSync(CONSOLE_INDEX).mtimeMs;
  const lock = path.join(ROOT, 'package-lock.json');
  return newestMtime(SOURCES) > built || (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > built);
}

/** Builds the console when stale; resolves with vite's exit code (0 when nothing was to do). */
export function ensureConsoleBuild() {
  if (!consoleBuildStale()) return Promise.resolve(0);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'console/vite.config.mts'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', () => resolve(127));
    child.once('close', (code) => resolve(code ?? 1));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const stale = consoleBuildStale();
  const code = await ensureConsoleBuild();
  if (code !== 0) console.error(`the console build failed (vite exit code ${code})`);
  else if (stale) console.log(`built the review console into ${path.relative(ROOT, path.dirname(CONSOLE_INDEX))}`);
  process.exit(code);
}
