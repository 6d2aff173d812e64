// Per-tenant approval settings (public client app, approvers group, authority, CA) without touching any secret:
// approvers run `auth token` and `reclaim approve` with no access to the app's client secret or certificate.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type AppConfig } from '../config';
import { readTenantsFile } from '../tenants';

export interface ApprovalSettings {
  tenantId: string;
  authorityHost: string;
  caPem?: string;
  /** The public client app registration (M365_APPROVAL_CLIENT_ID or the tenant entry's approvalClientId). */
  clientId?: string;
  approversGroupId?: string;
  /** Members may change settings; the approvers group when not set. */
  settingsAdminsGroupId?: string;
  /** Told when a request has waited past the escalation delay (M365_ESCALATION_GROUP_ID or escalationGroupId). */
  escalationGroupId?: string;
  /** The mailbox mail to users and approvers goes from (M365_MAIL_SENDER or mailSender); no mail when unset. */
  mailSender?: string;
  mode: 'verified' | 'unverified';
  maxAgeSeconds: number;
}

export function approvalSettings(config: AppConfig, tenantId: string): ApprovalSettings {
  const entry = config.tenantsFile ? readTenantsFile(config.tenantsFile).find((t) => t.tenantId === tenantId) : undefined;
  if (config.tenantsFile && !entry) throw new ConfigError(`Tenant ${tenantId} is not in ${config.tenantsFile}`);
  const caFile = entry?.caFile ?? config.caFile;
  let caPem: string | undefined;
  if (caFile) {
    try {
      caPem = readFileSync(path.resolve(caFile), 'utf8');
    } catch (cause) {
      throw new ConfigError(`Cannot read the CA file ${caFile}: check M365_CA_FILE.`, { cause });
    }
  }
  return {
    tenantId,
    authorityHost: (entry?.authorityHost ?? config.authorityHost).replace(/\/+$/, ''),
    ...(caPem ? { caPem } : {}),
    clientId: entry?.approvalClientId ?? config.approvalClientId,
    approversGroupId: entry?.approversGroupId ?? config.approversGroupId,
    settingsAdminsGroupId: entry?.settingsAdminsGroupId ?? config.settingsAdminsGroupId ?? entry?.approversGroupId ?? config.approversGroupId,
    escalationGroupId: entry?.escalationGroupId ?? config.escalationGroupId,
    mailSender: entry?.mailSender ?? config.mailSender,
    mode: config.approvalIdentity,
    maxAgeSeconds: config.approvalMaxAgeMinutes * 60,
  };
}

/** The settings a verified approval needs, or a message naming what to configure. */
export function requireVerifiable(s: ApprovalSettings): ApprovalSettings & { clientId: string; approversGroupId: string } {
  const missing = [
    !s.clientId && 'M365_APPROVAL_CLIENT_ID (or approvalClientId in the tenants file)',
    !s.approversGroupId && 'M365_APPROVERS_GROUP_ID (or approversGroupId)',
  ].filter(Boolean);
  if (missing.length) {
    throw new ConfigError(`Authenticated approvals need ${missing.join(' and ')} for tenant ${s.tenantId}; or set M365_APPROVAL_IDENTITY=unverified in a lab.`);
  }
  return s as ApprovalSettings & { clientId: string; approversGroupId: string };
}
