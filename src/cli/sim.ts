// `m365-license sim`: run the Microsoft 365 tenant simulator until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { DEFAULT_DAY_CHURN, FaultSpecError, parseFaults, startSimulator, type DayChurn } from '../simulator/index';

const int = (name: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`error: --${name} must be an integer >= ${min}, got "${v}"\n`);
    process.exit(2);
  }
  return n;
};

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run the Microsoft 365 tenant simulator (identity platform + Graph over HTTPS) until stopped')
    .option('--port <port>', 'port for the identity platform and Graph (0 = any free port)', int('port', 0), 0)
    .option('--users <n>', 'number of users in the generated tenant', int('users', 0), 1000)
    .option('--seed <s>', 'seed of the generated tenant', int('seed', 0), 1)
    .option('--faults <spec>', 'fault spec, e.g. "users:429@0.3:retry=1.5,reports:reset@0.2,concealed,stale=10" (see src/simulator/README.md)')
    .option('--dir <dir>', 'where to write ca.pem and the client certificate (default: a temp dir)')
    .option('--day <n>', 'day N of the same tenant: hires, leavers, licence changes, disabled accounts, activity and report dates moved forward', int('day', 0), 0)
    .option('--churn <spec>', 'shares of the tenant per day, e.g. "hires=0.002,leavers=0.001,licenceChanges=0.002,disabled=0.0005"')
    .option('--today <YYYY-MM-DD>', 'the date of day 0 (default: today, UTC)')
    .option('--json', 'print one JSON line instead of text')
    .action(async (o: { port: number; users: number; seed: number; faults?: string; dir?: string; json?: boolean; day: number; churn?: string; today?: string }) => {
      const churn = parseChurn(o.churn);
      try {
        parseFaults(o.faults);
      } catch (e) {
        if (e instanceof FaultSpecError) {
          process.stderr.write(`error: --faults: ${e.message}\n`);
          process.exit(2);
        }
        throw e;
      }
      const sim = await startSimulator({ port: o.port, users: o.users, seed: o.seed, faults: o.faults, dir: o.dir, day: o.day, churn, today: o.today });
      const info = {
        authorityHost: sim.authorityHost,
        graphUrl: sim.graphUrl,
        reportsHost: sim.reportsHost,
        caFile: sim.caFile,
        tenantId: sim.tenantId,
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
        certFile: sim.certificate.certFile,
        keyFile: sim.certificate.keyFile,
        thumbprint: sim.certificate.thumbprint,
        users: o.users,
        seed: o.seed,
        day: o.day,
        today: sim.state.today,
        liveUsers: sim.state.tenant.liveCount(),
      };
      if (o.json) process.stdout.write(JSON.stringify(info) + '\n');
      else {
        process.stdout.write(
          [
            'Microsoft 365 tenant simulator running',
            `  authority host  ${info.authorityHost}   (M365_AUTHORITY_HOST)`,
            `  Graph URL       ${info.graphUrl}   (M365_GRAPH_URL)`,
            `  CA file         ${info.caFile}   (M365_CA_FILE or NODE_EXTRA_CA_CERTS)`,
            `  tenant id       ${info.tenantId}   (M365_TENANT_ID)`,
            `  client id       ${info.clientId}   (M365_CLIENT_ID)`,
            `  client secret   ${info.clientSecret}   (M365_CLIENT_SECRET)`,
            `  certificate     ${info.certFile} / ${info.keyFile}, thumbprint ${info.thumbprint}`,
            `  users ${o.users}, seed ${o.seed}, day ${o.day} (${info.today}, ${info.liveUsers} users)${o.faults ? `, faults ${o.faults}` : ''}`,
            'Press Ctrl+C to stop.',
            '',
          ].join('\n'),
        );
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await sim.close();
    });
}

/** `--churn hires=0.002,leavers=0.001`: the shares of DayChurn by name; exits 2 on a bad spec. */
function parseChurn(spec: string | undefined): Partial<DayChurn> | undefined {
  if (!spec) return undefined;
  const out: Partial<DayChurn> = {};
  for (const part of spec.split(',')) {
    const [key, value] = part.split('=');
    const v = Number(value);
    if (!key || !(key in DEFAULT_DAY_CHURN) || !Number.isFinite(v) || v < 0 || v > 1) {
      process.stderr.write(`error: --churn: "${part}" is not name=share with a name of ${Object.keys(DEFAULT_DAY_CHURN).join(', ')} and 0 <= share <= 1\n`);
      process.exit(2);
    }
    out[key as keyof DayChurn] = v;
  }
  return out;
}
