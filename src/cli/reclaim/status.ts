// `m365-license reclaim status <id>`: what a reclamation will do or did, with names and prices looked up now.
import type { Command } from 'commander';
import { parseConfig } from '../../config';
import { safeInline, safeJson } from '../output/sanitize';
import { requestTexts } from './audit';
import { lookUpStatusNames, namesJson, statusLines } from './status-view';
import { tenantOfDecisionId } from './decide';
import { closedFailureLines, readReclamation } from './list';
import { withTemporalClient } from '../temporal-connection';

export function registerStatus(reclaim: Command): void {
  reclaim
    .command('status <id>')
    .description('what a reclamation will do or did: SKUs, group-inherited licences, mailbox warning, decisions')
    .option('--json', 'the state as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      tenantOfDecisionId(id);
      const config = parseConfig();
      await withTemporalClient(config, async (client) => {
        // Running: the status query; closed: the result, so a finished one needs no worker.
        const r = await readReclamation(client, id);
        if (r.kind === 'ended') {
          process.stdout.write(opts.json ? `${JSON.stringify(r.failure)}\n` : `${closedFailureLines(r.failure).join('\n')}\n`);
          process.exitCode = 1;
          return;
        }
        if (r.kind === 'restore_result') {
          const x = r.result;
          process.stdout.write(
            opts.json ? `${JSON.stringify(x)}\n` : `${id}: ${x.outcome}${x.skus.length ? ` (${x.skus.join(', ')})` : ''}${x.detail ? `: ${safeInline(x.detail)}` : ''}\n`,
          );
          if (x.outcome !== 'restored') process.exitCode = 1;
          return;
        }
        const s = r.state;
        // Names and prices are looked up now, in the published warehouse: the workflow's state holds ids only.
        if (opts.json) process.stdout.write(`${safeJson(JSON.stringify({ ...s, names: namesJson(await lookUpStatusNames(config.dbPath, s)) }))}\n`);
        else process.stdout.write(`${statusLines(s, await requestTexts(config.dbPath, s), await lookUpStatusNames(config.dbPath, s)).join('\n')}\n`);
        if (s.status === 'failed') process.exitCode = 1;
      });
    });
}
