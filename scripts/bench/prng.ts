/**
 * Seeded PRNG for the benchmark data generator: the same seed always yields the
 * same bytes, so a benchmark can be re-run on identical data anywhere.
 */
import { Prng } from '../../src/simulate/prng.js';

/** The simulator's sfc32 generator plus the draws the data generator needs. */
export class Rng extends Prng {
  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** Log-uniform integer in [min, max]: many small values, a long tail of big ones. */
  logInt(min: number, max: number): number {
    return Math.round(Math.exp(Math.log(min) + this.float() * (Math.log(max) - Math.log(min))));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Lowercase hex string of `n` characters. */
  hex(n: number): string {
    let out = '';
    while (out.length < n) out += this.u32().toString(16).padStart(8, '0');
    return out.slice(0, n);
  }

  /** Base58-ish id as in Anthropic `msg_01…` / `req_011C…` identifiers. */
  base58(n: number): string {
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[this.u32() % 58];
    return out;
  }

  uuid(): string {
    const h = this.hex(32);
    const variant = '89ab'[this.u32() % 4];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
