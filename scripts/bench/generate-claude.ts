/**
 * Deterministic generator of realistic Claude Code logs for `npm run bench`.
 *
 * Writes `<root>/projects/<encoded-cwd>/<sessionId>.jsonl` (+ for recent CLI
 * versions `<sessionId>/subagents/agent-<id>.jsonl`) until the data reaches a
 * target size, and `<root>/ledger.json` with the TRUE deduplicated token totals
 * (the last usage of every unique request, keyed by requestId else message.id),
 * which the harness compares with what each tool reports.
 *
 * What the data contains (see /work/shared/reference/log-formats.md):
 * - API calls written as 1-5 lines (thinking, text, tool_use), sharing message.id
 *   and requestId; some early lines carry placeholder usage (small output counts,
 *   or all zeros) and only the last carries the final numbers; tool_result lines
 *   sometimes sit between two lines of the same call;
 * - tool results of 200 B-200 KB (a few base64 images and multi-MB lines), with
 *   escaped JSON snippets containing "usage", fake request ids, escapes,
 *   non-ASCII, emoji, U+2028; `toolUseResult` duplicating the output, and for
 *   Task results a nested `usage` object that must NOT be counted;
 * - MCP tool_use inputs with a nested unescaped `usage` key on assistant lines
 *   (only `message.usage` is billed);
 * - growing context (cache reads grow, writes are the deltas), 5m/1h split
 *   objects (1h for recent main threads, 5m for subagents, no split object for
 *   old versions), idle gaps beyond 5 min / 1 h causing full re-writes,
 *   compactions (compact_boundary + isCompactSummary), inline sidechains for
 *   old versions and subagent files for new ones, `<synthetic>` error lines,
 *   summary / file-history-snapshot / queue-operation lines, resumed sessions
 *   copying earlier lines (same ids: counted once), gateway sessions without
 *   requestId, a few malformed lines (one of them a truncated assistant line
 *   whose usage object is intact: a fast scanner must still reject it).
 *
 * Output is byte-identical for the same (seed, targetBytes, hugeFileBytes).
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Rng } from './prng.js';
import { buildCorpus, escapeJsonBody, sliceBase64, sliceCorpus, type Corpus } from './corpus.js';

export const GENERATOR_VERSION = 1;

export interface TokenLedgerTotals {
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  /** Unique billed requests (synthetic error lines excluded). */
  requests: number;
}

export interface Ledger {
  generatorVersion: number;
  seed: number;
  targetBytes: number;
  /** GenerateOptions.payloadScale (absent in ledgers written before it: 1). */
  payloadScale?: number;
  /** Actual bytes of all .jsonl files. */
  bytes: number;
  files: number;
  lines: number;
  sessions: number;
  largestFile: { path: string; bytes: number };
  /** The truth: last usage of each unique request (requestId, else message.id). */
  totals: TokenLedgerTotals;
  byModel: Record<string, TokenLedgerTotals>;
  /** What tools with other (wrong) rules would report, to explain mismatches. */
  variants: {
    /** Dedupe by request but keep the FIRST line's usage (placeholders win). */
    firstLineWins: TokenLedgerTotals;
    /** Every valid line with usage summed, no dedupe. */
    everyLine: TokenLedgerTotals;
    /** Dedupe by message.id + requestId only when both exist; lines without requestId all counted. */
    dedupeOnlyWithRequestId: TokenLedgerTotals;
  };
  counts: {
    apiCalls: number;
    multiLineCalls: number;
    placeholderCalls: number;
    interleavedCalls: number;
    compactions: number;
    idleRewrites: number;
    subagentFiles: number;
    sidechainCalls: number;
    syntheticLines: number;
    malformedLines: number;
    resumedCopiedLines: number;
    gatewayCalls: number;
    nestedUsageLines: number;
    imageBlocks: number;
    linesOver1MB: number;
  };
}

export interface GenerateOptions {
  /** Output root; files go under `<dir>/projects/`. */
  dir: string;
  targetBytes: number;
  seed?: number;
  /** Size of the one huge session file; default 520 MB (decimal) for targets ≥ 900 MB, else 30% of the target. */
  hugeFileBytes?: number;
  /** Upper bound of an ordinary session file (log-uniform from 4 KB). */
  maxSessionBytes?: number;
  /**
   * Scale of tool payloads (tool results, screenshots, written files), 0 < x <= 1; default 1. The default
   * data carries ~9-26 KB per request; the recorded Claude Code project in shared/data/real ~4.6 KB,
   * so the same bytes hold 2-5x more requests: what memory per request is measured on (`--payload dense`).
   * Only sizes change (the same random draws); multi-MB lines shrink too (the default data tests those).
   */
  payloadScale?: number;
  onProgress?: (bytesWritten: number) => void;
}

