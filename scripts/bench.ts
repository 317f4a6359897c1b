/**
 * `npm run bench`: token-econ vs ccusage vs a naive Node scan on realistic,
 * deterministically generated Claude Code logs (issue #5).
 *
 *   npm run bench -- [--size 100MB|1GB|3GB|6GB|both] [--runs 3] [--dir bench-data]
 *                    [--skip-generate] [--regenerate] [--only token-econ,token-econ-warm,ccusage,naive,byte-scan,byte-scan-mt]
 *                    [--entry bin/token-econ.js|<build>/src/cli/entry.js] [--command auto|analyze|sessions]
 *                    [--ccusage PATH] [--ccusage-prefix /tmp/ccusage-bench] [--seed N] [--payload default|dense] [--markdown]
 *
 * `--payload dense` makes tool payloads 16x smaller (same draws): ~4-5 KB per request like the recorded
 * project in shared/data/real instead of ~9-26 KB, i.e. 2-5x more requests in the same bytes, which is what
 * memory grows with (data in `claude-<size>-dense-seed<N>`).
 *
 * For each size: generate the data (or reuse it when its ledger matches),
 * warm the page cache, then run the tools alternately (order rotated every
 * run), N times each: token-econ (the real CLI: `analyze`, or `sessions` while
 * analyze is not implemented), ccusage when installed, and two baselines from
 * scripts/bench/ — a naive readline + JSON.parse scan and a byte-level
 * reference scanner on 1 and on all cores (the ingest design recommended in
 * BENCHMARKS.md). Prints median/min wall time, MB/s, peak RSS, CPU time,
 * ratios measured in this same run, and whether each tool's token totals equal
 * the generator's ledger. Exits 1 when token-econ (or the naive baseline)
 * fails or disagrees with the ledger; a ccusage disagreement is reported loudly
 * but does not fail the run (it is a finding about ccusage).
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release, availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { generateClaudeDataset, GENERATOR_VERSION, type Ledger } from './bench/generate-claude.js';
import { dataBytes, hasGnuTime, measure, median, warmPageCache, type RunResult } from './bench/harness.js';
import { ccusageTotals, compareWithLedger, naiveTotals, tokenEconTotals, type ComparableTotals } from './bench/totals.js';

/** 6GB: the memory target at a size where the requests alone no longer fit in it easily (issue 5: whatever the input). */
const SIZES: Record<string, number> = { '100MB': 100_000_000, '1GB': 1_000_000_000, '3GB': 3_000_000_000, '6GB': 6_000_000_000 };
const DEFAULT_SEED = 20250901;
/** `--payload`: GenerateOptions.payloadScale per name, and the data directory's infix. */
const PAYLOADS: Record<string, { scale: number; infix: string }> = { default: { scale: 1, infix: '' }, dense: { scale: 0.0625, infix: '-dense' } };

function dataDirOf(root: string, sizeName: string, payload: string, seed: number): string {
  return resolve(root, `claude-${sizeName}${(PAYLOADS[payload] as { infix: string }).infix}-seed${seed}`);
}

type ToolId = 'token-econ' | 'token-econ-warm' | 'ccusage' | 'naive' | 'byte-scan' | 'byte-scan-mt';
const TOOL_IDS: readonly ToolId[] = ['token-econ', 'token-econ-warm', 'ccusage', 'naive', 'byte-scan', 'byte-scan-mt'];

interface Tool {
  id: ToolId;
  label: string;
  cmd: string;
  args: string[];
  env: Record<string, string>;
  totals: (stdout: string) => ComparableTotals;
  /** Before each timed run (untimed), e.g. emptying a cache. */
  before?: () => void;
  /** Once before the first timed run (untimed), e.g. filling a cache. */
  prime?: boolean;
}

interface ToolSummary {
  tool: ToolId;
  label: string;
  runs: number;
  wallMsMedian: number;
  wallMsMin: number;
  mbPerSecond: number;
  peakRssMiB: number | null;
  cpuSMedian: number | null;
  totalsMatch: boolean;
  mismatches: string[];
  failed: string | null;
}

/** Which (wrong) rule of the ledger's variants a tool's totals match, to explain a mismatch. */
function explainMismatch(got: ComparableTotals, ledger: Ledger): string | null {
  for (const [name, v] of Object.entries(ledger.variants)) {
    if (compareWithLedger({ ...got, requests: null }, v).length === 0) return name;
  }
  return null;
}

