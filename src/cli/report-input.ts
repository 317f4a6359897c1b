/**
 * Reading the `token-econ analyze --json` document that `token-econ report`
 * renders: JSON syntax with line/column errors, the document kind and
 * schemaVersion, then a narrow structural guard of every field the Markdown
 * and HTML renderers read. Pure (text in, ReportJson or InputError out).
 *
 * Why a hand-written guard and not ajv against schema/report.schema.json:
 * ajv is a dev dependency (tests validate the fixtures and `analyze --json`
 * with it), and at run time a guard of the fields the renderers use is
 * enough to turn a hand-edited or truncated document into a one-line error
 * instead of a crash. It accepts unknown fields and unknown enum values, as
 * the contract allows additions within a schemaVersion.
 */
import { InputError } from '../errors.js';
import { REPORT_SCHEMA_VERSION, type ReportJson } from '../render/report-json.js';
import { TOOL_VERSION } from '../version.js';
import { parseJsonText } from './json-text.js';

export const PIPE_HINT = 'token-econ analyze <logs…> --json | token-econ report --format html > report.html';

type Check = (value: unknown, path: string) => string | null;

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v)})`;
  return `${typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : typeof v} (${String(v)})`;
}

const expected = (what: string, v: unknown, path: string): string => `${path || '/'}: expected ${what}, got ${typeName(v)}`;

const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? null : expected('a number', v, p));
const str: Check = (v, p) => (typeof v === 'string' ? null : expected('a string', v, p));
const bool: Check = (v, p) => (typeof v === 'boolean' ? null : expected('true or false', v, p));

function nullable(check: Check): Check {
  return (v, p) => (v === null ? null : check(v, p));
}

function arrayOf(check: Check): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return expected('an array', v, p);
    for (let i = 0; i < v.length; i++) {
      const err = check(v[i], `${p}/${i}`);
      if (err) return err;
    }
    return null;
  };
}

function obj(shape: Record<string, Check>): Check {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return expected('an object', v, p);
    const rec = v as Record<string, unknown>;
    for (const [key, check] of Object.entries(shape)) {
      if (!(key in rec)) return `${p}/${key}: missing`;
      const err = check(rec[key], `${p}/${key}`);
      if (err) return err;
    }
    return null;
  };
}

const scalarMap: Check = (v, p) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return expected('an object', v, p);
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x !== null && typeof x !== 'string' && typeof x !== 'boolean' && !(typeof x === 'number' && Number.isFinite(x))) {
      return expected('a string, number, boolean or null', x, `${p}/${k}`);
    }
  }
  return null;
};

const source = obj({ file: str, line: num });

const actualTotals = obj({
  tokens: obj({ promptTokens: num, cacheReadTokens: num, outputTokens: num, turns: num }),
  cost: obj({ totalUsd: num }),
  cacheHitRatio: num,
  pricedTurns: num,
  unpricedTurns: num,
  missCostUsd: num,
});

const sessionBreakEven = obj({ breakEvenTurn: nullable(num), staysBelow: bool, turns: num, transcriptCostUsd: num, stateCostUsd: num });

/** Every field the report renderers read, with its type. */
const REPORT_GUARD = obj({
  tool: obj({ version: str }),
  generatedAt: nullable(str),
  perRequest: bool,
  inputs: obj({
    files: arrayOf(obj({ file: str, format: str, bytes: num, linesRead: num, linesCounted: num, linesIgnored: num, linesSkipped: num })),
    formats: arrayOf(str),
    sessions: num,
    turns: num,
    duplicateTurnsDropped: num,
    linesRead: num,
    linesCounted: num,
    linesIgnored: num,
    linesSkipped: num,
    filters: obj({ since: nullable(str), until: nullable(str), sessions: arrayOf(str), projects: arrayOf(str) }),
  }),
  pricing: obj({ asOf: str, source: str, models: arrayOf(obj({ model: str, priceId: nullable(str), matchedBy: nullable(str), turns: num })) }),
  assumptions: obj({
    strategies: arrayOf(str),
    simulation: scalarMap,
    missAttribution: obj({ missMinTokens: num, missMinRatio: num, compactionDropRatio: num }),
    fleet: obj({ agents: num, runsPerDay: num, retryRate: num, days: num }),
  }),
  actual: actualTotals,
  compared: obj({ sessions: num, notSimulated: num, actual: actualTotals }),
  scenarios: arrayOf(
    obj({
      id: str,
      kind: str,
      totalCostUsd: num,
      changeVsActualRatio: nullable(num),
      promptTokens: num,
      cacheReadTokens: num,
      cacheHitRatio: num,
      requests: num,
      sideRequests: num,
      missCostUsd: num,
    }),
  ),
  misses: obj({
    totalMisses: num,
    totalMissCostUsd: num,
    byReason: arrayOf(obj({ reason: str, misses: num, missedTokens: num, missCostUsd: num, minGapMs: nullable(num), maxGapMs: nullable(num) })),
    byStreamModel: arrayOf(obj({ streamId: str, model: str, reason: str, misses: num, missedTokens: num, missCostUsd: num })),
  }),
  topTurns: arrayOf(
    obj({
      sessionId: str,
      index: num,
      timestamp: nullable(str),
      streamId: str,
      model: str,
      promptTokens: num,
      outputTokens: num,
      costUsd: num,
      missReason: nullable(str),
      missCostUsd: num,
    }),
  ),
  curves: obj({ basis: str, sessionId: nullable(str), series: arrayOf(obj({ id: str, perTurnUsd: arrayOf(num), cumulativeUsd: arrayOf(num) })) }),
  breakEven: obj({
    available: bool,
    focusSessionId: nullable(str),
    focus: nullable(sessionBreakEven),
    focusCurve: nullable(obj({ transcriptCumulativeUsd: arrayOf(num), stateCumulativeUsd: arrayOf(num) })),
    sessionsEvaluated: num,
    sessionsWithBreakEven: num,
    sessionsStateCheaper: num,
    medianBreakEvenTurn: nullable(num),
    gap: obj({
      points: arrayOf(obj({ gapMs: num, transcriptCostUsd: num, stateCostUsd: num })),
      crossoverGapMs: nullable(num),
      lastTranscriptWinGapMs: nullable(num),
      stateCheaperAtAllGaps: bool,
      transcriptMonotone: bool,
    }),
    stateSize: obj({
      observedStateRatio: num,
      maxWinningStateRatio: nullable(num),
      maxWinningStateTokens: nullable(num),
      averageContextTokens: num,
      transcriptCostUsd: num,
      points: arrayOf(obj({ stateRatio: num, stateCostUsd: num })),
    }),
    ttl: obj({ gapsUnder5m: num, gaps5mTo1h: num, gapsOver1h: num, cost5mUsd: num, cost1hUsd: num, cheaper: str, savingUsd: num }),
    patterns: arrayOf(
      obj({ pattern: str, criterion: str, sessions: num, turns: num, actualCostUsd: num, transcriptCostUsd: num, stateCostUsd: num, cheaper: nullable(str) }),
    ),
  }),
  fleet: obj({
    agents: num,
    runsPerDay: num,
    retryRate: num,
    days: num,
    observedRuns: num,
    rows: arrayOf(obj({ scenario: str, perRunCostUsd: num, tokensPerRun: num, runsPerDay: num, costPerDayUsd: num, costPerMonthUsd: num, costOverDaysUsd: num })),
  }),
  reportedVsComputed: obj({
    summary: nullable(obj({ sessions: num, reportedCostUsd: num, computedCostUsd: num, differenceUsd: num, hiddenCostUsd: num })),
    sessions: arrayOf(obj({ sessionId: str, reportedCostUsd: num, computedCostUsd: num, differenceUsd: num, hiddenModels: arrayOf(str), explanation: str })),
  }),
  unknownModels: arrayOf(obj({ model: str, turns: num, promptTokens: num, outputTokens: num })),
  sessions: arrayOf(
    obj({
      id: str,
      project: nullable(str),
      format: str,
      firstTimestamp: nullable(str),
      lastTimestamp: nullable(str),
      actual: actualTotals,
      scenarios: arrayOf(obj({ id: str, totalCostUsd: num, turns: nullable(arrayOf(obj({ turnIndex: num, cumulativeCostUsd: num }))) })),
      breakEven: nullable(sessionBreakEven),
    }),
  ),
  diagnostics: arrayOf(obj({ code: str, severity: str, message: str, source: nullable(source) })),
});

/** Null when `value` has every field the renderers read with the right type, else the first problem. */
export function checkReportShape(value: unknown): string | null {
  return REPORT_GUARD(value, '');
}

const OTHER_KINDS: Record<string, string> = {
  sessions: 'token-econ sessions --json',
  pricing: 'token-econ pricing --json',
};

/**
 * Text of a file or stdin -> the report document, or an InputError saying
 * what is wrong in one line. `name` is the file as the user gave it.
 */
export function parseReportInput(text: string, name: string): ReportJson {
  if (text.trim().length === 0) {
    throw new InputError(
      name === '<stdin>' ? 'report: no input on stdin' : `report: ${name} is empty`,
      `report renders the JSON of \`token-econ analyze --json\`: ${PIPE_HINT}`,
    );
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    const e = parsed.error;
    const firstLine = text.split('\n', 1)[0] ?? '';
    const first = text.trimStart()[0];
    let hint: string;
    if (first !== '{' && first !== '[') hint = `report reads the output of \`token-econ analyze --json\` (did you forget --json?): ${PIPE_HINT}`;
    else if (e.line >= 2 && parseJsonText(firstLine).ok) hint = `this looks like JSON Lines (a log?); report reads the one JSON document of \`token-econ analyze --json\`: ${PIPE_HINT}`;
    else if (/end of input|unterminated/.test(e.reason)) hint = `the document ends early; was it cut short? regenerate it: ${PIPE_HINT}`;
    else hint = `report reads the output of \`token-econ analyze --json\`: ${PIPE_HINT}`;
    throw new InputError(`report: input is not JSON (line ${e.line} col ${e.col}: ${e.reason})`, hint);
  }
  const doc = parsed.value;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InputError(`report: input is JSON but not a token-econ analysis (found ${typeName(doc)})`, PIPE_HINT);
  }
  const rec = doc as Record<string, unknown>;
  const kind = rec['kind'];
  if (kind !== 'analysis') {
    const from = typeof kind === 'string' ? OTHER_KINDS[kind] : undefined;
    throw new InputError(
      from
        ? `report: input is the output of \`${from}\`; report reads \`token-econ analyze --json\` (kind "analysis", schemaVersion ${REPORT_SCHEMA_VERSION})`
        : `report: input is not a token-econ analysis (kind ${kind === undefined ? 'missing' : JSON.stringify(kind)}; expected "analysis", schemaVersion ${REPORT_SCHEMA_VERSION})`,
      PIPE_HINT,
    );
  }
  const version = rec['schemaVersion'];
  if (version === 1) upgradeFromVersion1(rec);
  else if (version !== REPORT_SCHEMA_VERSION) {
    const newer = typeof version === 'number' && version > REPORT_SCHEMA_VERSION;
    throw new InputError(
      `report: input has schemaVersion ${version === undefined ? '(missing)' : JSON.stringify(version)}; token-econ ${TOOL_VERSION} reads schemaVersion ${REPORT_SCHEMA_VERSION}`,
      newer ? 'it was written by a newer token-econ: upgrade, or run analyze and report with the same version' : `regenerate it with this version: ${PIPE_HINT}`,
    );
  }
  const problem = checkReportShape(doc);
  if (problem !== null) {
    throw new InputError(`report: input is not a valid analysis document: ${problem}`, `was it edited or cut short? regenerate it: ${PIPE_HINT}`);
  }
  return doc as ReportJson;
}

/**
 * Version 1 documents are read too: version 2 made the per-request lists
 * optional (`perRequest`, `--requests`) and added `breakEven.focusCurve`; a
 * version 1 document always listed every request and had no focus curve (the
 * break-even plot then reads the focus session's scenario rows).
 */
function upgradeFromVersion1(rec: Record<string, unknown>): void {
  rec['schemaVersion'] = REPORT_SCHEMA_VERSION;
  if (rec['perRequest'] === undefined) rec['perRequest'] = true;
  const b = rec['breakEven'];
  if (typeof b === 'object' && b !== null && !Array.isArray(b) && (b as Record<string, unknown>)['focusCurve'] === undefined) {
    (b as Record<string, unknown>)['focusCurve'] = null;
  }
}