const MB = 1024 * 1024;
const BASE_TIME_MS = Date.UTC(2025, 8, 1, 6, 0, 0);

interface VersionProfile {
  version: string;
  /** Cache split written by this version. */
  split: 'none' | 'both';
  /** Subagents inline (isSidechain) or in subagent files. */
  subagents: 'inline' | 'files';
  mainTtl: '5m' | '1h';
}

const VERSIONS: VersionProfile[] = [
  { version: '1.0.51', split: 'none', subagents: 'inline', mainTtl: '5m' },
  { version: '1.0.98', split: 'both', subagents: 'inline', mainTtl: '5m' },
  { version: '1.0.108', split: 'both', subagents: 'inline', mainTtl: '5m' },
  { version: '2.0.14', split: 'both', subagents: 'files', mainTtl: '1h' },
  { version: '2.0.76', split: 'both', subagents: 'files', mainTtl: '1h' },
  { version: '2.1.19', split: 'both', subagents: 'files', mainTtl: '1h' },
];

const MAIN_MODELS = [
  'claude-sonnet-4-5-20250929',
  'claude-sonnet-4-5-20250929',
  'claude-sonnet-4-5-20250929',
  'claude-opus-4-1-20250805',
  'claude-sonnet-4-20250514',
];
const SUBAGENT_MODELS = ['claude-haiku-4-5-20251001', 'claude-sonnet-4-5-20250929'];
const PROJECTS = ['webapp', 'token-econ', 'infra', 'ml-pipeline', 'docs-site', 'mobile-app', 'データ分析', 'api-gateway'];
const TOOLS = ['Bash', 'Read', 'Edit', 'Write', 'Grep', 'Glob', 'TodoWrite', 'WebFetch', 'mcp__metrics__record'];

function emptyTotals(): TokenLedgerTotals {
  return { inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0, requests: 0 };
}

interface Usage {
  input: number;
  write5m: number;
  write1h: number;
  read: number;
  output: number;
  /** Whether the line carries a cache_creation split object. */
  split: boolean;
}

function addUsage(t: TokenLedgerTotals, u: Usage, countRequest: boolean): void {
  t.inputTokens += u.input;
  t.cacheWrite5mTokens += u.write5m;
  t.cacheWrite1hTokens += u.write1h;
  t.cacheReadTokens += u.read;
  t.outputTokens += u.output;
  if (countRequest) t.requests += 1;
}

function usageJson(u: Usage, modern: boolean): string {
  const creation = u.write5m + u.write1h;
  let s = `{"input_tokens":${u.input},"cache_creation_input_tokens":${creation},"cache_read_input_tokens":${u.read}`;
  if (u.split) s += `,"cache_creation":{"ephemeral_5m_input_tokens":${u.write5m},"ephemeral_1h_input_tokens":${u.write1h}}`;
  s += `,"output_tokens":${u.output}`;
  if (modern) s += ',"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0}';
  s += ',"service_tier":"standard"';
  if (modern) s += ',"inference_geo":"not_available"}';
  else s += '}';
  return s;
}

/** Buffered append-only writer that counts exact bytes. */
class JsonlFile {
  private parts: string[] = [];
  private pendingChars = 0;
  private fd: number;
  bytes = 0;
  lines = 0;
  /** Approximate size (exact bytes flushed + pending UTF-16 units), for size targeting. */
  get approxBytes(): number {
    return this.bytes + this.pendingChars;
  }

  constructor(
    readonly path: string,
    private readonly gen: Generator,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
  }

  write(line: string): void {
    this.parts.push(line, '\n');
    this.pendingChars += line.length + 1;
    this.lines += 1;
    if (this.pendingChars >= 8 * MB) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.bytes += buf.length;
    this.gen.bytesWritten += buf.length;
    this.gen.progress();
    this.parts = [];
    this.pendingChars = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}

interface Stream {
  file: JsonlFile;
  model: string;
  ttl: '5m' | '1h';
  split: boolean;
  /** Tokens of the prompt prefix cached after the last request (0 = cold). */
  contextTokens: number;
  systemTokens: number;
  lastRequestMs: number | null;
  /** Whether lines are marked isSidechain (inline or subagent file). */
  sidechain: boolean;
  agentId: string | null;
}

interface SessionState {
  id: string;
  cwd: string;
  projectDir: string;
  profile: VersionProfile;
  gateway: boolean;
  nowMs: number;
  parentUuid: string | null;
  gitBranch: string;
  /** Assistant lines a later resumed session copies (same ids, so counted once). */
  copyable: Array<{ line: string; usage: Usage; hasRequestId: boolean }>;
}

class Generator {
  bytesWritten = 0;
  private lastProgress = 0;
  readonly rng: Rng;
  readonly corpus: Corpus;
  readonly ledger: Ledger;
  private readonly firstLine = emptyTotals();
  private readonly everyLine = emptyTotals();
  private readonly onlyWithRequestId = emptyTotals();
  private readonly files: JsonlFile[] = [];
  private resumable: SessionState[] = [];

