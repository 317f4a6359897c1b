/**
 * normalizeSessions dedupes and groups packed records (src/ingest/packed.ts)
 * and builds a Turn only for the record it keeps. Checked here against a
 * plain reference over RawTurn objects (the fold with `isBetter`, then
 * grouping, sorting and copying each kept record's Turn fields), with every
 * file given packed or as objects at random: same sessions (turns, fields,
 * order, files, project), same duplicate count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RawTurn } from '../../src/ingest/format.js';
import { KeyTable, PackedTurnReader, TurnColumns, TurnStrings, packTurns, unpackTurns } from '../../src/ingest/packed.js';
import { isBetter } from '../../src/normalize/duplicates.js';
import { normalizeSessions, type NormalizeInput } from '../../src/normalize/sessions.js';
import type { Turn } from '../../src/model/usage.js';

function turnOf(r: RawTurn): Turn {
  return {
    timestampMs: r.timestampMs,
    model: r.model,
    provider: r.provider,
    streamId: r.streamId,
    inputTokens: r.inputTokens,
    cacheWrite5mTokens: r.cacheWrite5mTokens,
    cacheWrite1hTokens: r.cacheWrite1hTokens,
    cacheReadTokens: r.cacheReadTokens,
    outputTokens: r.outputTokens,
    reasoningOutputTokens: r.reasoningOutputTokens,
    promptTokens: r.promptTokens,
    isCacheSplitKnown: r.isCacheSplitKnown,
    isEstimated: r.isEstimated,
    reportedCostUsd: r.reportedCostUsd,
    source: { file: r.source.file, line: r.source.line },
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const timeKey = (t: number | null): number => (t === null ? Number.POSITIVE_INFINITY : t);

/** The reference: sessions as [id, project, files, turns], and the duplicate count. */
function reference(files: ReadonlyArray<{ file: string; turns: RawTurn[] }>): { sessions: unknown[]; dropped: number } {
  const sorted = [...files].sort((a, b) => cmp(a.file, b.file));
  const best = new Map<string, RawTurn>();
  const unique: RawTurn[] = [];
  let dropped = 0;
  for (const f of sorted) {
    for (const t of f.turns) {
      if (t.dedupeKey === null) {
        unique.push(t);
        continue;
      }
      dropped += t.duplicatesFolded;
      const prev = best.get(t.dedupeKey);
      if (!prev) best.set(t.dedupeKey, t);
      else {
        dropped++;
        if (isBetter(t, prev)) best.set(t.dedupeKey, t);
      }
    }
  }
  const bySession = new Map<string, { project: string | null; files: Set<string>; turns: RawTurn[] }>();
  for (const t of [...unique, ...best.values()]) {
    let s = bySession.get(t.sessionId);
    if (!s) bySession.set(t.sessionId, (s = { project: null, files: new Set(), turns: [] }));
    s.project ??= t.project;
    s.files.add(t.source.file);
    s.turns.push(t);
  }
  const sessions = [...bySession].map(([id, s]) => {
    const turns = [...s.turns].sort((a, b) => timeKey(a.timestampMs) - timeKey(b.timestampMs) || cmp(a.source.file, b.source.file) || a.source.line - b.source.line);
    return [id, s.project, [...s.files].sort(cmp), turns.map(turnOf)] as const;
  });
  sessions.sort((a, b) => timeKey(a[3][0]?.timestampMs ?? null) - timeKey(b[3][0]?.timestampMs ?? null) || cmp(a[0], b[0]));
  return { sessions, dropped };
}

