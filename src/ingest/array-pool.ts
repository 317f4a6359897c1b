/**
 * Where the typed arrays of parsed turns and of sessions' columns are made
 * (./packed.ts). The default is `new Float64Array(n)` and the like,
 * whose memory comes from malloc; the shell can give each thread a pool of
 * its own (src/cli/page-arrays.ts). A pool only decides where the bytes live:
 * every array it returns is new, zero-filled and of the length asked, so what
 * is computed never depends on it.
 */
export interface ArrayPool {
  float64(length: number): Float64Array;
  int32(length: number): Int32Array;
  uint32(length: number): Uint32Array;
  uint8(length: number): Uint8Array;
}

/** Plain typed arrays. */
export const HEAP_ARRAYS: ArrayPool = {
  float64: (n) => new Float64Array(n),
  int32: (n) => new Int32Array(n),
  uint32: (n) => new Uint32Array(n),
  uint8: (n) => new Uint8Array(n),
};
