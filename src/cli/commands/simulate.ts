import { Option } from 'commander';
import type { CommandModule } from './index.js';
import type { CliContext } from '../context.js';
import { InputError } from '../../errors.js';
import { addPricingOptions, loadPriceTable } from '../pricing-options.js';
import {
  addFleetOptions,
  addSimulationOptions,
  parseDurationFlag,
  parseTokenFlag,
  readFleetOptions,
  readSimulationParams,
  parseStrategies,
} from '../simulation-options.js';
import { decideColor } from './analyze.js';
import { addJsonFormatOptions, jsonDocumentText, jsonIndent } from '../json-output.js';
import { DEFAULT_FLEET } from '../../pipeline.js';
import type { ScenarioPause } from '../../model/simulate-report.js';
import { createPriceResolver } from '../../price/resolve.js';
import { DEFAULT_SESSION_INTERVAL_MS, parseGap, validateScenarioSpec, type ScenarioSpec } from '../../simulate/scenario.js';
import { isStrategyId, STRATEGY_IDS } from '../../simulate/strategies/index.js';
import type { SimulationTerminalOptions } from '../../render/simulation.js';

/** Defaults of the synthetic scenario: a mid-sized coding-agent session. */
export const SIMULATE_DEFAULTS = Object.freeze({
  turns: 30,
  systemTokens: 12_000,
  turnTokens: 2_500,
  outputTokens: 500,
  reasoningTokens: 0,
  gap: '30s',
  seed: 1,
  model: 'claude-sonnet-4-5',
});

/** --sessions defaults to --runs-per-day (one agent's day) up to this many runs. */
const MAX_DEFAULT_SESSIONS = 1_000;
const MAX_SESSIONS = 100_000;
/**
 * Turns × sessions above this would hold gigabytes of per-turn rows (250K turns
 * under four strategies take ~0.6 GB); --json prints every row, so it stops
 * earlier (50K turns make a ~0.2 GB document).
 */
const MAX_TOTAL_TURNS = 250_000;
const MAX_JSON_TURNS = 50_000;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseWhole(flag: string, raw: unknown, min: number, max: number): number {
  const text = String(raw).trim().replace(/_/g, '');
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new InputError(`${flag}: "${String(raw)}" is not a whole number`);
  if (n < min || n > max) throw new InputError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function parsePauses(raw: unknown): ScenarioPause[] {
  const specs = Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];
  const pauses: ScenarioPause[] = [];
  for (const spec of specs) {
    for (const part of spec.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
      const m = /^(\d+)\s*=\s*(.+)$/.exec(part);
      if (!m) throw new InputError(`--pause: expected TURN=DURATION, got "${part}"`, 'e.g. --pause 6=10m (a 10-minute pause before turn 6)');
      const turn = Number(m[1]);
      if (pauses.some((p) => p.turn === turn)) throw new InputError(`--pause: turn ${turn} is given twice`);
      pauses.push({ turn, gapMs: parseDurationFlag('--pause', m[2]) });
    }
  }
  return pauses;
}

function parseDetail(raw: unknown): SimulationTerminalOptions['detail'] {
  if (raw === undefined) return 'auto';
  const v = String(raw).trim().toLowerCase();
  if (v === 'none' || v === 'off' || v === 'auto') return v === 'auto' ? 'auto' : 'none';
  if (!isStrategyId(v)) throw new InputError(`--detail: unknown strategy "${String(raw)}"`, `one of: ${STRATEGY_IDS.join(', ')}, none`);
  return v;
}