const rawTurn = (file: string, line: number): fc.Arbitrary<RawTurn> =>
  fc
    .record({
      key: fc.option(fc.constantFrom('k1', 'k2', 'k3', 'k4'), { freq: 5 }),
      session: fc.constantFrom('s1', 's2', 'sé 👩‍👩‍👧'),
      project: fc.option(fc.constantFrom('/p', 'プロジェクト'), { freq: 3 }),
      stream: fc.constantFrom('main', 'sidechain-abc'),
      model: fc.constantFrom('claude-sonnet-4-5', 'gpt-5'),
      ts: fc.option(fc.integer({ min: 0, max: 4 }), { freq: 4 }),
      tie: fc.option(fc.integer({ min: 0, max: 4 }), { freq: 4 }),
      // Whole numbers a Uint32Array slot holds, and (rarely) those kept wide: -0, a fraction, 2^32 on.
      input: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 6 }, { arbitrary: fc.constantFrom(-0, 0.5, 2 ** 32 - 1), weight: 1 }),
      read: fc.constantFrom(0, 1, 2 ** 40, 2 ** 32 - 1, 2 ** 32),
      out: fc.integer({ min: 0, max: 3 }),
      folded: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 6 }, { arbitrary: fc.constant(2 ** 33), weight: 1 }),
      reasoning: fc.option(fc.integer({ min: 0, max: 2 })),
      cost: fc.option(fc.constantFrom(0.1 + 0.2, -0, 1e-9)),
      flags: fc.record({ split: fc.boolean(), estimated: fc.boolean() }),
    })
    .map((r) => ({
      timestampMs: r.ts === null ? null : 1_767_225_600_000 + r.ts * 1000,
      model: r.model,
      provider: r.model.startsWith('gpt') ? 'openai' : 'anthropic',
      streamId: r.stream,
      inputTokens: r.input,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      cacheReadTokens: r.read,
      outputTokens: r.out,
      reasoningOutputTokens: r.reasoning,
      promptTokens: r.input + r.read,
      isCacheSplitKnown: r.flags.split,
      isEstimated: r.flags.estimated,
      reportedCostUsd: r.cost,
      source: { file, line },
      sessionId: r.session,
      project: r.project,
      dedupeKey: r.key,
      duplicatesFolded: r.folded,
      tieTimestampMs: r.tie === null ? null : 1_767_225_600_000 + r.tie * 1000,
    }));

const fileArb = fc.constantFrom('a.jsonl', 'b.jsonl', 'c.jsonl').chain((file) =>
  fc.record({
    file: fc.constant(file),
    packed: fc.boolean(),
    turns: fc.integer({ min: 0, max: 8 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => rawTurn(file, i + 1)))),
  }),
);

function inputOf(f: { file: string; packed: boolean; turns: RawTurn[] }): NormalizeInput {
  const output = { format: 'claude-code' as const, events: [], reportedCosts: [], sessionInfo: [], diagnostics: [], linesRead: f.turns.length, linesCounted: f.turns.length, linesIgnored: 0, linesSkipped: 0 };
  return { file: f.file, relativePath: f.file, bytes: 0, output: { ...output, turns: f.packed ? packTurns(f.turns) : f.turns } };
}

test('property: normalizeSessions over packed and unpacked files equals the RawTurn reference', () => {
  fc.assert(
    fc.property(fc.array(fileArb, { minLength: 1, maxLength: 4 }), (files) => {
      const r = normalizeSessions(files.map(inputOf));
      const ref = reference(files);
      assert.deepStrictEqual(
        r.sessions.map((s) => [s.id, s.project, s.files, s.turns]),
        ref.sessions,
      );
      assert.equal(r.duplicateTurnsDropped, ref.dropped);
    }),
    { numRuns: 400 },
  );
});

