/** Sums of token categories over turns (per session, per stream, overall). */
import type { Session, TokenTotals, Turn } from '../model/usage.js';

export function emptyTotals(): TokenTotals {
  return { inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0, reasoningOutputTokens: 0, promptTokens: 0, turns: 0 };
}

export function addTurn(t: TokenTotals, x: Turn): TokenTotals {
  t.inputTokens += x.inputTokens;
  t.cacheWrite5mTokens += x.cacheWrite5mTokens;
  t.cacheWrite1hTokens += x.cacheWrite1hTokens;
  t.cacheReadTokens += x.cacheReadTokens;
  t.outputTokens += x.outputTokens;
  t.reasoningOutputTokens += x.reasoningOutputTokens ?? 0;
  t.promptTokens += x.promptTokens;
  t.turns++;
  return t;
}

export function totalsOf(turns: readonly Turn[]): TokenTotals {
  const t = emptyTotals();
  for (const x of turns) addTurn(t, x);
  return t;
}

/** Totals per stream id, sorted by stream id with `main` first. */
export function totalsByStream(session: Session): Array<{ streamId: string; totals: TokenTotals }> {
  const map = new Map<string, TokenTotals>();
  for (const x of session.turns) {
    let t = map.get(x.streamId);
    if (!t) map.set(x.streamId, (t = emptyTotals()));
    addTurn(t, x);
  }
  return [...map.entries()]
    .sort((a, b) => (a[0] === 'main' ? -1 : b[0] === 'main' ? 1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([streamId, totals]) => ({ streamId, totals }));
}

/** Cache-write tokens whose 5m/1h split the log did not give (attributed to 5m). */
export function unsplitWriteTokens(turns: readonly Turn[]): number {
  let n = 0;
  for (const x of turns) if (!x.isCacheSplitKnown) n += x.cacheWrite5mTokens + x.cacheWrite1hTokens;
  return n;
}
