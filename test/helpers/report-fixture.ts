/**
 * The fixed ReportJson fixture of the report renderer tests, its validation
 * against schema/report.schema.json (so it cannot drift from the contract),
 * and variants: an empty report, and reports whose strings carry HTML /
 * Markdown injection payloads.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import type { ReportJson } from '../../src/render/report-json.js';

export const FIXTURE_PATH = 'test/fixtures/report/report.json';
export const SCHEMA_PATH = 'schema/report.schema.json';

export function loadFixture(): ReportJson {
  return JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as ReportJson;
}

type Validate = ((value: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };
let validator: Validate | null = null;

/** ajv (draft 2020-12) against the shipped schema; formats are not checked (ajv-formats is not installed). */
export function schemaValidator(): Validate {
  if (validator) return validator;
  const require = createRequire(import.meta.url);
  const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (opts: object) => { compile: (schema: unknown) => Validate } }).default;
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  return validator;
}

export function assertMatchesSchema(value: unknown, what: string): void {
  const validate = schemaValidator();
  const ok = validate(value);
  assert.ok(ok, `${what} does not match ${SCHEMA_PATH}: ${JSON.stringify(validate.errors?.slice(0, 5))}`);
}

/** The fixture with nothing in it: no sessions, no scenarios, no break-even, no diagnostics. */
export function emptyReport(): ReportJson {
  const r = loadFixture();
  const zeroCost = { inputUsd: 0, cacheWrite5mUsd: 0, cacheWrite1hUsd: 0, cacheReadUsd: 0, outputUsd: 0, storageUsd: 0, totalUsd: 0 };
  r.inputs = { ...r.inputs, files: [], formats: [], sessions: 0, turns: 0, duplicateTurnsDropped: 0, linesRead: 0, linesCounted: 0, linesIgnored: 0, linesSkipped: 0 };
  r.pricing.models = [];
  r.assumptions.strategies = [];
  r.actual = {
    tokens: { inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0, reasoningOutputTokens: 0, promptTokens: 0, turns: 0 },
    cost: zeroCost,
    cacheHitRatio: 0,
    pricedTurns: 0,
    unpricedTurns: 0,
    missCostUsd: 0,
  };
  r.scenarios = [];
  r.misses = { totalMisses: 0, totalMissCostUsd: 0, byReason: [], byStreamModel: [] };
  r.topTurns = [];
  r.curves = { basis: 'aggregate', sessionId: null, series: [] };
  r.breakEven = {
    available: false,
    focusSessionId: null,
    focus: null,
    focusCurve: null,
    sessionsEvaluated: 0,
    sessionsWithBreakEven: 0,
    sessionsStateCheaper: 0,
    medianBreakEvenTurn: null,
    gap: { points: [], crossoverGapMs: null, lastTranscriptWinGapMs: null, stateCheaperAtAllGaps: false, transcriptMonotone: true },
    stateSize: { observedStateRatio: 0.2, maxWinningStateRatio: null, maxWinningStateTokens: null, averageContextTokens: 0, transcriptCostUsd: 0, points: [] },
    ttl: { gapsUnder5m: 0, gaps5mTo1h: 0, gapsOver1h: 0, cost5mUsd: 0, cost1hUsd: 0, cheaper: 'equal', savingUsd: 0 },
    patterns: [],
  };
  r.fleet = { ...r.fleet, observedRuns: 0, rows: [] };
  r.reportedVsComputed = { summary: null, sessions: [] };
  r.unknownModels = [];
  r.sessions = [];
  r.diagnostics = [];
  return r;
}

/** Payloads that break out of HTML text, attributes, SVG, `<script>` data blocks, CSS and Markdown tables. */
export const PAYLOADS = [
  '<script>document.title="XSS-script"</script>',
  `</svg><img src=x onerror="document.title='XSS-img'">`,
  `"><iframe srcdoc="<script>parent.document.title='XSS-iframe'</script>"></iframe>`,
  '</script><script>document.title="XSS-json"</script><!--',
  '</style><style>body{display:none}</style>',
  `'><svg onload=document.title='XSS-svg'>`,
  '| pipe `tick` *star* _under_ [link](javascript:alert(1)) ![img](x) <b>bold</b>',
  'ctrl\u0000\u001b[31m\u202egnp.exe\u2028\u2029\nnewline',
  '&lt;already-escaped&gt; &amp;',
];

/** Keys whose strings are the tool's own vocabulary (enums, times, scenario ids), not log text. */
const VOCABULARY_KEYS = new Set([
  'kind',
  'strategy',
  'reason',
  'missReason',
  'basis',
  'severity',
  'cheaper',
  'pattern',
  'matchedBy',
  'generatedAt',
  'firstTimestamp',
  'lastTimestamp',
  'timestamp',
  'asOf',
  'since',
  'until',
  'cacheTtl',
  'logTtl',
  'scenario',
  'strategies',
  'name',
  'version',
  // reportedVsComputed: where the provider's cost came from (an enum).
  'source',
]);

function mapStrings(value: unknown, path: string[], fn: (s: string, path: string[]) => string): unknown {
  if (typeof value === 'string') return fn(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, [...path, String(i)], fn));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, [...path, k], fn);
    return out;
  }
  return value;
}

/** The key a string sits under (skipping array indices). */
function ownerKey(path: string[]): string {
  for (let i = path.length - 1; i >= 0; i--) if (!/^\d+$/.test(path[i] as string)) return path[i] as string;
  return '';
}

/**
 * Every string that comes from logs (session ids, projects, models, streams,
 * files, messages, explanations…) gets a payload appended. Scenario ids stay,
 * so the charts still find their series. Still valid against the schema.
 */
export function withLogPayloads(report: ReportJson): ReportJson {
  let n = 0;
  return mapStrings(report, [], (s, path) => {
    const key = ownerKey(path);
    if (VOCABULARY_KEYS.has(key)) return s;
    // Scenario and curve ids are strategy names, not log text.
    if (key === 'id' && (path.includes('scenarios') || path.includes('series'))) return s;
    return `${s}${PAYLOADS[n++ % PAYLOADS.length]}`;
  }) as ReportJson;
}

/** EVERY string, vocabulary included, replaced by a payload: renderers must escape what they do not know either. */
export function withPayloadsEverywhere(report: ReportJson): ReportJson {
  let n = 0;
  return mapStrings(report, [], (s, path) => {
    if (path.length === 1 && (path[0] === 'kind' || path[0] === 'schemaVersion')) return s;
    return `${s}${PAYLOADS[n++ % PAYLOADS.length]}`;
  }) as ReportJson;
}
