// The proof a person gives the reclaim commands: their sign-in sealed for the workers AND bound to what it is for
// (identity/proof.ts: the purpose, the workflow id and, for a decision, the run and scope shown). Either signed in now
// with the device-code flow (sealed here for each workflow), or given ready-sealed by `m365-license auth token <id>`
// via --token-file PATH or --token - (stdin), preferred to --token <sealed> on the command line (visible in `ps`).
// A name counts only in the lab mode. Text is sealed here too.
import { readFileSync } from 'node:fs';
import type { IdentityProof } from '../../activities/reclaim/approvals';
import type { AppConfig } from '../../config';
import { readApprovalPublicKey } from '../../identity/approval-key';
import { approvalSettings, requireVerifiable } from '../../identity/approval-settings';
import { sealProof, type ProofBinding } from '../../identity/proof';
import { isSealed, seal } from '../../identity/seal';
import { signInWithDeviceCode } from '../../identity/device-code-sign-in';
import { pickTenant } from '../../tenants';
import { safeText } from '../output/sanitize';
import { UsageError } from '../usage-error';

export interface ProofOptions {
  token?: string;
  tokenFile?: string;
  by?: string;
  tenant?: string;
}

/** Where a ready-sealed proof comes from; help texts of every command that takes one. */
export const TOKEN_OPTION_HELP =
  'a sealed proof from `m365-license auth token <id>`, or - to read it from stdin (preferred over the command line, which other local users can see)';
export const TOKEN_FILE_OPTION_HELP = 'read the sealed proof from this file (preferred: `m365-license auth token <id> > FILE`)';

/** Reads --token / --token - / --token-file, once (stdin cannot be read twice). */
function readGivenToken(opts: ProofOptions): string | undefined {
  if (opts.token !== undefined && opts.tokenFile !== undefined) throw new UsageError('give --token or --token-file, not both');
  let text: string | undefined;
  try {
    if (opts.tokenFile !== undefined) text = readFileSync(opts.tokenFile, 'utf8');
    else if (opts.token === '-') text = readFileSync(0, 'utf8');
    else text = opts.token;
  } catch (cause) {
    throw new UsageError(`Cannot read the sealed proof from ${opts.tokenFile ?? 'stdin'}: write it there with \`m365-license auth token <id>\`.`, { cause });
  }
  return text?.trim();
}

/** Usage checks of --by and --token/--token-file, before anything is contacted; returns the given sealed proof, if any. */
export function checkProofOptions(config: AppConfig, opts: ProofOptions): string | undefined {
  if (opts.by !== undefined && config.approvalIdentity !== 'unverified') {
    throw new UsageError('--by names nobody: decisions are signed in (`m365-license auth token`). It counts only with M365_APPROVAL_IDENTITY=unverified, a lab mode.');
  }
  const token = readGivenToken(opts);
  if (token !== undefined && !isSealed(token)) {
    throw new UsageError('--token/--token-file take the sealed proof `m365-license auth token <id>` prints (a raw ID token is refused: it would be readable in history).');
  }
  return token;
}

/** Signs the person in with the device-code flow for `purpose` (shown with the code); the raw ID token stays in this process, sealed per use. */
export async function signInPerson(config: AppConfig, tenant: string | undefined, purpose: string, say: (line: string) => void): Promise<string> {
  const s = requireVerifiable(approvalSettings(config, pickTenant(config, tenant)));
  return signInWithDeviceCode({ authorityHost: s.authorityHost, tenantId: s.tenantId, clientId: s.clientId, ...(s.caPem ? { caPem: s.caPem } : {}), say, purpose });
}

/**
 * The proofs of one person for one or more workflows: a given sealed proof (bound by `auth token` to one workflow,
 * so it serves one binding only), a lab-mode name, or one sign-in sealed for each binding asked. `purpose` says
 * what the sign-in is for; the first call's is shown with the device code.
 */
export function personProofs(config: AppConfig, opts: ProofOptions): (binding: ProofBinding, purpose: string) => Promise<IdentityProof> {
  const given = checkProofOptions(config, opts);
  if (given !== undefined) return () => Promise.resolve({ idToken: given });
  if (opts.by !== undefined) return () => Promise.resolve({ by: opts.by! });
  let raw: Promise<string> | undefined;
  return async (binding, purpose) => {
    raw ??= signInPerson(config, opts.tenant, purpose, (m) => process.stderr.write(`${safeText(m)}\n`));
    return { idToken: sealProof(await raw, binding, readApprovalPublicKey(config)) };
  };
}

/** Free text (reason, comment) sealed for the workers: only the audit table ever holds it readable. */
export const sealText = (config: AppConfig, text: string | undefined): string | undefined => (text === undefined ? undefined : seal(text, readApprovalPublicKey(config)));
