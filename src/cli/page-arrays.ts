/**
 * An ArrayPool (src/ingest/array-pool.ts) for the parsed turns and the
 * sessions' columns, outside malloc: arrays are cut from 16 MiB slabs of
 * shared WebAssembly memory (`sharedPageMemory`), one after another, and a
 * slab is unmapped when no array in it is alive any more.
 *
 * Those arrays are made by the thousand (a file, a session), live for a
 * phase and die together: the parsed files when the sessions are built, the
 * sessions' columns during the analysis. From malloc, their memory was freed
 * into the arenas, fragmented by the small blocks between them, and stayed
 * resident: near the end of a 6 GB first run glibc held 46-61 MB free (19-40
 * in the main arena, up to 18 in the ingest worker's), a fifth of the peak
 * RSS; 29 MB with the slabs (BENCHMARKS.md run R). Slabs are shared memory, so a worker's arrays reach
 * the main thread by posting them, without a copy or a transfer.
 *
 * Arrays from `OWN_BYTES` up get a memory of their own. Without shared
 * WebAssembly memory (or when V8 cannot reserve more), plain typed arrays.
 */
import type { ArrayPool } from '../ingest/array-pool.js';
import { sharedPageMemory } from './io.js';

const SLAB_BYTES = 16 * 1024 * 1024;
const OWN_BYTES = 4 * 1024 * 1024;

export class PageSlabs implements ArrayPool {
  private slab: SharedArrayBuffer | null = null;
  private used = 0;
  /** Set when shared memory could not be had: plain arrays from then on. */
  private unavailable = false;

  constructor(
    private readonly slabBytes = SLAB_BYTES,
    private readonly ownBytes = OWN_BYTES,
    /** Tests: where memory comes from (null: none to be had). */
    private readonly memory: (bytes: number) => SharedArrayBuffer | null = sharedPageMemory,
  ) {}

  float64(n: number): Float64Array {
    return this.array(Float64Array, n);
  }

  int32(n: number): Int32Array {
    return this.array(Int32Array, n);
  }

  uint32(n: number): Uint32Array {
    return this.array(Uint32Array, n);
  }

  uint8(n: number): Uint8Array {
    return this.array(Uint8Array, n);
  }

  /** `n` elements of `Kind` in a slab (or a plain array when there is no shared memory). */
  private array<T>(Kind: { new (n: number): T; new (buffer: SharedArrayBuffer, offset: number, n: number): T; BYTES_PER_ELEMENT: number }, n: number): T {
    const at = this.place(n * Kind.BYTES_PER_ELEMENT);
    return at === null ? new Kind(n) : new Kind(at.buffer, at.offset, n);
  }

  /** Where `bytes` new (zero) bytes lie, 8-byte aligned; null for plain arrays. Slab bytes are never handed out twice. */
  private place(bytes: number): { buffer: SharedArrayBuffer; offset: number } | null {
    if (bytes === 0 || this.unavailable) return null;
    if (bytes >= this.ownBytes) return this.fresh(bytes);
    const offset = (this.used + 7) & ~7;
    if (this.slab !== null && offset + bytes <= this.slab.byteLength) {
      this.used = offset + bytes;
      return { buffer: this.slab, offset };
    }
    const slab = this.fresh(this.slabBytes);
    if (slab === null) return null;
    this.slab = slab.buffer;
    this.used = bytes;
    return slab;
  }

  private fresh(bytes: number): { buffer: SharedArrayBuffer; offset: number } | null {
    const buffer = this.memory(bytes);
    if (buffer === null) {
      this.unavailable = true;
      this.slab = null;
      return null;
    }
    return { buffer, offset: 0 };
  }
}
