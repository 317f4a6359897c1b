/**
 * Computed vs provider-reported cost. Claude's `-p --output-format
 * stream-json` ends with `total_cost_usd` and a per-model `modelUsage`
 * (which also lists hidden side calls that never appear as assistant
 * events); CSV exports may carry a cost per request.
 */
import type { ActualTurn, ReportedModelComparison, SessionReported } from '../model/report.js';
import type { Session } from '../model/usage.js';
import type { PriceResolver } from '../price/resolve.js';

function fmtUsd(usd: number): string {
  // Used only inside the explanation sentence (a string in the report).
  const abs = Math.abs(usd);
  const digits = abs !== 0 && abs < 1 ? 4 : 2;
  return `${usd < 0 ? '-' : ''}$${abs.toFixed(digits)}`;
}

function pct(value: number, base: number): string {
  return base === 0 ? 'n/a' : `${((value / base) * 100).toFixed(1)}%`;
}

function sameModel(resolver: PriceResolver, logged: string, reported: string): boolean {
  if (logged === reported) return true;
  const a = resolver.resolve(logged);
  const b = resolver.resolve(reported);
  return a.kind === 'known' && b.kind === 'known' && a.price.id === b.price.id;
}

/** The comparison for one session, or null when its log reports no cost. */
export function compareReported(session: Session, turns: readonly ActualTurn[], resolver: PriceResolver): SessionReported | null {
  const rc = session.reportedCost;
  if (rc) {
    const computed = turns.reduce((a, t) => a + (t.cost?.totalUsd ?? 0), 0);
    const unpriced = turns.filter((t) => t.cost === null).length;
    const byModel: ReportedModelComparison[] = rc.byModel.map((m) => {
      const mine = turns.filter((t) => sameModel(resolver, t.model, m.model));
      const priced = mine.filter((t) => t.cost !== null);
      return {
        model: m.model,
        reportedCostUsd: m.costUsd,
        computedCostUsd: mine.length > 0 && priced.length === mine.length ? priced.reduce((a, t) => a + (t.cost?.totalUsd ?? 0), 0) : null,
        reportedPromptTokens: m.inputTokens + m.cacheReadTokens + m.cacheWriteTokens,
        loggedPromptTokens: mine.reduce((a, t) => a + t.promptTokens, 0),
        reportedOutputTokens: m.outputTokens,
        loggedOutputTokens: mine.reduce((a, t) => a + t.outputTokens, 0),
        loggedTurns: mine.length,
      };
    });
    byModel.sort((a, b) => b.reportedCostUsd - a.reportedCostUsd || (a.model < b.model ? -1 : 1));
    const hidden = byModel.filter((m) => m.loggedTurns === 0);
    const hiddenCostUsd = hidden.reduce((a, m) => a + m.reportedCostUsd, 0);
    const difference = computed - rc.totalCostUsd;
    return {
      reportedCostUsd: rc.totalCostUsd,
      computedCostUsd: computed,
      differenceUsd: difference,
      source: 'session-result',
      turns: turns.length,
      byModel,
      hiddenModels: hidden.map((m) => m.model),
      hiddenCostUsd,
      explanation: explain(rc.totalCostUsd, computed, hidden.map((m) => m.model), hiddenCostUsd, unpriced, byModel),
    };
  }
  const withCost = turns.filter((t) => t.reportedCostUsd !== null);
  if (withCost.length === 0) return null;
  const reported = withCost.reduce((a, t) => a + (t.reportedCostUsd ?? 0), 0);
  const computed = withCost.reduce((a, t) => a + (t.cost?.totalUsd ?? 0), 0);
  const unpriced = withCost.filter((t) => t.cost === null).length;
  const models = new Map<string, ReportedModelComparison>();
  for (const t of withCost) {
    let m = models.get(t.model);
    if (!m) {
      m = {
        model: t.model,
        reportedCostUsd: 0,
        computedCostUsd: 0,
        reportedPromptTokens: 0,
        loggedPromptTokens: 0,
        reportedOutputTokens: 0,
        loggedOutputTokens: 0,
        loggedTurns: 0,
      };
      models.set(t.model, m);
    }
    m.reportedCostUsd += t.reportedCostUsd ?? 0;
    m.computedCostUsd = t.cost === null || m.computedCostUsd === null ? null : m.computedCostUsd + t.cost.totalUsd;
    m.reportedPromptTokens += t.promptTokens;
    m.loggedPromptTokens += t.promptTokens;
    m.reportedOutputTokens += t.outputTokens;
    m.loggedOutputTokens += t.outputTokens;
    m.loggedTurns++;
  }
  const byModel = [...models.values()].sort((a, b) => b.reportedCostUsd - a.reportedCostUsd || (a.model < b.model ? -1 : 1));
  return {
    reportedCostUsd: reported,
    computedCostUsd: computed,
    differenceUsd: computed - reported,
    source: 'per-request',
    turns: withCost.length,
    byModel,
    hiddenModels: [],
    hiddenCostUsd: 0,
    explanation: explain(reported, computed, [], 0, unpriced, byModel),
  };
}