async function run(ctx: CliContext, paths: string[], raw: Record<string, unknown>): Promise<void> {
  const params = readSimulationParams(raw);
  const strategies = parseStrategies(raw['compare'], params.replayHitRate !== null ? ['transcript', 'state', 'replay', 'nocache'] : ['transcript', 'state', 'nocache']);
  const detail = parseDetail(raw['detail']);
  if (detail !== 'auto' && detail !== 'none' && !strategies.includes(detail)) {
    throw new InputError(`--detail ${detail}: not among the compared strategies (${strategies.join(', ')})`);
  }
  const { fleet, defaulted } = readFleetOptions(raw, DEFAULT_FLEET);

  const turns = raw['turns'] === undefined ? SIMULATE_DEFAULTS.turns : parseWhole('--turns', raw['turns'], 1, MAX_TOTAL_TURNS);
  const transcriptTokens = raw['transcriptTokens'] === undefined ? null : parseTokenFlag('--transcript-tokens', raw['transcriptTokens']);
  if (transcriptTokens !== null && raw['turnTokens'] !== undefined) {
    throw new InputError('give either --turn-tokens or --transcript-tokens, not both', '--transcript-tokens spreads a total over the turns');
  }
  const token = (key: string, flag: string, fallback: number): number => (raw[key] === undefined ? fallback : parseTokenFlag(flag, raw[key]));
  const gapText = raw['gap'] === undefined ? SIMULATE_DEFAULTS.gap : String(raw['gap']);
  const gap = parseGap(gapText);
  if ('error' in gap) throw new InputError(gap.error, 'e.g. 2m, exp:5m, lognormal:median=3m,p90=20m, uniform:1m..10m');

  const notes: string[] = [];
  let sessions: number;
  if (raw['sessions'] !== undefined) sessions = parseWhole('--sessions', raw['sessions'], 1, MAX_SESSIONS);
  else if (!defaulted.includes('runsPerDay')) {
    // One agent's day: the per-run averages (replay's hit rate in particular) then match the projection.
    const wanted = Math.max(1, Math.ceil(fleet.runsPerDay));
    sessions = Math.min(wanted, MAX_DEFAULT_SESSIONS);
    if (wanted > MAX_DEFAULT_SESSIONS) notes.push(`${MAX_DEFAULT_SESSIONS} runs simulated (not all ${wanted} runs of a day); --sessions sets the number`);
  } else sessions = 1;
  const maxTurns = raw['json'] === true ? MAX_JSON_TURNS : MAX_TOTAL_TURNS;
  if (turns * sessions > maxTurns) {
    throw new InputError(
      `--turns ${turns} × ${sessions} runs is more than ${maxTurns.toLocaleString('en-US')} simulated turns${raw['json'] === true ? ' for --json (it lists every request)' : ''}`,
      'simulate fewer runs (--sessions) or turns; the per-run averages settle after a few dozen runs',
    );
  }

  const table = await loadPriceTable(ctx, raw);
  let model: string;
  if (raw['model'] !== undefined) model = String(raw['model']).trim();
  else {
    const custom = [...new Set(table.models.filter((m) => m.source === '--price').map((m) => m.id))];
    if (custom.length > 1) throw new InputError(`--price was given for ${custom.length} models (${custom.join(', ')}); choose one with --model`);
    model = custom[0] ?? SIMULATE_DEFAULTS.model;
  }

  const spec: ScenarioSpec = {
    turns,
    systemTokens: token('systemTokens', '--system-tokens', SIMULATE_DEFAULTS.systemTokens),
    turnTokens: transcriptTokens === null ? token('turnTokens', '--turn-tokens', SIMULATE_DEFAULTS.turnTokens) : 0,
    outputTokens: token('outputTokens', '--output-tokens', SIMULATE_DEFAULTS.outputTokens),
    reasoningTokens: token('reasoningTokens', '--reasoning-tokens', SIMULATE_DEFAULTS.reasoningTokens),
    transcriptTokens,
    gap,
    pauses: parsePauses(raw['pause']),
    sessions,
    model,
    seed: raw['seed'] === undefined ? SIMULATE_DEFAULTS.seed : parseWhole('--seed', raw['seed'], 0, 0xffffffff),
    sessionIntervalMs: DEFAULT_SESSION_INTERVAL_MS,
  };
  const problem = validateScenarioSpec(spec);
  if (problem) throw new InputError(problem);
  if (paths.length > 0) {
    throw new InputError(
      `simulate builds synthetic workloads from flags and reads no logs (got ${paths.length === 1 ? `"${paths[0]}"` : `${paths.length} paths`})`,
      'to price real sessions run `token-econ analyze <paths>`',
    );
  }

  // Loaded when used (start-up time of the other commands).
  const { buildSimulationReport } = await import('../../simulate/scenario-report.js');
  const report = buildSimulationReport(spec, createPriceResolver(table), params, { strategies, fleet, fleetDefaulted: defaulted, notes });
  const text =
    raw['json'] === true
      ? jsonDocumentText((await import('../../render/simulation-json.js')).toSimulationJson(report), jsonIndent(ctx, raw))
      : (await import('../../render/simulation.js')).renderSimulationTerminal(report, { color: decideColor(ctx, raw, false), width: ctx.columns, detail });
  await ctx.writeStdout(text);
}

