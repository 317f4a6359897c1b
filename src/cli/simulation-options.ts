/**
 * Strategy flags shared by `simulate` and `analyze`, mapped 1:1 onto
 * SimulationParams (src/simulate/params.ts documents every default):
 * --ttl, --compact-at, --summary-tokens, --state-ratio, --state-cap,
 * --state-update-model, --state-update-every, --replay-hit-rate,
 * --replay-ttl, --replay-cost.
 */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { parseDurationMs } from '../simulate/duration.js';
import type { StrategyId } from '../model/simulation.js';
import { DEFAULT_SIMULATION_PARAMS, validateSimulationParams, type SimulationParams } from '../simulate/params.js';
import { isStrategyId, STRATEGY_IDS } from '../simulate/strategies/index.js';

export function addSimulationOptions(cmd: Command): Command {
  return cmd
    .option('--ttl <duration>', 'cache TTL of every write: 5m, 1h, 300s… (default: the TTL the log used, else the provider default)')
    .option('--compact-at <tokens>', 'compact the transcript when the context passes this many tokens, or "off" (default: context window − 33K)')
    .option('--summary-tokens <n>', `size of a compaction summary in tokens (default ${DEFAULT_SIMULATION_PARAMS.summaryTokens})`)
    .option('--state-ratio <ratio>', `state size as a share of the transcript it replaces, 0..1 (default ${DEFAULT_SIMULATION_PARAMS.stateRatio.toFixed(3)})`)
    .option('--state-cap <tokens>', `upper bound of the state in tokens (default ${DEFAULT_SIMULATION_PARAMS.stateCapTokens})`)
    .option('--state-update-model <model>', 'model of the state-update request (default: the turn\'s model)')
    .option('--state-update-every <n>', `a state update after every n-th turn (default ${DEFAULT_SIMULATION_PARAMS.stateUpdateEvery})`)
    .option('--replay-hit-rate <ratio>', 'share of runs replayed when logs carry no task fingerprint, 0..1 (default: no replay without fingerprints)')
    .option('--replay-ttl <duration>', 'a remembered execution path is forgotten after this long, e.g. 7d, or "never" (default never)')
    .option('--replay-cost <tokens>', `tokens a replayed run still costs (default ${DEFAULT_SIMULATION_PARAMS.replayCostTokens})`);
}

function num(flag: string, raw: unknown, integer: boolean): number {
  const text = String(raw).trim().replace(/_/g, '');
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text);
  if (!m) throw new InputError(`${flag}: "${String(raw)}" is not a number`);
  const scale = m[2] === 'k' || m[2] === 'K' ? 1_000 : m[2] === 'm' || m[2] === 'M' ? 1_000_000 : 1;
  const n = Number(m[1]) * scale;
  if (integer && !Number.isInteger(n)) throw new InputError(`${flag}: "${String(raw)}" is not a whole number`);
  return n;
}

function ratio(flag: string, raw: unknown): number {
  const text = String(raw).trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const n = pct ? Number(pct[1]) / 100 : Number(text);
  if (text.length === 0 || !Number.isFinite(n)) throw new InputError(`${flag}: "${String(raw)}" is not a ratio`, 'e.g. 0.2 or 20%');
  if (n < 0 || n > 1) throw new InputError(`${flag}: ${text} is not between 0 and 1`);
  return n;
}

function duration(flag: string, raw: unknown): number {
  const ms = parseDurationMs(String(raw));
  if (ms === null || ms <= 0) throw new InputError(`${flag}: cannot read "${String(raw)}" as a duration`, 'e.g. 5m, 1h, 300s, 7d');
  return ms;
}

