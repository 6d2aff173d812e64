// Skiptokens (opaque, signed with the seed, tied to an epoch the `expired` fault bumps) and nextLinks, shared by
// /users and the JSON reports.
import type { SimContext } from './context';
import type { Exchange } from './http';
import { hash } from './prng';

const TOKEN_MAGIC = 0x4d333635; // "M365"

/**
 * A token for `offset`, stamped with the simulated second it was issued (tokens expire by age under the realistic
 * profile; the instant profile stamps 0, so the same walk gives byte-identical pages).
 */
export function makeSkipToken(ctx: SimContext, offset: number, epoch: number): string {
  const issued = ctx.profile.name === 'realistic' ? Math.floor(ctx.clock.nowMs() / 1000) >>> 0 : 0;
  const b = Buffer.alloc(20);
  b.writeUInt32BE(TOKEN_MAGIC, 0);
  b.writeUInt32BE(epoch >>> 0, 4);
  b.writeUInt32BE(offset >>> 0, 8);
  b.writeUInt32BE(issued, 12);
  b.writeUInt32BE(hash(ctx.state.seedValue, epoch, offset, (TOKEN_MAGIC ^ issued) >>> 0), 16);
  return 'RFNwdAIA' + b.toString('base64url');
}

export function readSkipToken(ctx: SimContext, tok: string): { offset: number; epoch: number; issuedMs: number } | undefined {
  if (!tok.startsWith('RFNwdAIA')) return undefined;
  const b = Buffer.from(tok.slice(8), 'base64url');
  if (b.length !== 20 || b.readUInt32BE(0) !== TOKEN_MAGIC) return undefined;
  const epoch = b.readUInt32BE(4);
  const offset = b.readUInt32BE(8);
  const issued = b.readUInt32BE(12);
  if (b.readUInt32BE(16) !== hash(ctx.state.seedValue, epoch, offset, (TOKEN_MAGIC ^ issued) >>> 0)) return undefined;
  return { offset, epoch, issuedMs: issued * 1000 };
}

/** The token is older than the state's skiptoken lifetime (realistic profile). */
export const tokenTooOld = (ctx: SimContext, issuedMs: number): boolean => ctx.clock.nowMs() - issuedMs > ctx.state.skipTokenTtlMs;

/** Rebuild a nextLink: the same path and query options with a new $skiptoken. */
export function nextLinkFor(ctx: SimContext, ex: Exchange, token: string): string {
  const parts: string[] = [];
  for (const [k, v] of ex.url.searchParams) {
    if (k.toLowerCase() === '$skiptoken') continue;
    parts.push(`${k}=${encodeURIComponent(v).replace(/%2C/gi, ',').replace(/%24/g, '$')}`);
  }
  parts.push(`$skiptoken=${token}`);
  return `${ctx.graphUrl}${ex.url.pathname}?${parts.join('&')}`;
}