export const simulateCommand: CommandModule = {
  name: 'simulate',
  register(program, ctx) {
    const d = SIMULATE_DEFAULTS;
    const cmd = program
      .command('simulate')
      .description('cost of a synthetic agent workload (no logs needed) under each context strategy, with per-turn curves and a fleet projection')
      // Paths are not arguments of simulate; they are accepted only to say so in one line.
      .allowExcessArguments(true)
      .option('--turns <n>', `turns per session (default ${d.turns})`)
      .option('--system-tokens <n>', `fixed prefix of every request: system prompt + tools (default ${d.systemTokens})`)
      .option('--turn-tokens <n>', `context each turn appends: user message, tool results (default ${d.turnTokens})`)
      .option('--output-tokens <n>', `visible output per turn; it joins the next prompt (default ${d.outputTokens})`)
      .option('--reasoning-tokens <n>', 'reasoning per turn: billed as output, not carried into the next prompt (default 0)')
      .option('--transcript-tokens <n>', 'instead of --turn-tokens: the conversation reaches this size after the last turn, spread evenly over the turns')
      .option('--gap <spec>', `idle gap between turns: 2m, exp:5m, lognormal:median=3m,p90=20m, lognormal:MU,SIGMA, uniform:1m..10m (default ${d.gap})`)
      .option('--pause <turn=duration>', 'one-off pause before a turn, e.g. 6=10m (repeatable)', collect)
      .option('--seed <n>', `seed of random gaps; the same seed gives the same run (default ${d.seed})`)
      .option('--sessions <n>', 'runs (sessions) to simulate, each on its own cache (default: --runs-per-day when given, else 1)')
      .option('--model <id>', `model priced (default ${d.model}, or the model of a single --price)`)
      .option('--compare <strategies>', `strategies, comma-separated: ${STRATEGY_IDS.join(', ')} (default transcript,state,nocache, plus replay with --replay-hit-rate)`)
      .option('--detail <strategy>', 'per-turn table of the first run for this strategy, or "none" (default: the first strategy when the run is short)')
      .option('--json', 'print the versioned JSON document (schema/simulate.schema.json)')
      .addOption(new Option('--color', 'force colours'))
      .addOption(new Option('--no-color', 'no colours (also NO_COLOR=1)'));
    addJsonFormatOptions(cmd);
    addFleetOptions(cmd, DEFAULT_FLEET);
    addPricingOptions(cmd);
    addSimulationOptions(cmd);
    cmd.addHelpText(
      'after',
      [
        '',
        'Examples (the source articles\' figures):',
        '  token-econ simulate --turns 44 --transcript-tokens 3777 --system-tokens 0 --output-tokens 0 --compare transcript,state',
        '  token-econ simulate --turns 1 --system-tokens 2000 --turn-tokens 0 --output-tokens 1000 --reasoning-tokens 1000 \\',
        '    --price "model=flat,input=30,output=30" --agents 1 --runs-per-day 100 --retry-rate 0 --replay-hit-rate 0.85',
        '  token-econ simulate --turns 10 --system-tokens 12000 --turn-tokens 5000 --output-tokens 0 --gap 1m --ttl 5m --pause 6=10m',
      ].join('\n'),
    );
    cmd.action(async (raw: Record<string, unknown>, command: { args: string[] }) => {
      await run(ctx, command.args, raw);
    });
    return cmd;
  },
};
