// Lets a child `node` process run the TypeScript entry points as they are (e.g. src/worker.ts), compiled on
// the fly by SWC, the same compiler jest uses: `node -r ./test/support/swc-register.js src/worker.ts`.
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
