import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Compares `actual` with test/golden/<name>. `UPDATE_GOLDEN=1` rewrites the
 * file; a missing golden is written and the test fails, asking for a re-run.
 */
export function golden(name: string, actual: string): void {
  const path = `test/golden/${name}`;
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(path)) {
    mkdirSync('test/golden', { recursive: true });
    writeFileSync(path, actual);
    if (process.env['UPDATE_GOLDEN'] !== '1') assert.fail(`golden ${path} was missing and has been written; re-run`);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `golden ${path} differs (UPDATE_GOLDEN=1 to rewrite)`);
}
