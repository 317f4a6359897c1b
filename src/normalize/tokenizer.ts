/**
 * Fast, exact token counting for transcripts that carry no usage.
 *
 * Counts are identical to js-tiktoken's `encode(text, [], []).length` (which is
 * `encode(text).length` whenever that call does not throw): special-token text
 * such as `<|endoftext|>` inside a transcript is counted as ordinary text,
 * because it is text the user sent, not a control token.
 *
 * Why not just call js-tiktoken: its encoder keys its rank map with
 * comma-joined byte lists and materialises a token array, which runs at about
 * 2 MB/s on o200k. Here the pre-tokenizer regex (the encoding's own `pat_str`)
 * is run directly, each pre-tokenized piece is looked up in a bounded memo
 * (most pieces of code and prose repeat: ` the`, `    `, `const`…), and only
 * pieces never seen before go through byte-pair merging, on latin1 "byte
 * strings" so rank lookups are plain Map<string, number> hits. Nothing but the
 * count is allocated. The rank file is loaded on the first count, not at import.
 *
 * This is the only module that imports js-tiktoken (docs/DEVELOPMENT.md).
 */
import { createRequire } from 'node:module';
import type { Tokenizer } from '../ingest/format.js';

export type EncodingName = 'o200k_base' | 'cl100k_base';

export const ENCODING_NAMES: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/** Shape of the js-tiktoken rank modules (`js-tiktoken/ranks/<name>`). */
interface TiktokenRanks {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
}

interface LoadedEncoding {
  /** Pre-tokenizer, flags `gu` (as js-tiktoken compiles it). */
  pattern: RegExp;
  /** Token bytes as a latin1 string (one char per byte) -> rank. */
  ranks: Map<string, number>;
}

/** Upper bound of memoized pieces per tokenizer; the memo is cleared when it is reached. */
export const PIECE_MEMO_LIMIT = 200_000;
/** Pieces longer than this (in UTF-16 units) are not memoized: they rarely repeat. */
const MEMO_MAX_PIECE_LENGTH = 256;

const loaded = new Map<EncodingName, LoadedEncoding>();
const requireFromHere = createRequire(import.meta.url);

function loadRanks(name: EncodingName): TiktokenRanks {
  // Synchronous, lazy: the rank files are 1-2 MB of base64 and only the
  // transcript format needs them. Static specifiers keep them visible to bundlers.
  const mod: unknown =
    name === 'o200k_base' ? requireFromHere('js-tiktoken/ranks/o200k_base') : requireFromHere('js-tiktoken/ranks/cl100k_base');
  const ranks = ((mod as { default?: unknown }).default ?? mod) as TiktokenRanks;
  if (typeof ranks.pat_str !== 'string' || typeof ranks.bpe_ranks !== 'string') {
    throw new Error(`js-tiktoken rank file for ${name} has an unexpected shape`);
  }
  return ranks;
}

function loadEncoding(name: EncodingName): LoadedEncoding {
  const cached = loaded.get(name);
  if (cached) return cached;
  const raw = loadRanks(name);
  const ranks = new Map<string, number>();
  // Format (js-tiktoken): lines of `<tag> <offset> <b64 token> <b64 token> ...`,
  // consecutive ranks starting at offset.
  for (const line of raw.bpe_ranks.split('\n')) {
    if (line.length === 0) continue;
    const parts = line.split(' ');
    const offset = Number.parseInt(parts[1] ?? '', 10);
    for (let i = 2; i < parts.length; i++) {
      ranks.set(atob(parts[i] as string), offset + i - 2);
    }
  }
  const encoding: LoadedEncoding = { pattern: new RegExp(raw.pat_str, 'gu'), ranks };
  loaded.set(name, encoding);
  return encoding;
}

const utf8 = new TextEncoder();

/** UTF-8 bytes of `piece` as a latin1 string; lone surrogates become U+FFFD like TextEncoder. */
function toByteString(piece: string): string {
  for (let i = 0; i < piece.length; i++) {
    if (piece.charCodeAt(i) > 0x7f) {
      const bytes = utf8.encode(piece);
      let out = '';
      for (let j = 0; j < bytes.length; j++) out += String.fromCharCode(bytes[j] as number);
      return out;
    }
  }
  return piece;
}

/**
 * Number of tokens byte-pair merging yields for one piece: repeatedly merge the
 * adjacent pair with the lowest rank (leftmost on ties) until no pair is a
 * token — the algorithm of tiktoken and js-tiktoken's bytePairMerge.
 */
function bpeCount(bytes: string, ranks: Map<string, number>): number {
  const n = bytes.length;
  if (n <= 1) return n;
  if (ranks.has(bytes)) return 1;
  // bounds[k] = start offset of part k; bounds[parts] = n.
  const bounds: number[] = new Array<number>(n + 1);
  for (let i = 0; i <= n; i++) bounds[i] = i;
  // pairRank[k] = rank of parts k and k+1 merged, or Infinity.
  const pairRank: number[] = new Array<number>(n - 1);
  for (let i = 0; i < n - 1; i++) pairRank[i] = ranks.get(bytes.slice(i, i + 2)) ?? Infinity;
  let parts = n;
  while (parts > 1) {
    let best = Infinity;
    let at = -1;
    for (let k = 0; k < parts - 1; k++) {
      const r = pairRank[k] as number;
      if (r < best) {
        best = r;
        at = k;
      }
    }
    if (at < 0) break;
    bounds.splice(at + 1, 1);
    pairRank.splice(at + 1, 1);
    parts--;
    const start = bounds[at] as number;
    if (at < parts - 1) {
      pairRank[at] = ranks.get(bytes.slice(start, bounds[at + 2] as number)) ?? Infinity;
    } else {
      pairRank.length = parts - 1;
    }
    if (at > 0) {
      pairRank[at - 1] = ranks.get(bytes.slice(bounds[at - 1] as number, bounds[at + 1] as number)) ?? Infinity;
    }
  }
  return parts;
}

class BpeCounter implements Tokenizer {
  readonly name: EncodingName;
  private encoding: LoadedEncoding | null = null;
  private pattern: RegExp | null = null;
  private readonly memo = new Map<string, number>();

  constructor(name: EncodingName) {
    this.name = name;
  }

  count(text: string): number {
    if (text.length === 0) return 0;
    const encoding = (this.encoding ??= loadEncoding(this.name));
    const { ranks } = encoding;
    // A private copy of the regex per tokenizer (lastIndex is state); count() is
    // synchronous, so resetting it here is enough.
    const pattern = (this.pattern ??= new RegExp(encoding.pattern));
    pattern.lastIndex = 0;
    const memo = this.memo;
    let total = 0;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(text)) !== null) {
      const piece = match[0];
      const known = memo.get(piece);
      if (known !== undefined) {
        total += known;
        continue;
      }
      const bytes = toByteString(piece);
      const count = ranks.has(bytes) ? 1 : bpeCount(bytes, ranks);
      total += count;
      if (piece.length <= MEMO_MAX_PIECE_LENGTH) {
        if (memo.size >= PIECE_MEMO_LIMIT) memo.clear();
        memo.set(piece, count);
      }
    }
    return total;
  }
}

/** A tokenizer for `name`; the rank file loads on the first `count()`. */
export function createTokenizer(name: EncodingName): Tokenizer {
  return new BpeCounter(name);
}