test('property: a normalize that consumes its inputs (consumeInputs) gives the same result, and lets every file\'s turns go', () => {
  fc.assert(
    fc.property(fc.array(fileArb, { minLength: 1, maxLength: 4 }), fc.option(fc.integer({ min: 0, max: 4 })), (files, since) => {
      const filters = since === null ? {} : { sinceMs: 1_767_225_600_000 + since * 1000 };
      const want = normalizeSessions(files.map(inputOf), filters);
      const inputs = files.map(inputOf);
      const released: number[] = [];
      const got = normalizeSessions(inputs, filters, { consumeInputs: true, onReleased: (bytes) => released.push(bytes) });
      assert.deepStrictEqual(got, want);
      assert.deepStrictEqual(
        got.sessions.map((s) => s.turns),
        want.sessions.map((s) => s.turns),
      );
      for (const input of inputs) assert.deepStrictEqual(input.output?.turns, [], `${input.file}: turns let go`);
      // The keys' table, then each file.
      assert.equal(released.length, 1 + files.length);
      assert.ok(released.every((b) => Number.isInteger(b) && b >= 0));
      assert.ok((released[0] as number) > 0, 'the key table is let go');
    }),
    { numRuns: 300 },
  );
});

/** A packed file of two records (drawn with `seed`) of a session of its own, `s-<file>`. */
function twoTurnFile(file: string, seed: number): NormalizeInput {
  const turns = fc.sample(fc.tuple(rawTurn(file, 1), rawTurn(file, 2)), { numRuns: 1, seed })[0]!.map((t) => ({ ...t, sessionId: `s-${file}` }));
  return inputOf({ file, packed: true, turns });
}

/** `input`, its turns replaced by `turns` when given, noting its file in `order` when normalize lets its turns go. */
function noteLetGo(input: NormalizeInput, order: string[], turns = input.output?.turns): NormalizeInput {
  const output = input.output as NonNullable<NormalizeInput['output']>;
  let held = turns;
  Object.defineProperty(output, 'turns', {
    get: () => held,
    set: (value) => {
      order.push(input.file);
      held = value;
    },
  });
  return input;
}

test('a consuming normalize lets files go slab by slab: files whose records share a buffer one after another', () => {
  // Three files, the records of a.jsonl and c.jsonl cut from one buffer, b.jsonl's from another.
  const slabX = new ArrayBuffer(1 << 16);
  const slabY = new ArrayBuffer(1 << 16);
  const inSlab = (packed: ReturnType<typeof packTurns>, slab: ArrayBuffer, at: number): ReturnType<typeof packTurns> => {
    const nums = new Float64Array(slab, at, packed.nums.length);
    nums.set(packed.nums);
    return { ...packed, nums };
  };
  const files = [
    { file: 'a.jsonl', slab: slabX, at: 0 },
    { file: 'b.jsonl', slab: slabY, at: 0 },
    { file: 'c.jsonl', slab: slabX, at: 4096 },
  ];
  const order: string[] = [];
  const inputs = files.map(({ file, slab, at }) => {
    const input = twoTurnFile(file, 7);
    return noteLetGo(input, order, inSlab(input.output?.turns as ReturnType<typeof packTurns>, slab, at));
  });
  const want = normalizeSessions(files.map(({ file }) => twoTurnFile(file, 7)));
  const got = normalizeSessions(inputs, {}, { consumeInputs: true });
  assert.deepStrictEqual(got, want);
  assert.deepStrictEqual(order, ['a.jsonl', 'c.jsonl', 'b.jsonl']);
});

test('a consuming normalize lets files go in the order their turns were made (madeAt) when every input tells it', () => {
  const made = { 'a.jsonl': 2, 'b.jsonl': 0, 'c.jsonl': 1 } as const;
  const order: string[] = [];
  const inputsOf = (withMade: boolean): NormalizeInput[] =>
    (Object.keys(made) as Array<keyof typeof made>).map((file) => {
      const input = twoTurnFile(file, 11);
      if (withMade) input.madeAt = made[file];
      return noteLetGo(input, order);
    });
  const want = normalizeSessions(inputsOf(false));
  order.length = 0;
  assert.deepStrictEqual(normalizeSessions(inputsOf(true), {}, { consumeInputs: true }), want);
  assert.deepStrictEqual(order, ['b.jsonl', 'c.jsonl', 'a.jsonl']);
  // One input without it: by buffer, as before (each file's arrays its own here: in name order).
  order.length = 0;
  const mixed = inputsOf(true);
  delete (mixed[1] as NormalizeInput).madeAt;
  normalizeSessions(mixed, {}, { consumeInputs: true });
  assert.deepStrictEqual(order, ['a.jsonl', 'b.jsonl', 'c.jsonl']);
});

