/**
 * Limits (issue #6): a directory of 10,000 files; a file still being written
 * while it is read (consistent prefix, never a half line); a big single file
 * in bounded memory (30 MB always, measured by the child's peak RSS; ~300 MB
 * under a 256 MB heap when TOKEN_ECON_HEAVY=1); a single line of 100 MB.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_ENTRY, runCliInProcess } from '../helpers/cli.js';

const SEED_FILE = 'test/fixtures/fuzz-seeds/claude-code.jsonl';

interface SessionsDoc {
  sessions: Array<{ id: string; turns: Array<{ source: { file: string; line: number }; outputTokens: number }> }>;
  files: Array<{ file: string; format: string; linesRead: number; linesCounted: number; linesIgnored: number; linesSkipped: number }>;
  diagnostics: Array<{ code: string; severity: string; message: string; source?: { file: string; line: number } }>;
}

function tinySession(i: number): string {
  const sid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const base = { parentUuid: null, isSidechain: false, userType: 'external', cwd: '/w/p', sessionId: sid, version: '2.0.30' };
  return (
    [
      { ...base, uuid: `u${i}`, timestamp: '2026-02-02T09:00:00.000Z', type: 'user', message: { role: 'user', content: 'go' } },
      {
        ...base,
        uuid: `a${i}`,
        timestamp: '2026-02-02T09:00:01.000Z',
        type: 'assistant',
        requestId: `req_${i}`,
        message: { id: `msg_${i}`, role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: 0, output_tokens: i % 97 } },
      },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n') + '\n'
  );
}

test('a directory with 10,000 files: every file read and accounted', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'te-10k-'));
  try {
    const N = 10_000;
    let expectedOutput = 0;
    for (let d = 0; d < 100; d++) {
      const dir = join(root, `-w-p${d}`);
      mkdirSync(dir);
      for (let k = 0; k < N / 100; k++) {
        const i = d * (N / 100) + k;
        expectedOutput += i % 97;
        writeFileSync(join(dir, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}.jsonl`), tinySession(i));
      }
    }
    const started = Date.now();
    const run = await runCliInProcess(['sessions', '--json', root]);
    const ms = Date.now() - started;
    assert.equal(run.exitCode, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as SessionsDoc;
    assert.equal(doc.files.length, N);
    assert.equal(doc.sessions.length, N);
    assert.equal(doc.sessions.reduce((a, s) => a + s.turns.reduce((b, t) => b + t.outputTokens, 0), 0), expectedOutput);
    for (const f of doc.files) {
      assert.equal(f.linesRead, 2, f.file);
      assert.equal(f.linesRead, f.linesCounted + f.linesIgnored + f.linesSkipped, f.file);
    }
    t.diagnostic(`sessions --json over 10,000 files: ${ms} ms`);
    assert.ok(ms < 15_000, `10,000 files took ${ms} ms`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** Real Claude Code lines, repeated with unique request/message ids, written to `path` until `bytes`. */
function writeBigClaudeFile(path: string, bytes: number): { lines: number; assistantLines: number } {
  const seed = readFileSync(SEED_FILE, 'utf8').split('\n').filter((l) => l.length > 0);
  const fd = openSync(path, 'w');
  let written = 0;
  let lines = 0;
  let assistantLines = 0;
  try {
    for (let copy = 0; written < bytes; copy++) {
      const chunk = seed
        .map((l) => l.replace(/"requestId":"([^"]+)"/, `"requestId":"$1_${copy}"`).replace(/"id":"(msg_[^"]+)"/, `"id":"$1_${copy}"`))
        .join('\n');
      for (const l of seed) if (l.includes('"type":"assistant"')) assistantLines++;
      lines += seed.length;
      const buf = Buffer.from(`${chunk}\n`);
      writeSync(fd, buf);
      written += buf.length;
    }
  } finally {
    closeSync(fd);
  }
  return { lines, assistantLines };
}

