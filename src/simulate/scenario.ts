/**
 * Synthetic workloads for `token-econ simulate`: sessions of N turns with a
 * fixed system prefix, a fixed number of tokens appended and produced per
 * turn, and idle gaps that are fixed or drawn from a seeded distribution.
 */
import type { Workload, WorkloadTurn } from '../model/simulation.js';
import { MAIN_STREAM } from '../model/usage.js';
import { parseDurationMs } from './duration.js';
import { Prng } from './prng.js';

/**
 * Idle gap between the starts of consecutive turns.
 * - `fixed`: always `ms`.
 * - `exp`: exponential with mean `meanMs` (memoryless think time).
 * - `lognormal`: ln(gap in seconds) ~ Normal(mu, sigma): long-tailed pauses.
 * - `uniform`: uniform in [minMs, maxMs].
 */
export type GapSpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'exp'; meanMs: number }
  | { kind: 'lognormal'; mu: number; sigma: number }
  | { kind: 'uniform'; minMs: number; maxMs: number };

/** z of the 90th percentile of the standard normal. */
const Z90 = 1.2815515655446004;

/**
 * Parses a gap: `2m`, `90s`, `1h` (fixed); `exp:5m` (exponential, mean 5m);
 * `lognormal:MU,SIGMA` (of ln seconds) or `lognormal:median=3m,p90=20m`
 * (mu = ln median, sigma = (ln p90 − mu) / 1.2816); `uniform:1m..10m`.
 */
export function parseGap(spec: string): GapSpec | { error: string } {
  const s = spec.trim();
  const colon = s.indexOf(':');
  const dur = (text: string, what: string): number | { error: string } => {
    const ms = parseDurationMs(text);
    return ms === null || ms < 0 ? { error: `--gap: ${what} must be a duration like 90s, 5m or 1h, got "${text}"` } : ms;
  };
  if (colon < 0) {
    const ms = dur(s, 'the gap');
    return typeof ms === 'number' ? { kind: 'fixed', ms } : ms;
  }
  const kind = s.slice(0, colon).trim().toLowerCase();
  const arg = s.slice(colon + 1).trim();
  if (kind === 'exp') {
    const ms = dur(arg, 'the mean');
    if (typeof ms !== 'number') return ms;
    if (ms <= 0) return { error: '--gap: the exponential mean must be positive' };
    return { kind: 'exp', meanMs: ms };
  }
  if (kind === 'uniform') {
    const parts = arg.split('..');
    if (parts.length !== 2) return { error: `--gap: expected uniform:MIN..MAX, got "${spec}"` };
    const lo = dur(parts[0] as string, 'the minimum');
    if (typeof lo !== 'number') return lo;
    const hi = dur(parts[1] as string, 'the maximum');
    if (typeof hi !== 'number') return hi;
    if (hi < lo) return { error: '--gap: uniform MAX must be >= MIN' };
    return { kind: 'uniform', minMs: lo, maxMs: hi };
  }
  if (kind === 'lognormal') {
    if (arg.includes('=')) {
      const fields = new Map<string, string>();
      for (const part of arg.split(',')) {
        const eq = part.indexOf('=');
        if (eq <= 0) return { error: `--gap: expected lognormal:median=D,p90=D, got "${spec}"` };
        fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
      }
      const medianText = fields.get('median');
      const p90Text = fields.get('p90');
      if (medianText === undefined || p90Text === undefined || fields.size !== 2) {
        return { error: `--gap: expected lognormal:median=D,p90=D, got "${spec}"` };
      }
      const median = dur(medianText, 'the median');
      if (typeof median !== 'number') return median;
      const p90 = dur(p90Text, 'the p90');
      if (typeof p90 !== 'number') return p90;
      if (median <= 0 || p90 <= median) return { error: '--gap: lognormal needs 0 < median < p90' };
      const mu = Math.log(median / 1000);
      return { kind: 'lognormal', mu, sigma: (Math.log(p90 / 1000) - mu) / Z90 };
    }
    const parts = arg.split(',').map((p) => Number(p.trim()));
    if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n)) || (parts[1] as number) <= 0) {
      return { error: `--gap: expected lognormal:MU,SIGMA (of ln seconds, sigma > 0), got "${spec}"` };
    }
    return { kind: 'lognormal', mu: parts[0] as number, sigma: parts[1] as number };
  }
  return { error: `--gap: unknown distribution "${kind}" (expected a duration, exp:, lognormal: or uniform:)` };
}

/** One-line description of a gap spec, for reports. */
export function describeGap(g: GapSpec, format: (ms: number) => string): string {
  switch (g.kind) {
    case 'fixed':
      return format(g.ms);
    case 'exp':
      return `exponential, mean ${format(g.meanMs)}`;
    case 'lognormal':
      return `lognormal, median ${format(Math.exp(g.mu) * 1000)}, p90 ${format(Math.exp(g.mu + Z90 * g.sigma) * 1000)}`;
    case 'uniform':
      return `uniform ${format(g.minMs)}..${format(g.maxMs)}`;
  }
}

/** Draws one gap in whole milliseconds. */
export function sampleGapMs(g: GapSpec, rng: Prng): number {
  switch (g.kind) {
    case 'fixed':
      return Math.round(g.ms);
    case 'exp':
      return Math.round(-g.meanMs * Math.log(rng.nextOpen()));
    case 'lognormal':
      return Math.round(Math.exp(g.mu + g.sigma * rng.normal()) * 1000);
    case 'uniform':
      return Math.round(g.minMs + (g.maxMs - g.minMs) * rng.next());
  }
}

export interface ScenarioSpec {
  /** Turns per session (>= 1). */
  turns: number;
  /** Fixed prefix (system prompt + tools) of every request. */
  systemTokens: number;
  /** Context each turn appends (user message, tool results). */
  turnTokens: number;
  /** Output per turn (reasoning included); it joins the next prompt. */
  outputTokens: number;
  gap: GapSpec;
  sessions: number;
  model: string;
  seed: number;
  /** Start of session k = k × sessionIntervalMs. */
  sessionIntervalMs: number;
}

export const DEFAULT_SESSION_INTERVAL_MS = 3_600_000;

/**
 * Deterministic for a seed: one PRNG drives all sessions in order. The first
 * turn of a session starts at its session start; turn i at turn i−1 + a gap.
 * The prompt of turn i is system + i·(turnTokens + outputTokens) + turnTokens.
 */
export function syntheticWorkloads(spec: ScenarioSpec): Workload[] {
  const rng = new Prng(spec.seed);
  const out: Workload[] = [];
  for (let k = 0; k < spec.sessions; k++) {
    const turns: WorkloadTurn[] = [];
    let t = k * spec.sessionIntervalMs;
    for (let i = 0; i < spec.turns; i++) {
      if (i > 0) t += sampleGapMs(spec.gap, rng);
      turns.push({
        timestampMs: t,
        model: spec.model,
        streamId: MAIN_STREAM,
        appendedTokens: spec.turnTokens,
        outputTokens: spec.outputTokens,
        compactedBefore: null,
      });
    }
    out.push({ sessionId: `synthetic-${k + 1}`, systemTokens: spec.systemTokens, turns, taskFingerprint: null });
  }
  return out;
}
