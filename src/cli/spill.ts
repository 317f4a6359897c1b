/**
 * Parsed files' packed turns kept on disk while the rest of a large input is
 * parsed, and read back just before the sessions are built.
 *
 * The end of a first run's parse was its peak (BENCHMARKS.md run W): both
 * threads' heaps at their largest next to every parsed file's records and
 * string table (~110 bytes a request; 3 GB of request-dense logs: ~50 MB).
 * For an input of `TOKEN_ECON_SPILL_MIN_BYTES` or more (default 1.5 GiB),
 * every file parsed is written to a temporary file as soon as it is made,
 * deleted as soon as it is open (only this process's descriptor reaches it;
 * where the system does not allow that, at `close`), and read back into
 * arrays of the packed-array pool (src/ingest/packed.ts) after the worker
 * threads are gone and this thread's heap was collected, so the records
 * never meet the parse's heaps. The file goes next to the parse cache when
 * there is one (a disk, as a rule), else in the temporary directory: where
 * that is in memory (tmpfs), the records leave the process but not the RAM
 * (`TMPDIR` tells where). All files or none: a file kept in memory
 * pins the slab it was cut from, and with it the dead arrays of the files
 * written out next to it (keeping the first 4 MiB of files raised a 3 GB
 * first run by ~20 MiB); and the shell collects garbage every 16 MiB written
 * out, as slabs are freed only by a collection (BENCHMARKS.md run W).
 *
 * Bit-exact: the arrays' bytes as they are in memory, in this process; the
 * string table as Latin-1 when every character fits, else UTF-16 (lone
 * surrogates included). A file that cannot be written out (no temporary
 * directory, a full disk) stays in memory, and so do the later ones: a spill
 * never fails a run. Reading back what was written can only fail with the
 * disk itself, and then the run stops with an internal error rather than
 * lose records.
 */
import { mkdirSync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InternalError } from '../errors.js';
import { packedArrayPool, type PackedFile, type PackedTurns } from '../ingest/packed.js';
import { integerFromEnv, type CliContext } from './context.js';
import { FileAppender, closeQuietly, isLatin1, pageBuffer, readInto } from './io.js';

export const SPILL_ENV = 'TOKEN_ECON_SPILL_MIN_BYTES';
const DEFAULT_MIN_BYTES = 1.5 * 1024 * 1024 * 1024;
/** Bytes gathered before one write. */
const WRITE_BUFFER_BYTES = 1 << 20;

/** Input bytes from which parsed records wait on disk until the sessions are built (`TOKEN_ECON_SPILL_MIN_BYTES`; 0: always). */
export function spillMinBytes(env: CliContext['env']): number {
  return integerFromEnv(env, SPILL_ENV, 0, Number.MAX_SAFE_INTEGER, () => DEFAULT_MIN_BYTES, `e.g. ${SPILL_ENV}=${DEFAULT_MIN_BYTES} (input bytes from which parsed records wait on disk; 0: always)`);
}

type Arrays = [Float64Array, Uint32Array, Float64Array, Int32Array, Int32Array, Uint8Array, Uint32Array];

/** A file's turns' arrays, in the order they are written. */
function arraysOf(t: PackedTurns): Arrays {
  return [t.nums, t.ints, t.wide, t.strs, t.combos, t.flags, t.lengths];
}

/** Bytes a file's turns hold (arrays and string table). */
function heldBytes(t: PackedTurns): number {
  let n = t.text.length;
  for (const a of arraysOf(t)) n += a.byteLength;
  return n;
}

/** Where a file's turns lie in the spill file. */
interface SpillRef {
  at: number;
  count: number;
  latin1: boolean;
  textBytes: number;
  /** Elements of each array, in `arraysOf` order. */
  lengths: number[];
}

/**
 * What every file written out holds until it is read back: no records
 * (normalizing it before `restore` is caught by `pending`). One for all: its
 * own arrays and object per file cost ~1 KB a file (~12 MB at 10,000 files).
 */
const PLACEHOLDER: PackedTurns = Object.freeze({
  count: 0,
  nums: new Float64Array(0),
  ints: new Uint32Array(0),
  wide: new Float64Array(0),
  strs: new Int32Array(0),
  combos: new Int32Array(0),
  flags: new Uint8Array(0),
  text: '',
  lengths: new Uint32Array(0),
});

export class SpillStore {
  /** The temporary file, appended to through one write buffer; null until the first file. */
  private out: FileAppender | null = null;
  /** The file's path while it could not be deleted yet. */
  private path: string | null = null;
  private failed = false;
  private readonly spilled = new Map<PackedFile, SpillRef>();
  /** Files written out whose bytes may still be (partly) in the write buffer (they end past `flushedAt`), with their turns: put back if a write fails. */
  private unflushed: Array<{ f: PackedFile; turns: PackedTurns; end: number }> = [];

