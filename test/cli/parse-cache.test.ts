/**
 * The parse cache (src/cli/parse-cache.ts) and the sweep cache
 * (src/cli/sweep-cache.ts): a run that reads them prints byte for byte what a
 * run without them prints (`--no-cache`), whatever happened to the files in
 * between: unchanged (hit), appended to at any line start of a block full of
 * cross-line state (resumed from the cached bytes), appended to with a line
 * still being written, rewritten with the same size, truncated, renamed onto,
 * or the cache file damaged. And the lookups say which path was taken, so the
 * tests cannot pass by always parsing in full.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInputs, type InputFile } from '../../src/cli/io.js';
import { CACHE_FILE_NAME, ParseCache, cacheDirOf, parserBuild, setCacheWindowBytesForTests, setCacheWriteBufferBytesForTests } from '../../src/cli/parse-cache.js';
import { SWEEP_CACHE_FILE_NAME, SweepCache, decodeMeta, encodeMeta, onlyJobs, workloadHash } from '../../src/cli/sweep-cache.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';
import { DEFAULT_SIMULATION_PARAMS } from '../../src/simulate/params.js';
import type { WorkloadRun } from '../../src/analyze/summed.js';
import type { Workload, WorkloadTurn } from '../../src/model/simulation.js';
import fc from 'fast-check';
import type { CliContext } from '../../src/cli/context.js';
import { runCliInProcess } from '../helpers/cli.js';
import { trickyText } from '../ingest/tricky-claude.js';

const REAL = 'test/fixtures/claude-code/real-v1.0.98';

interface Dirs {
  root: string;
  cache: string;
  file: string;
}

function setup(text: string): Dirs {
  const root = mkdtempSync(join(tmpdir(), 'te-cache-'));
  const proj = join(root, 'projects', '-home-dev-cached');
  mkdirSync(proj, { recursive: true });
  const file = join(proj, '0a0a0a0a-1111-4222-8333-444444444444.jsonl');
  writeFileSync(file, text);
  for (const name of readdirSync(REAL)) writeFileSync(join(proj, name), readFileSync(join(REAL, name)));
  return { root, cache: join(root, 'cache'), file };
}

async function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await runCliInProcess(args, { env, columns: 120, nowMs: Date.UTC(2026, 1, 1) });
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout;
}

/** `sessions --json` with the cache in `d.cache`, checked against a run without any cache. */
async function sameAsFresh(d: Dirs, what: string): Promise<void> {
  const dir = join(d.root, 'projects');
  const cached = await run(['sessions', '--json', dir], { TOKEN_ECON_CACHE_DIR: d.cache });
  const fresh = await run(['sessions', '--json', '--no-cache', dir], { TOKEN_ECON_CACHE_DIR: d.cache });
  assert.ok(cached === fresh, `${what}: sessions --json differs from a run without the cache`);
}

/** `file` as the runs list it: found under the projects directory they are given. */
async function inputOf(file: string): Promise<InputFile> {
  const dir = join(file, '..', '..');
  const input = (await resolveInputs({ env: {}, cwd: process.cwd() } as unknown as CliContext, [dir])).find((f) => f.path === file);
  assert.ok(input);
  return input;
}

/** Every log file `setup` wrote (the one under test and the real fixtures' files). */
function logFiles(d: Dirs): string[] {
  const dir = join(d.file, '..');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => join(dir, n));
}

function lookupKind(d: Dirs, input: InputFile): string {
  const cache = ParseCache.open(d.cache, parserBuild());
  try {
    return cache.lookup(input).kind;
  } finally {
    cache.close();
  }
}

function lineStarts(text: string): number[] {
  const bytes = Buffer.from(text);
  const out: number[] = [];
  for (let i = 0; i < bytes.length - 1; i++) if (bytes[i] === 0x0a) out.push(i + 1);
  return out;
}

test('cache directory: --no-cache and an empty TOKEN_ECON_CACHE_DIR mean none; else XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(cacheDirOf({ TOKEN_ECON_CACHE_DIR: '' }), null);
  assert.equal(cacheDirOf({ TOKEN_ECON_CACHE_DIR: '/x/y' }), '/x/y');
  assert.equal(cacheDirOf({ XDG_CACHE_HOME: '/xdg', HOME: '/h' }), join('/xdg', 'token-econ'));
  assert.equal(cacheDirOf({ HOME: '/h' }), join('/h', '.cache', 'token-econ'));
  assert.equal(cacheDirOf({}), null);
});

