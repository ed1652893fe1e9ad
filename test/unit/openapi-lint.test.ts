import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { openApiDocument } from '../../src/http/openapi';

// /openapi.json as a client sees it, checked by Redocly's linter with its recommended rules (operationIds, servers,
// tag descriptions, a 2xx and a 4xx on every operation, declared path parameters, ...). It runs offline.
test('the generated OpenAPI document passes `redocly lint` (recommended): 0 errors, 0 warnings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(openApiDocument()));
    const cli = resolve(__dirname, '../../node_modules/.bin/redocly');
    const { stdout } = await promisify(execFile)(cli, ['lint', file, '--extends', 'recommended', '--format', 'json'], { maxBuffer: 16 << 20 });
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string }> };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toEqual(expect.objectContaining({ errors: 0, warnings: 0 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