  constructor(
    /** Where the temporary file is made. */
    private readonly dir: string,
    /** After each file written out, the bytes of turns it let go (a shell can collect garbage: their slabs are freed only by a collection). */
    private readonly onSpilled?: (bytes: number) => void,
  ) {}

  /** Files written out and not yet read back. */
  get pending(): number {
    return this.spilled.size;
  }

  /** Writes `f`'s turns out (kept in memory once a write failed). */
  keep(f: PackedFile): void {
    const out = f.output;
    if (this.failed || out === null || out.turns.count === 0 || this.spilled.has(f)) return;
    const bytes = heldBytes(out.turns);
    let ref: SpillRef;
    try {
      ref = this.write(out.turns);
    } catch {
      this.fail();
      return;
    }
    this.spilled.set(f, ref);
    const file = this.out as FileAppender;
    // Those that reached the file are not put back any more.
    if ((this.unflushed[0]?.end ?? Infinity) <= file.flushedAt) this.unflushed = this.unflushed.filter((u) => u.end > file.flushedAt);
    this.unflushed.push({ f, turns: out.turns, end: file.writeAt });
    out.turns = PLACEHOLDER;
    this.onSpilled?.(bytes);
  }

  /** A write failed: no more spilling, and the files whose bytes may not have reached the file keep their turns in memory. */
  private fail(): void {
    this.failed = true;
    const written = this.out?.flushedAt ?? 0;
    for (const { f, turns, end } of this.unflushed) {
      if (end <= written) continue;
      if (f.output !== null) f.output.turns = turns;
      this.spilled.delete(f);
    }
    this.unflushed = [];
  }

  /**
   * Reads every file of `files` that was written out back into memory, in
   * the order given, `made(f)` called for each as it is (the shell stamps
   * the order its arrays were made in: src/cli/ingest-workers.ts
   * `madeInOrder`).
   */
  restore(files: readonly PackedFile[], made: (f: PackedFile) => void): void {
    if (this.spilled.size === 0) return;
    try {
      this.out?.flush();
    } catch {
      this.fail();
    }
    const pool = packedArrayPool();
    // Each file's bytes in one read, then copied into arrays of their own.
    let scratch: Buffer | null = null;
    for (const f of files) {
      const ref = this.spilled.get(f);
      if (ref === undefined || f.output === null) continue;
      const [nums, ints, wide, strs, combos, flags, lengths] = ref.lengths as [number, number, number, number, number, number, number];
      const arrays: Arrays = [pool.float64(nums), pool.uint32(ints), pool.float64(wide), pool.int32(strs), pool.int32(combos), pool.uint8(flags), pool.uint32(lengths)];
      let total = ref.textBytes;
      for (const a of arrays) total += a.byteLength;
      if (scratch === null || scratch.length < total) scratch = pageBuffer(Math.max(total, 2 * (scratch?.length ?? 0), 1 << 16));
      const bytes = this.read(scratch.subarray(0, total), ref.at);
      const text = bytes.toString(ref.latin1 ? 'latin1' : 'utf16le', 0, ref.textBytes);
      let at = ref.textBytes;
      for (const a of arrays) {
        new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(bytes.subarray(at, at + a.byteLength));
        at += a.byteLength;
      }
      f.output.turns = { count: ref.count, nums: arrays[0], ints: arrays[1], wide: arrays[2], strs: arrays[3], combos: arrays[4], flags: arrays[5], text, lengths: arrays[6] };
      this.spilled.delete(f);
      made(f);
    }
  }

  /** Closes (and deletes) the temporary file. */
  close(): void {
    if (this.out !== null) closeQuietly(this.out.fd);
    this.out = null;
    if (this.path !== null) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
      this.path = null;
    }
  }

  /** `bytes.length` bytes of the file from `at` into `bytes`. */
  private read(bytes: Buffer, at: number): Buffer {
    let whole: boolean;
    try {
      whole = readInto((this.out as FileAppender).fd, bytes, at, bytes.length);
    } catch (err) {
      throw new InternalError(`could not read back parsed records from a temporary file: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (!whole) throw new InternalError('could not read back parsed records from a temporary file: it is shorter than written');
    return bytes;
  }

  /** Appends `t`'s string table and arrays (throws when the file cannot be made or written). */
  private write(t: PackedTurns): SpillRef {
    const out = (this.out ??= this.open());
    const at = out.writeAt;
    const latin1 = isLatin1(t.text);
    const textBytes = out.putText(t.text, latin1);
    const lengths: number[] = [];
    for (const a of arraysOf(t)) {
      lengths.push(a.length);
      out.put(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    return { at, count: t.count, latin1, textBytes, lengths };
  }

  private open(): FileAppender {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `token-econ-spill-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fd = openSync(path, 'wx+', 0o600);
    try {
      unlinkSync(path);
    } catch {
      // Deleted at close (a system that keeps an open file's name).
      this.path = path;
    }
    return new FileAppender(fd, 0, WRITE_BUFFER_BYTES);
  }
}
