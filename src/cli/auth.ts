// `m365-license auth token|seal`: a person signs in (device-code flow) and gets their ID token sealed to the workers'
// approval key, ready for `reclaim request|approve|reject|restore --token` or a plain `temporal workflow signal`:
//   temporal workflow signal --workflow-id ID --name approve \
//     --input "{\"idToken\":\"$(m365-license auth token)\",\"runId\":\"…\",\"scopeHash\":\"…\"}"
// Sealed, the token (and the name inside it) never appears readable in Temporal history.
import type { Command } from 'commander';
import { parseConfig } from '../config';
import { approvalSettings, requireVerifiable } from '../identity/approval-settings';
import { readApprovalPublicKey } from '../identity/approval-key';
import { seal } from '../identity/seal';
import { signInWithDeviceCode } from '../identity/sign-in';
import { pickTenant } from '../tenants';

/** Signs the person in and returns their sealed ID token. */
export async function sealedSignIn(opts: { tenant?: string; say: (line: string) => void }): Promise<string> {
  const config = parseConfig();
  const publicKey = readApprovalPublicKey(config);
  const s = requireVerifiable(approvalSettings(config, pickTenant(config, opts.tenant)));
  const idToken = await signInWithDeviceCode({ authorityHost: s.authorityHost, tenantId: s.tenantId, clientId: s.clientId, ...(s.caPem ? { caPem: s.caPem } : {}), say: opts.say });
  return seal(idToken, publicKey);
}

export function registerAuth(program: Command): void {
  const auth = program.command('auth').description('sign in as a person (requester or approver) for reclamation decisions');

  auth
    .command('token')
    .description('sign in with the device-code flow and print your ID token, sealed for the workers (valid for a few minutes)')
    .option('--tenant <tenant>', 'tenant id or name (default: the only one configured)')
    .action(async (opts: { tenant?: string }) => {
      const sealed = await sealedSignIn({ tenant: opts.tenant, say: (m) => process.stderr.write(`${m}\n`) });
      process.stdout.write(`${sealed}\n`);
    });

  auth
    .command('seal <text>')
    .description('seal a comment or reason for a plain `temporal workflow signal` (text is never put in history readable)')
    .action((text: string) => {
      process.stdout.write(`${seal(text, readApprovalPublicKey(parseConfig()))}\n`);
    });
}
