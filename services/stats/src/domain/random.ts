/**
 * Keyed random streams for the seeded steps of the clusterers.
 *
 * A run's restarts used to draw from seeds `seed + i`, so seed s and seed s + 1 shared all but
 * one start. Here each restart gets its own stream, keyed by (seed, purpose, restart): the
 * generator's 128-bit state is an injective function of the key (each state word is a bijective
 * mix of one part of it), so no two keys, and in particular no restarts of two different seeds,
 * start from the same state. Same key, same stream: runs stay reproducible from their seed.
 *
 * The generator is xoshiro128** (Blackman & Vigna), 2¹²⁸ − 1 period; uniform doubles take 53 bits
 * from two outputs.
 */

/** What the clusterers need from a source of randomness. */
export interface Uniform {
  /** A uniform double in [0, 1). */
  random(): number;
}

/** MurmurHash3's 32-bit finaliser: a bijection on 32-bit integers that mixes every bit. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units: turns a purpose name into 32 bits. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Xoshiro128 implements Uniform {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    // The all-zero state is the generator's one fixed point. restartStream never builds it (its
    // second word is 0 only for a high part of 0x243f6a88, which no safe integer has).
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s3 = 1;
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    const { s0, s1 } = this;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  random(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * The stream for restart `restart` of a step named `purpose` (e.g. "kmeans") of the run seeded
 * with `seed`. `seed` may be any safe integer; `restart` an integer in [0, 2³²).
 */
export function restartStream(seed: number, purpose: string, restart: number): Xoshiro128 {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (!Number.isInteger(restart) || restart < 0 || restart > 0xffffffff)
    throw new RangeError(`restart must be an integer in [0, 2^32), got ${restart}`);
  // A safe integer is determined by its low 32 bits and its (21-bit) high part.
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  const stream = new Xoshiro128(
    mix32(low ^ 0x9e3779b9),
    mix32(high ^ 0x243f6a88),
    mix32(hashString(purpose) ^ 0xb7e15162),
    mix32(restart ^ 0x85a308d3),
  );
  // Spread the key over the whole state before the first draw.
  for (let i = 0; i < 16; i++) stream.nextUint32();
  return stream;
}
