// `m365-license auth token|seal`: a person signs in (device-code flow) and gets a proof for ONE workflow: their ID
// token sealed to the workers' approval key together with what it is for (identity/proof.ts): requesting that
// workflow, or approving/rejecting its current run and scope (read here from `reclaim status`). A copy of the proof
// counts for nothing else. Ready for `reclaim request|approve|reject|restore --token-file FILE` (or `--token -`) or a
// plain `temporal workflow signal`:
//   m365-license auth token ID --for approve > proof    # prints the run id and scope hash it binds to on stderr
//   temporal workflow signal --workflow-id ID --name approve \
//     --input "{\"idToken\":\"$(cat proof)\",\"runId\":\"…\",\"scopeHash\":\"…\"}"
// Sealed, the token (and the name inside it) never appears readable in Temporal history.
import type { Command } from 'commander';
import { parseConfig } from '../../config';
import { readApprovalPublicKey } from '../../identity/approval-key';
import { sealProof, type ProofBinding, type ProofPurpose } from '../../identity/proof';
import { seal } from '../../identity/seal';
import { bindingLine, queryState, tenantOfDecisionId } from './decide';
import { signInPerson } from './proof';
import { withTemporalClient } from '../temporal-connection';
import { safeText } from '../output/sanitize';
import { UsageError } from '../usage-error';

const PURPOSES: ProofPurpose[] = ['request', 'approve', 'reject'];

export function registerAuth(program: Command): void {
  const auth = program.command('auth').description('sign in as a person (requester or approver) for reclamation decisions');

  auth
    .command('token <id>')
    .description(
      'sign in with the device-code flow and print a proof for workflow ID only (valid for a few minutes): your ID token sealed for the workers, bound to --for and, to decide, to the run and scope `reclaim status ID` shows',
    )
    .requiredOption('--for <purpose>', 'request (ID is the reclamation or restore to start: reclaim-<tenant>-<user> or restore-reclaim-…), approve or reject')
    .option('--scope <hash>', 'approve/reject: the scope hash you reviewed; refused if the scope changed since')
    .action(async (id: string, opts: { for: string; scope?: string }) => {
      const purpose = opts.for as ProofPurpose;
      if (!PURPOSES.includes(purpose)) throw new UsageError(`--for takes ${PURPOSES.join(', ')}, got ${opts.for}`);
      const tenant = tenantOfDecisionId(id);
      const config = parseConfig();
      const publicKey = readApprovalPublicKey(config);
      let binding: ProofBinding = { purpose, workflowId: id };
      let what = `make a proof to request ${id}`;
      if (purpose !== 'request') {
        // A decision binds to the run and scope of now; both are shown, so the person knows what they sign.
        binding = await withTemporalClient(config, async (client) => {
          const s = await queryState(client, id);
          if (s.status !== 'awaiting_approval') throw new Error(`${id} is ${s.status}, not awaiting approval: nothing to ${purpose}.`);
          if (opts.scope !== undefined && opts.scope !== s.scopeHash)
            throw new Error(`The scope of ${id} is no longer the one you reviewed (${opts.scope}): run reclaim status ${id} again.`);
          what = `make a proof to ${purpose} ${bindingLine(s)}`;
          process.stderr.write(`proof to ${purpose} ${bindingLine(s)}\n  signal with "runId":"${s.runId}","scopeHash":"${s.scopeHash}"\n`);
          return { purpose, workflowId: id, runId: s.runId, scopeHash: s.scopeHash };
        });
      }
      const idToken = await signInPerson(config, tenant, what, (m) => process.stderr.write(`${safeText(m)}\n`));
      process.stdout.write(`${sealProof(idToken, binding, publicKey)}\n`);
    });

  auth
    .command('seal <text>')
    .description('seal a comment or reason for a plain `temporal workflow signal` (text is never put in history readable)')
    .action((text: string) => {
      process.stdout.write(`${seal(text, readApprovalPublicKey(parseConfig()))}\n`);
    });
}
