/**
 * Lines too long to hold, read shortened. A Claude Code line can carry a tool
 * output, a file or an image of hundreds of MB in one JSON string; holding
 * the whole line took memory in proportion to it (602 MiB of RSS for one
 * line of 300 MB). `LineCompactor` streams such a line and writes a shorter
 * one that every parser with a `LongLinePolicy` reads exactly as the
 * original: same verdict, same values.
 *
 * - A string token (found as the walkers of ./formats/json-bytes.ts find
 *   them: a quote not preceded by an odd run of backslashes closes it) whose
 *   content passes `elideOverBytes` (1 KiB) becomes its first bytes (cut between
 *   characters and escapes) plus a marker. The walkers only skip such a
 *   string; what they look at is that it is one string token, so brackets,
 *   commas and colons around it read the same.
 * - A string in key position (after `{` or `,` inside an object) is
 *   shortened only past `keyElideOverBytes` (384: longer than any name a
 *   parser looks for can be spelled), and keeps what a walker's key lookup
 *   can see: when it holds a backslash it is JSON.parsed, so a key that
 *   JSON.parse rejects gets an invalid escape (`\x`) after its marker and
 *   still fails.
 * - Values the parser decodes are kept verbatim: the value of any key named
 *   in `keepNames`, wherever it occurs, and everything inside it when it is an
 *   object or array (a `usage` object is JSON.parsed whole).
 * - For a parser that JSON.parses the line (`parsesWholeLine`: Codex,
 *   stream-json), every shortened string keeps JSON.parse's verdict the
 *   same way.
 * - Outside strings, bytes are kept, except that a run of JSON whitespace
 *   becomes its first byte (the walkers treat any run as one separator; a
 *   line of blanks stays blank).
 * - A line cut inside a string stays cut there (unterminated).
 *
 * Where the parser may read a long value (the Claude Code parser reads the
 * text of a session's first prompt), it says so (`mayNeedWhole`) and checks
 * the shortened line (`needsWhole`): the reader then reads the line again
 * from the file, whole. On stdin, where it cannot, such lines are held up
 * to the splitter's limit (MAX_LINE_BYTES), then shortened, and skipped as
 * too long if the parser needs them whole. Diagnostics of a malformed
 * shortened line show the shortened text (JSON.parse's positions in it).
 */

export interface LongLinePolicy {
  /** Keys whose values (strings, or whole objects and arrays) the parser decodes. */
  readonly keepNames: readonly string[];
  /**
   * Whether the parser may need some of what shortening leaves out of its
   * next line (the Claude Code parser until it has read a first prompt: the
   * prompt's text is hashed). Such a line is read again when `needsWhole`
   * says so (see ../lines.ts ByteLineSplitter where it cannot be).
   */
  mayNeedWhole(): boolean;
  /** For a line shortened while `mayNeedWhole()`: whether the parser would read some of what was left out of it. */
  needsWhole(bytes: Buffer, start: number, end: number): boolean;
  /**
   * The parser JSON.parses the whole line (instead of walking it as
   * ./formats/json-bytes.ts does): every shortened string, not only a key,
   * then keeps JSON.parse's verdict on it.
   */
  readonly parsesWholeLine?: boolean;
}

/** Sizes of shortening (tests use small ones). */
export interface ShortenLimits {
  /** Strings whose content is longer than this are shortened. */
  elideOverBytes: number;
  /** Content bytes kept at the start of a shortened string (fewer when a character or escape would be cut). */
  headBytes: number;
  /**
   * Keys are shortened only past this: a walker decodes an escaped key, and
   * no name one looks for (64 characters at most) takes more than 6 bytes a
   * character (`\uXXXX`).
   */
  keyElideOverBytes: number;
}

