// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Node 20's `--test` takes no globs, so the list is built here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
// TEST_DIST_DIR lets parallel work compile into its own output directory.
const distDir = process.env.TEST_DIST_DIR ?? 'dist';
let files = collect(join(distDir, 'test'), []);
if (filter.length > 0) files = files.filter((f) => filter.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error('run-tests: no test files found under ' + join(distDir, 'test'));
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' },
});
process.exit(result.status ?? 1);