  constructor(readonly opts: Required<Omit<GenerateOptions, 'onProgress'>> & Pick<GenerateOptions, 'onProgress'>) {
    this.rng = new Rng(opts.seed);
    this.corpus = buildCorpus(opts.seed);
    this.ledger = {
      generatorVersion: GENERATOR_VERSION,
      seed: opts.seed,
      targetBytes: opts.targetBytes,
      payloadScale: opts.payloadScale,
      bytes: 0,
      files: 0,
      lines: 0,
      sessions: 0,
      largestFile: { path: '', bytes: 0 },
      totals: emptyTotals(),
      byModel: {},
      variants: { firstLineWins: this.firstLine, everyLine: this.everyLine, dedupeOnlyWithRequestId: this.onlyWithRequestId },
      counts: {
        apiCalls: 0,
        multiLineCalls: 0,
        placeholderCalls: 0,
        interleavedCalls: 0,
        compactions: 0,
        idleRewrites: 0,
        subagentFiles: 0,
        sidechainCalls: 0,
        syntheticLines: 0,
        malformedLines: 0,
        resumedCopiedLines: 0,
        gatewayCalls: 0,
        nestedUsageLines: 0,
        imageBlocks: 0,
        linesOver1MB: 0,
      },
    };
  }

  progress(): void {
    if (this.opts.onProgress && this.bytesWritten - this.lastProgress >= 64 * MB) {
      this.lastProgress = this.bytesWritten;
      this.opts.onProgress(this.bytesWritten);
    }
  }

  openFile(path: string): JsonlFile {
    const f = new JsonlFile(path, this);
    this.files.push(f);
    return f;
  }

  run(): Ledger {
    const { targetBytes, hugeFileBytes, maxSessionBytes } = this.opts;
    let sessionIndex = 0;
    if (hugeFileBytes > 0) {
      this.session(hugeFileBytes, true);
      sessionIndex++;
    }
    while (this.totalApprox() < targetBytes) {
      const remaining = targetBytes - this.totalApprox();
      const size = Math.min(this.rng.logInt(4 * 1024, maxSessionBytes), Math.max(remaining, 4 * 1024));
      this.session(size, false);
      sessionIndex++;
    }
    for (const f of this.files) f.close();
    const l = this.ledger;
    l.files = this.files.length;
    l.sessions = sessionIndex;
    for (const f of this.files) {
      l.bytes += f.bytes;
      l.lines += f.lines;
      if (f.bytes > l.largestFile.bytes) l.largestFile = { path: relative(this.opts.dir, f.path), bytes: f.bytes };
    }
    return l;
  }

  private totalApprox(): number {
    let n = 0;
    for (const f of this.files) n += f.approxBytes;
    return n;
  }

  // ---------------------------------------------------------------- sessions

