/**
 * Reading each tool's JSON output into comparable token totals, and comparing
 * them with the generator's ledger.
 */
import type { Ledger } from './generate-claude.js';

/** Token totals in the categories every tool can report. */
export interface ComparableTotals {
  inputTokens: number;
  /** 5m + 1h writes (ccusage only reports the sum). */
  cacheWriteTokens: number;
  cacheWrite5mTokens: number | null;
  cacheWrite1hTokens: number | null;
  cacheReadTokens: number;
  outputTokens: number;
  requests: number | null;
}

function num(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : 0;
}

/**
 * Totals from token-econ's JSON: the `analyze --json` document's
 * `actual.tokens` (docs/json-output.md: billed tokens of the unique requests,
 * `turns` = requests), else `totals` (`sessions --json`), else a sum over
 * `sessions[].totals`.
 */
export function tokenEconTotals(stdout: string): ComparableTotals {
  const json = JSON.parse(stdout) as Record<string, unknown>;
  const fromObj = (t: Record<string, unknown>, requests: unknown): ComparableTotals => ({
    inputTokens: num(t['inputTokens']),
    cacheWrite5mTokens: num(t['cacheWrite5mTokens']),
    cacheWrite1hTokens: num(t['cacheWrite1hTokens']),
    cacheWriteTokens: num(t['cacheWrite5mTokens']) + num(t['cacheWrite1hTokens']),
    cacheReadTokens: num(t['cacheReadTokens']),
    outputTokens: num(t['outputTokens']),
    requests: typeof requests === 'number' ? requests : null,
  });
  const actual = json['actual'] as Record<string, unknown> | undefined;
  const candidates = [actual?.['tokens'], json['totals'], (json['actual'] as Record<string, unknown> | undefined)?.['totals'], (json['summary'] as Record<string, unknown> | undefined)?.['totals']];
  for (const c of candidates) {
    if (c && typeof c === 'object' && 'inputTokens' in c) {
      const t = c as Record<string, unknown>;
      return fromObj(t, t['turns'] ?? t['requests']);
    }
  }
  const sessions = json['sessions'];
  if (Array.isArray(sessions)) {
    const sum: ComparableTotals = { inputTokens: 0, cacheWriteTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0, requests: 0 };
    for (const s of sessions as Array<Record<string, unknown>>) {
      const t = (s['totals'] ?? s) as Record<string, unknown>;
      const one = fromObj(t, t['turns'] ?? t['requests'] ?? s['turnCount']);
      sum.inputTokens += one.inputTokens;
      sum.cacheWriteTokens += one.cacheWriteTokens;
      sum.cacheWrite5mTokens = (sum.cacheWrite5mTokens ?? 0) + (one.cacheWrite5mTokens ?? 0);
      sum.cacheWrite1hTokens = (sum.cacheWrite1hTokens ?? 0) + (one.cacheWrite1hTokens ?? 0);
      sum.cacheReadTokens += one.cacheReadTokens;
      sum.outputTokens += one.outputTokens;
      sum.requests = one.requests === null || sum.requests === null ? null : sum.requests + one.requests;
    }
    return sum;
  }
  throw new Error('token-econ JSON has neither `totals` nor `sessions[]`');
}

/** Totals from `ccusage session --json`: `{ session: [...], totals: {inputTokens, cacheCreationTokens, ...} }`. */
export function ccusageTotals(stdout: string): ComparableTotals {
  const json = JSON.parse(stdout) as Record<string, unknown>;
  let t = json['totals'] as Record<string, unknown> | undefined;
  if (!t) {
    const rows = (json['session'] ?? json['sessions'] ?? []) as Array<Record<string, unknown>>;
    t = {};
    for (const k of ['inputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'outputTokens']) t[k] = rows.reduce((a, r) => a + num(r[k]), 0);
  }
  return {
    inputTokens: num(t['inputTokens']),
    cacheWriteTokens: num(t['cacheCreationTokens']),
    cacheWrite5mTokens: null,
    cacheWrite1hTokens: null,
    cacheReadTokens: num(t['cacheReadTokens']),
    outputTokens: num(t['outputTokens']),
    requests: null,
  };
}

export function naiveTotals(stdout: string): ComparableTotals {
  const t = JSON.parse(stdout) as Record<string, number>;
  return {
    inputTokens: num(t['inputTokens']),
    cacheWrite5mTokens: num(t['cacheWrite5mTokens']),
    cacheWrite1hTokens: num(t['cacheWrite1hTokens']),
    cacheWriteTokens: num(t['cacheWrite5mTokens']) + num(t['cacheWrite1hTokens']),
    cacheReadTokens: num(t['cacheReadTokens']),
    outputTokens: num(t['outputTokens']),
    requests: num(t['requests']),
  };
}

/** Field-by-field differences between a tool's totals and the ledger (empty = exact match). */
export function compareWithLedger(got: ComparableTotals, ledger: Ledger['totals']): string[] {
  const want: ComparableTotals = {
    inputTokens: ledger.inputTokens,
    cacheWrite5mTokens: ledger.cacheWrite5mTokens,
    cacheWrite1hTokens: ledger.cacheWrite1hTokens,
    cacheWriteTokens: ledger.cacheWrite5mTokens + ledger.cacheWrite1hTokens,
    cacheReadTokens: ledger.cacheReadTokens,
    outputTokens: ledger.outputTokens,
    requests: ledger.requests,
  };
  const out: string[] = [];
  for (const k of Object.keys(want) as Array<keyof ComparableTotals>) {
    const g = got[k];
    if (g === null) continue;
    if (g !== want[k]) out.push(`${k}: got ${g}, ledger ${want[k]} (${g - (want[k] as number) >= 0 ? '+' : ''}${g - (want[k] as number)})`);
  }
  return out;
}

