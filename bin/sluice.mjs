#!/usr/bin/env node
// `npx sluice import ...`: runs the command line of dist/ (built by `npm run build`, which `npm start` runs), or, in a
// checkout without a build, the TypeScript source compiled on the fly by SWC (a development dependency).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import process from 'node:process';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const built = path.join(root, 'dist', 'src', 'cli', 'sluice.js');
if (!existsSync(built)) require(path.join(root, 'test', 'support', 'swc-register.js'));
const { main } = require(existsSync(built) ? built : path.join(root, 'src', 'cli', 'sluice.ts'));
process.exit(await main(process.argv.slice(2)));