export const DEFAULT_SHORTEN_LIMITS: ShortenLimits = { elideOverBytes: 1024, headBytes: 96, keyElideOverBytes: 6 * 64 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
/** Escape state of a key-position string: none, after `\`, or 4..1 hex digits of `\u` still expected. */
const ESC_NONE = 0;
const ESC_AFTER_BACKSLASH = 1;
const ESC_HEX_4 = 5;
/**
 * Nesting whose container kinds are tracked (key positions found); deeper,
 * only the depth is counted, so a line of brackets takes no memory of its
 * size (no walker reads anything that deep: ./formats/json-bytes.ts rejects
 * lines nested past 4,096).
 */
const MAX_TRACKED_DEPTH = 1 << 16;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Bytes of `b[start, start + n)` that can be kept without cutting a UTF-8 character or an escape. */
function safeHead(b: Buffer, start: number, n: number): number {
  let i = 0;
  while (i < n) {
    const c = b[start + i] as number;
    const len = c === BACKSLASH ? (b[start + i + 1] === 0x75 ? 6 : 2) : c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (i + len > n) break;
    i += len;
  }
  return i;
}

/**
 * Streams one line (`write` its bytes in any pieces, then `end`) into its
 * shortened form. Reused line after line (`begin`).
 */
export class LineCompactor {
  private out: Buffer;
  private len = 0;
  /** Content bytes of shortened strings left out, over the current line. */
  elidedBytes = 0;
  /** The shortened line would pass `maxLength` (no long strings to cut): what was written is incomplete. */
  overflowed = false;

  private inString = false;
  /** Inside a string: its content so far ends in an odd run of backslashes (the next byte is escaped). */
  private oddBackslashes = false;
  /** Output index of the current string's opening quote. */
  private strOut = 0;
  /** Content bytes of the current string so far. */
  private strBytes = 0;
  private strElided = false;
  private strKeep = false;
  private strKey = false;
  /** The string's JSON.parse verdict is kept (a key, or any string with `checkAll`): read byte by byte. */
  private strCheck = false;
  /** Key-position strings: escape state, a backslash seen, content JSON.parse would reject. */
  private esc = ESC_NONE;
  private hasBackslash = false;
  private invalid = false;

  private stack = new Uint8Array(256);
  private depth = 0;
  /** The next string is in key position. */
  private expectKey = false;
  /** The key just read is in keepNames. */
  private keyKept = false;
  /** After the colon of a kept key: its value is kept. */
  private valueKept = false;
  /** Depth outside the kept object or array being read, -1 when none. */
  private keepDepth = -1;
  private inWs = false;

  private readonly names: Uint8Array[];
  private readonly nameSet: ReadonlySet<string>;

  private readonly elideOver: number;
  private readonly keyElideOver: number;
  private readonly headBytes: number;

  constructor(
    keepNames: readonly string[],
    private readonly allocate: (bytes: number) => Buffer = (n) => Buffer.allocUnsafe(n),
    limits: ShortenLimits = DEFAULT_SHORTEN_LIMITS,
    /** Keep JSON.parse's verdict on every string (LongLinePolicy.parsesWholeLine). */
    private readonly checkAll = false,
    /** Longest shortened line: past it the line is given up (`overflowed`), its buffer never larger. */
    private readonly maxLength = Infinity,
  ) {
    this.elideOver = limits.elideOverBytes;
    this.keyElideOver = Math.max(limits.keyElideOverBytes, limits.elideOverBytes);
    this.headBytes = Math.min(limits.headBytes, limits.elideOverBytes);
    this.names = keepNames.map((n) => new TextEncoder().encode(n));
    this.nameSet = new Set(keepNames);
    this.out = allocate(64 * 1024);
  }

  /** Starts a new line. */
  begin(): void {
    this.len = 0;
    this.elidedBytes = 0;
    this.overflowed = false;
    this.inString = false;
    this.oddBackslashes = false;
    this.depth = 0;
    this.expectKey = false;
    this.keyKept = false;
    this.valueKept = false;
    this.keepDepth = -1;
    this.inWs = false;
  }

  /** The shortened line so far: `bytes[0, length)`, valid until the next `begin`. */
  end(): { bytes: Buffer; length: number } {
    return { bytes: this.out, length: this.len };
  }

  /** Bytes of the shortened line so far. */
  get length(): number {
    return this.len;
  }

  /** Size of the output buffer (what the line being shortened holds). */
  get capacity(): number {
    return this.out.length;
  }

  /** Lets a large output buffer go (after a line that needed one). */
  shrink(): void {
    if (this.out.length > 1 << 20) this.out = this.allocate(64 * 1024);
  }

  write(src: Buffer, start: number, end: number): void {
    let i = start;
    while (i < end && !this.overflowed) {
      if (this.inString) {
        i = this.strCheck ? this.checkedContent(src, i, end) : this.valueContent(src, i, end);
        continue;
      }
      const c = src[i] as number;
      if (isWs(c)) {
        if (!this.inWs) this.put1(c);
        this.inWs = true;
        i++;
        continue;
      }
      this.inWs = false;
      if (c === QUOTE) {
        this.put1(c);
        this.openString();
        i++;
        continue;
      }
      // A run of other bytes outside strings (numbers, literals, punctuation) is copied at once.
      let j = i;
      while (j < end) {
        const d = src[j] as number;
        if (d === QUOTE || isWs(d)) break;
        this.structural(d);
        j++;
      }
      this.put(src, i, j);
      i = j;
    }
  }

  private structural(c: number): void {
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (this.valueKept && this.keepDepth < 0) this.keepDepth = this.depth;
      if (this.depth === this.stack.length && this.depth < MAX_TRACKED_DEPTH) {
        const grown = new Uint8Array(this.stack.length * 2);
        grown.set(this.stack);
        this.stack = grown;
      }
      if (this.depth < this.stack.length) this.stack[this.depth] = c;
      this.depth++;
      this.expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (this.depth > 0) this.depth--;
      if (this.keepDepth >= this.depth) this.keepDepth = -1;
      this.expectKey = false;
    } else if (c === COMMA) {
      this.expectKey = this.depth > 0 && this.depth <= this.stack.length && this.stack[this.depth - 1] === OPEN_OBJECT;
      this.keyKept = false;
    } else if (c === COLON) {
      this.expectKey = false;
      this.valueKept = this.keyKept;
      this.keyKept = false;
      return;
    } else {
      this.expectKey = false;
    }
    this.valueKept = false;
  }

  private openString(): void {
    this.inString = true;
    this.oddBackslashes = false;
    this.strOut = this.len - 1;
    this.strBytes = 0;
    this.strElided = false;
    this.strKey = this.expectKey;
    this.strCheck = this.expectKey || this.checkAll;
    this.strKeep = this.valueKept || this.keepDepth >= 0;
    this.esc = ESC_NONE;
    this.hasBackslash = false;
    this.invalid = false;
    this.expectKey = false;
    this.valueKept = false;
  }

  /** Content of a value string from `i`: jumps from quote to quote. Returns where to go on. */
  private valueContent(src: Buffer, i: number, end: number): number {
    let from = i;
    for (;;) {
      const q = src.indexOf(QUOTE, from);
      if (q < 0 || q >= end) {
        this.content(src, i, end);
        this.oddBackslashes = this.endsOdd(src, i, end, this.oddBackslashes);
        return end;
      }
      if (this.endsOdd(src, i, q, this.oddBackslashes)) {
        from = q + 1; // escaped quote: content goes on
        continue;
      }
      this.content(src, i, q);
      this.closeString();
      return q + 1;
    }
  }

  /** Whether `b[start, end)` ends in an odd run of backslashes, given the parity before `start`. */
  private endsOdd(b: Buffer, start: number, end: number, oddBefore: boolean): boolean {
    let k = end - 1;
    while (k >= start && b[k] === BACKSLASH) k--;
    const run = end - 1 - k;
    return ((k < start && oddBefore ? run + 1 : run) & 1) === 1;
  }

  /** Content of a string from `i`, byte by byte, keeping JSON.parse's verdict on it (`strCheck`). */
  private checkedContent(src: Buffer, i: number, end: number): number {
    let j = i;
    while (j < end) {
      const c = src[j] as number;
      if (this.esc === ESC_AFTER_BACKSLASH) {
        if (c === 0x75) this.esc = ESC_HEX_4;
        else {
          if (!(c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74)) this.invalid = true;
          this.esc = ESC_NONE;
        }
      } else if (this.esc > ESC_AFTER_BACKSLASH) {
        if (!isHex(c)) this.invalid = true;
        this.esc = this.esc === ESC_AFTER_BACKSLASH + 1 ? ESC_NONE : this.esc - 1;
        if (c === QUOTE) break; // `\u12"`: the quote is not escaped
      } else if (c === QUOTE) break;
      else if (c === BACKSLASH) {
        this.esc = ESC_AFTER_BACKSLASH;
        this.hasBackslash = true;
      } else if (c < 0x20) this.invalid = true;
      j++;
    }
    this.content(src, i, j);
    if (j === end) return end;
    this.closeString();
    return j + 1;
  }

  private content(src: Buffer, a: number, b: number): void {
    if (a === b) return;
    const before = this.strBytes;
    this.strBytes += b - a;
    if (this.strElided) {
      this.elidedBytes += b - a;
      return;
    }
    if (this.strKeep || this.strBytes <= (this.strKey ? this.keyElideOver : this.elideOver)) {
      this.put(src, a, b);
      return;
    }
    // Passes the limit: keep a head, cut where no character or escape is split.
    if (before < this.headBytes) this.put(src, a, Math.min(b, a + (this.headBytes - before) + 6));
    const contentStart = this.strOut + 1;
    const head = safeHead(this.out, contentStart, Math.min(this.headBytes, this.len - contentStart));
    this.len = contentStart + head;
    this.strElided = true;
    this.elidedBytes += this.strBytes - head;
  }

  private closeString(): void {
    this.inString = false;
    if (this.strElided) {
      this.putText(`…[${this.strBytes} bytes]`);
      // JSON.parse rejects the whole string: so it does the shortened one. (A walker parses a key only when it holds a backslash.)
      if (this.strCheck && this.invalid && (this.checkAll || this.hasBackslash)) this.putText('\\x');
    }
    this.put1(QUOTE);
    if (this.strKey) this.keyKept = !this.strElided && this.isKeptName(this.strOut + 1, this.len - 1);
  }

  private isKeptName(s: number, e: number): boolean {
    const n = e - s;
    for (const name of this.names) {
      if (name.length !== n) continue;
      let same = true;
      for (let k = 0; k < n; k++) {
        if (this.out[s + k] !== name[k]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    if (!this.hasBackslash || this.invalid) return false;
    // An escaped key may spell a name (`"\u0074ype"`): the walkers decode such keys.
    try {
      return this.nameSet.has(JSON.parse(this.out.toString('utf8', s - 1, e + 1)) as string);
    } catch {
      return false;
    }
  }

  /** Room for `extra` more bytes; false (and `overflowed`) past `maxLength`. */
  private ensure(extra: number): boolean {
    const need = this.len + extra;
    if (need > this.maxLength) {
      this.overflowed = true;
      return false;
    }
    if (need <= this.out.length) return true;
    const grown = this.allocate(Math.min(Math.max(need, this.out.length * 2), Math.max(need, this.maxLength)));
    this.out.copy(grown, 0, 0, this.len);
    this.out = grown;
    return true;
  }

  private put(src: Buffer, a: number, b: number): void {
    if (!this.ensure(b - a)) return;
    src.copy(this.out, this.len, a, b);
    this.len += b - a;
  }

  private put1(c: number): void {
    if (this.ensure(1)) this.out[this.len++] = c;
  }

  private putText(s: string): void {
    if (this.ensure(s.length * 3)) this.len += this.out.write(s, this.len, 'utf8');
  }
}
