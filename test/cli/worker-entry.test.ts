/** Which file a worker thread starts from (src/cli/worker-entry.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerEntry } from '../../src/cli/worker-entry.js';

const FROM = 'file:///opt/te/dist/src/cli/token-econ.bundle.js';

test('the module build starts the worker module next to it', () => {
  assert.equal(workerEntry('ingest-worker', FROM, null, () => true).href, 'file:///opt/te/dist/src/cli/ingest-worker.js');
  assert.equal(workerEntry('sweep-worker', FROM, null, () => true).href, 'file:///opt/te/dist/src/cli/sweep-worker.js');
});

test('a bundle starts its bundled worker, and the module when that file is missing', () => {
  const asked: string[] = [];
  const exists = (url: URL): boolean => {
    asked.push(url.href);
    return true;
  };
  assert.equal(workerEntry('ingest-worker', FROM, 'token-econ.bundle', exists).href, 'file:///opt/te/dist/src/cli/token-econ.bundle.ingest-worker.js');
  assert.deepEqual(asked, ['file:///opt/te/dist/src/cli/token-econ.bundle.ingest-worker.js']);
  assert.equal(workerEntry('sweep-worker', FROM, 'token-econ.bundle', () => false).href, 'file:///opt/te/dist/src/cli/sweep-worker.js');
});

test('in the module build (no bundle defined) the default is the module', () => {
  assert.match(workerEntry('ingest-worker').href, /\/dist\/src\/cli\/ingest-worker\.js$/);
});