function findCcusage(explicit: string | undefined, prefix: string): { bin: string; version: string } | null {
  const candidates = [explicit, process.env['CCUSAGE_BIN'], join(prefix, 'node_modules', '.bin', 'ccusage')].filter(
    (c): c is string => typeof c === 'string' && c.length > 0,
  );
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    let bin = c;
    // The npm package is a JS launcher for a native binary: time the binary itself (as `npx ccusage` ends up running it).
    try {
      const real = realpathSync(c);
      if (real.endsWith('.js')) {
        const native = join(dirname(real), '..', '..', '@ccusage', `ccusage-${process.platform}-${process.arch}`, 'bin', 'ccusage');
        if (existsSync(native)) {
          try {
            accessSync(native, constants.X_OK);
          } catch {
            // The launcher chmods the binary on first run.
            spawnSync(process.execPath, [real, '--version'], { stdio: 'ignore' });
          }
          bin = native;
        }
      }
    } catch {
      /* keep c */
    }
    const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (v.status === 0) return { bin, version: v.stdout.trim() };
  }
  return null;
}

function machine(): Record<string, string | number> {
  const cpu = cpus()[0]?.model ?? 'unknown';
  return {
    cpus: availableParallelism(),
    cpuModel: cpu.trim(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
    peakRss: hasGnuTime() ? 'GNU time %M' : '/proc VmHWM polling',
  };
}

function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

async function benchSize(
  sizeName: string,
  opts: {
    root: string;
    runs: number;
    skipGenerate: boolean;
    regenerate: boolean;
    only: ToolId[] | null;
    entry: string;
    command: string;
    commandNote: string;
    ccusage: { bin: string; version: string } | null;
    seed: number;
    payload: string;
    naiveScript: string;
    byteScanScript: string;
  },
): Promise<{ summaries: ToolSummary[]; ledger: Ledger; dataDir: string; bytes: number; files: number; failed: boolean; load: number[] }> {
  const target = SIZES[sizeName] as number;
  const dataDir = dataDirOf(opts.root, sizeName, opts.payload, opts.seed);
  const payloadScale = (PAYLOADS[opts.payload] as { scale: number }).scale;
  const ledgerPath = join(dataDir, 'ledger.json');
  let ledger: Ledger | null = null;
  if (existsSync(ledgerPath)) {
    const l = JSON.parse(readFileSync(ledgerPath, 'utf8')) as Ledger;
    if (l.generatorVersion === GENERATOR_VERSION && l.seed === opts.seed && l.targetBytes === target && (l.payloadScale ?? 1) === payloadScale) ledger = l;
  }
  if (opts.regenerate || !ledger) {
    if (opts.skipGenerate) throw new Error(`--skip-generate: no matching data in ${dataDir}`);
    rmSync(dataDir, { recursive: true, force: true });
    process.stdout.write(`generating ${sizeName} (seed ${opts.seed}) in ${dataDir} …\n`);
    const t0 = process.hrtime.bigint();
    ledger = generateClaudeDataset({
      dir: dataDir,
      targetBytes: target,
      seed: opts.seed,
      payloadScale,
      onProgress: (b) => process.stdout.write(`  ${(b / 1e6).toFixed(0)} MB\r`),
    });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(`generated ${(ledger.bytes / 1e6).toFixed(1)} MB in ${s.toFixed(1)} s (${(ledger.bytes / 1e6 / s).toFixed(0)} MB/s)\n`);
  }
  const projects = join(dataDir, 'projects');
  const { bytes, files } = dataBytes(projects);
  const mb = bytes / 1e6;
  process.stdout.write(
    `\n== ${sizeName}: ${mb.toFixed(1)} MB, ${files} files, ${ledger.lines} lines, largest file ${(ledger.largestFile.bytes / 1e6).toFixed(1)} MB; ` +
      `${ledger.totals.requests} unique requests\n`,
  );

  const emptyHome = join(opts.root, '.empty-home');
  mkdirSync(emptyHome, { recursive: true });
  const tools: Tool[] = [];
  if (!opts.only || opts.only.includes('naive')) {
    tools.push({ id: 'naive', label: 'naive readline+JSON.parse', cmd: process.execPath, args: [opts.naiveScript, projects], env: {}, totals: naiveTotals });
  }
  if (!opts.only || opts.only.includes('byte-scan')) {
    tools.push({ id: 'byte-scan', label: 'byte-scan reference, 1 thread', cmd: process.execPath, args: [opts.byteScanScript, projects], env: {}, totals: naiveTotals });
  }
  const threads = availableParallelism();
  if ((!opts.only || opts.only.includes('byte-scan-mt')) && threads > 1) {
    tools.push({
      id: 'byte-scan-mt',
      label: `byte-scan reference, ${threads} threads`,
      cmd: process.execPath,
      args: [opts.byteScanScript, projects, '--workers', String(threads)],
      env: {},
      totals: naiveTotals,
    });
  }
  // token-econ twice: with an empty parse/sweep cache before every run (a first run on these logs: it parses
  // everything and writes the cache), and with the cache a previous run left (a re-run on unchanged logs).
  const coldCache = join(opts.root, '.cache-cold');
  const warmCache = join(opts.root, '.cache-warm');
  const tokenEcon = (id: ToolId, what: string, cacheDir: string, extra: Pick<Tool, 'before' | 'prime'>): Tool => ({
    id,
    label: `token-econ ${opts.command} --json${opts.commandNote}, ${what}`,
    cmd: process.execPath,
    args: [opts.entry, opts.command, projects, '--json'],
    env: { HOME: emptyHome, NO_COLOR: '1', TOKEN_ECON_CACHE_DIR: cacheDir },
    totals: tokenEconTotals,
    ...extra,
  });
  if (!opts.only || opts.only.includes('token-econ')) {
    tools.push(tokenEcon('token-econ', 'empty cache', coldCache, { before: () => rmSync(coldCache, { recursive: true, force: true }) }));
  }
  if (!opts.only || opts.only.includes('token-econ-warm')) {
    rmSync(warmCache, { recursive: true, force: true });
    tools.push(tokenEcon('token-econ-warm', 'warm cache', warmCache, { prime: true }));
  }
  if (!opts.only || opts.only.includes('ccusage')) {
    if (opts.ccusage) {
      tools.push({
        id: 'ccusage',
        label: `${opts.ccusage.version.startsWith('ccusage') ? '' : 'ccusage '}${opts.ccusage.version} session --json --offline`,
        cmd: opts.ccusage.bin,
        args: ['session', '--json', '--offline'],
        // An empty HOME so ccusage finds no other agent's data; CLAUDE_CONFIG_DIR holds projects/.
        env: { HOME: emptyHome, CLAUDE_CONFIG_DIR: dataDir, NO_COLOR: '1' },
        totals: ccusageTotals,
      });
    } else {
      process.stdout.write('ccusage: not found (pass --ccusage PATH, set CCUSAGE_BIN, or `npm install --prefix /tmp/ccusage-bench ccusage@20.0.24`); skipped\n');
    }
  }

  await warmPageCache(projects);
  const loadBefore = loadavg()[0] as number;
  if (loadBefore > availableParallelism() * 0.5) {
    process.stdout.write(
      `!! load average ${loadBefore.toFixed(2)} on ${availableParallelism()} CPUs: other processes compete; wall times will be noisy (compare CPU s and ratios)\n`,
    );
  }
  const outDir = join(opts.root, '.out');
  mkdirSync(outDir, { recursive: true });
  const results = new Map<ToolId, RunResult[]>();
  const failures = new Map<ToolId, string>();
  for (const tool of tools) {
    if (!tool.prime) continue;
    const r = await measure(tool.cmd, tool.args, { env: tool.env, stdoutFile: join(outDir, `${sizeName}-${tool.id}.prime.json`) });
    process.stdout.write(`  prime ${pad(tool.label, 46)} ${pad(fmtMs(r.wallMs), 8, true)}  (untimed: fills the cache)\n`);
    if (r.exitCode !== 0) failures.set(tool.id, `exit ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  for (let run = 0; run < opts.runs; run++) {
    // Alternate: rotate the order each run so no tool always runs first.
    const order = tools.map((_, i) => tools[(i + run) % tools.length] as Tool);
    for (const tool of order) {
      if (failures.has(tool.id)) continue;
      tool.before?.();
      const r = await measure(tool.cmd, tool.args, { env: tool.env, stdoutFile: join(outDir, `${sizeName}-${tool.id}.json`) });
      if (r.exitCode !== 0) {
        failures.set(tool.id, `exit ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        continue;
      }
      const list = results.get(tool.id) ?? [];
      list.push(r);
      results.set(tool.id, list);
      process.stdout.write(
        `  run ${run + 1}/${opts.runs} ${pad(tool.label, 46)} ${pad(fmtMs(r.wallMs), 8, true)}  ${r.peakRssKiB !== null ? `${(r.peakRssKiB / 1024).toFixed(0)} MiB` : ''}\n`,
      );
    }
  }

  const summaries: ToolSummary[] = [];
  let failed = false;
  for (const tool of tools) {
    const rs = results.get(tool.id) ?? [];
    const failure = failures.get(tool.id) ?? null;
    let mismatches: string[] = [];
    if (rs.length > 0) {
      try {
        const got = tool.totals(readFileSync((rs[rs.length - 1] as RunResult).stdoutFile, 'utf8'));
        mismatches = compareWithLedger(got, ledger.totals);
        if (mismatches.length > 0) {
          const variant = explainMismatch(got, ledger);
          if (variant) mismatches.push(`(matches the ledger's "${variant}" variant)`);
        }
      } catch (err) {
        mismatches = [`could not read totals: ${err instanceof Error ? err.message : String(err)}`];
      }
    }
    const wall = rs.map((r) => r.wallMs);
    const rss = rs.map((r) => r.peakRssKiB).filter((x): x is number => x !== null);
    const cpu = rs.map((r) => (r.userCpuS ?? NaN) + (r.sysCpuS ?? NaN)).filter((x) => Number.isFinite(x));
    const s: ToolSummary = {
      tool: tool.id,
      label: tool.label,
      runs: rs.length,
      wallMsMedian: rs.length ? median(wall) : NaN,
      wallMsMin: rs.length ? Math.min(...wall) : NaN,
      mbPerSecond: rs.length ? mb / (median(wall) / 1000) : NaN,
      peakRssMiB: rss.length ? Math.max(...rss) / 1024 : null,
      cpuSMedian: cpu.length ? median(cpu) : null,
      totalsMatch: rs.length > 0 && mismatches.length === 0,
      mismatches,
      failed: failure,
    };
    summaries.push(s);
    if (tool.id !== 'ccusage' && (failure || mismatches.length > 0)) failed = true;
  }
  printTable(sizeName, summaries);
  const cc = summaries.find((x) => x.tool === 'ccusage' && x.runs > 0);
  for (const [id, what] of [
    ['token-econ', 'empty cache'],
    ['token-econ-warm', 'warm cache'],
  ] as const) {
    const te = summaries.find((x) => x.tool === id && x.runs > 0);
    if (!te) continue;
    // Issue #5 targets: no more wall time than ccusage in the same run; peak RSS ≤ 256 MB whatever the input.
    const speed = cc ? `${(te.wallMsMedian / cc.wallMsMedian).toFixed(2)}x ccusage → ${te.wallMsMedian <= cc.wallMsMedian ? 'met' : 'NOT met'}` : 'ccusage not measured';
    const rss = te.peakRssMiB === null ? 'not measured' : `${te.peakRssMiB.toFixed(0)} MiB → ${te.peakRssMiB * 1.048576 <= 256 ? 'met' : 'NOT met'}`;
    process.stdout.write(`targets (${sizeName}, ${what}): wall ≤ ccusage: ${speed}; peak RSS ≤ 256 MB: ${rss}\n`);
  }
  const loadAfter = loadavg()[0] as number;
  process.stdout.write(`load average (1 min) before/after: ${loadBefore.toFixed(2)} / ${loadAfter.toFixed(2)}\n`);
  return { summaries, ledger, dataDir, bytes, files, failed, load: [loadBefore, loadAfter] };
}

