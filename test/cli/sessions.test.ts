import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess, spawnCli } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const TRAPS = 'test/fixtures/claude-code/traps';
const TRAPS_GLOB = `${TRAPS}/**/*.jsonl`;

test('sessions on the shipped Claude Code samples (golden)', async () => {
  const run = await runCliInProcess(['sessions', 'samples/claude-code'], { columns: 120 });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.stderr, '');
  golden('sessions-samples-claude-code.txt', run.stdout);
});

test('sessions on all shipped agent samples (golden, mixed formats)', async () => {
  const run = await runCliInProcess(['sessions', 'samples/claude-code', 'samples/codex', 'samples/claude-stream-json'], { columns: 120 });
  assert.equal(run.exitCode, 0, run.stderr);
  golden('sessions-samples-agents.txt', run.stdout);
});

test('sessions on the trap fixtures (golden): totals line and the unsplit-writes note', async () => {
  const run = await runCliInProcess(['sessions', TRAPS_GLOB], { columns: 120 });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /Total: 3 claude-code sessions, 12 turns; input 60, cache write 5m 8,950, cache write 1h 1,000, cache read 8,700, output 915 tokens/);
  assert.match(run.stdout, /Note: 200 write tokens had no 5m\/1h split in the log; counted as 5-minute writes\./);
  golden('sessions-traps.txt', run.stdout);
});

test('--json: versioned document with per-turn rows, files, diagnostics', async () => {
  const run = await runCliInProcess(['sessions', '--json', TRAPS_GLOB]);
  assert.equal(run.exitCode, 0, run.stderr);
  const doc = JSON.parse(run.stdout);
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.kind, 'sessions');
  assert.equal(doc.tool.name, 'token-econ');
  assert.match(doc.tool.version, /^\d+\.\d+\.\d+/);
  assert.equal(doc.duplicateTurnsDropped, 5);
  assert.equal(doc.sessions.length, 3);
  const s1 = doc.sessions.find((s: { id: string }) => s.id.startsWith('1111'));
  assert.equal(s1.turns.length, 6);
  assert.equal(s1.totals.cacheReadTokens, 2700);
  assert.deepEqual(s1.streams.map((x: { streamId: string }) => x.streamId), ['main', 'agent-abc123']);
  assert.equal(s1.firstTimestamp, '2026-02-01T10:00:03.000Z');
  assert.equal(s1.compactions, 1);
  for (const t of s1.turns) {
    assert.equal(t.promptTokens, t.inputTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens + t.cacheReadTokens);
    assert.equal(typeof t.source.line, 'number');
  }
  assert.equal(doc.files.length, 4);
  for (const f of doc.files) assert.equal(f.linesRead, f.linesCounted + f.linesIgnored + f.linesSkipped);
  assert.ok(Array.isArray(doc.diagnostics));
});

test('stdin via -', async () => {
  const text = readFileSync(`${TRAPS}/-home-u-proj/22222222-bbbb-4bbb-8bbb-000000000002.jsonl`, 'utf8');
  const run = await runCliInProcess(['sessions', '--json', '-'], { stdin: text });
  assert.equal(run.exitCode, 0, run.stderr);
  const doc = JSON.parse(run.stdout);
  assert.equal(doc.sessions.length, 1);
  assert.equal(doc.sessions[0].totals.turns, 5);
  assert.equal(doc.files[0].file, '<stdin>');
  const spawned = await spawnCli(['sessions', '-'], { stdin: text });
  assert.equal(spawned.exitCode, 0, spawned.stderr);
  assert.match(spawned.stdout, /22222222/);
});

test('directory recursion finds subagent files; globs match', async () => {
  const dir = await runCliInProcess(['sessions', '--json', 'samples/claude-code']);
  const doc = JSON.parse(dir.stdout);
  assert.equal(doc.files.length, 3);
  assert.ok(doc.files.some((f: { file: string }) => f.file.includes('/subagents/agent-')));
  const withAgent = doc.sessions.find((s: { streams: unknown[] }) => s.streams.length === 2);
  assert.ok(withAgent.turns.some((t: { model: string }) => t.model.includes('haiku')));
  const glob = await runCliInProcess(['sessions', '--json', 'test/fixtures/codex/rollout-2025-1?-*.jsonl']);
  assert.equal(glob.exitCode, 0, glob.stderr);
  assert.deepEqual(JSON.parse(glob.stdout).files.map((f: { file: string }) => f.file), [
    'test/fixtures/codex/rollout-2025-11-02T10-00-00-0199aaaa-0000-7000-8000-000000000001.jsonl',
  ]);
  const none = await runCliInProcess(['sessions', 'test/fixtures/codex/*.nothing']);
  assert.equal(none.exitCode, 2);
  assert.match(none.stderr, /no files match/);
});

