// Usage reports: the Graph function call answers 302 to a pre-authenticated download URL on a second origin,
// which streams the CSV (UTF-8 BOM, CRLF line endings, RFC 4180 quoting) row by row with backpressure.
// Beta also answers $format=application/json with paged JSON (200 rows a page).
// The rows themselves are report-rows.ts.
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { DownloadLink, ReportName, SimContext } from './context';
import type { FaultRule } from './faults';
import { denyS2S, hasRole, ROLES } from './graph-access';
import { makeSkipToken, nextLinkFor, readSkipToken } from './paging';
import { destroySoon, sendGraphError, sendGraphJson, type Exchange } from './http';
import { ACTIVE_USER_COLUMNS, EMAIL_ACTIVITY_COLUMNS, reportIndexCount, reportRow, type Cell } from './report-rows';

const ACTIVE_JSON_KEYS = [
  'reportRefreshDate',
  'userPrincipalName',
  'displayName',
  'isDeleted',
  'deletedDate',
  'hasExchangeLicense',
  'hasOneDriveLicense',
  'hasSharePointLicense',
  'hasSkypeForBusinessLicense',
  'hasYammerLicense',
  'hasTeamsLicense',
  'exchangeLastActivityDate',
  'oneDriveLastActivityDate',
  'sharePointLastActivityDate',
  'skypeForBusinessLastActivityDate',
  'yammerLastActivityDate',
  'teamsLastActivityDate',
  'exchangeLicenseAssignDate',
  'oneDriveLicenseAssignDate',
  'sharePointLicenseAssignDate',
  'skypeForBusinessLicenseAssignDate',
  'yammerLicenseAssignDate',
  'teamsLicenseAssignDate',
  'assignedProducts',
];
const EMAIL_JSON_KEYS = [
  'reportRefreshDate',
  'userPrincipalName',
  'displayName',
  'isDeleted',
  'deletedDate',
  'lastActivityDate',
  'sendCount',
  'receiveCount',
  'readCount',
  'meetingCreatedCount',
  'meetingInteractedCount',
  'assignedProducts',
  'reportPeriod',
];

const PERIODS: Record<string, number> = { D7: 7, D30: 30, D90: 90, D180: 180 };

