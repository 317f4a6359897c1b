/**
 * Synthetic workloads for `token-econ simulate`: sessions of N turns with a
 * fixed system prefix, a fixed number of tokens appended and produced per
 * turn (or a total conversation size spread over the turns), reasoning billed
 * but not carried, and idle gaps that are fixed or drawn from a seeded
 * distribution, with optional one-off pauses.
 */
import type { GapSpec, ScenarioPause } from '../model/simulate-report.js';
import type { Workload, WorkloadTurn } from '../model/simulation.js';
import { MAIN_STREAM } from '../model/usage.js';
import { parseDurationMs } from './duration.js';
import { Prng } from './prng.js';

export type { GapSpec, ScenarioPause } from '../model/simulate-report.js';

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

/** A duration as the flags write it, to the second above one: `90s` → `1m30s`, `5m`, `1h30m`, `2d`, `250ms`. */
export function formatDurationSpec(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      const n = Math.floor(s / size);
      parts.push(`${n}${unit}`);
      s -= n * size;
    }
  }
  return parts.join('');
}

export interface ScenarioSpec {
  /** Turns per session (>= 1). */
  turns: number;
  /** Fixed prefix (system prompt + tools) of every request. */
  systemTokens: number;
  /** Context each turn appends (user message, tool results). */
  turnTokens: number;
  /** Visible output per turn; it joins the next prompt. */
  outputTokens: number;
  /**
   * Reasoning per turn (default 0): billed as output, but not carried into the
   * next prompt (Anthropic strips earlier thinking blocks; OpenAI drops earlier
   * reasoning items). Modelled by taking it off the next turn's appended
   * context (WorkloadTurn has no reasoning field), which is exact for every
   * prompt while turnTokens >= reasoningTokens; a state-update request still
   * sees the latest turn's reasoning as part of the transcript it summarises.
   */
  reasoningTokens?: number;
  /**
   * When set, the conversation (appended context + visible output, system
   * excluded) reaches exactly this many tokens after the last turn, spread as
   * evenly as whole tokens allow: turn i carries floor((i+1)·N/T) − floor(i·N/T)
   * tokens, `outputTokens` of them output; `turnTokens` is ignored.
   */
  transcriptTokens?: number | null;
  gap: GapSpec;
  /** One-off gaps replacing the drawn one before a turn (the draw still happens, so other gaps do not move). */
  pauses?: readonly ScenarioPause[];
  sessions: number;
  model: string;
  seed: number;
  /** Start of session k = k × sessionIntervalMs. */
  sessionIntervalMs: number;
}

export const DEFAULT_SESSION_INTERVAL_MS = 3_600_000;

/** Checks a spec; returns the first problem as a sentence naming the flag, or null. */
export function validateScenarioSpec(spec: ScenarioSpec): string | null {
  const whole = (flag: string, v: number, min: number): string | null =>
    Number.isInteger(v) && v >= min ? null : `${flag} must be a whole number >= ${min}, got ${v}`;
  const checks: Array<string | null> = [
    whole('--turns', spec.turns, 1),
    whole('--sessions', spec.sessions, 1),
    whole('--system-tokens', spec.systemTokens, 0),
    whole('--turn-tokens', spec.turnTokens, 0),
    whole('--output-tokens', spec.outputTokens, 0),
    whole('--reasoning-tokens', spec.reasoningTokens ?? 0, 0),
    spec.transcriptTokens === undefined || spec.transcriptTokens === null ? null : whole('--transcript-tokens', spec.transcriptTokens, 0),
    whole('--seed', spec.seed, 0),
    Number.isFinite(spec.sessionIntervalMs) && spec.sessionIntervalMs >= 0 ? null : 'the session interval must be >= 0',
    spec.model.trim().length > 0 ? null : '--model needs a model id',
  ];
  const t = spec.transcriptTokens;
  if (t !== undefined && t !== null && Math.floor(t / spec.turns) < spec.outputTokens) {
    checks.push(
      `--transcript-tokens ${t} over ${spec.turns} turns leaves ${Math.floor(t / spec.turns)} tokens per turn, less than --output-tokens ${spec.outputTokens}`,
    );
  }
  for (const p of spec.pauses ?? []) {
    if (!Number.isInteger(p.turn) || p.turn < 2 || p.turn > spec.turns) {
      checks.push(`--pause: turn ${p.turn} is not between 2 and ${spec.turns} (a pause comes before a turn other than the first)`);
    } else if (!Number.isFinite(p.gapMs) || p.gapMs < 0) checks.push(`--pause: the gap before turn ${p.turn} must be a duration >= 0`);
  }
  return checks.find((c) => c !== null) ?? null;
}

