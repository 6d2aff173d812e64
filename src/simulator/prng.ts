// Small deterministic PRNG and hashing helpers: every generated value is a pure function of (seed, index, stream).

/** Avalanche mix of a 32-bit integer (lowbias32). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of up to four integers into one uint32. */
export function hash(a: number, b = 0, c = 0, d = 0): number {
  let h = mix32((a ^ 0x9e3779b9) >>> 0);
  h = mix32((h ^ (b >>> 0)) + 0x85ebca6b);
  h = mix32((h ^ (c >>> 0)) + 0xc2b2ae35);
  h = mix32((h ^ (d >>> 0)) + 0x27d4eb2f);
  return h;
}

/** Uniform float in [0,1) from a hash. */
export const unit = (h: number): number => h / 4294967296;

/** mulberry32: tiny, fast, good enough for test data. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  float(): number {
    return this.next() / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(arr: readonly T[]): T {
    return arr[this.int(arr.length)] as T;
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hex32(n: number): string {
  return HEX[(n >>> 24) & 255]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
}

/** A v4-shaped GUID from four uint32 values. */
export function guidFrom(a: number, b: number, c: number, d: number): string {
  const h1 = hex32(a);
  const h2 = hex32(b);
  const h3 = hex32(c);
  const h4 = hex32(d);
  const variant = '89ab'[(c >>> 28) & 3]!;
  return `${h1}-${h2.slice(0, 4)}-4${h2.slice(5, 8)}-${variant}${h3.slice(1, 4)}-${h3.slice(4, 8)}${h4}`;
}

/** A deterministic GUID for (seed, purpose, n). */
export function guid(seed: number, purpose: number, n = 0): string {
  return guidFrom(hash(seed, purpose, n, 1), hash(seed, purpose, n, 2), hash(seed, purpose, n, 3), hash(seed, purpose, n, 4));
}

/** FNV-1a over a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