test('TurnColumns.put writes rows in any order as append writes them in order', () => {
  fc.assert(
    fc.property(fc.array(fileArb, { minLength: 1, maxLength: 3 }), fc.integer(), (files, seed) => {
      const readers = files.map((f) => new PackedTurnReader(packTurns(f.turns)));
      const records = readers.flatMap((r) => Array.from({ length: r.count }, (_, k) => [r, k] as const));
      const strings = new TurnStrings();
      const inOrder = new TurnColumns(records.length, strings);
      for (const [r, k] of records) inOrder.append(r, k);
      const rows = records.map((_, i) => i);
      // A deterministic shuffle of the rows.
      let x = seed >>> 0;
      for (let i = rows.length - 1; i > 0; i--) {
        x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
        const j = x % (i + 1);
        [rows[i], rows[j]] = [rows[j] as number, rows[i] as number];
      }
      const anyOrder = new TurnColumns(records.length, strings);
      for (const row of rows) anyOrder.put(row, ...(records[row] as readonly [PackedTurnReader, number]));
      assert.equal(anyOrder.count, records.length);
      assert.deepStrictEqual(anyOrder.allTurns(), inOrder.allTurns());
      assert.throws(() => anyOrder.put(records.length, readers[0] as PackedTurnReader, 0), /capacity/);
    }),
    { numRuns: 150 },
  );
});

test('the packed reader gives back every field of every record, bit for bit', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 8 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => rawTurn('x.jsonl', i + 1)))),
      (turns) => {
        const packed = packTurns(turns);
        const reader = new PackedTurnReader(packed);
        assert.deepStrictEqual(unpackTurns(packed), turns);
        turns.forEach((t, k) => {
          assert.deepStrictEqual(reader.turn(k), turnOf(t));
          assert.deepStrictEqual(
            [reader.dedupeKey(k), reader.sessionId(k), reader.project(k), reader.file(k), reader.timestampMs(k), reader.tieTimestampMs(k), reader.duplicatesFolded(k), reader.completeness(k)],
            [t.dedupeKey, t.sessionId, t.project, t.source.file, t.timestampMs, t.tieTimestampMs, t.duplicatesFolded, t.promptTokens + t.outputTokens],
          );
        });
      },
    ),
  );
});

test('TurnColumns keeps each appended record as the reader\'s Turn: values bit for bit, keys in the same order', () => {
  fc.assert(
    fc.property(fc.array(fileArb, { minLength: 1, maxLength: 4 }), (files) => {
      const readers = files.map((f) => new PackedTurnReader(packTurns(f.turns)));
      const total = readers.reduce((a, r) => a + r.count, 0);
      const columns = new TurnColumns(total);
      const appended: Array<[PackedTurnReader, number, number]> = [];
      // Interleaved across files, as normalizeSessions appends kept records.
      for (let k = 0; appended.length < total; k++) readers.forEach((r) => k < r.count && appended.push([r, k, columns.append(r, k)]));
      assert.equal(columns.count, total);
      for (const [reader, k, row] of appended) {
        const want = reader.turn(k);
        const got = columns.turn(row);
        assert.deepStrictEqual(got, want);
        assert.equal(JSON.stringify(got), JSON.stringify(want));
        assert.deepStrictEqual([columns.timestampMs(row), columns.file(row), columns.line(row), columns.isEstimated(row)], [want.timestampMs, want.source.file, want.source.line, want.isEstimated]);
      }
      assert.throws(() => columns.append(readers[0] as PackedTurnReader, 0), /capacity/);
    }),
    { numRuns: 200 },
  );
});

