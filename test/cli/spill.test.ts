/**
 * Parsed records written out while a large input is parsed and read back
 * before the sessions are built (src/cli/spill.ts): bit-exact, in the order
 * asked, the temporary file gone from the directory at once, a store that
 * cannot write keeps everything in memory, and the CLI's output is the same
 * bytes with every file spilled (one thread or two, cache or not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpillStore } from '../../src/cli/spill.js';
import { packParsedFile, unpackParsedFile, type PackedFile } from '../../src/ingest/packed.js';
import type { ParsedFile } from '../../src/ingest/ingest.js';
import type { RawTurn } from '../../src/ingest/format.js';
import { runCliInProcess } from '../helpers/cli.js';

/** A parsed file of `n` records whose strings use `text` (Latin-1 or not) and whose numbers include ones only `wide` keeps. */
function parsedFile(name: string, n: number, text: string): ParsedFile {
  const turns: RawTurn[] = Array.from({ length: n }, (_, i) => ({
    timestampMs: i % 5 === 0 ? null : 1_767_225_600_000 + i * 1000.5,
    model: `claude-sonnet-4-5${text}`,
    provider: 'anthropic',
    streamId: i % 3 === 0 ? `side-${text}-${i % 2}` : 'main',
    inputTokens: i === 1 ? 2 ** 32 + 7 : i,
    cacheWrite5mTokens: i === 2 ? -0 : 3,
    cacheWrite1hTokens: 0,
    cacheReadTokens: i * 100,
    outputTokens: i === 3 ? 0.5 : 2,
    reasoningOutputTokens: i % 2 === 0 ? null : 1,
    promptTokens: i + 3,
    isCacheSplitKnown: i % 4 !== 0,
    isEstimated: i % 7 === 0,
    reportedCostUsd: i % 6 === 0 ? 0.125 : null,
    source: { file: name, line: i + 1 },
    sessionId: `session-${text}`,
    project: i % 2 === 0 ? null : `/home/${text}`,
    dedupeKey: i % 9 === 0 ? null : `claude:req_${text}_${i}`,
    duplicatesFolded: i % 4,
    tieTimestampMs: i % 3 === 0 ? null : 1_767_225_600_000 + i,
  }));
  return {
    file: name,
    relativePath: name,
    bytes: 1000,
    linesRead: n,
    fileDiagnostics: [],
    output: { format: 'claude-code', turns, events: [], reportedCosts: [], sessionInfo: [], diagnostics: [], linesRead: n, linesCounted: n, linesIgnored: 0, linesSkipped: 0 },
  };
}

/** Runs `body` with a fresh temporary directory, removed after. */
function inTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tec-spill-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('spilled files come back bit-exact, in the order asked, and the temporary file has no name meanwhile', () => {
  inTempDir((dir) => {
    const sources = [
      parsedFile('a.jsonl', 40, 'ascii'),
      parsedFile('b.jsonl', 3, 'é-latin1-ÿ'),
      parsedFile('c.jsonl', 25, '漢字-😀-\ud800-lone'),
      parsedFile('d.jsonl', 0, 'none'),
      parsedFile('e.jsonl', 5000, 'big'),
    ];
    const files: PackedFile[] = sources.map(packParsedFile);
    const expected = files.map((f) => structuredClone(unpackParsedFile(f)));
    let written = 0;
    const store = new SpillStore(dir, (bytes) => (written += bytes));
    for (const f of files) store.keep(f);
    assert.equal(store.pending, 4, 'every file with records is written out');
    assert.ok(written > 5000 * 60, 'the bytes let go are reported');
    assert.deepEqual(
      files.map((f) => f.output?.turns.count),
      [0, 0, 0, 0, 0],
    );
    assert.deepEqual(readdirSync(dir), [], 'deleted as soon as it is open');
    const order: string[] = [];
    // Read back in another order than written.
    const asked = [files[4], files[2], files[0], files[3], files[1]] as PackedFile[];
    store.restore(asked, (f) => order.push(f.file));
    assert.deepEqual(order, ['e.jsonl', 'c.jsonl', 'a.jsonl', 'b.jsonl'], 'each file read back reported, in the order asked');
    assert.equal(store.pending, 0);
    files.forEach((f, i) => assert.deepEqual(unpackParsedFile(f), expected[i], f.file));
    // -0 and the wide values survive exactly.
    const c = unpackParsedFile(files[0] as PackedFile).output?.turns as RawTurn[];
    assert.ok(Object.is(c[2]?.cacheWrite5mTokens, -0));
    assert.equal(c[1]?.inputTokens, 2 ** 32 + 7);
    store.close();
  });
});