/** Conversation tokens (appended + visible output) of turn i (0-based) before reasoning is taken off. */
function turnContentTokens(spec: ScenarioSpec, i: number): number {
  const total = spec.transcriptTokens;
  if (total === undefined || total === null) return spec.turnTokens + spec.outputTokens;
  return Math.floor(((i + 1) * total) / spec.turns) - Math.floor((i * total) / spec.turns);
}

/**
 * Appended context of turn i (0-based): its content minus its visible output,
 * minus the previous turn's reasoning (which the previous output carried into
 * the history but the provider drops). Clamped at 0; `clampedTokens` reports
 * how much reasoning could not be taken off.
 */
export function appendedTokensOf(spec: ScenarioSpec, i: number): { appendedTokens: number; clampedTokens: number } {
  const reasoning = i > 0 ? (spec.reasoningTokens ?? 0) : 0;
  const raw = turnContentTokens(spec, i) - spec.outputTokens - reasoning;
  return raw >= 0 ? { appendedTokens: raw, clampedTokens: 0 } : { appendedTokens: 0, clampedTokens: -raw };
}

/** Caveats of a spec, for the report. */
export function scenarioNotes(spec: ScenarioSpec): string[] {
  const notes: string[] = [];
  let clamped = 0;
  let clampedTurns = 0;
  for (let i = 1; i < spec.turns; i++) {
    const c = appendedTokensOf(spec, i).clampedTokens;
    if (c > 0) {
      clamped += c;
      clampedTurns++;
    }
  }
  if (clamped > 0) {
    notes.push(
      `reasoning (${spec.reasoningTokens ?? 0} tokens per turn) exceeds the context a turn appends, so ${clamped} tokens of it over ${clampedTurns} turns stay in the history instead of being dropped`,
    );
  }
  return notes;
}

/**
 * Deterministic for a seed: one PRNG drives all sessions in order. The first
 * turn of a session starts at its session start; turn i at turn i−1 + a gap
 * (a pause replaces the drawn gap). The prompt of turn i (0-based) is
 * system + i·(turnTokens + outputTokens) + turnTokens; reasoning is billed as
 * output and never joins a prompt.
 */
export function syntheticWorkloads(spec: ScenarioSpec): Workload[] {
  const rng = new Prng(spec.seed);
  const pauseBefore = new Map<number, number>();
  for (const p of spec.pauses ?? []) pauseBefore.set(p.turn - 1, p.gapMs);
  const appended = Array.from({ length: spec.turns }, (_, i) => appendedTokensOf(spec, i).appendedTokens);
  const output = spec.outputTokens + (spec.reasoningTokens ?? 0);
  const out: Workload[] = [];
  for (let k = 0; k < spec.sessions; k++) {
    const turns: WorkloadTurn[] = [];
    let t = k * spec.sessionIntervalMs;
    for (let i = 0; i < spec.turns; i++) {
      if (i > 0) {
        const drawn = sampleGapMs(spec.gap, rng);
        t += pauseBefore.get(i) ?? drawn;
      }
      turns.push({
        timestampMs: t,
        model: spec.model,
        streamId: MAIN_STREAM,
        appendedTokens: appended[i] as number,
        outputTokens: output,
        compactedBefore: null,
      });
    }
    out.push({ sessionId: `synthetic-${k + 1}`, systemTokens: spec.systemTokens, turns, taskFingerprint: null });
  }
  return out;
}
