/**
 * workloadFromSession: what each logged turn adds to the context.
 * appended_i = prompt_i − prompt_{i−1} − output_{i−1} per stream; compactions
 * (logged or detected drops) restart the context from system + summary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompactionEvent, Session, Turn } from '../../src/model/usage.js';
import fc from 'fast-check';
import { firstTurnAfter, isAfter, streamTurnsOf, workloadFromSession } from '../../src/simulate/workload.js';

let line = 0;
/** A logged turn: `read`/`w5`/`w1`/`input` make up the prompt. */
function logged(over: Partial<Turn> & { read?: number; w5?: number; w1?: number; input?: number }): Turn {
  const read = over.read ?? 0;
  const w5 = over.w5 ?? 0;
  const w1 = over.w1 ?? 0;
  const input = over.input ?? 0;
  line++;
  return {
    timestampMs: over.timestampMs === undefined ? line * 1000 : over.timestampMs,
    model: over.model ?? 'claude-sonnet-4-5',
    provider: 'anthropic',
    streamId: over.streamId ?? 'main',
    inputTokens: input,
    cacheWrite5mTokens: w5,
    cacheWrite1hTokens: w1,
    cacheReadTokens: read,
    outputTokens: over.outputTokens ?? 0,
    reasoningOutputTokens: null,
    promptTokens: input + w5 + w1 + read,
    isCacheSplitKnown: over.isCacheSplitKnown ?? true,
    isEstimated: false,
    reportedCostUsd: null,
    source: { file: 'a.jsonl', line },
  };
}

function session(turns: Turn[], events: CompactionEvent[] = []): Session {
  return { id: 's1', project: null, format: 'claude-code', files: ['a.jsonl'], turns, events, reportedCost: null, taskFingerprint: 'fp', isEstimated: false };
}

test('appended = prompt_i − prompt_{i−1} − output_{i−1}; the first turn appends prompt − system', () => {
  const { workload, notes } = workloadFromSession(
    session([
      logged({ read: 3000, w5: 500, input: 10, outputTokens: 200 }), // prompt 3510
      logged({ read: 3510, w5: 400, input: 5, outputTokens: 100 }), // prompt 3915 = 3510 + 200 + 205
      logged({ read: 3915, w5: 1085, outputTokens: 50 }), // prompt 5000 = 3915 + 100 + 985
    ]),
  );
  // systemTokens = the smallest positive read (3000), capped at the first prompt.
  assert.equal(workload.systemTokens, 3000);
  assert.deepEqual(
    workload.turns.map((t) => [t.appendedTokens, t.outputTokens]),
    [
      [510, 200],
      [205, 100],
      [985, 50],
    ],
  );
  assert.equal(workload.sessionId, 's1');
  assert.equal(workload.taskFingerprint, 'fp');
  assert.deepEqual(notes, []);
  // Re-simulating the log's own prompts: system + Σ appended + Σ previous outputs = each prompt.
  let prompt = workload.systemTokens;
  workload.turns.forEach((t, i) => {
    prompt += t.appendedTokens + (i > 0 ? workload.turns[i - 1]!.outputTokens : 0);
    assert.equal(prompt, [3510, 3915, 5000][i]);
  });
});

test('a prompt smaller than the previous prompt + output is clamped to 0 appended and noted', () => {
  const { workload, notes } = workloadFromSession(
    session([logged({ read: 3000, w5: 1000, outputTokens: 500 }), logged({ read: 4000, w5: 200, outputTokens: 10 })]),
  );
  // 4200 − 4000 − 500 = −300.
  assert.equal(workload.turns[1]!.appendedTokens, 0);
  assert.ok(notes.some((n) => n.includes('1 turn(s)') && n.includes('−300')), notes.join('|'));
});

test('without any cache read the first prompt is the fixed prefix (noted)', () => {
  const { workload, notes } = workloadFromSession(session([logged({ input: 2000, outputTokens: 10 }), logged({ input: 2100 })]));
  assert.equal(workload.systemTokens, 2000);
  assert.deepEqual(workload.turns.map((t) => t.appendedTokens), [0, 90]);
  assert.ok(notes.some((n) => n.startsWith('no cache reads in stream main')));
});

test('a logged compaction: the next turn starts from system + the logged summary (postTokens)', () => {
  const turns = [
    logged({ read: 2000, w5: 98_000, outputTokens: 1000, timestampMs: 1000 }), // prompt 100,000
    logged({ read: 2000, w5: 9000, input: 500, outputTokens: 100, timestampMs: 3000 }), // prompt 11,500 after compaction
    logged({ read: 11_500, w5: 300, timestampMs: 4000 }), // 11,800 = 11,500 + 100 + 200
  ];
  const ev: CompactionEvent = { kind: 'compaction', timestampMs: 2000, streamId: 'main', trigger: 'auto', preTokens: 101_000, postTokens: 8000, source: { file: 'a.jsonl', line: 99 } };
  const { workload, notes } = workloadFromSession(session(turns, [ev]));
  assert.equal(workload.systemTokens, 2000);
  // post = 11,500 − 2,000 = 9,500: summary 8,000 (logged), the rest (1,500) appended.
  assert.deepEqual(workload.turns[1]!.compactedBefore, { preTokens: 101_000, postTokens: 8000 });
  assert.equal(workload.turns[1]!.appendedTokens, 1500);
  assert.equal(workload.turns[2]!.appendedTokens, 200);
  assert.equal(workload.turns[2]!.compactedBefore, null);
  assert.ok(notes.includes('1 compaction(s) from the log replayed'));
});

