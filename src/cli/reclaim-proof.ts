// The proof a person gives the reclaim commands: their sealed ID token (signed in now with the device-code flow, or
// given with --token from `m365-license auth token`), or a name in the lab mode only. Text is sealed here too.
import type { IdentityProof } from '../activities/approvals';
import type { AppConfig } from '../config';
import { readApprovalPublicKey } from '../identity/approval-key';
import { isSealed, seal } from '../identity/seal';
import { sealedSignIn } from './auth';
import { UsageError } from './usage-error';

export interface ProofOptions {
  token?: string;
  by?: string;
  tenant?: string;
}

/** Usage checks of --by and --token, before anything is contacted. */
export function checkProofOptions(config: AppConfig, opts: ProofOptions): void {
  if (opts.by !== undefined && config.approvalIdentity !== 'unverified') {
    throw new UsageError('--by names nobody: decisions are signed in (`m365-license auth token`). It counts only with M365_APPROVAL_IDENTITY=unverified, a lab mode.');
  }
  if (opts.token !== undefined && !isSealed(opts.token)) {
    throw new UsageError('--token takes the sealed token `m365-license auth token` prints (a raw ID token is refused: it would be readable in history).');
  }
}

export async function personProof(config: AppConfig, opts: ProofOptions): Promise<IdentityProof> {
  checkProofOptions(config, opts);
  if (opts.token !== undefined) return { idToken: opts.token };
  if (opts.by !== undefined) return { by: opts.by };
  return { idToken: await sealedSignIn({ tenant: opts.tenant, say: (m) => process.stderr.write(`${m}\n`) }) };
}

/** Free text (reason, comment) sealed for the workers: only the audit table ever holds it readable. */
export const sealText = (config: AppConfig, text: string | undefined): string | undefined => (text === undefined ? undefined : seal(text, readApprovalPublicKey(config)));