/** Spawns the CLI with a heap limit and samples the child's peak RSS (VmHWM) from /proc. */
function spawnMeasured(args: string[], heapMb: number): Promise<{ exitCode: number; stdout: string; stderr: string; peakRssMb: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, CLI_ENTRY, ...args], {
      env: { PATH: process.env['PATH'], NO_COLOR: '1', TZ: 'UTC', COLUMNS: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peakKb: number | null = null;
    const sample = (): void => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb ?? 0, Number(m[1]));
      } catch {
        // exited, or no /proc (not Linux)
      }
    };
    const timer = setInterval(sample, 20);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      sample();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ exitCode: code ?? -1, stdout, stderr, peakRssMb: peakKb === null ? null : peakKb / 1024 });
    });
  });
}

/** The child's peak RSS is below `maxMb` (reported with `what`; not measured without /proc). */
function assertPeakBelow(t: TestContext, run: { peakRssMb: number | null }, maxMb: number, what: string): void {
  if (run.peakRssMb === null) {
    t.diagnostic('no /proc: peak RSS not measured');
    return;
  }
  t.diagnostic(`peak RSS ${run.peakRssMb.toFixed(0)} MB ${what}`);
  assert.ok(run.peakRssMb < maxMb, `peak RSS ${run.peakRssMb.toFixed(0)} MB`);
}

/** Writes `record` as one line whose string "X" becomes `piece` repeated until `bytes` are written. */
function writeHugeLine(fd: number, record: unknown, piece: Buffer, bytes: number): void {
  const [head, tail] = JSON.stringify(record).split('"X"') as [string, string];
  writeSync(fd, `${head}"`);
  for (let n = 0; n < bytes; n += piece.length) writeSync(fd, piece);
  writeSync(fd, `"${tail}\n`);
}

/**
 * `sessions --json --no-cache` under a 256 MB heap on one Claude Code file of session `sid`, written by
 * `write` (given the file and the fields its lines share): the run, its document and the file's line
 * accounting [read, counted, ignored, skipped]. The run must succeed.
 */
async function sessionsOfWritten(
  sid: string,
  write: (fd: number, base: Record<string, unknown>) => void,
): Promise<{ run: Awaited<ReturnType<typeof spawnMeasured>>; doc: SessionsDoc; lines: number[] }> {
  const root = mkdtempSync(join(tmpdir(), 'te-hugeline-'));
  try {
    const file = join(root, `${sid}.jsonl`);
    const fd = openSync(file, 'w');
    try {
      write(fd, { parentUuid: null, isSidechain: false, cwd: '/w/p', sessionId: sid, version: '2.0.30' });
    } finally {
      closeSync(fd);
    }
    const run = await spawnMeasured(['sessions', '--json', '--no-cache', file], 256);
    assert.equal(run.exitCode, 0, run.stderr.slice(0, 2000));
    const doc = JSON.parse(run.stdout) as SessionsDoc;
    const f = doc.files[0];
    assert.ok(f);
    return { run, doc, lines: [f.linesRead, f.linesCounted, f.linesIgnored, f.linesSkipped] };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('a 30 MB single file is processed in bounded memory (peak RSS well under 256 MB)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'te-big-'));
  try {
    const file = join(root, 'big.jsonl');
    const { assistantLines } = writeBigClaudeFile(file, 30 * 1024 * 1024);
    const run = await spawnMeasured(['sessions', file], 256);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, /claude/);
    assert.ok(assistantLines > 10_000);
    assertPeakBelow(t, run, 200, 'for 30 MB of logs');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a line of 100 MB (one tool output) is read in the memory of its shortened form, the file\'s numbers unchanged', async (t) => {
  const { run, doc, lines } = await sessionsOfWritten('11111111-2222-4333-8444-555555555555', (fd, base) => {
    const assistant = (i: number): string =>
      JSON.stringify({
        ...base,
        uuid: `a${i}`,
        type: 'assistant',
        timestamp: `2026-02-02T09:0${i}:00.000Z`,
        requestId: `req_${i}`,
        message: { id: `msg_${i}`, role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000 * i, output_tokens: 7 } },
      });
    // The tool result comes first, before any prompt (a session opened with a command): shortened all the same.
    const output = Buffer.from('a line of output with \\"quotes\\", a \\\\ and an emoji \u{1F600}\\n'.repeat(50_000));
    writeHugeLine(fd, { ...base, uuid: 'u1', type: 'user', timestamp: '2026-02-02T08:59:30.000Z', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'X' }] } }, output, 100 * 1024 * 1024);
    writeSync(fd, `${JSON.stringify({ ...base, uuid: 'u0', type: 'user', timestamp: '2026-02-02T09:00:00.000Z', message: { role: 'user', content: 'fix the bug' } })}\n${assistant(1)}\n${assistant(2)}\n`);
  });
  assert.deepEqual(lines, [4, 2, 2, 0]);
  assert.deepEqual(doc.sessions.flatMap((s) => s.turns.map((x) => x.source.line)), [3, 4]);
  // Holding the line took its size twice over while it grew (~250 MB).
  assertPeakBelow(t, run, 150, 'for one line of 100 MB');
});

