import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, neutralizeCsvCell, quoteCsvCell } from '../../src/render/csv.js';

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

test('log text: bidi overrides and control characters replaced, then neutralised and quoted; numbers untouched', () => {
  assert.equal(csvCell('sess\u202Eabc', true), 'sess\ufffdabc');
  assert.equal(csvCell('\u0007=1+1', true), '\ufffd=1+1');
  assert.equal(csvCell('=cmd|"/c calc"', true), `"'=cmd|""/c calc"""`);
  assert.equal(csvCell(-1.5, false), '-1.5');
  assert.equal(csvCell(Number.NaN, false), '');
  assert.equal(csvCell(null, true), '');
});