test('a store that cannot make its file keeps every file in memory, as it was', () => {
  inTempDir((dir) => {
    // A directory that cannot be made: a file stands where it would be.
    writeFileSync(join(dir, 'taken'), '');
    const store = new SpillStore(join(dir, 'taken', 'spill'));
    const f = packParsedFile(parsedFile('a.jsonl', 10, 'x'));
    const turns = f.output?.turns;
    store.keep(f);
    store.keep(packParsedFile(parsedFile('b.jsonl', 10, 'y')));
    assert.equal(store.pending, 0);
    assert.equal(f.output?.turns, turns);
    store.restore([f], () => assert.fail('nothing to read back'));
    store.close();
  });
});

test('when a write fails, the files whose bytes had not reached the file get their turns back, and nothing more is written out', () => {
  inTempDir((dir) => {
    const store = new SpillStore(dir);
    const small = [packParsedFile(parsedFile('a.jsonl', 30, 'x')), packParsedFile(parsedFile('b.jsonl', 30, 'ÿ-漢'))];
    const expected = small.map((f) => structuredClone(unpackParsedFile(f)));
    for (const f of small) store.keep(f);
    assert.equal(store.pending, 2, 'held in the write buffer so far');
    // The descriptor goes away under the store: the next flush (a file larger than the buffer) fails.
    closeSync((store as unknown as { out: { fd: number } }).out.fd);
    const big = packParsedFile(parsedFile('c.jsonl', 20_000, 'big'));
    const bigTurns = big.output?.turns;
    store.keep(big);
    assert.equal(store.pending, 0);
    assert.equal(big.output?.turns, bigTurns, 'the file being written keeps its turns');
    small.forEach((f, i) => assert.deepEqual(unpackParsedFile(f), expected[i], f.file));
    const later = packParsedFile(parsedFile('d.jsonl', 5, 'z'));
    const laterTurns = later.output?.turns;
    store.keep(later);
    assert.equal(later.output?.turns, laterTurns, 'no more spilling');
    store.restore([...small, big, later], () => assert.fail('nothing to read back'));
  });
});

test('the temporary file is made in a directory that does not exist yet (the cache directory of a first run)', () => {
  inTempDir((dir) => {
    const store = new SpillStore(join(dir, 'new', 'cache'));
    const f = packParsedFile(parsedFile('a.jsonl', 10, 'x'));
    const expected = structuredClone(unpackParsedFile(f));
    store.keep(f);
    assert.equal(store.pending, 1);
    assert.deepEqual(readdirSync(join(dir, 'new', 'cache')), []);
    store.restore([f], () => {});
    assert.deepEqual(unpackParsedFile(f), expected);
    store.close();
  });
});

test('the CLI prints the same bytes when every parsed file waits on disk (one thread or two, with the parse cache or not)', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'tec-spill-cache-'));
  try {
    const args = ['analyze', 'test/fixtures/claude-code', 'test/fixtures/codex', 'test/fixtures/api-jsonl', '--json', '--requests'];
    const never = { TOKEN_ECON_SPILL_MIN_BYTES: '999999999999999', TOKEN_ECON_TIMING: '1' };
    for (const threads of ['1', '2']) {
      for (const noCache of [true, false]) {
        rmSync(cache, { recursive: true, force: true });
        const a = [...args, ...(noCache ? ['--no-cache'] : [])];
        const kept = await runCliInProcess(a, { env: { ...never, TOKEN_ECON_THREADS: threads, TOKEN_ECON_CACHE_DIR: cache } });
        rmSync(cache, { recursive: true, force: true });
        const spilled = await runCliInProcess(a, { env: { TOKEN_ECON_SPILL_MIN_BYTES: '0', TOKEN_ECON_TIMING: '1', TOKEN_ECON_THREADS: threads, TOKEN_ECON_CACHE_DIR: cache } });
        const what = `threads ${threads}${noCache ? ', --no-cache' : ''}`;
        assert.equal(kept.exitCode, spilled.exitCode, what);
        assert.ok(!kept.stderr.includes('read back'), what);
        assert.ok(spilled.stderr.includes('read back'), `${what}: the files were written out and read back`);
        assert.ok(kept.stdout.length > 1000);
        assert.equal(spilled.stdout.replace(/"generatedAt":"[^"]*"/, ''), kept.stdout.replace(/"generatedAt":"[^"]*"/, ''), what);
      }
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('TOKEN_ECON_SPILL_MIN_BYTES takes a whole number of bytes', async () => {
  const r = await runCliInProcess(['analyze', 'samples', '--json'], { env: { TOKEN_ECON_SPILL_MIN_BYTES: '1.5G' } });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /TOKEN_ECON_SPILL_MIN_BYTES must be a whole number/);
});
