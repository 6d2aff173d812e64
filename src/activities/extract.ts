// Extract activities: copy what Graph returns into the run's staging directory, exactly once, resumable.
// Each returns only a file reference and counts: no user data crosses into workflow history.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { preflight as graphPreflight } from '../graph/preflight';
import { futureDateProblem } from '../shared/snapshot-date';
import { StagingError } from '../warehouse/index';
import { GraphBadRequestError, GraphPageSizeError, GraphPermissionError, SkipTokenExpiredError } from '../graph/errors';
import { allows } from '../graph/permissions';
import type { GraphClient } from '../graph/client';
import type { RequestRate } from '../graph/request-rate';
import { withActivityGraph, type GraphFactory } from './graph-context';
import { writeFileAtomic, sha256OfFiles } from './staging-files';
import { REPORT_NAMES, USER_PAGE_RE, type ReportName, type ReportSettings, type SignInOutcome, type StagedFile } from '../shared/staging-contract';
import { deltaFiles, deltaRun, startDelta, stageRoster, type DeltaSettings } from './users-delta';
import { reportFile, runStagingDir, skusFile, userPageFile, usersCursorFile, usersDir } from './staging-layout';

export type { StagedFile } from '../shared/staging-contract';

/** The roster columns the warehouse keeps; `$select` also makes Graph return the ones it sends only when asked. */
export const USER_SELECT = [
  'id', 'userPrincipalName', 'displayName', 'mail', 'accountEnabled', 'userType', 'createdDateTime',
  'department', 'jobTitle', 'usageLocation', 'assignedLicenses', 'licenseAssignmentStates',
].join(',');

export interface PreflightResult {
  roles: string[];
  canReadReportSettings: boolean;
  canReclaim: boolean;
  /** AuditLog.Read.All is in the token: the users extract asks for signInActivity (absent in older histories). */
  canReadSignIns?: boolean;
}

/**
 * 403 codes on a signInActivity query that mean "not for this tenant or app" (docs/graph.md): the users
 * are read again without signInActivity and the run says why. Matched on the code, never on the message.
 */
export const SIGN_IN_DENIED_CODES = [
  'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
  'Authentication_MSGraphPermissionMissing',
  'Authentication_ApplicationHasNoDirectoryReadAccess',
] as const;

/**
 * The code of a refusal of signInActivity, decided on Graph's error code and never on the status: the
 * non-premium answer has come as 403 and as 400.
 */
export function signInRefusal(err: unknown): string | null {
  const code = err instanceof GraphPermissionError || err instanceof GraphBadRequestError ? err.code : undefined;
  return code && (SIGN_IN_DENIED_CODES as readonly string[]).includes(code) ? code : null;
}

/** $top of the users walk: without and with signInActivity. */
export interface PageSizes {
  users: number;
  signIn: number;
}

/** The users file plus what became of signInActivity. */
export type StagedUsers = StagedFile & { signIn: SignInOutcome };

export interface ExtractInput {
  tenantId: string;
  runId: string;
}

/**
 * Heartbeat details of the users walk: page number and count only. The next page's link stays on disk (the
 * cursor file in the run's staging directory): Graph skiptokens can encode UPNs, and heartbeat details are
 * recorded in workflow history, which must hold no personal data.
 */
interface UsersProgress {
  page: number;
  count: number;
}

/** The users walk's resume point on disk: written after each page file, so it never points past a missing page. */
interface UsersCursor extends UsersProgress {
  nextLink: string | null;
  /** The walk selects signInActivity (false after a 403 made it fall back). */
  signIn?: boolean;
  /** The Graph error code that refused signInActivity, when it was asked for. */
  deniedCode?: string | null;
}

async function readCursor(file: string): Promise<UsersCursor | null> {
  try {
    const c = JSON.parse(await readFile(file, 'utf8')) as Partial<UsersCursor>;
    return typeof c.page === 'number' && typeof c.count === 'number' && (typeof c.nextLink === 'string' || c.nextLink === null)
      ? { page: c.page, count: c.count, nextLink: c.nextLink, signIn: c.signIn === true, deniedCode: c.deniedCode ?? null }
      : null;
  } catch {
    return null;
  }
}

/** Lowers the refused page size (to the size Graph named, else half); false when it cannot go lower. */
export function lowerPageSize(sizes: PageSizes, signIn: boolean, maxTop: number | undefined): boolean {
  const key: keyof PageSizes = signIn ? 'signIn' : 'users';
  const current = signIn ? Math.min(sizes.signIn, sizes.users) : sizes.users;
  const next = maxTop !== undefined && maxTop < current ? maxTop : Math.floor(current / 2);
  if (next < 1) return false;
  sizes[key] = next;
  return true;
}

export type ReportPeriod = 'D7' | 'D30' | 'D90' | 'D180';

