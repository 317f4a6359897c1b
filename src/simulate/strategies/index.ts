import type { StrategyId } from '../../model/simulation.js';
import type { Strategy } from '../strategy.js';
import { nocacheStrategy } from './nocache.js';
import { replayStrategy } from './replay.js';
import { stateStrategy } from './state.js';
import { transcriptStrategy } from './transcript.js';

/** The registry of context strategies (the `--compare` values), in display order. */
export const STRATEGIES: Record<StrategyId, Strategy> = {
  transcript: transcriptStrategy,
  state: stateStrategy,
  replay: replayStrategy,
  nocache: nocacheStrategy,
};

export const STRATEGY_IDS: readonly StrategyId[] = ['transcript', 'state', 'replay', 'nocache'];

export function isStrategyId(value: string): value is StrategyId {
  return (STRATEGY_IDS as readonly string[]).includes(value);
}