function csvCell(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  const s = Array.isArray(v) ? v.join('+') : v;
  if (/[",\r\n]/.test(s)) return `"${s.replace(/"/g, '""')}"`;
  return s;
}

function malform(cells: string[], row: number, report: ReportName): string {
  if (row % 2 === 0) return cells.slice(0, cells.length - 4).join(',');
  const c = cells.slice();
  const name = c[2]!.replace(/^"|"$/g, '').replace(/""/g, '"').replace(/[",]/g, ' ');
  const mid = Math.max(1, Math.floor(name.length / 2));
  c[2] = `${name.slice(0, mid)}"${name.slice(mid)}`; // stray quote in an unquoted field
  void report;
  return c.join(',');
}

// ---- Graph side: 302 or JSON ----------------------------------------------------------------------------------

const FN_RE = /^(getOffice365ActiveUserDetail|getEmailActivityUserDetail)\((.*)\)$/;

export function handleReport(ctx: SimContext, ex: Exchange, version: string, roles: string[], segment: string): void {
  if (!hasRole(roles, ROLES.reports)) return denyS2S(ex);
  const m = FN_RE.exec(segment);
  if (!m) return sendGraphError(ex, 400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
  const report = m[1] as ReportName;
  const arg = m[2]!.trim();
  const state = ctx.state;
  let days: number;
  let refreshDay = state.refreshDay;
  const pm = /^period\s*=\s*'([^']*)'$/.exec(arg);
  const dm = /^date\s*=\s*'?(\d{4}-\d{2}-\d{2})'?$/.exec(arg);
  if (pm) {
    const d = PERIODS[pm[1]!];
    if (d === undefined) return sendGraphError(ex, 400, 'BadRequest', `Invalid period '${pm[1]}'. Supported values: D7, D30, D90, D180.`);
    days = d;
  } else if (dm) {
    const day = Math.floor(Date.parse(`${dm[1]}T00:00:00Z`) / 86_400_000);
    if (!Number.isFinite(day) || day > state.refreshDay || day < state.refreshDay - 29) {
      return sendGraphError(
        ex,
        400,
        'BadRequest',
        `Invalid date '${dm[1]}'. The date must be within the last 30 days and not later than the latest report refresh date ${state.refreshDate}.`,
      );
    }
    days = 1;
    refreshDay = day;
  } else {
    return sendGraphError(ex, 400, 'BadRequest', "Exactly one of period='D7|D30|D90|D180' or date=YYYY-MM-DD is required.");
  }
  const format = ex.url.searchParams.get('$format');
  if (format === 'application/json') {
    if (version !== 'beta') return sendGraphError(ex, 400, 'BadRequest', '$format=application/json is supported on the beta endpoint only.');
    return sendJsonReport(ctx, ex, version, report, refreshDay, days);
  }
  if (format !== null && format !== 'text/csv') return sendGraphError(ex, 400, 'BadRequest', `Unsupported $format '${format}'.`);
  const etag = `"${createHash('sha1').update(`${report}|${days}|${refreshDay}|${state.concealed}`).digest('hex').slice(0, 16)}"`;
  if (ex.req.headers['if-none-match'] === etag) {
    ex.res.writeHead(304, { etag });
    ex.res.end();
    return;
  }
  const token = randomBytes(24).toString('base64url');
  const now = Date.now();
  for (const [k, v] of ctx.downloads) if (v.expiresAt < now) ctx.downloads.delete(k);
  ctx.downloads.set(token, { report, days, refreshDay, concealed: state.concealed, expiresAt: now + state.downloadLinkTtlMs });
  const location = `${ctx.reportsHost}/data/download/${token}`;
  // A 302 with an empty body (reset faults cut the connection right after the headers).
  ex.res.writeHead(302, { location, 'content-type': 'text/plain', 'content-length': 0, etag });
  if (ex.decision.rule?.kind === 'reset') {
    ex.faultText = ex.decision.rule.text;
    ex.res.flushHeaders();
    destroySoon(ex.res);
    return;
  }
  ex.res.end();
}

function sendJsonReport(ctx: SimContext, ex: Exchange, version: string, report: ReportName, refreshDay: number, days: number): void {
  const t = ctx.state.tenant;
  const topText = ex.url.searchParams.get('$top');
  const top = topText === null ? 200 : Number(topText);
  if (!Number.isInteger(top) || top < 1 || top > 1000) return sendGraphError(ex, 400, 'BadRequest', `Invalid $top '${topText}'.`);
  let offset = 0;
  const tok = ex.url.searchParams.get('$skiptoken') ?? ex.url.searchParams.get('$skipToken');
  if (tok !== null) {
    const p = readSkipToken(ctx, tok);
    if (!p) return sendGraphError(ex, 400, 'BadRequest', 'Invalid $skiptoken.');
    offset = p.offset;
  }
  const keys = report === 'getEmailActivityUserDetail' ? EMAIL_JSON_KEYS : ACTIVE_JSON_KEYS;
  const total = reportIndexCount(t);
  const value: Record<string, unknown>[] = [];
  let i = offset;
  for (; i < total && value.length < top; i++) {
    const row = reportRow(t, report, i, refreshDay, days, ctx.state.concealed);
    if (!row) continue;
    const o: Record<string, unknown> = {};
    keys.forEach((k, c) => {
      const v = row[c];
      o[k] = k === 'assignedProducts' ? v : (v ?? null);
    });
    value.push(o);
  }
  const type = report === 'getEmailActivityUserDetail' ? 'emailActivityUserDetail' : 'office365ActiveUserDetail';
  const body: Record<string, unknown> = { '@odata.context': `${ctx.graphUrl}/${version}/$metadata#Collection(microsoft.graph.${type})`, value };
  if (i < total) body['@odata.nextLink'] = nextLinkFor(ctx, ex, makeSkipToken(ctx, i, 0));
  sendGraphJson(ex, 200, body);
}

// ---- download origin ------------------------------------------------------------------------------------------

/** Streams the CSV for a download link; honours backpressure, `reset` and `malformed` faults. */
export async function streamCsv(ctx: SimContext, ex: Exchange, link: DownloadLink): Promise<void> {
  const t = ctx.state.tenant;
  const res: ServerResponse = ex.res;
  const columns = link.report === 'getEmailActivityUserDetail' ? EMAIL_ACTIVITY_COLUMNS : ACTIVE_USER_COLUMNS;
  const reset: FaultRule | undefined = ex.decision.rule?.kind === 'reset' ? ex.decision.rule : undefined;
  const malformed = ctx.state.faults.malformedRule();
  const total = reportIndexCount(t);
  const file = `${link.report.replace(/^get/, '')}${link.days}.csv`;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${file}"` });
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  let written = 0;
  const resetAtRow = reset && reset.after === undefined ? Math.floor(total / 2) : -1;
  const write = async (chunk: string): Promise<boolean> => {
    if (reset?.after !== undefined && written + Buffer.byteLength(chunk) >= reset.after) {
      const buf = Buffer.from(chunk);
      res.write(buf.subarray(0, Math.max(0, reset.after - written)), () => destroySoon(res));
      ex.faultText = reset.text;
      return false;
    }
    written += Buffer.byteLength(chunk);
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
    return !closed;
  };
  if (!(await write(`\ufeff${columns.join(',')}\r\n`))) return;
  let buf = '';
  let rows = 0;
  for (let i = 0; i < total; i++) {
    if (i === resetAtRow) {
      if (buf) res.write(buf);
      ex.faultText = reset!.text;
      res.write('', () => destroySoon(res));
      return;
    }
    const row = reportRow(t, link.report, i, link.refreshDay, link.days, link.concealed);
    if (!row) continue;
    const cells = row.map(csvCell);
    const line = malformed && ctx.state.faults.rowMalformed(malformed, rows) ? malform(cells, rows, link.report) : cells.join(',');
    if (malformed && line !== cells.join(',')) ex.faultText = malformed.text;
    buf += line + '\r\n';
    rows++;
    if (buf.length >= 64 * 1024) {
      if (!(await write(buf))) return;
      buf = '';
    }
  }
  if (buf && !(await write(buf))) return;
  res.end();
}
