/**
 * parseTimestampMs: the canonical form `YYYY-MM-DDTHH:MM:SS.mmmZ` has a fast
 * path by character codes; it must give exactly what the general (regex)
 * path gives, for valid and out-of-range fields alike, and leave every other
 * form to the general path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTimestampMs, parseTimestampText } from '../../src/ingest/formats/parse-helpers.js';

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

test('the canonical form: the fast path equals the general path (fields in and out of range)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 999 }),
      (y, mo, d, h, mi, s, ms) => {
        const t = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`;
        assert.equal(t.length, 24);
        assert.equal(parseTimestampMs(t), parseTimestampText(t), t);
      },
    ),
    { numRuns: 2000 },
  );
  assert.equal(parseTimestampMs('2025-10-28T14:38:01.090Z'), Date.UTC(2025, 9, 28, 14, 38, 1, 90));
});

test('other forms and near misses of the canonical one go to the general path', () => {
  const samples = [
    '2025-10-28T14:38:01.090+02:00',
    '2025-10-28T14:38:01Z',
    '2025-10-28 14:38:01.090Z',
    '2025-10-28T14:38:01.090z',
    '2025-10-28T14:38:01,090Z',
    ' 2025-10-28T14:38:01.09Z',
    '2025-10-28T14:38:0a.090Z',
    '２025-10-28T14:38:01.090Z',
    '1730126281',
    '',
  ];
  for (const t of samples) assert.equal(parseTimestampMs(t), parseTimestampText(t), JSON.stringify(t));
  fc.assert(
    fc.property(fc.string({ minLength: 24, maxLength: 24 }), (t) => {
      assert.equal(parseTimestampMs(t), parseTimestampText(t));
    }),
    { numRuns: 2000 },
  );
});