  private session(targetBytes: number, huge: boolean): void {
    const rng = this.rng;
    const profile = huge ? (VERSIONS[4] as VersionProfile) : rng.pick(VERSIONS);
    const project = rng.pick(PROJECTS);
    const cwd = `/home/dev/src/${project}`;
    // Claude Code encodes the cwd by replacing every non-alphanumeric character with '-'.
    const projectDir = join(this.opts.dir, 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'));
    const id = rng.uuid();
    const startMs = BASE_TIME_MS + rng.int(0, 60 * 86_400) * 1000 + rng.int(0, 999);
    const s: SessionState = {
      id,
      cwd,
      projectDir,
      profile,
      gateway: !huge && rng.chance(0.03),
      nowMs: startMs,
      parentUuid: null,
      gitBranch: rng.pick(['main', 'main', 'feat/bench', 'fix/cache-ttl', '']),
      copyable: [],
    };
    const file = this.openFile(join(projectDir, `${id}.jsonl`));
    const main: Stream = {
      file,
      model: rng.pick(MAIN_MODELS),
      ttl: profile.mainTtl,
      split: profile.split === 'both',
      contextTokens: 0,
      systemTokens: rng.int(9_000, 21_000),
      lastRequestMs: null,
      sidechain: false,
      agentId: null,
    };

    if (rng.chance(0.3)) file.write(`{"type":"summary","summary":${JSON.stringify(rng.pick(PROSE_SUMMARIES))},"leafUuid":"${rng.uuid()}"}`);
    // Resumed session: starts with copies of an earlier session's lines (same ids: one request each).
    const resumeFrom = !huge && this.resumable.length > 0 && rng.chance(0.05) ? rng.pick(this.resumable) : null;
    if (resumeFrom) {
      for (const copy of resumeFrom.copyable) {
        file.write(copy.line);
        this.ledger.counts.resumedCopiedLines += 1;
        addUsage(this.everyLine, copy.usage, true);
        if (!copy.hasRequestId) addUsage(this.onlyWithRequestId, copy.usage, true);
      }
    }

    while (file.approxBytes < targetBytes) {
      this.userPrompt(s, main);
      const calls = rng.int(1, huge ? 40 : 14);
      for (let c = 0; c < calls && file.approxBytes < targetBytes; c++) {
        this.apiCall(s, main, c === calls - 1);
        if (rng.chance(0.04)) this.subagent(s, main);
      }
      this.maybeOddLines(s, main);
    }
    if (!huge && rng.chance(0.02)) this.malformedTruncatedAssistant(s, main);
    file.close();
    if (!huge && s.copyable.length > 0) this.resumable.push(s);
    if (this.resumable.length > 20) this.resumable.shift();
  }

  private envelope(s: SessionState, st: Stream): string {
    const agent = st.agentId ? `,"agentId":"${st.agentId}"` : '';
    return `"isSidechain":${st.sidechain},"userType":"external","cwd":${JSON.stringify(s.cwd)},"sessionId":"${s.id}","version":"${s.profile.version}","gitBranch":"${s.gitBranch}"${agent}`;
  }

  private tick(s: SessionState, ms: number): string {
    s.nowMs += ms;
    return new Date(s.nowMs).toISOString();
  }

  private userPrompt(s: SessionState, st: Stream): void {
    const rng = this.rng;
    const gap = this.idleGapMs();
    const ts = this.tick(s, gap);
    const uuid = rng.uuid();
    const text = sliceCorpus(this.corpus, rng, rng.logInt(20, 3000));
    const line = `{"parentUuid":${s.parentUuid ? `"${s.parentUuid}"` : 'null'},${this.envelope(s, st)},"type":"user","message":{"role":"user","content":"${text}"},"uuid":"${uuid}","timestamp":"${ts}"}`;
    st.file.write(line);
    s.parentUuid = uuid;
    if (!st.sidechain && rng.chance(0.5)) {
      st.file.write(
        `{"type":"file-history-snapshot","messageId":"${uuid}","snapshot":{"messageId":"${uuid}","trackedFileBackups":{},"timestamp":"${ts}"},"isSnapshotUpdate":false}`,
      );
    }
    this.pendingAppendTokens += Math.round(text.length / 3.6) + rng.int(5, 40);
  }

  /** New context tokens since the last request (user text, tool results). */
  private pendingAppendTokens = 0;

  private idleGapMs(): number {
    const r = this.rng.float();
    if (r < 0.85) return this.rng.int(2_000, 40_000);
    if (r < 0.93) return this.rng.int(40_000, 240_000);
    if (r < 0.97) return this.rng.int(6 * 60_000, 50 * 60_000);
    if (r < 0.99) return this.rng.int(70 * 60_000, 5 * 3_600_000);
    return this.rng.int(9 * 3_600_000, 20 * 3_600_000);
  }

  /** Final usage of the next request on a stream; advances the stream's cache state. */
  private nextUsage(s: SessionState, st: Stream): Usage {
    const rng = this.rng;
    const ttlMs = st.ttl === '1h' ? 3_600_000 : 300_000;
    const appended = this.pendingAppendTokens + rng.int(1, 60);
    this.pendingAppendTokens = 0;
    const input = rng.int(1, 12);
    let read: number;
    let write: number;
    const expired = st.lastRequestMs !== null && s.nowMs - st.lastRequestMs > ttlMs;
    if (st.contextTokens === 0 || expired) {
      // Cold start or expired entry: the whole prefix is written again.
      if (expired) this.ledger.counts.idleRewrites += 1;
      read = 0;
      write = Math.max(st.contextTokens, st.systemTokens) + appended;
    } else {
      read = st.contextTokens;
      write = appended;
    }
    st.contextTokens = read + write + input;
    st.lastRequestMs = s.nowMs;
    const output = rng.chance(0.03) ? rng.int(4_000, 16_000) : rng.logInt(8, 2_500);
    this.pendingAppendTokens += output;
    let write5m = 0;
    let write1h = 0;
    if (st.ttl === '1h' && st.split) {
      if (rng.chance(0.1)) {
        write5m = Math.floor(write * rng.float() * 0.3);
        write1h = write - write5m;
      } else write1h = write;
    } else write5m = write;
    return { input, write5m, write1h, read, output, split: st.split };
  }

  private apiCall(s: SessionState, st: Stream, last: boolean): void {
    const rng = this.rng;
    const counts = this.ledger.counts;
    this.tick(s, rng.int(1_500, 25_000));
    if (rng.chance(0.002)) this.synthetic(s, st);
    const usage = this.nextUsage(s, st);
    const messageId = s.gateway ? `msg_bdrk_${rng.base58(24)}` : `msg_01${rng.base58(22)}`;
    const requestId = s.gateway ? null : `req_011C${rng.base58(20)}`;

    // Content blocks, one per line.
    const blocks: string[] = [];
    if (rng.chance(0.3)) {
      blocks.push(
        `{"type":"thinking","thinking":"${sliceCorpus(this.corpus, rng, rng.logInt(100, 4000))}","signature":"${sliceBase64(this.corpus, rng, rng.int(200, 900))}"}`,
      );
    }
    const tools = last ? 0 : rng.int(1, 3);
    if (rng.chance(0.6) || tools === 0) blocks.push(`{"type":"text","text":"${sliceCorpus(this.corpus, rng, rng.logInt(20, 2500))}"}`);
    const toolIds: string[] = [];
    const toolNames: string[] = [];
    for (let t = 0; t < tools; t++) {
      const id = `toolu_01${rng.base58(22)}`;
      const name = st.sidechain ? rng.pick(TOOLS.slice(0, 6)) : rng.pick(TOOLS);
      toolIds.push(id);
      toolNames.push(name);
      blocks.push(`{"type":"tool_use","id":"${id}","name":"${name}","input":${this.toolInput(name)}}`);
    }

    // Usage per line: the last line carries the final numbers.
    const mode = blocks.length > 1 ? rng.float() : 0;
    const placeholder: Usage | null =
      mode > 0.95
        ? { input: 0, write5m: 0, write1h: 0, read: 0, output: 0, split: usage.split }
        : mode > 0.85
          ? { ...usage, output: rng.int(1, Math.min(12, usage.output)) }
          : null;
    if (blocks.length > 1) counts.multiLineCalls += 1;
    if (placeholder) counts.placeholderCalls += 1;
    counts.apiCalls += 1;
    if (st.sidechain) counts.sidechainCalls += 1;
    if (s.gateway) counts.gatewayCalls += 1;

    const modern = s.profile.subagents === 'files';
    const interleave = tools >= 2 && rng.chance(0.25);
    if (interleave) counts.interleavedCalls += 1;
    const callLines: SessionState['copyable'] = [];
    for (let i = 0; i < blocks.length; i++) {
      const isLast = i === blocks.length - 1;
      const u = isLast || !placeholder ? usage : placeholder;
      const uuid = rng.uuid();
      const ts = this.tick(s, rng.int(30, 2_000));
      const line =
        `{"parentUuid":${s.parentUuid ? `"${s.parentUuid}"` : 'null'},${this.envelope(s, st)},"message":{"id":"${messageId}","type":"message","role":"assistant","model":"${st.model}","content":[${blocks[i]}],"stop_reason":${isLast ? (tools > 0 ? '"tool_use"' : '"end_turn"') : 'null'},"stop_sequence":null,"usage":${usageJson(u, modern)}}` +
        `${requestId ? `,"requestId":"${requestId}"` : ''},"type":"assistant","uuid":"${uuid}","timestamp":"${ts}"}`;
      st.file.write(line);
      s.parentUuid = uuid;
      // Every-line and first-line variants.
      addUsage(this.everyLine, u, true);
      if (!requestId) addUsage(this.onlyWithRequestId, u, true);
      if (i === 0) addUsage(this.firstLine, u, true);
      callLines.push({ line, usage: u, hasRequestId: requestId !== null });
      // Interleaving: the result of the first tool arrives before the next line of the same call.
      if (interleave && i === blocks.length - tools) {
        this.toolResult(s, st, toolIds.shift() as string, toolNames.shift() as string);
      }
    }
    // Resumed sessions copy whole calls (all their lines), as Claude Code does.
    if (!st.sidechain && s.copyable.length < 60 && rng.chance(0.3) && callLines.every((c) => c.line.length < 8192)) {
      s.copyable.push(...callLines);
    }
    if (requestId) addUsage(this.onlyWithRequestId, usage, true);
    // The truth: one request, final usage.
    addUsage(this.ledger.totals, usage, true);
    const byModel = (this.ledger.byModel[st.model] ??= emptyTotals());
    addUsage(byModel, usage, true);

    for (let t = 0; t < toolIds.length; t++) this.toolResult(s, st, toolIds[t] as string, toolNames[t] as string);
    this.maybeCompact(s, st);
  }

  private toolInput(name: string): string {
    const rng = this.rng;
    switch (name) {
      case 'Bash':
        return `{"command":"${sliceCorpus(this.corpus, rng, rng.int(10, 200))}","description":"Run it"}`;
      case 'Edit':
        return `{"file_path":"/home/dev/src/app/src/index.ts","old_string":"${sliceCorpus(this.corpus, rng, rng.logInt(20, 3000))}","new_string":"${sliceCorpus(this.corpus, rng, rng.logInt(20, 3000))}"}`;
      case 'Write':
        return `{"file_path":"/home/dev/src/app/fixtures/usage.json","content":"${sliceCorpus(this.corpus, rng, this.scaled(rng.logInt(200, 20_000)))}"}`;
      case 'mcp__metrics__record':
        // A real nested (unescaped) "usage" key inside message.content: not the billed usage.
        this.ledger.counts.nestedUsageLines += 1;
        return `{"metric":"tokens","usage":{"input_tokens":${rng.int(100_000, 999_999)},"cache_read_input_tokens":${rng.int(100_000, 999_999)},"output_tokens":${rng.int(1000, 99_999)}},"tags":["bench","🚀"]}`;
      case 'TodoWrite':
        return `{"todos":[{"content":"${sliceCorpus(this.corpus, rng, 80)}","status":"in_progress","activeForm":"Working"}]}`;
      default:
        return `{"pattern":"**/*.ts","path":"/home/dev/src/app"}`;
    }
  }

  private resultSizeChars(): number {
    const r = this.rng.float();
    if (r < 0.55) return this.scaled(this.rng.logInt(200, 2_000));
    if (r < 0.85) return this.scaled(this.rng.logInt(2_000, 12_000));
    if (r < 0.97) return this.scaled(this.rng.logInt(12_000, 60_000));
    return this.scaled(this.rng.logInt(60_000, 200_000));
  }

  /** A tool payload's size under `payloadScale` (at least 40 characters). */
  private scaled(chars: number): number {
    const scale = this.opts.payloadScale;
    return scale === 1 ? chars : Math.max(40, Math.round(chars * scale));
  }

  private toolResult(s: SessionState, st: Stream, toolId: string, toolName: string): void {
    const rng = this.rng;
    const counts = this.ledger.counts;
    const uuid = rng.uuid();
    const ts = this.tick(s, rng.int(50, 30_000));
    const head = `{"parentUuid":"${s.parentUuid}",${this.envelope(s, st)},"type":"user","message":{"role":"user","content":[{"tool_use_id":"${toolId}","type":"tool_result","content":`;
    let line: string;
    let tokens: number;
    const r = rng.float();
    if (r < 0.001) {
      // Screenshot: base64 image block; rarely a multi-MB line.
      const b64 = sliceBase64(this.corpus, rng, this.scaled(rng.chance(0.1) ? rng.int(1_000_000, 3_000_000) : rng.logInt(20_000, 400_000)));
      counts.imageBlocks += 1;
      line = `${head}[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"${b64}"}}]}]},"uuid":"${uuid}","timestamp":"${ts}","toolUseResult":{"type":"image","file":{"base64":"${b64}","type":"image/png","originalSize":${b64.length}}}}`;
      tokens = rng.int(800, 1600);
    } else if (toolName === 'Read' || r < 0.0015) {
      const size = r < 0.0015 ? this.scaled(rng.int(1_200_000, 2_500_000)) : this.resultSizeChars();
      const text = sliceCorpus(this.corpus, rng, size);
      line = `${head}"${text}","is_error":false}]},"uuid":"${uuid}","timestamp":"${ts}","toolUseResult":{"type":"text","file":{"filePath":"/home/dev/src/app/src/big.ts","content":"${text}","numLines":${rng.int(10, 2000)},"startLine":1,"totalLines":${rng.int(2000, 9000)}}}}`;
      tokens = Math.round(text.length / 3.6);
    } else if (toolName === 'Bash' || toolName === 'Grep' || toolName === 'WebFetch') {
      const text = sliceCorpus(this.corpus, rng, this.resultSizeChars());
      const isError = rng.chance(0.05);
      line = `${head}"${text}","is_error":${isError}}]},"uuid":"${uuid}","timestamp":"${ts}","toolUseResult":{"stdout":"${text}","stderr":"${isError ? escapeJsonBody('Exit code 1') : ''}","interrupted":false,"isImage":false}}`;
      tokens = Math.round(text.length / 3.6);
    } else {
      const text = sliceCorpus(this.corpus, rng, rng.logInt(40, 600));
      line = `${head}"${text}"}]},"uuid":"${uuid}","timestamp":"${ts}","toolUseResult":{"filePath":"/home/dev/src/app/src/index.ts","structuredPatch":[],"userModified":false}}`;
      tokens = Math.round(text.length / 3.6);
    }
    if (line.length > MB) counts.linesOver1MB += 1;
    st.file.write(line);
    s.parentUuid = uuid;
    this.pendingAppendTokens += Math.min(tokens, 60_000);
  }

  /** A Task run: inline sidechain calls (old versions) or a subagent file (new ones). */
  private subagent(s: SessionState, main: Stream): void {
    const rng = this.rng;
    const agentId = rng.hex(rng.chance(0.5) ? 7 : 17);
    const files = s.profile.subagents === 'files';
    let file = main.file;
    if (files) {
      const name = rng.chance(0.1) ? `agent-aside_question-${agentId}` : `agent-${agentId}`;
      file = this.openFile(join(s.projectDir, s.id, 'subagents', `${name}.jsonl`));
      this.ledger.counts.subagentFiles += 1;
    }
    const sub: Stream = {
      file,
      model: rng.pick(SUBAGENT_MODELS),
      ttl: '5m',
      split: main.split,
      contextTokens: 0,
      systemTokens: rng.int(4_000, 12_000),
      lastRequestMs: null,
      sidechain: true,
      agentId: files ? agentId : null,
    };
    const savedParent = s.parentUuid;
    const savedPending = this.pendingAppendTokens;
    this.pendingAppendTokens = 0;
    s.parentUuid = null;
    const taskStartMs = s.nowMs;
    this.userPrompt(s, sub);
    const n = rng.int(2, 12);
    let lastOutputTokens = 0;
    for (let i = 0; i < n; i++) {
      const before = this.ledger.totals.outputTokens;
      this.apiCall(s, sub, i === n - 1);
      lastOutputTokens = this.ledger.totals.outputTokens - before;
    }
    if (files) file.close();
    // Back in the main thread: the Task tool_result carries a nested usage (NOT a billed call of this stream).
    s.parentUuid = savedParent;
    this.pendingAppendTokens = savedPending;
    const uuid = rng.uuid();
    const ts = this.tick(s, rng.int(10, 500));
    const text = sliceCorpus(this.corpus, rng, rng.logInt(300, 6000));
    const nested = `{"input_tokens":${rng.int(1, 12)},"cache_creation_input_tokens":${rng.int(100, 9000)},"cache_read_input_tokens":${rng.int(1000, 90_000)},"cache_creation":{"ephemeral_5m_input_tokens":${rng.int(100, 9000)},"ephemeral_1h_input_tokens":0},"output_tokens":${lastOutputTokens},"service_tier":"standard"}`;
    main.file.write(
      `{"parentUuid":"${s.parentUuid}",${this.envelope(s, main)},"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01${rng.base58(22)}","type":"tool_result","content":[{"type":"text","text":"${text}"}]}]},"uuid":"${uuid}","timestamp":"${ts}","toolUseResult":{"content":[{"type":"text","text":"${text}"}],"totalDurationMs":${s.nowMs - taskStartMs},"totalTokens":${rng.int(5000, 90_000)},"totalToolUseCount":${n},"usage":${nested}}}`,
    );
    this.ledger.counts.nestedUsageLines += 1;
    s.parentUuid = uuid;
    this.pendingAppendTokens += Math.round(text.length / 3.6);
  }

  private maybeCompact(s: SessionState, st: Stream): void {
    const rng = this.rng;
    const auto = st.contextTokens > 155_000;
    if (!auto && !rng.chance(0.002)) return;
    const pre = st.contextTokens;
    const post = rng.int(6_000, 14_000);
    const uuid = rng.uuid();
    const ts = this.tick(s, rng.int(20_000, 90_000));
    st.file.write(
      `{"parentUuid":null,"logicalParentUuid":"${s.parentUuid}",${this.envelope(s, st)},"type":"system","subtype":"compact_boundary","content":"Conversation compacted","isMeta":false,"timestamp":"${ts}","uuid":"${uuid}","level":"info","compactMetadata":{"trigger":"${auto ? 'auto' : 'manual'}","preTokens":${pre}}}`,
    );
    const summaryUuid = rng.uuid();
    const summary = sliceCorpus(this.corpus, rng, post * 3);
    st.file.write(
      `{"parentUuid":"${uuid}",${this.envelope(s, st)},"type":"user","message":{"role":"user","content":"This session is being continued from a previous conversation that ran out of context. The conversation is summarized below:\\n${summary}"},"isVisibleInTranscriptOnly":true,"isCompactSummary":true,"uuid":"${summaryUuid}","timestamp":"${this.tick(s, 5)}"}`,
    );
    s.parentUuid = summaryUuid;
    this.ledger.counts.compactions += 1;
    // After compaction only the system prompt + tools prefix is still cached.
    st.contextTokens = st.systemTokens;
    this.pendingAppendTokens = post;
  }

  private synthetic(s: SessionState, st: Stream): void {
    const rng = this.rng;
    const uuid = rng.uuid();
    st.file.write(
      `{"parentUuid":"${s.parentUuid}",${this.envelope(s, st)},"message":{"id":"${rng.uuid()}","model":"<synthetic>","role":"assistant","stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"server_tool_use":{"web_search_requests":0},"service_tier":null},"content":[{"type":"text","text":"API Error: 529 {\\"type\\":\\"error\\",\\"error\\":{\\"type\\":\\"overloaded_error\\",\\"message\\":\\"Overloaded\\"}}"}]},"type":"assistant","uuid":"${uuid}","timestamp":"${this.tick(s, 900)}","isApiErrorMessage":true}`,
    );
    s.parentUuid = uuid;
    this.ledger.counts.syntheticLines += 1;
  }

  private maybeOddLines(s: SessionState, st: Stream): void {
    const rng = this.rng;
    const r = rng.float();
    if (r < 0.02) {
      st.file.write(
        `{"type":"queue-operation","operation":"enqueue","timestamp":"${this.tick(s, 100)}","sessionId":"${s.id}","content":"${sliceCorpus(this.corpus, rng, 120)}"}`,
      );
    } else if (r < 0.025) {
      st.file.write('');
    } else if (r < 0.027) {
      // A line cut by a crash mid-write (a user tool result: no usage lost).
      const text = sliceCorpus(this.corpus, rng, 3000);
      st.file.write(`{"parentUuid":"${s.parentUuid}",${this.envelope(s, st)},"type":"user","message":{"role":"user","content":[{"type":"tool_result","content":"${text.slice(0, 1500)}`);
      this.ledger.counts.malformedLines += 1;
    } else if (r < 0.028) {
      st.file.write('{"type":"system","subtype":"informational","content":"not json at all}} \u0001');
      this.ledger.counts.malformedLines += 1;
    }
  }

  /**
   * A truncated assistant line whose usage object is complete: invalid JSON,
   * so it must not count, even though a scanner that stops after `usage` sees
   * well-formed numbers there.
   */
  private malformedTruncatedAssistant(s: SessionState, st: Stream): void {
    const rng = this.rng;
    const usage: Usage = { input: 7, write5m: 77_777, write1h: 0, read: 777_777, output: 77_777, split: true };
    const line = `{"parentUuid":"${s.parentUuid}",${this.envelope(s, st)},"message":{"id":"msg_01${rng.base58(22)}","type":"message","role":"assistant","model":"${st.model}","content":[{"type":"text","text":"cut"}],"stop_reason":"end_turn","stop_sequence":null,"usage":${usageJson(usage, false)}},"requestId":"req_011C${rng.base58(20)}","type":"assistant","uuid":"${rng.uuid()}","timestamp":"${this.tick(s, 1000)}`;
    st.file.write(line);
    this.ledger.counts.malformedLines += 1;
  }
}

const PROSE_SUMMARIES = [
  'Next.js TODO app: parallel subtasks, tests fixed',
  'Benchmark harness for token-econ vs ccusage',
  'Refactor cache TTL handling — 1h vs 5m',
  'データ分析パイプラインの修正',
  'Fix flaky CI 🚑',
];

/** Generates the data set and writes `<dir>/ledger.json`; returns the ledger. */
export function generateClaudeDataset(options: GenerateOptions): Ledger {
  const targetBytes = options.targetBytes;
  const hugeFileBytes = options.hugeFileBytes ?? (targetBytes >= 900_000_000 ? 520_000_000 : Math.floor(targetBytes * 0.3));
  const gen = new Generator({
    dir: options.dir,
    targetBytes,
    seed: options.seed ?? 20250901,
    hugeFileBytes,
    maxSessionBytes: options.maxSessionBytes ?? Math.max(64 * 1024, Math.min(8 * MB, Math.floor(targetBytes / 20))),
    payloadScale: options.payloadScale ?? 1,
    onProgress: options.onProgress,
  });
  mkdirSync(join(options.dir, 'projects'), { recursive: true });
  const ledger = gen.run();
  writeFileSync(join(options.dir, 'ledger.json'), `${JSON.stringify(ledger, null, 2)}\n`);
  return ledger;
}