function printTable(sizeName: string, summaries: ToolSummary[]): void {
  const cc = summaries.find((s) => s.tool === 'ccusage' && s.runs > 0);
  const naive = summaries.find((s) => s.tool === 'naive' && s.runs > 0);
  process.stdout.write(
    `\n${pad(`tool (${sizeName})`, 48)} ${pad('median', 8, true)} ${pad('min', 8, true)} ${pad('MB/s', 7, true)} ${pad('peak RSS', 9, true)} ${pad('CPU s', 6, true)} ${pad('/ccusage', 8, true)} ${pad('/naive', 7, true)}  totals\n`,
  );
  for (const s of summaries) {
    if (s.runs === 0) {
      process.stdout.write(`${pad(s.label, 48)} FAILED ${s.failed ?? ''}\n`);
      continue;
    }
    const ratio = (other: ToolSummary | undefined): string => (other ? `${(s.wallMsMedian / other.wallMsMedian).toFixed(2)}x` : '-');
    process.stdout.write(
      `${pad(s.label, 48)} ${pad(fmtMs(s.wallMsMedian), 8, true)} ${pad(fmtMs(s.wallMsMin), 8, true)} ${pad(s.mbPerSecond.toFixed(0), 7, true)} ${pad(s.peakRssMiB !== null ? `${s.peakRssMiB.toFixed(0)} MiB` : '-', 9, true)} ${pad(s.cpuSMedian !== null ? s.cpuSMedian.toFixed(2) : '-', 6, true)} ${pad(ratio(cc), 8, true)} ${pad(ratio(naive), 7, true)}  ${s.totalsMatch ? '= ledger' : 'MISMATCH'}\n`,
    );
    for (const m of s.mismatches) process.stdout.write(`    !! ${s.tool}: ${m}\n`);
  }
}

