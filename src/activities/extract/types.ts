// What the extract activities take and return: file references and counts, never user data.
import type { GraphFactory } from '../graph-context';
import type { RequestRate } from '../../graph/request-rate';
import type { SignInOutcome, StagedFile } from '../../shared/staging-contract';
import type { DeltaSettings } from '../users-delta';
import type { ShardSettings } from './users-sharding';
import type { Slots } from '../../shared/slots';

export type { StagedFile } from '../../shared/staging-contract';

/** The roster columns the warehouse keeps; `$select` also makes Graph return the ones it sends only when asked. */
export const USER_SELECT = [
  'id',
  'userPrincipalName',
  'displayName',
  'mail',
  'accountEnabled',
  'userType',
  'createdDateTime',
  'department',
  'jobTitle',
  'usageLocation',
  'assignedLicenses',
  'licenseAssignmentStates',
].join(',');

export interface PreflightResult {
  roles: string[];
  canReadReportSettings: boolean;
  canReclaim: boolean;
  /** AuditLog.Read.All is in the token: the users extract asks for signInActivity (absent in older histories). */
  canReadSignIns?: boolean;
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

export type ReportPeriod = 'D7' | 'D30' | 'D90' | 'D180';

/** What the extract activity factories are built from (the worker supplies it). */
export interface ExtractDeps {
  dataDir: string;
  graphFor: GraphFactory;
  pageSizes?: PageSizes;
  delta?: DeltaSettings;
  signInRate?: RequestRate;
  /** Longest sign-in read a walk may start, in minutes (0 = no budget): larger tenants are walked without them. */
  signInBudgetMinutes?: number;
  /** Shards of the full users walk (users-sharding.ts); default DEFAULT_SHARD_SETTINGS. */
  shards?: ShardSettings;
  /** Users pages this worker holds at once over every walk and shard (none: no bound). */
  pageSlots?: Slots;
}
