import type { CostBreakdown } from '../model/pricing.js';
import type { Turn } from '../model/usage.js';
import { priceRequest } from './cost.js';
import type { PriceResolver } from './resolve.js';

/** A turn with its cost; `cost` is null when the model has no price row (never a silent $0). */
export interface PricedTurn {
  turn: Turn;
  cost: CostBreakdown | null;
  /** Id of the price row used, or null for an unknown model. */
  priceId: string | null;
}

/** Tokens of turns whose model could not be priced, so reports can show what is missing. */
export interface UnknownModelUsage {
  model: string;
  turns: number;
  promptTokens: number;
  outputTokens: number;
}

/**
 * Prices every turn at its own model's rates. `totalCostUsd` sums the priced
 * turns only; unpriced turns are listed in `unknownModels` (sorted by model).
 */
export function priceTurns(
  turns: readonly Turn[],
  resolver: PriceResolver,
): { priced: PricedTurn[]; unknownModels: UnknownModelUsage[]; totalCostUsd: number } {
  const priced: PricedTurn[] = [];
  const unknown = new Map<string, UnknownModelUsage>();
  let totalCostUsd = 0;
  for (const turn of turns) {
    const r = resolver.resolve(turn.model);
    if (r.kind === 'known') {
      const cost = priceRequest(r.price, turn);
      totalCostUsd += cost.totalUsd;
      priced.push({ turn, cost, priceId: r.price.id });
    } else {
      priced.push({ turn, cost: null, priceId: null });
      let u = unknown.get(turn.model);
      if (!u) {
        u = { model: turn.model, turns: 0, promptTokens: 0, outputTokens: 0 };
        unknown.set(turn.model, u);
      }
      u.turns += 1;
      u.promptTokens += turn.inputTokens + turn.cacheWrite5mTokens + turn.cacheWrite1hTokens + turn.cacheReadTokens;
      u.outputTokens += turn.outputTokens;
    }
  }
  const unknownModels = [...unknown.values()].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  return { priced, unknownModels, totalCostUsd };
}