function explain(
  reported: number,
  computed: number,
  hiddenModels: string[],
  hiddenCostUsd: number,
  unpricedTurns: number,
  byModel: readonly ReportedModelComparison[],
): string {
  const parts: string[] = [];
  const diff = computed - reported;
  const tolerance = Math.max(0.00005, Math.abs(reported) * 0.001);
  if (Math.abs(diff) <= tolerance) {
    parts.push(`Computed ${fmtUsd(computed)} matches the reported ${fmtUsd(reported)} (difference ${fmtUsd(Math.abs(diff))}).`);
  } else {
    parts.push(`Computed ${fmtUsd(computed)} is ${fmtUsd(Math.abs(diff))} ${diff < 0 ? 'below' : 'above'} the reported ${fmtUsd(reported)} (${pct(Math.abs(diff), reported)}).`);
  }
  if (hiddenModels.length > 0) {
    const rest = reported - hiddenCostUsd;
    const whole = Math.abs(diff + hiddenCostUsd) <= tolerance;
    parts.push(
      `${hiddenModels.length === 1 ? `Model ${hiddenModels[0]} was` : `Models ${hiddenModels.join(', ')} were`} billed ${fmtUsd(hiddenCostUsd)} (${pct(hiddenCostUsd, reported)}) with no request in the log: hidden side calls that wrote no usage line${whole ? ', which accounts for the whole difference' : ''}; the logged requests account for ${fmtUsd(rest)} reported vs ${fmtUsd(computed)} computed.`,
    );
  }
  if (unpricedTurns > 0) {
    parts.push(`${unpricedTurns} request${unpricedTurns === 1 ? '' : 's'} of unknown models ${unpricedTurns === 1 ? 'is' : 'are'} excluded from the computed cost.`);
  }
  const off = byModel.filter(
    (m) => m.computedCostUsd !== null && m.loggedTurns > 0 && Math.abs(m.computedCostUsd - m.reportedCostUsd) > Math.max(0.005, m.reportedCostUsd * 0.01),
  );
  const tokenGap = byModel.filter((m) => m.loggedTurns > 0 && m.reportedPromptTokens + m.reportedOutputTokens !== m.loggedPromptTokens + m.loggedOutputTokens);
  if (tokenGap.length > 0) {
    parts.push(
      `Reported token counts differ from the logged requests for ${tokenGap.map((m) => m.model).join(', ')} (requests missing from the log, or usage lines with placeholder counts).`,
    );
  } else if (off.length > 0 && hiddenModels.length === 0) {
    parts.push(`The token counts match, so the difference is in the rates for ${off.map((m) => m.model).join(', ')} (a different price list, discount or tier).`);
  }
  return parts.join(' ');
}