test('a drop below half the previous prompt (by at least 4,096 tokens) without a record is treated as a compaction', () => {
  const turns = [
    logged({ read: 2000, w5: 18_000, outputTokens: 500 }), // 20,000
    logged({ read: 2000, w5: 7000 }), // 9,000 < 10,000 and 11,000 fewer: a reset
  ];
  const { workload, notes } = workloadFromSession(session(turns));
  // No logged size: the whole post-compaction context (9,000 − 2,000) is the summary.
  assert.deepEqual(workload.turns[1]!.compactedBefore, { preTokens: 20_500, postTokens: 7000 });
  assert.equal(workload.turns[1]!.appendedTokens, 0);
  assert.ok(notes.includes('1 context drop(s) without a compaction record treated as compactions'));
  // A drop of less than 4,096 tokens is not a compaction (clamped instead).
  const small = workloadFromSession(session([logged({ read: 1000, w5: 5000, outputTokens: 10 }), logged({ read: 1000, w5: 1990 })]));
  assert.equal(small.workload.turns[1]!.compactedBefore, null);
  assert.equal(small.workload.turns[1]!.appendedTokens, 0);
});

test('streams are derived separately; a subagent gets its own fixed prefix', () => {
  const turns = [
    logged({ read: 3000, w5: 100, outputTokens: 10 }), // main 3,100
    logged({ read: 1500, w5: 200, outputTokens: 20, streamId: 'agent-1' }), // agent 1,700
    logged({ read: 3110, w5: 40 }), // main 3,150 = 3,100 + 10 + 40
    logged({ read: 1700, w5: 80, streamId: 'agent-1' }), // agent 1,780 = 1,700 + 20 + 60
  ];
  const { workload } = workloadFromSession(session(turns));
  assert.equal(workload.systemTokens, 3000);
  assert.deepEqual(workload.streamSystemTokens, { 'agent-1': 1500 });
  assert.deepEqual(workload.turns.map((t) => [t.streamId, t.appendedTokens]), [
    ['main', 100],
    ['agent-1', 200],
    ['main', 40],
    ['agent-1', 60],
  ]);
});

test('writeTtlObserved: the TTL class of the turn writes, inherited by turns without writes; an unknown split is noted', () => {
  const turns = [
    logged({ read: 2000, input: 5 }), // no writes yet: null
    logged({ read: 2000, w1: 900, w5: 100 }), // mostly 1h
    logged({ read: 3000 }), // inherits 1h
    logged({ read: 3000, w5: 50, isCacheSplitKnown: false }), // 5m (assumed)
  ];
  const { workload, notes } = workloadFromSession(session(turns));
  assert.deepEqual(workload.turns.map((t) => t.writeTtlObserved), [null, '1h', '1h', '5m']);
  assert.ok(notes.includes('cache writes without a 5m/1h split are assumed to be 5-minute writes'));
});

test('a turn without a timestamp takes the previous turn time (noted)', () => {
  const { workload, notes } = workloadFromSession(session([logged({ read: 2000, timestampMs: 5000 }), logged({ read: 2000, timestampMs: null })]));
  assert.deepEqual(workload.turns.map((t) => t.timestampMs), [5000, 5000]);
  assert.ok(notes.includes("1 turn(s) without a timestamp take the previous turn's time"));
});

// The compaction lookup skips, by binary search, the turns of a stream timed
// before the event (a session with many compactions used to scan all its turns
// for each). It must find exactly the turn a scan of the session's turns finds,
// whatever the times (ties, nulls, unsorted), files and streams.
test('firstTurnAfter finds the same turn as a scan of every turn with isAfter (fast-check)', () => {
  const turnArb = fc.record({
    timestampMs: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null, freq: 4 }),
    streamId: fc.constantFrom('main', 'sidechain-a', 'agent-b'),
    file: fc.constantFrom('a.jsonl', 'b.jsonl'),
    line: fc.integer({ min: 1, max: 40 }),
  });
  const eventArb = fc.record({
    timestampMs: fc.option(fc.integer({ min: -1, max: 13 }), { nil: null, freq: 4 }),
    streamId: fc.constantFrom('main', 'sidechain-a', 'agent-b', 'gone'),
    file: fc.constantFrom('a.jsonl', 'b.jsonl'),
    line: fc.integer({ min: 0, max: 41 }),
  });
  fc.assert(
    fc.property(fc.array(turnArb, { maxLength: 40 }), fc.array(eventArb, { minLength: 1, maxLength: 8 }), fc.boolean(), (specs, evs, sortLikeSessions) => {
      let turns = specs.map((t) => ({ ...logged({ timestampMs: t.timestampMs, streamId: t.streamId, input: 1 }), source: { file: t.file, line: t.line } }));
      if (sortLikeSessions) {
        // normalizeSessions' order: time (null last), file, line.
        const key = (x: number | null): number => (x === null ? Infinity : x);
        turns = [...turns].sort((a, b) => key(a.timestampMs) - key(b.timestampMs) || (a.source.file < b.source.file ? -1 : a.source.file > b.source.file ? 1 : 0) || a.source.line - b.source.line);
      }
      const streams = streamTurnsOf(turns);
      for (const e of evs) {
        const ev: CompactionEvent = { kind: 'compaction', timestampMs: e.timestampMs, streamId: e.streamId, trigger: 'auto', preTokens: null, postTokens: null, source: { file: e.file, line: e.line } };
        const expected = turns.findIndex((t) => t.streamId === ev.streamId && isAfter(t, ev));
        const stream = streams.get(ev.streamId);
        const got = stream ? firstTurnAfter(turns, stream, ev) : -1;
        assert.equal(got, expected, JSON.stringify({ ev, turns: turns.map((t) => [t.timestampMs, t.streamId, t.source.file, t.source.line]) }));
      }
    }),
    { numRuns: 3000 },
  );
});