test('TurnColumns sharing one TurnStrings: each column keeps its records as the reader\'s Turns (allTurns in row order), the strings held once', () => {
  fc.assert(
    fc.property(fc.array(fileArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 4 }), (files, parts) => {
      const readers = files.map((f) => new PackedTurnReader(packTurns(f.turns)));
      const records: Array<[PackedTurnReader, number]> = [];
      for (let k = 0; ; k++) {
        const before = records.length;
        readers.forEach((r) => k < r.count && records.push([r, k]));
        if (records.length === before) break;
      }
      const strings = new TurnStrings();
      // Round robin over `parts` columns, as sessions take records from the same files.
      const groups = Array.from({ length: parts }, (_, p) => records.filter((_, i) => i % parts === p));
      const columns = groups.map((g) => new TurnColumns(g.length, strings));
      groups.forEach((g, p) => g.forEach(([r, k]) => (columns[p] as TurnColumns).append(r, k)));
      groups.forEach((g, p) => {
        const want = g.map(([r, k]) => r.turn(k));
        assert.deepStrictEqual((columns[p] as TurnColumns).allTurns(), want);
        assert.equal(JSON.stringify((columns[p] as TurnColumns).allTurns()), JSON.stringify(want));
      });
      const distinct = new Set<string>();
      for (const [r, k] of records) {
        const t = r.turn(k);
        for (const v of [t.model, t.provider, t.streamId, t.source.file]) distinct.add(v);
      }
      assert.equal(strings.strings.length, distinct.size, 'each string once in the shared table');
    }),
    { numRuns: 150 },
  );
});

test('a session\'s turns are made once, on first read, and behave as a plain property (spread, JSON, assignment)', () => {
  const turns = Array.from({ length: 3 }, (_, i) => ({
    timestampMs: 1_767_225_600_000 + (3 - i) * 1000,
    model: 'claude-sonnet-4-5',
    provider: 'anthropic' as const,
    streamId: 'main',
    inputTokens: i,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    outputTokens: 1,
    reasoningOutputTokens: null,
    promptTokens: i,
    isCacheSplitKnown: true,
    isEstimated: false,
    reportedCostUsd: null,
    source: { file: 'a.jsonl', line: i + 1 },
    sessionId: 's',
    project: null,
    dedupeKey: null,
    duplicatesFolded: 0,
    tieTimestampMs: null,
  }));
  const r = normalizeSessions([inputOf({ file: 'a.jsonl', packed: true, turns })]);
  const s = r.sessions[0];
  assert.ok(s);
  const first = s.turns;
  assert.equal(s.turns, first, 'made once');
  assert.deepStrictEqual(first.map((t) => t.source.line), [3, 2, 1]);
  assert.deepStrictEqual(Object.keys(s), ['id', 'project', 'format', 'files', 'turns', 'events', 'reportedCost', 'taskFingerprint', 'isEstimated']);
  const copy = { ...s };
  assert.equal(Object.getOwnPropertyDescriptor(copy, 'turns')?.value, first);
  assert.equal((JSON.parse(JSON.stringify(s)) as { turns: unknown[] }).turns.length, 3);
  s.turns = [];
  assert.deepStrictEqual(s.turns, []);
});

/** FNV-1a over UTF-16 code units, as PackedTurnReader.hashOf. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < s.length; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
  return h >>> 0;
}

/** A reader whose records have these dedupe keys (null: none), in order. */
function readerOfKeys(keys: ReadonlyArray<string | null>, file = 'k.jsonl'): PackedTurnReader {
  const turns: RawTurn[] = keys.map((key, i) => ({
    timestampMs: 1_767_225_600_000 + i,
    model: 'claude-sonnet-4-5',
    provider: 'anthropic',
    streamId: 'main',
    inputTokens: 1,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    outputTokens: 1,
    reasoningOutputTokens: null,
    promptTokens: 1,
    isCacheSplitKnown: true,
    isEstimated: false,
    reportedCostUsd: null,
    source: { file, line: i + 1 },
    sessionId: 's',
    project: null,
    dedupeKey: key,
    duplicatesFolded: 0,
    tieTimestampMs: null,
  }));
  return new PackedTurnReader(packTurns(turns));
}

