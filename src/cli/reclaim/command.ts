// `m365-license reclaim request|approve|reject|list|status|restore`: human-approved licence reclamation. Each
// subcommand group registers itself from its own file; this one puts them in the order `--help` lists them.
import type { Command } from 'commander';
import { registerDecisions } from './decide';
import { registerReclaimList } from './list';
import { registerRequest } from './request';
import { registerRestore } from './restore';
import { registerStatus } from './status';

export { ReclamationOpenError, startReclamation, startRestore, tenantOfWorkflowId } from './start';

export function registerReclaim(program: Command): void {
  const reclaim = program.command('reclaim').description('take licences back from inactive users, with human approval, audit and undo');
  registerRequest(reclaim);
  registerDecisions(reclaim);
  registerReclaimList(reclaim);
  registerStatus(reclaim);
  registerRestore(reclaim);
}
