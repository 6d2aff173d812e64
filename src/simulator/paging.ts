// Skiptokens (opaque, signed with the seed, tied to an epoch the `expired` fault bumps) and nextLinks, shared by
// /users and the JSON reports.
import type { SimContext } from './context';
import type { Exchange } from './http';
import { hash } from './prng';

const TOKEN_MAGIC = 0x4d333635; // "M365"

export function makeSkipToken(ctx: SimContext, offset: number, epoch: number): string {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(TOKEN_MAGIC, 0);
  b.writeUInt32BE(epoch >>> 0, 4);
  b.writeUInt32BE(offset >>> 0, 8);
  b.writeUInt32BE(hash(ctx.state.seedValue, epoch, offset, TOKEN_MAGIC), 12);
  return 'RFNwdAIA' + b.toString('base64url');
}

export function readSkipToken(ctx: SimContext, tok: string): { offset: number; epoch: number } | undefined {
  if (!tok.startsWith('RFNwdAIA')) return undefined;
  const b = Buffer.from(tok.slice(8), 'base64url');
  if (b.length !== 16 || b.readUInt32BE(0) !== TOKEN_MAGIC) return undefined;
  const epoch = b.readUInt32BE(4);
  const offset = b.readUInt32BE(8);
  if (b.readUInt32BE(12) !== hash(ctx.state.seedValue, epoch, offset, TOKEN_MAGIC)) return undefined;
  return { offset, epoch };
}

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
