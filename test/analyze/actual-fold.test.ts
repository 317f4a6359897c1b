/**
 * The analysis reads each session's actual turns one at a time
 * (forEachActualTurn) and folds them into what the report needs: a session's
 * totals, missed turns and reported-cost comparison, the run's misses and top
 * requests. Checked here against the same quantities computed from the
 * listed turns (`keepRows`) by the list functions, on every sample format
 * (a CSV export and stream-json results report their own costs; one fixture
 * has a model without a price), and without the lists (keepRows: false).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAnalysis, DEFAULT_STRATEGIES } from '../../src/pipeline.js';
import { actualTotalsOf, DEFAULT_MISS_OPTIONS } from '../../src/analyze/actual.js';
import { summarizeMisses, topTurns } from '../../src/analyze/misses.js';
import { compareReported } from '../../src/analyze/reported.js';
import { createPriceResolver } from '../../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';
import { DEFAULT_SIMULATION_PARAMS } from '../../src/simulate/params.js';
import { normalizeSessions } from '../../src/normalize/sessions.js';
import type { IngestResult } from '../../src/model/ingest.js';
import { listFiles, parseFiles } from '../helpers/ingest.js';

/** Sessions of every .jsonl, .json and .csv file under `dir`. */
function ingestDir(dir: string): IngestResult {
  return normalizeSessions(parseFiles([...listFiles(dir), ...listFiles(dir, '.json'), ...listFiles(dir, '.csv')].sort(), dir));
}

const resolver = createPriceResolver(EMBEDDED_PRICE_TABLE);
const params = DEFAULT_SIMULATION_PARAMS;

const DIRS = ['samples/claude-code', 'samples/codex', 'samples/api', 'samples/openhands', 'samples/csv', 'samples/claude-stream-json', 'test/fixtures/analyze', 'test/fixtures/csv'];
/** Where some session reports its own cost. */
const REPORTING = new Set(['samples/claude-stream-json', 'test/fixtures/csv']);

for (const dir of DIRS) {
  test(`${dir}: what the analysis folds from the actual turns equals what their list gives`, () => {
    for (const top of [5, 100]) {
      const options = { strategies: DEFAULT_STRATEGIES, top, generatedAtMs: 0 };
      const report = buildAnalysis(ingestDir(dir), resolver, params, options);
      const sessions = new Map(ingestDir(dir).sessions.map((s) => [s.id, s]));
      let reported = 0;
      for (const a of report.sessions) {
        const s = sessions.get(a.id);
        assert.ok(s, a.id);
        assert.equal(a.turns.length, s.turns.length);
        const reasoning = s.turns.reduce((n, t) => n + (t.reasoningOutputTokens ?? 0), 0);
        assert.deepStrictEqual(a.actual, actualTotalsOf(a.turns, reasoning), `${a.id}: totals`);
        assert.equal(a.missedTurns, a.turns.filter((t) => t.missReason !== null).length, `${a.id}: missed turns`);
        assert.deepStrictEqual(a.reported, compareReported(s, a.turns, resolver), `${a.id}: reported`);
        if (a.reported !== null) reported++;
      }
      const listed = report.sessions.map((a) => ({ sessionId: a.id, turns: a.turns }));
      assert.deepStrictEqual(report.misses, summarizeMisses(listed, DEFAULT_MISS_OPTIONS));
      assert.deepStrictEqual(report.topTurns, topTurns(listed, top));
      if (REPORTING.has(dir)) assert.ok(reported > 0, 'some session reports its cost');
      // Without the lists: the same report but for them.
      const without = buildAnalysis(ingestDir(dir), resolver, params, { ...options, keepRows: false });
      for (const a of report.sessions) {
        a.turns = [];
        for (const sc of a.scenarios) sc.turns = null;
      }
      assert.deepEqual(without, report);
    }
  });
}