test('string tables beyond Latin-1 (CJK, emoji, a lone surrogate in an id) come back from the cache exactly', async () => {
  const line = (o: Record<string, unknown>): string => JSON.stringify(o);
  const usage = { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 };
  const base = { sessionId: '0a0a0a0a-1111-4222-8333-444444444444', cwd: '/home/dev/プロジェクト 👩‍👩‍👧', timestamp: '2026-01-01T10:00:00.000Z' };
  const text =
    [
      line({ ...base, type: 'user', uuid: 'u1', parentUuid: null, message: { role: 'user', content: 'Fix it' } }),
      line({ ...base, type: 'assistant', requestId: 'req_\ud800_lone', message: { id: 'msg_1', model: 'claude-sonnet-4-5', role: 'assistant', usage, content: [] } }),
      line({ ...base, type: 'assistant', requestId: 'req_plain', message: { id: 'msg_2', model: 'claude-sonnet-4-5', role: 'assistant', usage, content: [] } }),
    ].join('\n') + '\n';
  const d = setup(text);
  try {
    await sameAsFresh(d, 'first run');
    assert.equal(lookupKind(d, await inputOf(d.file)), 'hit');
    await sameAsFresh(d, 'served from the cache');
    const cache = ParseCache.open(d.cache, parserBuild());
    try {
      const found = cache.lookup(await inputOf(d.file));
      assert.equal(found.kind, 'hit');
      const table = found.kind === 'hit' ? (found.parts[0]?.claude.turns.text ?? '') : '';
      assert.ok(table.includes('req_\ud800_lone'), 'the lone surrogate kept');
    } finally {
      cache.close();
    }
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('unchanged files are a hit; the output is byte-identical; --no-cache neither reads nor writes a cache', async () => {
  const d = setup(trickyText(true));
  try {
    const dir = join(d.root, 'projects');
    await run(['sessions', '--json', '--no-cache', dir], { TOKEN_ECON_CACHE_DIR: d.cache });
    assert.equal(existsSync(d.cache), false);
    await sameAsFresh(d, 'first run');
    assert.ok(existsSync(join(d.cache, CACHE_FILE_NAME)));
    assert.equal(lookupKind(d, await inputOf(d.file)), 'hit');
    await sameAsFresh(d, 'second run');
    // analyze too, with its sweep cache: the same document from cached parses and cached sweep totals.
    const analyzeFresh = await run(['analyze', '--json', '--no-cache', dir]);
    assert.equal(await run(['analyze', '--json', dir], { TOKEN_ECON_CACHE_DIR: d.cache }), analyzeFresh);
    assert.ok(existsSync(join(d.cache, SWEEP_CACHE_FILE_NAME)));
    assert.equal(await run(['analyze', '--json', dir], { TOKEN_ECON_CACHE_DIR: d.cache }), analyzeFresh);
    // Another price changes the sweep totals' key: recomputed, not served stale.
    const priced = ['analyze', '--json', dir, '--price', 'model=claude-sonnet-4-20250514,input=5,output=20,cache-read=0.5,cache-write=6,cache-write-1h=10'];
    const pricedFresh = await run([...priced, '--no-cache']);
    assert.notEqual(pricedFresh, analyzeFresh);
    assert.equal(await run(priced, { TOKEN_ECON_CACHE_DIR: d.cache }), pricedFresh);
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('a file appended to at any line start of the tricky block resumes from the cached bytes and equals a full parse', async () => {
  const whole = trickyText(true) + trickyText(false);
  const starts = lineStarts(trickyText(true));
  for (const cut of starts) {
    const head = Buffer.from(whole).subarray(0, cut);
    const d = setup('');
    try {
      writeFileSync(d.file, head);
      await sameAsFresh(d, `cached up to byte ${cut}`);
      appendFileSync(d.file, Buffer.from(whole).subarray(cut));
      assert.equal(lookupKind(d, await inputOf(d.file)), 'grown', `append after byte ${cut}`);
      await sameAsFresh(d, `appended after byte ${cut}`);
    } finally {
      rmSync(d.root, { recursive: true, force: true });
    }
  }
});

test('a file cut inside a blank or whitespace-only last line is not cached to that byte: an append there resumes at the line start', async () => {
  // The parser never sees a blank line as a line, so nothing flags it as unterminated; resuming inside it
  // counted the rest of it as one more line and moved every later line number (found by the property below).
  const whole = Buffer.from(`${trickyText(true)}${trickyText(true)}`);
  const text = whole.toString('latin1');
  const blankAt = text.indexOf('\n   \t\n') + 1; // line 3 of the block: spaces and a tab
  const cuts = [blankAt + 1, blankAt + 2, blankAt + 3, blankAt + 4, text.indexOf('\n\n') + 1];
  for (const cut of cuts) {
    const d = setup('');
    try {
      writeFileSync(d.file, whole.subarray(0, cut));
      await sameAsFresh(d, `cached up to byte ${cut}`);
      appendFileSync(d.file, whole.subarray(cut));
      assert.notEqual(lookupKind(d, await inputOf(d.file)), 'hit');
      await sameAsFresh(d, `appended after byte ${cut}`);
      // The cache written by that run covers the whole file again.
      assert.equal(lookupKind(d, await inputOf(d.file)), 'hit');
    } finally {
      rmSync(d.root, { recursive: true, force: true });
    }
  }
});

test('appends in several steps, one ending mid-line: parts accumulate, the unterminated line is never cached', async () => {
  const text = trickyText(true) + trickyText(true) + trickyText(true);
  const bytes = Buffer.from(text);
  const starts = lineStarts(text);
  const d = setup('');
  try {
    let at = 0;
    const steps = [starts[5] as number, (starts[20] as number) + 7, starts[33] as number, bytes.length];
    for (const end of steps) {
      appendFileSync(d.file, bytes.subarray(at, end));
      at = end;
      await sameAsFresh(d, `after appending up to byte ${end}`);
    }
    // The run that saw the cut line cached only up to the line start before it: the next run resumed from there.
    assert.equal(lookupKind(d, await inputOf(d.file)), 'hit');
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('rewritten with the same size, truncated, or replaced by another file: parsed in full, never served stale', async () => {
  const d = setup(trickyText(true));
  try {
    await sameAsFresh(d, 'first run');
    const input = await inputOf(d.file);
    // Same size, other content, mtime put back: the change time still differs.
    const original = readFileSync(d.file);
    const changed = Buffer.from(original.toString('latin1').replace(/"output_tokens":(\d)/, '"output_tokens":9'), 'latin1');
    assert.equal(changed.length, original.length);
    assert.notDeepEqual(changed, original);
    writeFileSync(d.file, changed);
    const t = new Date((input.stat?.mtimeMs ?? 0) as number);
    utimesSync(d.file, t, t);
    assert.equal(lookupKind(d, await inputOf(d.file)), 'miss');
    await sameAsFresh(d, 'rewritten, same size');
    // Grown but its first bytes changed: not an append.
    appendFileSync(d.file, trickyText(true));
    const head = readFileSync(d.file);
    head[2] = head[2] === 0x41 ? 0x42 : 0x41;
    writeFileSync(d.file, head);
    await sameAsFresh(d, 'grown with other head bytes');
    // Truncated.
    await sameAsFresh(d, 'cached again');
    truncateSync(d.file, Math.floor(readFileSync(d.file).length / 2));
    assert.equal(lookupKind(d, await inputOf(d.file)), 'miss');
    await sameAsFresh(d, 'truncated');
    // Another file renamed onto the name (another inode).
    rmSync(d.file);
    writeFileSync(d.file, trickyText(true) + trickyText(true));
    await sameAsFresh(d, 'replaced');
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('a damaged, cut or foreign cache file is ignored and replaced', async () => {
  const d = setup(trickyText(true));
  try {
    await sameAsFresh(d, 'first run');
    const file = join(d.cache, CACHE_FILE_NAME);
    const good = readFileSync(file);
    for (const bad of [good.subarray(0, Math.floor(good.length / 2)), Buffer.from('not a cache'), Buffer.concat([good, Buffer.from([1, 2, 3])]), Buffer.alloc(0)]) {
      writeFileSync(file, bad);
      await sameAsFresh(d, `damaged cache (${bad.length} bytes)`);
      assert.equal(lookupKind(d, await inputOf(d.file)), 'hit', 'rewritten by the run');
    }
    // A cache made by another parser build is not read.
    assert.equal(ParseCache.open(d.cache, `${parserBuild()}|other`).lookup(await inputOf(d.file)).kind, 'miss');
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('a big file split over two threads is cached as its parts and resumed after an append', async () => {
  const d = setup(trickyText(true) + trickyText(true) + trickyText(true));
  try {
    const dir = join(d.root, 'projects');
    const env = { TOKEN_ECON_CACHE_DIR: d.cache, TOKEN_ECON_THREADS: '2', TOKEN_ECON_SPLIT_MIN_BYTES: '1' };
    const fresh = async (): Promise<string> => run(['sessions', '--json', '--no-cache', dir], { TOKEN_ECON_THREADS: '1' });
    assert.equal(await run(['sessions', '--json', dir], env), await fresh());
    assert.equal(lookupKind(d, await inputOf(d.file)), 'hit');
    appendFileSync(d.file, trickyText(true));
    assert.equal(await run(['sessions', '--json', dir], env), await fresh());
    assert.equal(await run(['sessions', '--json', dir], env), await fresh());
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('the cache files are readable by their owner only (they hold what the logs hold)', async () => {
  const d = setup(trickyText(true));
  try {
    await run(['analyze', '--json', join(d.root, 'projects')], { TOKEN_ECON_CACHE_DIR: d.cache });
    for (const name of [CACHE_FILE_NAME, SWEEP_CACHE_FILE_NAME]) assert.equal(statSync(join(d.cache, name)).mode & 0o077, 0, name);
    assert.equal(statSync(d.cache).mode & 0o077, 0);
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('entries of files that are gone are dropped when the cache is written again', async () => {
  const d = setup(trickyText(true));
  try {
    const dir = join(d.root, 'projects');
    await run(['sessions', '--json', dir], { TOKEN_ECON_CACHE_DIR: d.cache });
    const other = join(dir, '-home-dev-cached', '1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl');
    const otherInput = await inputOf(other);
    assert.equal(ParseCache.open(d.cache, parserBuild()).lookup(otherInput).kind, 'hit');
    rmSync(other);
    appendFileSync(d.file, trickyText(true));
    await sameAsFresh(d, 'one file gone, one grown');
    // Recreated with the same bytes: a new file (the old entry is gone, whatever its inode).
    writeFileSync(other, readFileSync(join(REAL, '1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl')));
    assert.equal(ParseCache.open(d.cache, parserBuild()).lookup(await inputOf(other)).kind, 'miss');
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('property: a file written in random steps (cuts anywhere, mid-line too) reads the same through the cache as fresh', async () => {
  const fc = (await import('fast-check')).default;
  const text = Buffer.from(trickyText(true) + trickyText(false));
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { minLength: 1, maxLength: 4 }), async (cuts) => {
      const d = setup('');
      try {
        let at = 0;
        for (const end of [...cuts.sort((a, b) => a - b), text.length]) {
          appendFileSync(d.file, text.subarray(at, end));
          at = end;
          await sameAsFresh(d, `written up to byte ${end} (cuts ${cuts.join(',')})`);
        }
      } finally {
        rmSync(d.root, { recursive: true, force: true });
      }
    }),
    { numRuns: 12 },
  );
});

test('a cache directory that cannot be created or written: the run parses as without a cache, nothing fails', async () => {
  const d = setup(trickyText(true));
  try {
    const dir = join(d.root, 'projects');
    const blocker = join(d.root, 'not-a-dir');
    writeFileSync(blocker, 'a file where the cache directory would be');
    const env = { TOKEN_ECON_CACHE_DIR: join(blocker, 'cache') };
    assert.equal(await run(['analyze', '--json', dir], env), await run(['analyze', '--json', '--no-cache', dir]));
    assert.equal(readFileSync(blocker, 'utf8'), 'a file where the cache directory would be');
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('two runs writing the same cache at once both finish, and the cache they leave is whole', async () => {
  const d = setup(trickyText(true) + trickyText(true));
  try {
    const dir = join(d.root, 'projects');
    const env = { TOKEN_ECON_CACHE_DIR: d.cache };
    const fresh = await run(['sessions', '--json', '--no-cache', dir]);
    const [a, b] = await Promise.all([run(['sessions', '--json', dir], env), run(['sessions', '--json', dir], env)]);
    assert.equal(a, fresh);
    assert.equal(b, fresh);
    assert.deepEqual(readdirSync(d.cache).sort(), [CACHE_FILE_NAME]);
    assert.equal(lookupKind(d, await inputOf(d.file)), 'hit');
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

/** Where the index frame of a cache file lies (its trailer: u32 low, u32 high, then the mark). */
function indexOffsetOf(bytes: Buffer): number {
  const trailer = bytes.subarray(bytes.length - 16);
  assert.equal(trailer.subarray(8).toString('latin1'), 'tec-idx\n', 'trailer mark');
  return trailer.readUInt32LE(0) + trailer.readUInt32LE(4) * 2 ** 32;
}

/** `bytes` with its index replaced by `entries` (JSON) and a trailer that points to it. */
function withIndex(bytes: Buffer, entries: unknown): Buffer {
  const at = indexOffsetOf(bytes);
  const json = Buffer.from(JSON.stringify(entries), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  const trailer = Buffer.alloc(16);
  trailer.writeUInt32LE(at, 0);
  trailer.write('tec-idx\n', 8, 'latin1');
  return Buffer.concat([bytes.subarray(0, at), len, json, trailer]);
}

test('a cache file whose index holds an entry of the wrong shape, or has no index, is ignored as a whole', async () => {
  const d = setup(trickyText(true));
  try {
    await sameAsFresh(d, 'first run');
    const file = join(d.cache, CACHE_FILE_NAME);
    const good = readFileSync(file);
    const index = JSON.parse(good.subarray(indexOffsetOf(good) + 4, good.length - 16).toString('utf8')) as unknown[][];
    assert.ok(index.length >= 4 && index.every((e) => e.length === 10));
    // The same file with its own index rewritten as it is: served.
    writeFileSync(file, withIndex(good, index));
    assert.equal(lookupKind(d, await inputOf(d.file)), 'hit', 'index rewritten unchanged');
    const bad: Array<[string, unknown]> = [
      ['parts not a number', [...index.slice(1), [...(index[0] as unknown[]).slice(0, 6), 'not parts', ...(index[0] as unknown[]).slice(7)]]],
      ['frames past the index', [...index.slice(1), [...(index[0] as unknown[]).slice(0, 9), indexOffsetOf(good) + 1]]],
      ['not a list', { entries: index }],
    ];
    for (const [what, entries] of bad) {
      writeFileSync(file, withIndex(good, entries));
      assert.equal(lookupKind(d, await inputOf(d.file)), 'miss', what);
    }
    writeFileSync(file, good.subarray(0, good.length - 16));
    assert.equal(lookupKind(d, await inputOf(d.file)), 'miss', 'no trailer');
    await sameAsFresh(d, 'malformed index');
    assert.equal(lookupKind(d, await inputOf(d.file)), 'hit');
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

/**
 * Damages one frame of `file`'s first part in the cache (`frame`: 0 its meta, 1 its string table, 2-8 the raw
 * nums, ints, wide, strs, flags, lengths, combos) with `fill`, same length; true when that part was found.
 */
function damagePartFrame(cacheFile: string, file: string, frame: number, fill: number): boolean {
  const bytes = readFileSync(cacheFile);
  // The index tells each entry's key, parts and where its part frames start (9 frames per part).
  const indexAt = indexOffsetOf(bytes);
  const index = JSON.parse(bytes.subarray(indexAt + 4, bytes.length - 16).toString('utf8')) as Array<[string, number, number, number, number, number, number, number, number, number]>;
  let damaged = false;
  for (const [key, , , , , , parts, , partsAt] of index) {
    let at = partsAt;
    for (let k = 0; k < parts * 9; k++) {
      const n = bytes.readUInt32LE(at);
      if (k === frame && key.startsWith(file) && n > 0) {
        bytes.fill(fill, at + 4, at + 4 + n);
        damaged = true;
      }
      at += 4 + n;
    }
  }
  writeFileSync(cacheFile, bytes);
  return damaged;
}

for (const [what, frame, fill] of [
  ['its meta no longer v8 data', 0, 0xff],
  ['a string table of no known encoding', 1, 0x07],
  ['string indexes past its string table', 5, 0x7f],
  ['wide records past its wide rows', 6, 0x40],
  ['string lengths that no longer tile its text', 7, 0x01],
  ['string rows past its string table', 8, 0x7f],
] as const) {
  test(`parts are read when a file is looked up: a part with ${what} makes that file parsed again, the others still hit`, async () => {
    const d = setup(trickyText(true));
    try {
      await sameAsFresh(d, 'first run');
      assert.ok(damagePartFrame(join(d.cache, CACHE_FILE_NAME), d.file, frame, fill));
      const others = logFiles(d).filter((f) => f !== d.file);
      assert.ok(others.length > 0);
      assert.equal(lookupKind(d, await inputOf(d.file)), 'miss');
      for (const f of others) assert.equal(lookupKind(d, await inputOf(f)), 'hit', f);
      await sameAsFresh(d, 'damaged parts');
      assert.equal(lookupKind(d, await inputOf(d.file)), 'hit');
    } finally {
      rmSync(d.root, { recursive: true, force: true });
    }
  });
}

/** Overwrites byte `offset` of the first-and-last-bytes frame of `file`'s entry (the index says where it is); its old value. */
function poke(cacheFile: string, file: string, offset: number, value: number): number {
  const bytes = readFileSync(cacheFile);
  const indexAt = indexOffsetOf(bytes);
  const index = JSON.parse(bytes.subarray(indexAt + 4, bytes.length - 16).toString('utf8')) as Array<[string, ...number[]]>;
  const entry = index.find((e) => e[0].startsWith(file));
  assert.ok(entry);
  const at = entry[7] as number;
  const n = bytes.readUInt32LE(at);
  assert.equal(at + 4 + n, entry[8], 'the frame ends where the parts start');
  const old = bytes[at + 4 + offset] as number;
  bytes[at + 4 + offset] = value;
  writeFileSync(cacheFile, bytes);
  return old;
}

test("a grown file resumes only when the first and last bytes its entry stored (raw, 2 x 512) are the file's: else it is parsed in full", async () => {
  const first = trickyText(true);
  const firstBytes = Buffer.byteLength(first);
  assert.ok(firstBytes > 1024, 'the ends do not overlap');
  for (const [what, offset] of [
    ['first byte', 0],
    ['last byte of the head', 511],
    ['first byte of the tail', 512],
    ['last byte', 1023],
  ] as const) {
    const d = setup(first);
    try {
      await sameAsFresh(d, 'first run');
      const cacheFile = join(d.cache, CACHE_FILE_NAME);
      appendFileSync(d.file, trickyText(false));
      assert.equal(lookupKind(d, await inputOf(d.file)), 'grown', 'as stored');
      const file = readFileSync(d.file);
      const expected = offset < 512 ? file[offset] : file[firstBytes - 1024 + offset];
      const old = poke(cacheFile, d.file, offset, 0x00);
      assert.equal(old, expected, `${what}: the frame holds the file's bytes`);
      assert.equal(lookupKind(d, await inputOf(d.file)), 'miss', `${what} changed`);
      poke(cacheFile, d.file, offset, old);
      assert.equal(lookupKind(d, await inputOf(d.file)), 'grown', `${what} restored`);
      await sameAsFresh(d, `resumed (${what})`);
    } finally {
      rmSync(d.root, { recursive: true, force: true });
    }
  }
});

// The sweep cache keys runs by a hash of the workload: a change to any field
// the simulator reads must give another key (else a stale run is served), and
// an equal workload (another object) the same key.
test('property: the sweep cache key of a workload changes with every field the simulator reads', () => {
  const turnArb = fc.record({
    timestampMs: fc.integer({ min: 0, max: 2e12 }),
    model: fc.constantFrom('claude-sonnet-4-5', 'claude-haiku-4-5', 'gpt-5'),
    streamId: fc.constantFrom('main', 'sidechain-1', 'agent-2'),
    appendedTokens: fc.integer({ min: 0, max: 200_000 }),
    outputTokens: fc.integer({ min: 0, max: 20_000 }),
    compactedBefore: fc.option(fc.record({ preTokens: fc.option(fc.nat(), { nil: null }), postTokens: fc.option(fc.nat(), { nil: null }) }), { nil: null }),
    writeTtlObserved: fc.constantFrom<'5m' | '1h' | null | undefined>('5m', '1h', null, undefined),
  });
  const workloadArb = fc.record({
    sessionId: fc.constantFrom('s1', 's2'),
    systemTokens: fc.nat({ max: 30_000 }),
    turns: fc.array(turnArb, { minLength: 1, maxLength: 12 }),
    taskFingerprint: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
  });
  const edits: Array<(t: WorkloadTurn) => void> = [
    (t) => (t.timestampMs += 1),
    (t) => (t.appendedTokens += 1),
    (t) => (t.outputTokens += 1),
    (t) => (t.compactedBefore = t.compactedBefore === null ? { preTokens: null, postTokens: null } : null),
    (t) => (t.compactedBefore = t.compactedBefore === null ? null : { ...t.compactedBefore, postTokens: (t.compactedBefore.postTokens ?? -5) + 1 }),
    (t) => (t.model = t.model === 'gpt-5' ? 'claude-sonnet-4-5' : 'gpt-5'),
    (t) => (t.streamId = `${t.streamId}x`),
    (t) => (t.writeTtlObserved = t.writeTtlObserved === '1h' ? '5m' : '1h'),
  ];
  fc.assert(
    fc.property(workloadArb, fc.nat(), fc.nat({ max: edits.length - 1 }), (w, at, e) => {
      const copy = (x: Workload): Workload => structuredClone(x);
      assert.equal(workloadHash(copy(w)), workloadHash(w));
      const changed = copy(w);
      const turn = changed.turns[at % changed.turns.length] as WorkloadTurn;
      const before = JSON.stringify(turn);
      (edits[e] as (t: WorkloadTurn) => void)(turn);
      if (JSON.stringify(turn) === before) return; // the edit was a no-op (e.g. no compaction to change)
      assert.notEqual(workloadHash(changed), workloadHash(w));
      const moved = copy(w);
      moved.turns.push(moved.turns.shift() as WorkloadTurn);
      if (JSON.stringify(moved.turns) !== JSON.stringify(w.turns)) assert.notEqual(workloadHash(moved), workloadHash(w));
    }),
    { numRuns: 2000 },
  );
});

test('sweep cache: dropping old jobs keeps each workload\'s totals of the kept jobs at their new places', () => {
  const totals = new Map([
    ['w1', Float64Array.from([1, 2, 3, 4])],
    ['w2', Float64Array.from([5, Number.NaN])], // written before jobs c and d existed
  ]);
  const r = onlyJobs(['a', 'b', 'c', 'd'], totals, new Set(['b', 'd', 'x']));
  assert.deepEqual(r.jobs, ['b', 'd']);
  assert.deepEqual([...(r.columns.get('w1') ?? [])], [2, 4]);
  const w2 = [...(r.columns.get('w2') ?? [])];
  assert.ok(Number.isNaN(w2[0]) && Number.isNaN(w2[1]));
  assert.equal(r.columns.size, 2);
});

test('parts served by the cache own their typed arrays: nothing keeps the bytes read for the lookup alive', async () => {
  const d = setup(trickyText(true));
  try {
    await sameAsFresh(d, 'first run');
    const cache = ParseCache.open(d.cache, parserBuild());
    try {
      const found = cache.lookup(await inputOf(d.file));
      assert.equal(found.kind, 'hit');
      const parts = found.kind === 'hit' ? found.parts : [];
      assert.ok(parts.length > 0);
      for (const p of parts) {
        const t = p.claude.turns;
        assert.ok(t.count > 0);
        for (const a of [t.nums, t.ints, t.wide, t.strs, t.flags, t.lengths, t.combos]) {
          // v8.deserialize makes views into the bytes it reads; a copy is its own buffer, exactly its size.
          assert.equal(a.byteOffset, 0);
          assert.equal(a.buffer.byteLength, a.byteLength);
        }
      }
    } finally {
      cache.close();
    }
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('identities and parts are read through a window of any size: refilled across frames, frames larger than it read whole', async () => {
  const d = setup(trickyText(true));
  try {
    await sameAsFresh(d, 'first run');
    const size = statSync(join(d.cache, CACHE_FILE_NAME)).size;
    const files = logFiles(d);
    assert.ok(files.length >= 4);
    // Smaller than the magic, than an identity frame, than most parts; about one frame; the whole file.
    for (const bytes of [7, 64, 700, 4096, size + 1]) {
      setCacheWindowBytesForTests(bytes);
      try {
        for (const f of files) assert.equal(lookupKind(d, await inputOf(f)), 'hit', `${f}, window ${bytes}`);
        await sameAsFresh(d, `window ${bytes}`);
      } finally {
        setCacheWindowBytesForTests(null);
      }
    }
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

test('the cache file is the same bytes through a write buffer of any size: frames cut across flushes, frames larger than it written whole', async () => {
  const d = setup(trickyText(true));
  try {
    await sameAsFresh(d, 'first run');
    const file = join(d.cache, CACHE_FILE_NAME);
    const expected = readFileSync(file);
    // Smaller than a length prefix, than the first and last bytes, than most parts; about one part; the whole file.
    for (const bytes of [3, 64, 700, 4096, expected.length + 1]) {
      rmSync(d.cache, { recursive: true, force: true });
      setCacheWriteBufferBytesForTests(bytes);
      try {
        await sameAsFresh(d, `written through ${bytes} bytes`);
      } finally {
        setCacheWriteBufferBytesForTests(null);
      }
      assert.ok(readFileSync(file).equals(expected), `the file written through ${bytes} bytes`);
      for (const f of logFiles(d)) assert.equal(lookupKind(d, await inputOf(f)), 'hit', `${f}, written through ${bytes} bytes`);
    }
  } finally {
    rmSync(d.root, { recursive: true, force: true });
  }
});

/** `count` distinct one-stream workloads for the sweep cache tests, workload i with `turnsOf(i)` turns. */
function sweepWorkloads(count: number, turnsOf: (i: number) => number): Workload[] {
  return Array.from({ length: count }, (_, i) => ({
    sessionId: `s${i}`,
    systemTokens: 1000 + i,
    taskFingerprint: null,
    turns: Array.from({ length: turnsOf(i) }, (_, k) => ({
      timestampMs: 1_767_225_600_000 + k * 1000,
      model: 'claude-sonnet-4-5',
      streamId: 'main',
      appendedTokens: 100 + k,
      outputTokens: 10 + i,
      compactedBefore: null,
      writeTtlObserved: '5m' as const,
    })),
  }));
}

test('sweep cache: what a run kept (totals and runs) is served to the next one as it was, through any read window; a cut or padded file is not', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-sweep-'));
  try {
    const table = EMBEDDED_PRICE_TABLE;
    const build = 'test-build';
    // Enough workloads and turns for several write batches (frames larger than the read windows below too).
    const workloads = sweepWorkloads(300, (i) => 1 + (i % 7) * 40);
    const jobs = [0.1, 0.2, 0.3].map((stateRatio) => ({ strategy: 'state' as const, params: { ...DEFAULT_SIMULATION_PARAMS, stateRatio } }));
    const wanted = jobs.map((_, j) => Float64Array.from(workloads, (_, w) => w * 1.5 + j / 3 + 1e-9 * w));
    const turnsOf = (w: number): number => (workloads[w] as Workload).turns.length;
    const runOf = (w: number) => ({
      totals: { totalCostUsd: w / 7 } as unknown as WorkloadRun['totals'],
      params: { ttlSeconds: null, note: `w${w}` },
      perTurnUsd: Float64Array.from({ length: turnsOf(w) * 30 }, (_, k) => k / (w + 1)),
    });
    const fake = (values: Float64Array[] | null) => () => ({
      evaluate: async () => {
        if (values === null) throw new Error('not served from the cache');
        return values.map((v) => v.slice());
      },
    });
    const first = SweepCache.open(root, table, build);
    const memo = first.memo();
    workloads.forEach((wl, w) => memo.put(wl, 'run-key', runOf(w)));
    const evaluate = first.factory(fake(wanted))({ workloads, priceTable: table, turns: 0, jobsHint: jobs.length });
    assert.ok(evaluate);
    assert.deepEqual(await evaluate.evaluate(jobs), wanted);
    first.save();
    const file = join(root, SWEEP_CACHE_FILE_NAME);
    assert.ok(statSync(file).size > 2 * 1024 * 1024, 'several write batches');
    const servedBy = async (window: number | null): Promise<boolean> => {
      setCacheWindowBytesForTests(window);
      try {
        const again = SweepCache.open(root, table, build);
        try {
          const m = again.memo();
          const runsOk = workloads.every((wl, w) => {
            const run = m.get(wl, 'run-key');
            return run !== undefined && JSON.stringify({ ...run, perTurnUsd: [...run.perTurnUsd] }) === JSON.stringify({ ...runOf(w), perTurnUsd: [...runOf(w).perTurnUsd] });
          });
          const ev = again.factory(fake(null))({ workloads, priceTable: table, turns: 0, jobsHint: jobs.length });
          const totals = await (ev as NonNullable<typeof ev>).evaluate(jobs).catch(() => null);
          const totalsOk = totals !== null && totals.every((t, j) => t.every((v, w) => Object.is(v, (wanted[j] as Float64Array)[w])));
          assert.equal(runsOk, totalsOk, 'runs and totals are served together or not at all');
          return runsOk;
        } finally {
          again.close();
        }
      } finally {
        setCacheWindowBytesForTests(null);
      }
    };
    for (const window of [64, 4096, 100_000, null]) assert.equal(await servedBy(window), true, `window ${window}`);
    // Another build or price table: not served.
    assert.equal(SweepCache.open(root, table, 'other-build').memo().get(workloads[0] as Workload, 'run-key'), undefined);
    const whole = readFileSync(file);
    for (const cut of [1, 30, Math.floor(whole.length / 2), whole.length - 1]) {
      writeFileSync(file, whole.subarray(0, cut));
      assert.equal(await servedBy(4096), false, `cut at ${cut}`);
    }
    writeFileSync(file, Buffer.concat([whole, Buffer.from([0])]));
    assert.equal(await servedBy(4096), false, 'trailing byte');
    writeFileSync(file, whole);
    assert.equal(await servedBy(4096), true, 'restored');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sweep cache: totals kept over several batches of jobs (columns grown past their room) are all served to the next run, each at its job', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-sweep-'));
  try {
    const table = EMBEDDED_PRICE_TABLE;
    const workloads = sweepWorkloads(40, (i) => 1 + (i % 5));
    const job = (stateRatio: number) => ({ strategy: 'state' as const, params: { ...DEFAULT_SIMULATION_PARAMS, stateRatio } });
    const valueOf = (stateRatio: number, w: number): number => stateRatio * 1000 + w + 1e-9 * w;
    // Batches of 7, 15 and 20 jobs (42 in all, past the 16 a column has room for), the second repeating some of the first.
    const batches = [
      Array.from({ length: 7 }, (_, k) => 0.01 * (k + 1)),
      Array.from({ length: 15 }, (_, k) => 0.01 * (k + 4)),
      Array.from({ length: 20 }, (_, k) => 0.5 + 0.01 * k),
    ];
    const computed = (ratios: readonly number[]) => () => ({
      evaluate: async () => ratios.map((r) => Float64Array.from(workloads, (_, w) => valueOf(r, w))),
    });
    const first = SweepCache.open(root, table, 'test-build');
    for (const ratios of batches) {
      const ev = first.factory(computed(ratios))({ workloads, priceTable: table, turns: 0, jobsHint: ratios.length });
      const got = await (ev as NonNullable<typeof ev>).evaluate(ratios.map(job));
      got.forEach((t, j) => t.forEach((v, w) => assert.ok(Object.is(v, valueOf(ratios[j] as number, w)))));
    }
    first.save();
    const again = SweepCache.open(root, table, 'test-build');
    const all = [...new Set(batches.flat())];
    const ev = again.factory(() => ({
      evaluate: async () => {
        throw new Error('not served from the cache');
      },
    }))({ workloads, priceTable: table, turns: 0, jobsHint: all.length });
    const served = await (ev as NonNullable<typeof ev>).evaluate(all.map(job));
    served.forEach((t, j) => t.forEach((v, w) => assert.ok(Object.is(v, valueOf(all[j] as number, w)), `job ${all[j]}, workload ${w}`)));
    again.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sweep cache: runs are read when asked for; runs not read are kept as they were when the cache is saved; a damaged run is not served, the others are', () => {
  const root = mkdtempSync(join(tmpdir(), 'te-sweep-lazy-'));
  try {
    const table = EMBEDDED_PRICE_TABLE;
    const build = 'test-build';
    const workloads = sweepWorkloads(40, (i) => 1 + (i % 5));
    const runOf = (w: number, tag: string): WorkloadRun => ({
      totals: { totalCostUsd: w / 3, note: tag } as unknown as WorkloadRun['totals'],
      params: { ttlSeconds: null, tag },
      perTurnUsd: Float64Array.from({ length: 3 + w }, (_, k) => (k + 1) / (w + 7)),
    });
    const same = (a: WorkloadRun | undefined, b: WorkloadRun): boolean => a !== undefined && JSON.stringify({ ...a, perTurnUsd: [...a.perTurnUsd] }) === JSON.stringify({ ...b, perTurnUsd: [...b.perTurnUsd] });
    const first = SweepCache.open(root, table, build);
    workloads.forEach((wl, w) => first.memo().put(wl, 'a', runOf(w, 'a')));
    first.save();
    // A second run reads only the even workloads' runs and adds a run under another key.
    const second = SweepCache.open(root, table, build);
    const m2 = second.memo();
    workloads.forEach((wl, w) => {
      if (w % 2 === 0) assert.ok(same(m2.get(wl, 'a'), runOf(w, 'a')), `read ${w}`);
    });
    m2.put(workloads[0] as Workload, 'b', runOf(0, 'b'));
    second.save();
    const third = SweepCache.open(root, table, build);
    try {
      const m3 = third.memo();
      workloads.forEach((wl, w) => assert.ok(same(m3.get(wl, 'a'), runOf(w, 'a')), `kept ${w}`));
      assert.ok(same(m3.get(workloads[0] as Workload, 'b'), runOf(0, 'b')));
    } finally {
      third.close();
    }
    // Damage the meta of one run (same length, not JSON any more): only that run is not served.
    const file = join(root, SWEEP_CACHE_FILE_NAME);
    const bytes = readFileSync(file);
    const tag = Buffer.from('"tag":"a"');
    let hits = 0;
    for (let at = bytes.indexOf(tag); at >= 0; at = bytes.indexOf(tag, at + 1)) hits++;
    assert.equal(hits, workloads.length, 'each run of key a names its tag in its parameters');
    const victim = bytes.indexOf(tag);
    bytes.fill(0x7b, victim, victim + tag.length);
    writeFileSync(file, bytes);
    const fourth = SweepCache.open(root, table, build);
    try {
      const m4 = fourth.memo();
      const served = workloads.map((wl, w) => same(m4.get(wl, 'a'), runOf(w, 'a')));
      assert.equal(served.filter((x) => !x).length, 1, 'one run not served');
      assert.ok(same(m4.get(workloads[0] as Workload, 'b'), runOf(0, 'b')));
    } finally {
      fourth.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('property: a run\'s meta survives the sweep cache\'s JSON encoding bit for bit (-0, NaN, ±Infinity, strings that look like marks)', () => {
  const leaf = fc.oneof(fc.double(), fc.constantFrom(-0, 0, Number.NaN, Infinity, -Infinity, 1e308, 5e-324), fc.string(), fc.constantFrom('\u0000', '\u0000n-0', '\u0000s\u0000x', 'é\u0000'), fc.boolean(), fc.constant(null));
  const dict = <T>(v: fc.Arbitrary<T>) => fc.dictionary(fc.string(), v, { noNullPrototype: true });
  const meta = fc.record({ totals: dict(fc.oneof(leaf, dict(leaf))), params: dict(leaf) }, { noNullPrototype: true });
  fc.assert(
    fc.property(meta, (m) => {
      assert.deepStrictEqual(decodeMeta(encodeMeta(m)), m);
    }),
    { numRuns: 2000 },
  );
});