test('filters: --since/--until, --session, --project; a bad date is exit 2', async () => {
  const since = JSON.parse((await runCliInProcess(['sessions', '--json', '--since', '2026-02-02', '--until', '2026-02-02', TRAPS_GLOB])).stdout);
  assert.deepEqual(since.sessions.map((s: { id: string }) => s.id.slice(0, 4)), ['2222']);
  const session = JSON.parse((await runCliInProcess(['sessions', '--json', '--session', '3333', TRAPS_GLOB, '--session', '1111'])).stdout);
  assert.deepEqual(session.sessions.map((s: { id: string }) => s.id.slice(0, 4)), ['1111', '3333']);
  const project = JSON.parse((await runCliInProcess(['sessions', '--json', '--project', 'nomatch', TRAPS_GLOB])).stdout);
  assert.equal(project.sessions.length, 0);
  const projects = JSON.parse((await runCliInProcess(['sessions', '--json', '--project', 'nomatch,U-PROJ', TRAPS_GLOB])).stdout);
  assert.equal(projects.sessions.length, 3);
  const bad = await runCliInProcess(['sessions', '--since', '2026-02-30', TRAPS_GLOB]);
  assert.equal(bad.exitCode, 2);
  assert.equal(bad.stderr.split('\n')[0], 'token-econ: --since: 2026-02-30 is not a valid date');
  const badFormat = await runCliInProcess(['sessions', '--format', 'nope', TRAPS_GLOB]);
  assert.equal(badFormat.exitCode, 2);
});

test('a missing path is a one-line error with exit 2 (spawned, no stack)', async () => {
  const run = await spawnCli(['sessions', 'no/such/file.jsonl']);
  assert.equal(run.exitCode, 2);
  assert.equal(run.stderr, 'token-econ: cannot read no/such/file.jsonl: no such file or directory\n');
});

test('malformed lines: counted and summarised in one stderr line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-h1-'));
  try {
    const good = readFileSync(`${TRAPS}/-home-u-proj/33333333-cccc-4ccc-8ccc-000000000003.jsonl`, 'utf8');
    writeFileSync(join(dir, 'a.jsonl'), `${good}{"type":"assistant", broken\n`);
    writeFileSync(join(dir, 'notes.txt'), 'just some notes\n');
    const run = await runCliInProcess(['sessions', dir]);
    assert.equal(run.exitCode, 0);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal(
      lines[0],
      `token-econ: skipped 1 malformed line in 1 file (first: ${dir}/a.jsonl:5 invalid JSON); 1 file in no known format (${dir}/notes.txt); see --json for the full list`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('default locations: $CLAUDE_CONFIG_DIR (comma list) and $CODEX_HOME', async () => {
  const home = mkdtempSync(join(tmpdir(), 'te-h1-home-'));
  try {
    cpSync(TRAPS, join(home, 'claude-a', 'projects'), { recursive: true });
    mkdirSync(join(home, 'codex', 'sessions', '2025', '11', '02'), { recursive: true });
    cpSync('test/fixtures/codex/rollout-2025-11-02T10-00-00-0199aaaa-0000-7000-8000-000000000001.jsonl', join(home, 'codex', 'sessions', '2025', '11', '02', 'rollout-2025-11-02T10-00-00-0199aaaa-0000-7000-8000-000000000001.jsonl'));
    const env = { HOME: home, CLAUDE_CONFIG_DIR: `${join(home, 'claude-a')},${join(home, 'missing')}`, CODEX_HOME: join(home, 'codex') };
    const run = await runCliInProcess(['sessions', '--json'], { env });
    assert.equal(run.exitCode, 0, run.stderr);
    const doc = JSON.parse(run.stdout);
    assert.equal(doc.sessions.length, 4);
    assert.ok(doc.files.every((f: { file: string }) => f.file.endsWith('.jsonl')), 'expected-totals.json is not a default log');
    const empty = await runCliInProcess(['sessions'], { env: { HOME: join(home, 'nothing-here') } });
    assert.equal(empty.exitCode, 2);
    assert.match(empty.stderr, /no logs given and none found/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('--json is streamed in pieces whose text is exactly JSON.stringify of the whole document', async () => {
  const { sessionsDocument, sessionsJsonChunks } = await import('../../src/cli/commands/sessions.js');
  const { loadSessions, readInputOptions } = await import('../../src/cli/input-options.js');
  const ctx = { env: { TOKEN_ECON_THREADS: '1' }, cwd: process.cwd() } as unknown as Parameters<typeof loadSessions>[0];
  for (const paths of [[TRAPS_GLOB], ['samples/claude-code', 'samples/codex'], ['test/fixtures/claude-code/real-v1.0.98']]) {
    const result = await loadSessions(ctx, paths, readInputOptions({}));
    const pieces = [...sessionsJsonChunks(result)];
    assert.equal(pieces.join(''), `${JSON.stringify(sessionsDocument(result), null, 2)}\n`);
    const pretty = await runCliInProcess(['sessions', '--json', '--pretty', ...paths], { env: { TOKEN_ECON_THREADS: '1' } });
    assert.equal(pretty.stdout, pieces.join(''));
    // Not a TTY: compact by default, JSON.stringify without indentation.
    const compactPieces = [...sessionsJsonChunks(result, 0)];
    assert.equal(compactPieces.join(''), `${JSON.stringify(sessionsDocument(result))}\n`);
    const run = await runCliInProcess(['sessions', '--json', ...paths], { env: { TOKEN_ECON_THREADS: '1' } });
    assert.equal(run.stdout, compactPieces.join(''));
    assert.equal(run.stdout.indexOf('\n'), run.stdout.length - 1);
  }
});