test('KeyTable: keys that share a hash stay apart (compared in their tables), and it answers as a Map from key to ref over many keys', () => {
  // Two different keys with the same 32-bit hash: found by the birthday bound (~2^16 tries).
  const seen = new Map<number, string>();
  let pair: [string, string] | null = null;
  for (let i = 0; pair === null; i++) {
    const k = `msg_${i.toString(36)}`;
    const h = fnv(k);
    const other = seen.get(h);
    if (other !== undefined) pair = [other, k];
    else seen.set(h, k);
  }
  const [a, b] = pair;
  assert.notEqual(a, b);
  assert.equal(fnv(a), fnv(b));
  const ra = readerOfKeys([a, null, b]);
  const rb = readerOfKeys([b, a], 'l.jsonl');
  assert.equal(ra.hashOf(ra.dedupeKeyIndex(0)), fnv(a), 'the reader hashes as fnv');
  // A ref is reader × 10 + record.
  const place = { readerOf: (ref: number) => Math.floor(ref / 10), recordOf: (ref: number) => ref % 10 };
  const t = new KeyTable([ra, rb], place);
  const ea = ~t.findOrAdd(0, ra.dedupeKeyIndex(0), 0);
  const eb = ~t.findOrAdd(0, ra.dedupeKeyIndex(2), 2);
  assert.ok(ea >= 0 && eb >= 0 && ea !== eb, 'two entries for two keys of one hash');
  assert.equal(t.findOrAdd(1, rb.dedupeKeyIndex(0), 10), eb, "the other file's b is b");
  t.setRef(eb, 10);
  assert.equal(t.findOrAdd(1, rb.dedupeKeyIndex(1), 11), ea, "the other file's a is a");
  assert.equal(t.findOrAdd(0, ra.dedupeKeyIndex(2), 2), eb, 'b is still b, its key read where its new ref is');
  assert.deepEqual([t.refOf(ea), t.refOf(eb)], [0, 10]);

  // Many keys (several rehashes and growths), repeated in another file, some sharing a hash: as a Map.
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom(a, b), fc.string({ maxLength: 6 }), fc.nat(3000).map((n) => `req_${n}`)), { maxLength: 1500 }), fc.nat(4000), (keys, expected) => {
      const readers = [readerOfKeys(keys), readerOfKeys([...keys].reverse(), 'l.jsonl')];
      // Made at any size: grown from 512 or from more, or made large enough at once.
      const table = new KeyTable(readers, { readerOf: (ref) => Math.floor(ref / 10_000), recordOf: (ref) => ref % 10_000 }, expected);
      const map = new Map<string, number>();
      readers.forEach((reader, r) => {
        for (let k = 0; k < reader.count; k++) {
          const key = reader.dedupeKey(k) as string;
          const ref = r * 10_000 + k;
          const e = table.findOrAdd(r, reader.dedupeKeyIndex(k), ref);
          if (map.has(key)) {
            assert.ok(e >= 0, `${JSON.stringify(key)} found`);
            assert.equal(table.refOf(e), map.get(key));
            // Replaced when "better" (here: every third time), as Map.set on a present key: its place stays.
            if (k % 3 === 0) {
              table.setRef(e, ref);
              map.set(key, ref);
            }
          } else {
            assert.ok(e < 0, `${JSON.stringify(key)} added`);
            map.set(key, ref);
          }
        }
      });
      assert.equal(table.count, map.size);
      assert.deepEqual(
        Array.from({ length: table.count }, (_, e) => table.refOf(e)),
        [...map.values()],
        'refs in first-insertion order',
      );
    }),
    { numRuns: 60 },
  );
});