test('a first prompt of 70 MB (too long to read whole) is reported and skipped, not a crash', async (t) => {
  const { run, doc, lines } = await sessionsOfWritten('11111111-2222-4333-8444-555555555556', (fd, base) => {
    const pasted = Buffer.from('pasted log line with \\"quotes\\"\\n'.repeat(100_000));
    writeHugeLine(fd, { ...base, uuid: 'u0', type: 'user', timestamp: '2026-02-02T09:00:00.000Z', message: { role: 'user', content: 'X' } }, pasted, 70 * 1024 * 1024);
    const usage = { input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 7 };
    writeSync(fd, `${JSON.stringify({ ...base, uuid: 'a1', type: 'assistant', timestamp: '2026-02-02T09:01:00.000Z', requestId: 'req_1', message: { id: 'msg_1', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [], usage } })}\n`);
  });
  assert.deepEqual(lines, [2, 1, 0, 1]);
  const d = doc.diagnostics.find((x) => x.code === 'line-too-long');
  assert.ok(d && d.source?.line === 1 && /too long to read whole/.test(d.message), JSON.stringify(doc.diagnostics));
  assert.match(run.stderr, /skipped 1 malformed line in 1 file \(first: .*:1 line too long\)/);
  assertPeakBelow(t, run, 244, 'for a line of 70 MB');
});

