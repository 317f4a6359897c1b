import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseText } from '../../src/ingest/ingest.js';
import { normalizeSessions } from '../../src/normalize/sessions.js';
import { totalsOf } from '../../src/normalize/totals.js';
import { isRandomId, pseudonymPath, pseudonymSession, redactIngestResult, redactString } from '../../src/normalize/redact.js';
import type { IngestResult } from '../../src/model/ingest.js';
import { ingestDir } from '../helpers/ingest.js';

const TRAPS = 'test/fixtures/claude-code/traps';
const SECRET_PATH = '/home/alice-secret/acme-private/-home-alice-secret-acme/0d2b0c55-1111-4222-8333-444455556666.jsonl';
const SECRET_PROMPT = 'SUPERSECRET-PROMPT-api_key=sk-live-123';

function numbersOf(result: IngestResult): unknown {
  return {
    sessions: result.sessions.map((s) => ({ totals: totalsOf(s.turns), turns: s.turns.map((t) => [t.timestampMs, t.inputTokens, t.cacheWrite5mTokens, t.cacheWrite1hTokens, t.cacheReadTokens, t.outputTokens, t.reportedCostUsd, t.source.line]), events: s.events.length, reported: s.reportedCost?.totalCostUsd ?? null })),
    files: result.files.map((f) => [f.bytes, f.linesRead, f.linesCounted, f.linesIgnored, f.linesSkipped, f.format]),
    diagnostics: result.diagnostics.map((d) => [d.code, d.severity, d.source?.line ?? null]),
    dup: result.duplicateTurnsDropped,
  };
}

/** A Claude Code file at a personal path, with a malformed line that quotes a secret prompt. */
function secretResult(): IngestResult {
  const good = readFileSync(`${TRAPS}/-home-u-proj/22222222-bbbb-4bbb-8bbb-000000000002.jsonl`, 'utf8')
    .replaceAll('/home/u/proj', '/home/alice-secret/acme-private')
    .replaceAll('Audit the repo', SECRET_PROMPT);
  const bad = `{"type":"user","cwd":"/home/alice-secret/acme-private","message":{"content":"${SECRET_PROMPT}"`;
  const parsed = parseText(SECRET_PATH, `${good}${bad}\n`, undefined, { relativePath: '-home-alice-secret-acme/0d2b0c55-1111-4222-8333-444455556666.jsonl' });
  return normalizeSessions([parsed], {});
}

test('redaction removes every path, project and quoted prompt but keeps all numbers', () => {
  const result = secretResult();
  const before = JSON.stringify(result);
  // The fixture really carries the secrets (otherwise this test could not fail).
  assert.ok(before.includes('alice-secret'), 'unredacted result mentions the path');
  assert.ok(result.diagnostics.some((d) => d.code === 'invalid-json' || d.code === 'truncated-line'), 'bad line reported');
  assert.ok(result.sessions.length > 0 && result.sessions.some((s) => s.project !== null));

  const redacted = redactIngestResult(result);
  const after = JSON.stringify(redacted);
  for (const secret of ['alice', 'acme', 'SUPERSECRET', 'sk-live', '/home/', SECRET_PATH, ...result.sessions.map((s) => s.project ?? '\u0000')]) {
    assert.ok(!after.includes(secret), `redacted output still contains ${secret}`);
  }
  assert.deepEqual(numbersOf(redacted), numbersOf(result));
  // The input is not mutated.
  assert.equal(JSON.stringify(result), before);
});

test('redaction of real fixtures: totals unchanged, pseudonyms stable and consistent', () => {
  const result = ingestDir(TRAPS);
  const a = redactIngestResult(result);
  const b = redactIngestResult(result);
  assert.deepEqual(a, b, 'deterministic without a salt');
  assert.deepEqual(numbersOf(a), numbersOf(result));
  const s = JSON.stringify(a);
  for (const f of result.files) assert.ok(!s.includes(f.file), `path ${f.file} left`);
  assert.ok(!s.includes('/home/u/proj') && !s.includes('-home-u-proj'));
  // Same file -> same pseudonym everywhere.
  for (const session of a.sessions) {
    for (const t of session.turns) assert.ok(session.files.includes(t.source.file), `${t.source.file} in ${session.files.join(',')}`);
    for (const f of session.files) assert.match(f, /^file-[0-9a-f]{8}\.jsonl$/);
    if (session.project !== null) assert.match(session.project, /^project-[0-9a-f]{8}$/);
  }
  assert.deepEqual(new Set(a.files.map((f) => f.file)).size, result.files.length, 'distinct files stay distinct');
  // Random (UUID) session ids stay; a salt changes the pseudonyms.
  assert.deepEqual(a.sessions.map((x) => x.id), result.sessions.map((x) => x.id));
  const salted = redactIngestResult(result, 'pepper');
  assert.notEqual(salted.files[0]?.file, a.files[0]?.file);
});

test('session ids derived from names are pseudonymised, random ids kept', () => {
  assert.ok(isRandomId('0d2b0c55-1111-4222-8333-444455556666'));
  assert.ok(isRandomId('0199aaaa-0000-7000-8000-000000000001'));
  assert.equal(pseudonymSession('0d2b0c55-1111-4222-8333-444455556666'), '0d2b0c55-1111-4222-8333-444455556666');
  assert.match(pseudonymSession('alice-debug-chat'), /^session-[0-9a-f]{8}$/);
  assert.match(pseudonymSession('acme-billing'), /^session-[0-9a-f]{8}$/);
  assert.equal(pseudonymPath('<stdin>'), '<stdin>');
  assert.match(pseudonymPath('C:\\Users\\bob\\log.JSONL'), /^file-[0-9a-f]{8}\.jsonl$/);
  assert.match(pseudonymPath('/tmp/no-extension'), /^file-[0-9a-f]{8}$/);
});

test('redactString scrubs quoted text and path-like tokens, idempotently', () => {
  const s = 'invalid JSON (Unexpected end): {"message":"my secret plan"} in /home/bob/work/x.jsonl and C:\\Users\\bob\\y.csv and ~/notes/z.txt';
  const r = redactString(s);
  for (const secret of ['secret plan', 'bob', '/home', 'Users', 'notes']) assert.ok(!r.includes(secret), `${secret} in ${r}`);
  assert.ok(r.startsWith('invalid JSON (Unexpected end)'));
  assert.equal(redactString(r), r);
});

test('--redact option: one flag, redacts only when given, salt from TOKEN_ECON_REDACT_SALT', async () => {
  const { Command } = await import('commander');
  const { addRedactOption, redactIfRequested } = await import('../../src/cli/redact-option.js');
  const cmd = addRedactOption(new Command('x').exitOverride());
  cmd.parse(['--redact'], { from: 'user' });
  const raw = cmd.opts();
  assert.equal(raw['redact'], true);
  const result = secretResult();
  assert.equal(redactIfRequested({ env: {} }, {}, result), result, 'unchanged without --redact');
  const plain = redactIfRequested({ env: {} }, raw, result);
  assert.ok(!JSON.stringify(plain).includes('alice'));
  const salted = redactIfRequested({ env: { TOKEN_ECON_REDACT_SALT: 's3cret' } }, raw, result);
  assert.notEqual(salted.files[0]?.file, plain.files[0]?.file);
});
