// Object ids of the generated users and the way back: an id hides the user's index (masked, multiplied by an odd
// constant) so it can be inverted without a table; a UPN is found through a compact hash index built once.
import { fnv1a, hex32 } from './prng';
import { RandomStream, tenantHash, userHash } from './random-streams';

/** Odd multiplier (a bijection mod 2^32) so consecutive users' ids do not share a visible pattern; and its inverse. */
const ID_MUL = 0x9e3779b1;
const ID_MUL_INV = ((): number => {
  let x = ID_MUL;
  for (let k = 0; k < 5; k++) x = Math.imul(x, 2 - Math.imul(ID_MUL, x));
  return x >>> 0;
})();

/** The per-tenant XOR masks of the index inside an id. */
export interface IdMasks {
  lo: number;
  hi: number;
}

export const idMasks = (seed: number): IdMasks => ({
  lo: tenantHash(seed, RandomStream.IdMaskLow),
  hi: tenantHash(seed, RandomStream.IdMaskHigh) & 0xffff,
});

/** The v4-shaped object id of user i; its last 12 hex digits encode i. */
export function userId(seed: number, masks: IdMasks, i: number): string {
  const a = userHash(seed, i, RandomStream.Id, 1);
  const b = hex32(userHash(seed, i, RandomStream.Id, 2));
  const c = userHash(seed, i, RandomStream.Id, 3);
  const hi = (Math.floor(i / 4294967296) ^ masks.hi) & 0xffff;
  const lo = Math.imul((i ^ masks.lo) >>> 0, ID_MUL) >>> 0;
  const variant = '89ab'[c & 3]!;
  return `${hex32(a)}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${hex32(c).slice(1, 4)}-${hi.toString(16).padStart(4, '0')}${hex32(lo)}`;
}

/** Index of a live user by object id, or -1 (the decoded index must regenerate the same id). */
export function indexOfId(seed: number, masks: IdMasks, userCount: number, id: string): number {
  const s = id.toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)) return -1;
  const hi = (parseInt(s.slice(24, 28), 16) ^ masks.hi) & 0xffff;
  const lo = (Math.imul(parseInt(s.slice(28, 36), 16), ID_MUL_INV) ^ masks.lo) >>> 0;
  const i = hi * 4294967296 + lo;
  if (i >= userCount) return -1;
  return userId(seed, masks, i) === s ? i : -1;
}

/** Open-addressing index from lower-cased UPN hash to user index: two typed arrays, no strings kept. */
export class UpnIndex {
  private readonly keys: Uint32Array;
  private readonly vals: Int32Array;

  constructor(
    userCount: number,
    private readonly upnOf: (i: number) => string,
  ) {
    let size = 1024;
    while (size < userCount * 2) size *= 2;
    this.keys = new Uint32Array(size);
    this.vals = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < userCount; i++) {
      const h = fnv1a(upnOf(i).toLowerCase());
      let slot = h & mask;
      while (this.vals[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = h;
      this.vals[slot] = i + 1;
    }
  }

  /** Index of the user with this UPN (case-insensitive), or -1. */
  find(upn: string): number {
    const lower = upn.toLowerCase();
    const h = fnv1a(lower);
    const mask = this.keys.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const v = this.vals[slot]!;
      if (v === 0) return -1;
      if (this.keys[slot] === h) {
        const i = v - 1;
        if (this.upnOf(i).toLowerCase() === lower) return i;
      }
    }
  }
}
