// Which tenants this deployment serves and where each one's credential lives. The tenants file names
// environment variables or files, never a secret itself; with no file, the M365_* variables describe one tenant.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, type AppConfig } from './config';
// Checks the key (PKCS#1 converted) and that the thumbprint matches the certificate in the file.
import { loadCertificate } from './graph/credentials';

const tenantEntry = z
  .object({
    tenantId: z.string().min(1),
    name: z.string().optional(),
    clientId: z.string().min(1),
    clientSecretEnv: z.string().optional(),
    clientSecretFile: z.string().optional(),
    certificatePath: z.string().optional(),
    certificateThumbprint: z.string().optional(),
    authorityHost: z.string().url().optional(),
    graphUrl: z.string().url().optional(),
    caFile: z.string().optional(),
    /** The public client app registration approvers sign in with, and the approvers group (src/identity). */
    approvalClientId: z.string().optional(),
    approversGroupId: z.string().optional(),
    /** Who may change the tenant's settings (default: the approvers group). */
    settingsAdminsGroupId: z.string().optional(),
    /** Told when a reclamation waits past the escalation delay; the mailbox mail is sent from. */
    escalationGroupId: z.string().optional(),
    mailSender: z.string().optional(),
    schedule: z
      .string()
      .regex(/^\d{2}:\d{2}$/)
      .optional(),
  })
  .strict()
  .refine((t) => [t.clientSecretEnv, t.clientSecretFile, t.certificatePath].filter(Boolean).length === 1, {
    message: 'give exactly one of clientSecretEnv, clientSecretFile, certificatePath',
  })
  .refine((t) => !t.certificatePath || t.certificateThumbprint, { message: 'certificateThumbprint is required with certificatePath' });

const tenantsFile = z.object({ tenants: z.array(tenantEntry).min(1) });
export type TenantEntry = z.infer<typeof tenantEntry>;

/** Everything needed to talk to one tenant. Lives in worker memory only: never in workflow history or logs. */
export interface TenantConnection {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: { privateKeyPem: string; thumbprint: string };
  authorityHost: string;
  graphUrl: string;
  caPem?: string;
  schedule?: string;
  approvalClientId?: string;
  approversGroupId?: string;
}

export function readTenantsFile(file: string): TenantEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read the tenants file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = tenantsFile.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `- ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid tenants file ${file}:\n${lines.join('\n')}`);
  }
  const ids = parsed.data.tenants.map((t) => t.tenantId);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ConfigError(`Invalid tenants file ${file}: tenant ${dup} is listed twice`);
  return parsed.data.tenants;
}

/** The tenant ids this deployment serves, without reading any secret. */
export function listTenantIds(config: AppConfig): string[] {
  if (config.tenantsFile) return readTenantsFile(config.tenantsFile).map((t) => t.tenantId);
  if (config.tenantId) return [config.tenantId];
  return [];
}

/** Picks the tenant a command means: the one given (by id or name), or the only one configured. */
export function pickTenant(config: AppConfig, wanted?: string): string {
  if (config.tenantsFile) {
    const entries = readTenantsFile(config.tenantsFile);
    if (!wanted) {
      if (entries.length === 1) return entries[0]!.tenantId;
      throw new ConfigError(`Several tenants are configured in ${config.tenantsFile}: name one with --tenant (${entries.map((t) => t.name ?? t.tenantId).join(', ')})`);
    }
    const hit = entries.find((t) => t.tenantId === wanted || t.name === wanted);
    if (!hit) throw new ConfigError(`Tenant ${wanted} is not in ${config.tenantsFile}`);
    return hit.tenantId;
  }
  if (!config.tenantId) throw new ConfigError('No tenant configured: set M365_TENANT_ID, M365_CLIENT_ID and M365_CLIENT_SECRET (or M365_TENANTS_FILE).');
  if (wanted && wanted !== config.tenantId) throw new ConfigError(`Tenant ${wanted} is not configured (M365_TENANT_ID is ${config.tenantId})`);
  return config.tenantId;
}

const readText = (file: string, what: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
};

/** Resolves a tenant's credential from where the configuration says it lives. */
export function resolveTenant(config: AppConfig, tenantId: string, env: NodeJS.ProcessEnv = process.env): TenantConnection {
  const caPemOf = (file?: string) => (file ? readText(path.resolve(file), 'the CA file') : undefined);
  if (!config.tenantsFile) {
    if (!config.tenantId || config.tenantId !== tenantId || !config.clientId) {
      throw new ConfigError(`Tenant ${tenantId} is not configured: set M365_TENANT_ID, M365_CLIENT_ID and a credential.`);
    }
    return {
      tenantId,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      certificate: config.clientCertPath ? loadCertificate(config.clientCertPath, config.clientCertThumbprint ?? '') : undefined,
      authorityHost: config.authorityHost,
      graphUrl: config.graphUrl,
      caPem: caPemOf(config.caFile),
      approvalClientId: config.approvalClientId,
      approversGroupId: config.approversGroupId,
    };
  }
  const entry = readTenantsFile(config.tenantsFile).find((t) => t.tenantId === tenantId);
  if (!entry) throw new ConfigError(`Tenant ${tenantId} is not in ${config.tenantsFile}`);
  let clientSecret: string | undefined;
  if (entry.clientSecretEnv) {
    clientSecret = env[entry.clientSecretEnv];
    if (!clientSecret) throw new ConfigError(`Tenant ${tenantId}: environment variable ${entry.clientSecretEnv} (its client secret) is not set.`);
  } else if (entry.clientSecretFile) {
    clientSecret = readText(entry.clientSecretFile, 'the client secret file').trim();
  }
  return {
    tenantId,
    clientId: entry.clientId,
    clientSecret,
    certificate: entry.certificatePath ? loadCertificate(entry.certificatePath, entry.certificateThumbprint ?? '') : undefined,
    authorityHost: (entry.authorityHost ?? config.authorityHost).replace(/\/+$/, ''),
    graphUrl: (entry.graphUrl ?? config.graphUrl).replace(/\/+$/, ''),
    caPem: caPemOf(entry.caFile ?? config.caFile),
    schedule: entry.schedule,
    approvalClientId: entry.approvalClientId ?? config.approvalClientId,
    approversGroupId: entry.approversGroupId ?? config.approversGroupId,
  };
}