test('a ~300 MB single file under --max-old-space-size=256 (TOKEN_ECON_HEAVY=1)', { timeout: 600_000 }, async (t) => {
  if (process.env['TOKEN_ECON_HEAVY'] !== '1') {
    t.skip('set TOKEN_ECON_HEAVY=1 to run the 300 MB bounded-memory test');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'te-huge-'));
  try {
    const file = join(root, 'huge.jsonl');
    writeBigClaudeFile(file, 300 * 1024 * 1024);
    const run = await spawnMeasured(['sessions', '--json', file], 256);
    assert.equal(run.exitCode, 0, run.stderr.slice(0, 2000));
    const doc = JSON.parse(run.stdout) as SessionsDoc;
    const f = doc.files[0];
    assert.ok(f && f.linesRead === f.linesCounted + f.linesIgnored + f.linesSkipped && f.linesSkipped === 0);
    t.diagnostic(`peak RSS ${run.peakRssMb?.toFixed(0) ?? '?'} MB for 300 MB of logs`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a file still being written: a consistent prefix, the half-written last line never counted as malformed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-grow-'));
  try {
    const file = join(root, 'growing.jsonl');
    writeBigClaudeFile(file, 8 * 1024 * 1024);
    const seed = readFileSync(SEED_FILE, 'utf8').split('\n').filter((l) => l.includes('"type":"assistant"'));
    const lineFor = (k: number): string =>
      (seed[k % seed.length] as string).replace(/"requestId":"([^"]+)"/, `"requestId":"$1_late${k}"`).replace(/"id":"(msg_[^"]+)"/, `"id":"$1_late${k}"`);
    // The agent is always mid-line: each write ends the previous line and starts the next one.
    let k = 0;
    let pending = lineFor(k);
    const half = (l: string): number => Math.floor(l.length / 2);
    appendFileSync(file, pending.slice(0, half(pending)));
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await new Promise((r) => setTimeout(r, 1));
        const next = lineFor(++k);
        appendFileSync(file, `${pending.slice(half(pending))}\n${next.slice(0, half(next))}`);
        pending = next;
      }
      appendFileSync(file, `${pending.slice(half(pending))}\n`);
    })();
    const run = await runCliInProcess(['sessions', '--json', file]);
    writing = false;
    await writer;
    assert.ok(k > 0, 'the writer wrote while the file was read');
    assert.equal(run.exitCode, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as SessionsDoc;
    const f = doc.files[0];
    assert.ok(f);
    assert.equal(f.linesRead, f.linesCounted + f.linesIgnored + f.linesSkipped);
    // A consistent prefix: the turns are exactly the first N assistant lines of the final file, no gap.
    const finalLines = readFileSync(file, 'utf8').split('\n');
    const assistantLineNos = finalLines.map((l, i) => (l.includes('"type":"assistant"') ? i + 1 : 0)).filter((n) => n > 0);
    const got = [...new Set(doc.sessions.flatMap((s) => s.turns.map((t) => t.source.line)))].sort((a, b) => a - b);
    assert.ok(got.length > 0);
    const prefix = new Set(assistantLineNos.filter((n) => n <= (got[got.length - 1] as number)));
    // Dedupe may drop repeated requests of the seed; every turn line must still be an assistant line of the prefix.
    for (const n of got) assert.ok(prefix.has(n), `turn from line ${n}, not a complete assistant line`);
    assert.ok(f.linesRead <= finalLines.length);
    const errors = doc.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(
      errors.map((d) => `${d.code}@${d.source?.line}: ${d.message.slice(0, 80)}`),
      [],
      'the line the agent was still writing is reported as malformed',
    );
    assert.equal(f.linesSkipped, 0, 'the half-written line is counted as skipped');
    assert.ok(!/malformed/.test(run.stderr), run.stderr);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a file cut by a crash (not growing): the cut last line is reported with file:line, the rest counted', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-cut-'));
  try {
    const file = join(root, 'cut.jsonl');
    const seed = readFileSync(SEED_FILE, 'utf8');
    const lines = seed.split('\n').filter((l) => l.length > 0);
    const lastAssistant = lines.map((l, i) => (l.includes('"type":"assistant"') ? i : -1)).filter((i) => i >= 0).pop() as number;
    const kept = lines.slice(0, lastAssistant);
    const cutLine = lines[lastAssistant] as string;
    writeFileSync(file, `${kept.join('\n')}\n${cutLine.slice(0, Math.floor(cutLine.length / 2))}`);
    writeFileSync(join(root, 'ref.jsonl'), `${kept.join('\n')}\n`);
    const run = await runCliInProcess(['sessions', '--json', file]);
    const ref = await runCliInProcess(['sessions', '--json', join(root, 'ref.jsonl')]);
    assert.equal(run.exitCode, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as SessionsDoc;
    const refDoc = JSON.parse(ref.stdout) as SessionsDoc;
    const turns = (d: SessionsDoc): number[] => d.sessions.flatMap((s) => s.turns.map((t) => t.outputTokens));
    assert.deepEqual(turns(doc), turns(refDoc), 'every complete line still counted');
    const cut = doc.diagnostics.filter((d) => d.source?.line === lastAssistant + 1);
    assert.equal(cut.length, 1, JSON.stringify(doc.diagnostics));
    assert.equal(cut[0]?.code, 'truncated-line');
    assert.equal(doc.files[0]?.linesSkipped, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