function markdown(all: Array<{ size: string; summaries: ToolSummary[]; bytes: number; files: number; ledger: Ledger; load: number[] }>): string {
  const out: string[] = [];
  for (const r of all) {
    const cc = r.summaries.find((s) => s.tool === 'ccusage' && s.runs > 0);
    const naive = r.summaries.find((s) => s.tool === 'naive' && s.runs > 0);
    out.push(
      `### ${r.size}: ${(r.bytes / 1e6).toFixed(1)} MB, ${r.files} files, largest ${(r.ledger.largestFile.bytes / 1e6).toFixed(1)} MB, ${r.ledger.lines} lines, ${r.ledger.totals.requests} requests (load average ${r.load.map((x) => x.toFixed(2)).join(' → ')})`,
      '',
      '| tool | median wall | min | MB/s | peak RSS | CPU (user+sys) | vs ccusage | vs naive | totals = ledger |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const s of r.summaries) {
      if (s.runs === 0) {
        out.push(`| ${s.label} | failed | | | | | | | ${s.failed ?? ''} |`);
        continue;
      }
      const ratio = (o: ToolSummary | undefined): string => (o ? `${(s.wallMsMedian / o.wallMsMedian).toFixed(2)}×` : '–');
      out.push(
        `| ${s.label} | ${fmtMs(s.wallMsMedian)} | ${fmtMs(s.wallMsMin)} | ${s.mbPerSecond.toFixed(0)} | ${s.peakRssMiB !== null ? `${s.peakRssMiB.toFixed(0)} MiB` : '–'} | ${s.cpuSMedian !== null ? `${s.cpuSMedian.toFixed(2)} s` : '–'} | ${ratio(cc)} | ${ratio(naive)} | ${s.totalsMatch ? 'yes' : `**no**: ${s.mismatches.join('; ')}`} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: 'both' },
      runs: { type: 'string', default: '3' },
      dir: { type: 'string', default: 'bench-data' },
      'skip-generate': { type: 'boolean', default: false },
      regenerate: { type: 'boolean', default: false },
      only: { type: 'string' },
      entry: { type: 'string' },
      command: { type: 'string', default: 'auto' },
      ccusage: { type: 'string' },
      'ccusage-prefix': { type: 'string', default: '/tmp/ccusage-bench' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      payload: { type: 'string', default: 'default' },
      markdown: { type: 'boolean', default: false },
      'generate-only': { type: 'boolean', default: false },
    },
  });
  const sizes = values.size === 'both' ? ['100MB', '1GB'] : [values.size as string];
  for (const s of sizes) if (!(s in SIZES)) throw new Error(`--size must be 100MB, 1GB, 3GB, 6GB or both (100MB and 1GB; got ${s})`);
  const only = values.only ? (values.only.split(',') as ToolId[]) : null;
  if (only && !only.every((t) => TOOL_IDS.includes(t))) {
    throw new Error(`--only takes ${TOOL_IDS.join(', ')} (comma-separated)`);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const seed = Number(values.seed);
  const payload = values.payload as string;
  if (!(payload in PAYLOADS)) throw new Error(`--payload must be ${Object.keys(PAYLOADS).join(' or ')} (got ${payload})`);
  const root = resolve(values.dir as string);
  mkdirSync(root, { recursive: true });
  const here = dirname(fileURLToPath(import.meta.url));
  const naiveScript = join(here, 'bench', 'naive-scan.js');
  // Default: what `npx token-econ` runs, the bin of this checkout (dist/scripts/bench.js -> bin/token-econ.js), which
  // runs the bundle when it is at least as new as the module build (`npm run bench` builds both).
  const entry = values.entry ? resolve(values.entry) : join(here, '..', '..', 'bin', 'token-econ.js');
  if ((!only || only.includes('token-econ')) && !values['generate-only'] && !existsSync(entry)) throw new Error(`token-econ entry not found: ${entry} (run npm run build first)`);
  let command = values.command as string;
  let commandNote = '';
  if (command === 'auto') {
    // Prefer `analyze` (the issue's target); fall back to `sessions` (ingest + normalize only) while analyze is a placeholder.
    const help = spawnSync(process.execPath, [entry, 'analyze', '--help'], { encoding: 'utf8' });
    const ready = help.status === 0 && !/not (yet )?implemented/i.test(help.stdout + help.stderr);
    command = ready ? 'analyze' : 'sessions';
    if (!ready) commandNote = ' (fallback: analyze not implemented yet)';
  }
  const ccusage = !only || only.includes('ccusage') ? findCcusage(values.ccusage, values['ccusage-prefix'] as string) : null;

  const m = machine();
  process.stdout.write(
    `machine: ${m['cpus']} CPUs (${m['cpuModel']}), ${m['memoryGiB']} GiB, node ${m['node']}, Linux ${m['kernel']}; peak RSS via ${m['peakRss']}\n` +
      (ccusage ? `ccusage: ${ccusage.bin} (${ccusage.version})\n` : '') +
      `token-econ: node ${entry} ${command}${commandNote}\n`,
  );

  const all: Array<{ size: string; summaries: ToolSummary[]; bytes: number; files: number; ledger: Ledger; load: number[] }> = [];
  let failed = false;
  for (const size of sizes) {
    if (values['generate-only']) {
      const dataDir = dataDirOf(root, size, payload, seed);
      rmSync(dataDir, { recursive: true, force: true });
      const t0 = process.hrtime.bigint();
      const l = generateClaudeDataset({ dir: dataDir, targetBytes: SIZES[size] as number, seed, payloadScale: (PAYLOADS[payload] as { scale: number }).scale });
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      process.stdout.write(`${size}: ${(l.bytes / 1e6).toFixed(1)} MB, ${l.files} files in ${s.toFixed(1)} s → ${dataDir}\n`);
      continue;
    }
    const r = await benchSize(size, {
      root,
      runs,
      skipGenerate: values['skip-generate'] as boolean,
      regenerate: values.regenerate as boolean,
      only,
      entry,
      command,
      commandNote,
      ccusage,
      seed,
      payload,
      naiveScript,
      byteScanScript: join(here, 'bench', 'byte-scan.js'),
    });
    failed ||= r.failed;
    all.push({ size, summaries: r.summaries, bytes: r.bytes, files: r.files, ledger: r.ledger, load: r.load });
  }
  if (all.length > 0) {
    const resultsFile = join(root, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(resultsFile, `${JSON.stringify({ machine: m, ccusage, results: all.map((r) => ({ size: r.size, bytes: r.bytes, files: r.files, loadAverage: r.load, summaries: r.summaries })) }, null, 2)}\n`);
    process.stdout.write(`\nresults: ${resultsFile}\n`);
    if (values.markdown) process.stdout.write(`\n${markdown(all)}\n`);
  }
  if (failed) process.stdout.write('\nFAILED: token-econ (or the naive baseline) failed or disagreed with the ledger\n');
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
