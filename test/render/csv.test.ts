import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neutralizeCsvCell, quoteCsvCell } from '../../src/render/csv.js';

test('formula-looking log text is neutralised with a leading quote', () => {
  assert.equal(neutralizeCsvCell('=HYPERLINK("http://x")'), `'=HYPERLINK("http://x")`);
  assert.equal(neutralizeCsvCell('+1+1'), `'+1+1`);
  assert.equal(neutralizeCsvCell('-2+3'), `'-2+3`);
  assert.equal(neutralizeCsvCell('@SUM(A1)'), `'@SUM(A1)`);
  assert.equal(neutralizeCsvCell('\tcmd'), `'\tcmd`);
  assert.equal(neutralizeCsvCell('claude-sonnet-4-5'), 'claude-sonnet-4-5');
  assert.equal(neutralizeCsvCell('main'), 'main');
});

test('cells with commas, quotes or line breaks are quoted, quotes doubled', () => {
  assert.equal(quoteCsvCell('a,b'), '"a,b"');
  assert.equal(quoteCsvCell('say "hi"'), '"say ""hi"""');
  assert.equal(quoteCsvCell('two\nlines'), '"two\nlines"');
  assert.equal(quoteCsvCell('plain'), 'plain');
  assert.equal(quoteCsvCell(quoteCsvCell('x') + ''), 'x');
});
