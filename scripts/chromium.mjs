// The browser the console's tests drive: Debian's Chromium at /usr/bin/chromium, or CHROMIUM_PATH. `npm test` installs
// Debian's package when it is missing and it can (root on Debian); otherwise it stops and says how to provide one. No
// browser is ever downloaded (playwright's own browsers are not used).
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const DEFAULT_PATH = '/usr/bin/chromium';

function run(command, args, log) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    child.once('error', (err) => {
      log.error(`could not run ${command}`, { error: err.message });
      resolve(127);
    });
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/** The Chromium executable for the browser tests; installs Debian's when missing and possible, else throws how to get one. */
export async function ensureChromium(log) {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (fs.existsSync(given)) return given;
    throw new Error(`CHROMIUM_PATH is ${given}, which does not exist: point it at a Chromium or Chrome executable`);
  }
  if (fs.existsSync(DEFAULT_PATH)) return DEFAULT_PATH;
  const howTo = `install Debian's chromium (apt-get install -y chromium, as root) or set CHROMIUM_PATH to a Chromium or Chrome executable`;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !fs.existsSync('/etc/debian_version')) {
    throw new Error(`the browser tests need Chromium and ${DEFAULT_PATH} is missing: ${howTo}`);
  }
  log.info('installing Chromium for the browser tests (apt-get install -y chromium)');
  if ((await run('apt-get', ['install', '-y', 'chromium'], log)) !== 0) {
    // A fresh machine may have no package lists yet.
    await run('apt-get', ['update'], log);
    await run('apt-get', ['install', '-y', 'chromium'], log);
  }
  if (!fs.existsSync(DEFAULT_PATH)) throw new Error(`apt-get did not install ${DEFAULT_PATH}: ${howTo}`);
  return DEFAULT_PATH;
}
