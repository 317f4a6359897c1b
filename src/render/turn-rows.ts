/**
 * Flat per-request rows (actual and each simulated strategy) shared by the
 * NDJSON and CSV renderers. Simulated rows take the time and stream of the
 * actual turn they simulate.
 */
import type { AnalysisReport } from '../model/report.js';

export interface TurnRow {
  /** `actual` or a strategy id. */
  scenario: string;
  sessionId: string;
  /** 0-based workload turn (= actual turn index). */
  turnIndex: number;
  /** `turn`, or a strategy's side request: `compaction`, `state-update`, `replay`. */
  requestKind: string;
  timestamp: string | null;
  streamId: string | null;
  model: string;
  promptTokens: number;
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  /** Null for an unknown model (actual rows only). */
  inputUsd: number | null;
  cacheWrite5mUsd: number | null;
  cacheWrite1hUsd: number | null;
  cacheReadUsd: number | null;
  outputUsd: number | null;
  storageUsd: number | null;
  costUsd: number | null;
  cumulativeCostUsd: number;
  idleGapMs: number | null;
  missReason: string | null;
  /** Actual rows only (null for simulated rows). */
  missedTokens: number | null;
  missCostUsd: number;
}

/** Columns whose values come from log content (neutralised in CSV). */
export const LOG_TEXT_COLUMNS: ReadonlySet<keyof TurnRow> = new Set<keyof TurnRow>(['sessionId', 'streamId', 'model']);

export const TURN_ROW_COLUMNS: ReadonlyArray<keyof TurnRow> = [
  'scenario',
  'sessionId',
  'turnIndex',
  'requestKind',
  'timestamp',
  'streamId',
  'model',
  'promptTokens',
  'inputTokens',
  'cacheWrite5mTokens',
  'cacheWrite1hTokens',
  'cacheReadTokens',
  'outputTokens',
  'inputUsd',
  'cacheWrite5mUsd',
  'cacheWrite1hUsd',
  'cacheReadUsd',
  'outputUsd',
  'storageUsd',
  'costUsd',
  'cumulativeCostUsd',
  'idleGapMs',
  'missReason',
  'missedTokens',
  'missCostUsd',
];

function iso(ms: number | null): string | null {
  return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

/** Every row, session by session: the actual turns, then each strategy's requests. */
export function* turnRows(report: AnalysisReport): Generator<TurnRow> {
  for (const s of report.sessions) {
    for (const t of s.turns) {
      yield {
        scenario: 'actual',
        sessionId: s.id,
        turnIndex: t.index,
        requestKind: 'turn',
        timestamp: iso(t.timestampMs),
        streamId: t.streamId,
        model: t.model,
        promptTokens: t.promptTokens,
        inputTokens: t.inputTokens,
        cacheWrite5mTokens: t.cacheWrite5mTokens,
        cacheWrite1hTokens: t.cacheWrite1hTokens,
        cacheReadTokens: t.cacheReadTokens,
        outputTokens: t.outputTokens,
        inputUsd: t.cost?.inputUsd ?? null,
        cacheWrite5mUsd: t.cost?.cacheWrite5mUsd ?? null,
        cacheWrite1hUsd: t.cost?.cacheWrite1hUsd ?? null,
        cacheReadUsd: t.cost?.cacheReadUsd ?? null,
        outputUsd: t.cost?.outputUsd ?? null,
        storageUsd: t.cost?.storageUsd ?? null,
        costUsd: t.cost?.totalUsd ?? null,
        cumulativeCostUsd: t.cumulativeCostUsd,
        idleGapMs: t.idleGapMs,
        missReason: t.missReason,
        missedTokens: t.missedTokens,
        missCostUsd: t.missCostUsd,
      };
    }
    for (const sc of s.scenarios) {
      if (!sc.turns) continue;
      for (const t of sc.turns) {
        const actual = s.turns[t.turnIndex];
        yield {
          scenario: sc.id,
          sessionId: s.id,
          turnIndex: t.turnIndex,
          requestKind: t.kind,
          timestamp: iso(actual?.timestampMs ?? null),
          streamId: actual?.streamId ?? null,
          model: t.model,
          promptTokens: t.promptTokens,
          inputTokens: t.uncachedInputTokens,
          cacheWrite5mTokens: t.cacheWrite5mTokens,
          cacheWrite1hTokens: t.cacheWrite1hTokens,
          cacheReadTokens: t.cacheReadTokens,
          outputTokens: t.outputTokens,
          inputUsd: t.cost.inputUsd,
          cacheWrite5mUsd: t.cost.cacheWrite5mUsd,
          cacheWrite1hUsd: t.cost.cacheWrite1hUsd,
          cacheReadUsd: t.cost.cacheReadUsd,
          outputUsd: t.cost.outputUsd,
          storageUsd: t.cost.storageUsd,
          costUsd: t.cost.totalUsd,
          cumulativeCostUsd: t.cumulativeCostUsd,
          idleGapMs: t.idleGapMs,
          missReason: t.missReason,
          missedTokens: null,
          missCostUsd: t.missCostUsd,
        };
      }
    }
  }
}