export function createExtractActivities(deps: { dataDir: string; graphFor: GraphFactory; pageSizes?: PageSizes; delta?: DeltaSettings; signInRate?: RequestRate }) {
  // Lowered for the worker's life when Graph refuses a size: its limits have moved (120, 999, 500) and may again.
  const sizes: PageSizes = { ...(deps.pageSizes ?? { users: 999, signIn: 500 }) };
  // Each activity gets its own client; it heartbeats on a timer and on every retry wait.
  const withClient = <T>(tenantId: string, fn: (graph: GraphClient) => Promise<T>, details?: () => unknown): Promise<T> =>
    withActivityGraph(deps.graphFor, tenantId, fn, details);

  return {
    /** Gets a token and checks its roles; fails non-retryably naming each missing permission. */
    async preflight(input: { tenantId: string; needReclaim: boolean; snapshotDate?: string }): Promise<PreflightResult> {
      // Before any Graph call: a run for a day that has not happened is refused here, not after its extract.
      const future = input.snapshotDate === undefined ? undefined : futureDateProblem(input.snapshotDate, 'The run\'s snapshot date');
      if (future) throw new StagingError(future);
      const { tokens } = deps.graphFor(input.tenantId);
      // A fresh token, so consent granted or revoked since the cached one shows in this run's check.
      await tokens.getToken({ forceRefresh: true });
      const p = await graphPreflight(tokens, { needReclaim: input.needReclaim });
      return { roles: p.roles, canReadReportSettings: p.canReadReportSettings, canReclaim: p.canReclaim, canReadSignIns: allows(p.roles, 'readSignInActivity') };
    },

    async extractUsers(input: ExtractInput & { signIn?: boolean }): Promise<StagedUsers> {
      const ctx = Context.current();
      const runDir = runStagingDir(deps.dataDir, input.tenantId, input.runId);
      const dir = usersDir(runDir);
      // With signInActivity Graph allows smaller pages (500 today); never assume a page is full.
      const urlFor = (signIn: boolean): string =>
        signIn ? `/v1.0/users?$select=${USER_SELECT},signInActivity&$top=${Math.min(sizes.signIn, sizes.users)}` : `/v1.0/users?$select=${USER_SELECT}&$top=${sizes.users}`;
      const requested = input.signIn ?? false;
      let firstUrl = urlFor(requested);
      const cursorFile = usersCursorFile(runDir);
      const resumed = ctx.info.heartbeatDetails as UsersProgress | undefined;
      // An earlier attempt heartbeated: continue from its cursor on disk (which may be a page ahead of the beat).
      const cursor = resumed ? await readCursor(cursorFile) : null;
      let progress: UsersCursor;
      if (cursor && cursor.nextLink && cursor.page >= resumed!.page) {
        progress = cursor;
        firstUrl = urlFor(cursor.signIn ?? false);
        ctx.log.info('resuming the users walk', { afterPage: cursor.page, attempt: ctx.info.attempt });
      } else {
        // A fresh walk: drop whatever an earlier attempt left (pages and cursor), so no page is doubled.
        await rm(dir, { recursive: true, force: true });
        await rm(cursorFile, { force: true });
        progress = { page: 0, nextLink: firstUrl, count: 0, signIn: requested, deniedCode: null };
      }
      const delta = deps.delta ?? { mode: 'off', fullWalkEvery: 7 };
      const useDelta = delta.mode === 'always' || (delta.mode === 'auto' && !requested);
      const dFiles = deltaFiles(deps.dataDir, input.tenantId);
      if (useDelta && progress.page === 0) {
        const fromDelta = await withClient(input.tenantId, (graph) =>
          deltaRun(graph, dFiles, delta, async (roster) => void (await stageRoster(roster, dir, (p) => userPageFile(runDir, p))), ctx.log),
        );
        if (fromDelta !== null) {
          const kept = (await readdir(dir)).filter((f) => USER_PAGE_RE.test(f)).sort().map((f) => path.join(dir, f));
          const { sha256, bytes } = await sha256OfFiles(kept);
          // users/delta cannot return signInActivity: inactivity comes from the reports until the next full walk.
          return { path: dir, count: fromDelta, bytes, sha256, signIn: { requested, available: false, reason: requested ? 'read_by_delta' : 'not_granted' } };
        }
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const beat = (): UsersProgress => ({ page: progress.page, count: progress.count });
      await withClient(
        input.tenantId,
        async (graph) => {
          while (progress.nextLink) {
            let body: string;
            try {
              // Pages with signInActivity count against Graph's 10 a minute per app: this worker keeps under it.
              if (progress.signIn) await deps.signInRate?.take();
              body = await graph.getJsonText(progress.nextLink);
            } catch (err) {
              const deniedCode = progress.signIn ? signInRefusal(err) : null;
              const tooLarge = err instanceof GraphPageSizeError ? lowerPageSize(sizes, progress.signIn ?? false, err.maxTop) : false;
              if (!(err instanceof SkipTokenExpiredError) && !deniedCode && !tooLarge) throw err;
              if (tooLarge) {
                ctx.log.warn('Graph refused the page size: walking again with smaller pages', { users: sizes.users, signIn: sizes.signIn });
                firstUrl = urlFor(progress.signIn ?? false);
              } else if (deniedCode) {
                // No premium licence or no AuditLog.Read.All: the roster still loads, from reports only.
                ctx.log.warn('signInActivity refused: reading the users again without it', { code: deniedCode });
                firstUrl = urlFor(false);
              } else ctx.log.warn('the users page link expired: starting the walk over', { page: progress.page });
              // The cursor goes with the pages: a crash before the next page must not resume past deleted pages.
              await rm(cursorFile, { force: true });
              await rm(dir, { recursive: true, force: true });
              await mkdir(dir, { recursive: true, mode: 0o700 });
              progress = { page: 0, nextLink: firstUrl, count: 0, signIn: deniedCode ? false : progress.signIn, deniedCode: deniedCode ?? progress.deniedCode };
              continue;
            }
            const parsed = JSON.parse(body) as { value?: unknown[]; '@odata.nextLink'?: string };
            const page = progress.page + 1;
            await writeFileAtomic(userPageFile(runDir, page), body);
            progress = { ...progress, page, nextLink: parsed['@odata.nextLink'] ?? null, count: progress.count + (parsed.value?.length ?? 0) };
            await writeFileAtomic(cursorFile, JSON.stringify(progress));
            ctx.heartbeat(beat());
          }
        },
        beat,
      );
      await rm(cursorFile, { force: true });
      // Pages beyond the last one can only be left by an earlier walk of a longer roster.
      const pageOf = (f: string): number => Number(USER_PAGE_RE.exec(f)![1]);
      const files = (await readdir(dir)).filter((f) => USER_PAGE_RE.test(f)).sort();
      for (const f of files) if (pageOf(f) > progress.page) await rm(path.join(dir, f));
      const kept = files.filter((f) => pageOf(f) <= progress.page).map((f) => path.join(dir, f));
      const { sha256, bytes } = await sha256OfFiles(kept);
      if (useDelta) {
        // The next run reads only the changes; a failure here costs the next run a full walk, never this run.
        await withClient(input.tenantId, (graph) => startDelta(graph, dFiles, dir, USER_SELECT)).catch((err: unknown) =>
          ctx.log.warn('could not start users/delta: the next run walks every user again', { error: (err as Error).name }),
        );
      }
      const signIn: SignInOutcome = {
        requested,
        available: requested && (progress.signIn ?? false),
        reason: !requested ? 'not_granted' : (progress.deniedCode ?? null),
      };
      return { path: dir, count: progress.count, bytes, sha256, signIn };
    },

    async extractSkus(input: ExtractInput): Promise<StagedFile> {
      const runDir = runStagingDir(deps.dataDir, input.tenantId, input.runId);
      await mkdir(runDir, { recursive: true, mode: 0o700 });
      const body = await withClient(input.tenantId, (graph) => graph.getJsonText('/v1.0/subscribedSkus'));
      const parsed = JSON.parse(body) as { value?: unknown[] };
      const file = skusFile(runDir);
      await writeFileAtomic(file, body);
      const { sha256, bytes } = await sha256OfFiles([file]);
      return { path: file, count: parsed.value?.length ?? 0, bytes, sha256 };
    },

    async extractReport(input: ExtractInput & { report: ReportName; period: ReportPeriod }): Promise<StagedFile> {
      if (!REPORT_NAMES.includes(input.report)) throw new Error(`Unknown report ${input.report}`);
      const runDir = runStagingDir(deps.dataDir, input.tenantId, input.runId);
      const file = reportFile(runDir, input.report);
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const r = await withClient(
        input.tenantId,
        (graph) => graph.downloadReport(`/v1.0/reports/${input.report}(period='${input.period}')`, file),
      );
      return { path: file, count: r.rows, bytes: r.bytes, sha256: r.sha256 };
    },

    /** The tenant's "display concealed names" setting, when the app may read it. */
    async readReportSettings(input: { tenantId: string }): Promise<ReportSettings | null> {
      const body = await withClient(input.tenantId, (graph) =>
        graph.getJson<{ displayConcealedNames?: boolean; value?: { displayConcealedNames?: boolean } }>('/v1.0/admin/reportSettings'),
      );
      // The documented sample wraps the entity in `value`; the service likely sends it bare. Accept both.
      const flag = body.displayConcealedNames ?? body.value?.displayConcealedNames;
      return typeof flag === 'boolean' ? { displayConcealedNames: flag } : null;
    },
  };
}
export type ExtractActivities = ReturnType<typeof createExtractActivities>;