/** Reads the flags into SimulationParams (defaults for absent ones); throws InputError on bad values. */
export function readSimulationParams(raw: Record<string, unknown>): SimulationParams {
  const p: SimulationParams = { ...DEFAULT_SIMULATION_PARAMS };
  if (raw['ttl'] !== undefined) {
    const v = String(raw['ttl']).trim().toLowerCase();
    p.ttlSeconds = v === 'log' || v === 'auto' ? null : duration('--ttl', raw['ttl']) / 1000;
  }
  if (raw['compactAt'] !== undefined) {
    const v = String(raw['compactAt']).trim().toLowerCase();
    if (v === 'off' || v === 'none' || v === 'never') p.compaction = false;
    else {
      p.compaction = true;
      p.compactAtTokens = num('--compact-at', raw['compactAt'], true);
      if (p.compactAtTokens <= 0) throw new InputError('--compact-at must be a positive number of tokens, or "off"');
    }
  }
  if (raw['summaryTokens'] !== undefined) p.summaryTokens = num('--summary-tokens', raw['summaryTokens'], true);
  if (raw['stateRatio'] !== undefined) p.stateRatio = ratio('--state-ratio', raw['stateRatio']);
  if (raw['stateCap'] !== undefined) p.stateCapTokens = num('--state-cap', raw['stateCap'], true);
  if (raw['stateUpdateModel'] !== undefined) {
    const m = String(raw['stateUpdateModel']).trim();
    if (m.length === 0) throw new InputError('--state-update-model needs a model id');
    p.stateUpdateModel = m;
  }
  if (raw['stateUpdateEvery'] !== undefined) {
    p.stateUpdateEvery = num('--state-update-every', raw['stateUpdateEvery'], true);
    if (p.stateUpdateEvery < 1) throw new InputError('--state-update-every must be 1 or more');
  }
  if (raw['replayHitRate'] !== undefined) p.replayHitRate = ratio('--replay-hit-rate', raw['replayHitRate']);
  if (raw['replayTtl'] !== undefined) {
    const v = String(raw['replayTtl']).trim().toLowerCase();
    p.replayTtlMs = v === 'never' || v === 'none' ? null : duration('--replay-ttl', raw['replayTtl']);
  }
  if (raw['replayCost'] !== undefined) p.replayCostTokens = num('--replay-cost', raw['replayCost'], true);
  const problem = validateSimulationParams(p);
  if (problem) throw new InputError(problem);
  return p;
}

/** A token count flag: `12000`, `12_000`, `12k`, `1.5M`; whole number >= min. */
export function parseTokenFlag(flag: string, raw: unknown, min = 0): number {
  const n = num(flag, raw, true);
  if (n < min) throw new InputError(`${flag} must be ${min} or more, got ${String(raw)}`);
  return n;
}

/** A ratio flag: `0.85` or `85%`, between 0 and 1. */
export function parseRatioFlag(flag: string, raw: unknown): number {
  return ratio(flag, raw);
}

/** A duration flag: `90s`, `5m`, `1h30m`; positive. Returns ms. */
export function parseDurationFlag(flag: string, raw: unknown): number {
  return duration(flag, raw);
}

export interface FleetFlags {
  agents: number;
  runsPerDay: number;
  retryRate: number;
  days: number;
}

export type FleetField = keyof FleetFlags;

/**
 * Fleet projection flags (--agents, --runs-per-day, --retry-rate, --days)
 * without commander defaults, so the command knows which ones were given.
 */
export function addFleetOptions(cmd: Command, defaults: FleetFlags): Command {
  return cmd
    .option('--agents <n>', `fleet projection: number of agents (default ${defaults.agents})`)
    .option('--runs-per-day <n>', `fleet projection: runs per agent per day (default ${defaults.runsPerDay})`)
    .option('--retry-rate <ratio>', `fleet projection: extra runs caused by retries per run, 0.1 = 10%, 1 = every run twice (default ${defaults.retryRate})`)
    .option('--days <n>', `fleet projection: horizon in days (default ${defaults.days})`);
}

function nonNegative(flag: string, raw: unknown): number {
  const text = String(raw).trim().replace(/_/g, '');
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const n = pct ? Number(pct[1]) / 100 : Number(text);
  if (text.length === 0 || !Number.isFinite(n)) throw new InputError(`${flag}: "${String(raw)}" is not a number`);
  if (n < 0) throw new InputError(`${flag} must be 0 or more, got ${String(raw)}`);
  return n;
}

/** Reads the fleet flags; absent ones take `defaults` and are listed in `defaulted`. */
export function readFleetOptions(raw: Record<string, unknown>, defaults: FleetFlags): { fleet: FleetFlags; defaulted: FleetField[] } {
  const defaulted: FleetField[] = [];
  const pick = (field: FleetField, key: string, flag: string): number => {
    if (raw[key] === undefined) {
      defaulted.push(field);
      return defaults[field];
    }
    return nonNegative(flag, raw[key]);
  };
  const fleet: FleetFlags = {
    agents: pick('agents', 'agents', '--agents'),
    runsPerDay: pick('runsPerDay', 'runsPerDay', '--runs-per-day'),
    retryRate: pick('retryRate', 'retryRate', '--retry-rate'),
    days: pick('days', 'days', '--days'),
  };
  return { fleet, defaulted };
}

/** `--compare a,b`: known strategy ids, each once, in the order given; `defaults` when the flag is absent. */
export function parseStrategies(raw: unknown, defaults: readonly StrategyId[]): StrategyId[] {
  if (raw === undefined) return [...defaults];
  const list = String(raw)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new InputError('--compare needs at least one strategy', `one or more of: ${STRATEGY_IDS.join(', ')}`);
  for (const s of list) {
    if (!isStrategyId(s)) throw new InputError(`--compare: unknown strategy "${s}"`, `one or more of: ${STRATEGY_IDS.join(', ')}`);
  }
  return [...new Set(list)] as StrategyId[];
}
