/**
 * src/simulate/workload-columns.ts: a workload's turns in columns give back
 * every turn as it was (values, null/absent TTL, compactions, key order); a
 * workload built over columns reads like the plain one; columnsOf follows a
 * workload whose turns array is replaced, and the simulator's totals are the
 * same over columns as over the plain turns they were made from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Workload, WorkloadTurn } from '../../src/model/simulation.js';
import { WorkloadColumns, columnsOf, turnCountOf, workloadOverColumns } from '../../src/simulate/workload-columns.js';
import { DEFAULT_SIMULATION_PARAMS } from '../../src/simulate/params.js';
import { simulateTotals } from '../../src/simulate/simulate.js';
import { anthropicRow, openaiRow, resolverOf } from '../helpers/sim.js';

const ROWS = [anthropicRow(), openaiRow()];
const RESOLVER = resolverOf(...ROWS);

const turnArb: fc.Arbitrary<WorkloadTurn> = fc
  .record({
    timestampMs: fc.oneof(fc.integer({ min: 0, max: 2e12 }), fc.double({ min: 0, max: 2e12, noNaN: true })),
    model: fc.constantFrom(...ROWS.map((r) => r.id)),
    streamId: fc.constantFrom('main', 'agent-1', 'agent-2'),
    appendedTokens: fc.integer({ min: 0, max: 50_000 }),
    outputTokens: fc.integer({ min: 0, max: 5_000 }),
    compactedBefore: fc.option(fc.record({ preTokens: fc.option(fc.nat(), { nil: null }), postTokens: fc.option(fc.nat(), { nil: null }) }, { noNullPrototype: true }), { nil: null }),
    ttl: fc.constantFrom<'5m' | '1h' | null | undefined>('5m', '1h', null, undefined),
  })
  .map(({ ttl, ...t }) => {
    const turn: WorkloadTurn = { ...t };
    if (ttl !== undefined) turn.writeTtlObserved = ttl;
    return turn;
  });

const workloadArb: fc.Arbitrary<Workload> = fc
  .record({ turns: fc.array(turnArb, { maxLength: 20 }), systemTokens: fc.nat({ max: 5000 }), agent: fc.option(fc.nat({ max: 5000 }), { nil: null }) })
  .map(({ turns, systemTokens, agent }) => {
    const w: Workload = { sessionId: 's', systemTokens, turns, taskFingerprint: null };
    if (agent !== null) w.streamSystemTokens = { 'agent-1': agent };
    return w;
  });

test('columns give back every turn as it was: values, absent or null TTL, compactions, key order', () => {
  fc.assert(
    fc.property(workloadArb, (w) => {
      const c = new WorkloadColumns(w.turns);
      assert.equal(c.count, w.turns.length);
      w.turns.forEach((t, i) => {
        assert.deepStrictEqual(c.turn(i), t);
        assert.equal(JSON.stringify(c.turn(i)), JSON.stringify(t));
        assert.equal('writeTtlObserved' in c.turn(i), 'writeTtlObserved' in t);
        assert.deepStrictEqual([c.modelOf(i), c.streamOf(i), c.writeTtlObservedOf(i), c.compactedBeforeOf(i)], [t.model, t.streamId, t.writeTtlObserved, t.compactedBefore]);
      });
      assert.deepStrictEqual(c.models(), [...new Set(w.turns.map((t) => t.model))]);
      const meta: Omit<Workload, 'turns'> = { sessionId: w.sessionId, systemTokens: w.systemTokens, taskFingerprint: w.taskFingerprint };
      if (w.streamSystemTokens) meta.streamSystemTokens = w.streamSystemTokens;
      const over = workloadOverColumns(meta, c);
      assert.equal(JSON.stringify(over), JSON.stringify(w));
      assert.deepStrictEqual(over, w);
      assert.equal(columnsOf(over), c, 'its own columns');
      assert.notEqual(over.turns, over.turns, 'objects made on each read, none kept');
      assert.equal(turnCountOf(over), w.turns.length);
    }),
    { numRuns: 300 },
  );
});

test('the simulator gives the same totals over columns as over the turns they were made from; a replaced turns array is read again', () => {
  fc.assert(
    fc.property(workloadArb, workloadArb, (a, b) => {
      const env = { resolver: RESOLVER, params: DEFAULT_SIMULATION_PARAMS };
      const meta = { sessionId: a.sessionId, systemTokens: a.systemTokens, taskFingerprint: a.taskFingerprint };
      for (const id of ['transcript', 'state', 'nocache'] as const) {
        assert.deepStrictEqual(simulateTotals(workloadOverColumns(meta, new WorkloadColumns(a.turns)), id, env), simulateTotals({ ...meta, turns: [...a.turns] }, id, env));
      }
      const w: Workload = { ...meta, turns: a.turns };
      const first = simulateTotals(w, 'transcript', env);
      assert.equal(columnsOf(w), columnsOf(w), 'kept while the array is the same');
      w.turns = b.turns;
      assert.deepStrictEqual(simulateTotals(w, 'transcript', env), simulateTotals({ ...meta, turns: [...b.turns] }, 'transcript', env));
      w.turns = a.turns;
      assert.deepStrictEqual(simulateTotals(w, 'transcript', env), first);
    }),
    { numRuns: 200 },
  );
});
