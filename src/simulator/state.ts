// The simulator's mutable state, shared by all handlers and exposed to tests on the handle.
import type { SentMail } from './records';
import { PIPELINE_GRANTS } from '../graph/permissions';
import { SKUS } from './skus';
import { Directory } from './directory';
import { FaultEngine, parseFaults, type FaultSpec } from './faults';
import { formatDay } from './dates';
import { toAssignedLicenses, toAssignmentStates } from './licences';
import type { Tenant } from './tenant';
import type { GeneratedUser } from './users';

export interface RequestLogEntry {
  method: string;
  /** host:port the request was sent to (the Graph/identity origin or the report download origin). */
  host: string;
  /** Path and query as requested. */
  path: string;
  status: number;
  /** Whether the request carried an Authorization header (never its value). */
  authorization: boolean;
  ms: number;
  /** ISO timestamp of the request's arrival. */
  at: string;
  /** Which simulated endpoint handled it (token, oidc, users, skus, subscriptions, reports, copilotReports, download, assignLicense, reportSettings). */
  endpoint?: string;
  /** The fault rule that shaped the response, if any (its spec text). */
  fault?: string;
}

export interface AssignLicenseLogEntry {
  at: string;
  userId: string;
  addLicenses: string[];
  removeLicenses: string[];
  status: number;
  error?: string;
}

export const DEFAULT_ROLES = [...PIPELINE_GRANTS];

export class SimulatorState {
  roles: string[];
  /** displayConcealedNames: report UPN / Display Name as MD5 hex. */
  concealed: boolean;
  /** The tenant holds Microsoft Entra ID P1/P2 (signInActivity needs it); false answers Microsoft's non-premium 403. */
  premium = true;
  /** The status of the non-premium refusal: Microsoft has sent it as 403 and as 400 (clients decide on the code). */
  nonPremiumStatus: 400 | 403 = 403;
  /** When true, the client secret is expired (token requests with it fail with AADSTS7000222). */
  secretExpired = false;
  /** expires_in of issued access tokens. */
  tokenLifetimeSeconds = 3599;
  /** Answer GET reportSettings wrapped in {"value": {...}} like the doc sample instead of a bare entity. */
  reportSettingsWrapped = false;
  /** Lifetime of pre-authenticated report download URLs. */
  downloadLinkTtlMs = 5 * 60 * 1000;
  readonly faults: FaultEngine;
  readonly requestLog: RequestLogEntry[] = [];
  readonly assignLicenseLog: AssignLicenseLogEntry[] = [];
  /** Every message accepted by sendMail (mail.ts), in order: the mailbox tests read. */
  readonly outbox: SentMail[] = [];
  assignLicenseCalls = 0;
  /** Age (simulated ms) after which a skiptoken answers Directory_ExpiredPageToken; Infinity = never (instant profile). */
  skipTokenTtlMs = Infinity;
  /** Simulated days a users/delta deltaLink stays valid (Graph: 7 for directory objects). */
  deltaLinkDays = 7;
  /** Test hook: the next users/delta request with a token answers 410 Gone (Graph's "resync fully"). */
  deltaGone = false;
  /** Per query (the unfiltered list '', each `$filter` its own), bumped by the `expired` fault: older skiptokens are rejected. */
  readonly pageTokenEpochs = new Map<string, number>();
  /** Admins, the approvers group and other groups (directory.ts); `directory.autoApprove` signs device codes in. */
  readonly directory: Directory;
  /** Seconds MSAL waits between device-code polls (Entra says 5; 1 keeps tests quick). */
  deviceCodeInterval = 1;

  constructor(
    readonly tenant: Tenant,
    roles: string[],
    faults: string | undefined,
    private readonly seed: number,
  ) {
    this.roles = roles.slice();
    const spec = parseFaults(faults);
    this.faults = new FaultEngine(spec, seed);
    this.concealed = spec.concealed;
    this.directory = new Directory(tenant, seed);
  }

  get userCount(): number {
    return this.tenant.userCount;
  }
  /** Users in /users on the simulated day (userCount on day 0). */
  get liveCount(): number {
    return this.tenant.liveCount;
  }
  get deletedCount(): number {
    return this.tenant.deletedCount;
  }
  get today(): string {
    return formatDay(this.tenant.currentDay);
  }
  /** Report refresh date as a day number: two days before today, minus stale=N. */
  get refreshDay(): number {
    return this.tenant.currentDay - 2 - this.faults.spec.staleDays;
  }
  get refreshDate(): string {
    return formatDay(this.refreshDay);
  }

  setRoles(roles: string[]): void {
    this.roles = roles.slice();
  }
  /** Replace the fault spec at run time (flags included: concealed and stale follow the new spec). */
  setFaults(spec: string): void {
    const parsed: FaultSpec = parseFaults(spec);
    this.faults.set(parsed);
    this.concealed = parsed.concealed;
  }
  setConcealed(on: boolean): void {
    this.concealed = on;
  }
  expireSecret(expired = true): void {
    this.secretExpired = expired;
  }

  /** The generated user at index i (0..userCount-1); indices userCount.. are the report-only deleted users. */
  userAt(i: number): GeneratedUser {
    return this.tenant.userAt(i);
  }
  /** Index of a live user by object id or UPN, or -1. */
  indexOf(idOrUpn: string): number {
    return this.tenant.resolveUser(idOrUpn);
  }
  /** licenseAssignmentStates of a user as /users would return them now (assignLicense changes included). */
  assignments(idOrUpn: string | number): Array<Record<string, unknown>> {
    const i = typeof idOrUpn === 'number' ? idOrUpn : this.indexOf(idOrUpn);
    if (i < 0) throw new Error(`no such user: ${String(idOrUpn)}`);
    return toAssignmentStates(this.tenant.licenses(i));
  }
  /** assignedLicenses of a user as /users would return them now. */
  assignedLicenses(idOrUpn: string | number): Array<{ skuId: string; disabledPlans: string[] }> {
    const i = typeof idOrUpn === 'number' ? idOrUpn : this.indexOf(idOrUpn);
    if (i < 0) throw new Error(`no such user: ${String(idOrUpn)}`);
    return toAssignedLicenses(this.tenant.licenses(i));
  }
  /** Object ids of users whose licences were changed through assignLicense. */
  changedUsers(): string[] {
    return this.tenant.changedUsers().map((i) => this.tenant.userId(i));
  }
  /** consumedUnits by skuPartNumber, current. */
  consumedUnits(): Record<string, number> {
    const c = this.tenant.consumed();
    return Object.fromEntries(Array.from(c, (n, k) => [skuPart(k), n]));
  }
  /** Requests to one endpoint, from the request log. */
  requests(endpoint: string): RequestLogEntry[] {
    return this.requestLog.filter((e) => e.endpoint === endpoint);
  }
  /** Internal: record a request (bounded to the last 200k entries). */
  log(e: RequestLogEntry): void {
    this.requestLog.push(e);
    if (this.requestLog.length > 200_000) this.requestLog.splice(0, 50_000);
  }
  get seedValue(): number {
    return this.seed;
  }
}

const skuPart = (k: number): string => SKUS[k]!.skuPartNumber;
