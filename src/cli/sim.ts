// `m365-license sim`: run the Microsoft 365 tenant simulator until SIGINT/SIGTERM.
import type { Command } from 'commander';
import {
  ChurnSpecError,
  FaultSpecError,
  ProfileSpecError,
  TenantsSpecError,
  parseChurn,
  parseTenants,
  parseFaults,
  parseProfile,
  startSimulator,
  type ProfileName,
} from '../simulator/index';

const int =
  (name: string, min: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      process.stderr.write(`error: --${name} must be an integer >= ${min}, got "${v}"\n`);
      process.exit(2);
    }
    return n;
  };

interface SimOptions {
  port: number;
  users: number;
  seed: number;
  faults?: string;
  dir?: string;
  json?: boolean;
  day: number;
  today?: string;
  churn?: string;
  profile: string;
  timeScale: number;
  limits?: string;
  tenants?: string;
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run the Microsoft 365 tenant simulator (identity platform + Graph over HTTPS) until stopped')
    .option('--port <port>', 'port for the identity platform and Graph (0 = any free port)', int('port', 0), 0)
    .option('--users <n>', 'number of users in the generated tenant', int('users', 0), 1000)
    .option('--seed <s>', 'seed of the generated tenant', int('seed', 0), 1)
    .option('--faults <spec>', 'fault spec, e.g. "users:429@0.3:retry=1.5,reports:reset@0.2,concealed,stale=10" (see src/simulator/README.md)')
    .option('--day <n>', 'simulated day N of the same tenant (0 = the generated tenant; hires, leavers, licence changes follow)', int('day', 0), 0)
    .option('--today <date>', "YYYY-MM-DD treated as day 0's today (default: the real UTC date)")
    .option(
      '--churn <spec>',
      'day-to-day changes, JSON or key=value pairs: hiresPerDay, leaversPerDay, licenceChangesPerDay, disabledPerDay, activeShare, returnsPerDay (shares per day)',
    )
    .option('--profile <name>', "instant (answers at once, never throttles) or realistic (Graph's published limits, latencies, expiring links)", 'instant')
    .option('--time-scale <x>', 'real seconds per simulated second under the realistic profile (0.01: limits and latencies 100x faster)', Number, 1)
    .option('--limits <spec>', 'realistic limits to override, key=value pairs, e.g. "signInPerMinApp=20,tenantRuLarge=8000" (see docs/graph.md)')
    .option('--tenants <spec>', 'many tenants behind the one app: a count (each of --users) or sizes COUNTxUSERS,... (e.g. 1000x300,20x50000); each its own seed')
    .option('--dir <dir>', 'where to write ca.pem and the client certificate (default: a temp dir)')
    .option('--json', 'print one JSON line instead of text')
    .action(runSim);
}

async function runSim(o: SimOptions): Promise<void> {
  checkSpecs(o);
  const profile = o.profile as ProfileName;
  const sim = await startSimulator({
    port: o.port,
    users: o.users,
    seed: o.seed,
    faults: o.faults,
    dir: o.dir,
    day: o.day,
    today: o.today,
    churn: o.churn,
    profile,
    timeScale: o.timeScale,
    limits: o.limits,
    tenants: o.tenants,
  });
  const info = simulatorInfo(sim, o, profile);
  if (o.json) process.stdout.write(JSON.stringify(info) + '\n');
  else process.stdout.write(describe(info, o));
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sim.close();
}

/** A malformed spec is a usage error (exit 2) naming its flag, before anything starts. */
function checkSpecs(o: SimOptions): void {
  try {
    parseFaults(o.faults);
    parseChurn(o.churn);
    parseProfile(o.profile, o.timeScale, o.limits);
    parseTenants(o.tenants, o.users, o.seed);
  } catch (e) {
    if (e instanceof FaultSpecError || e instanceof ChurnSpecError || e instanceof ProfileSpecError || e instanceof TenantsSpecError) {
      const flag = e instanceof FaultSpecError ? 'faults' : e instanceof ChurnSpecError ? 'churn' : e instanceof TenantsSpecError ? 'tenants' : 'profile';
      process.stderr.write(`error: --${flag}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

type SimulatorInfo = ReturnType<typeof simulatorInfo>;

/** What a client needs to reach the running simulator (printed as text, or as one JSON line with --json). */
function simulatorInfo(sim: Awaited<ReturnType<typeof startSimulator>>, o: SimOptions, profile: ProfileName) {
  return {
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
    approvalClientId: sim.publicClientId,
    approversGroupId: sim.approversGroupId,
    /** Who can sign in at /devicelogin: [0] requests, [1] [2] approve directly, [3] through a nested group. */
    admins: sim.state.directory.admins.map((id) => sim.state.userAt(sim.state.indexOf(id)).userPrincipalName),
    users: o.users,
    seed: o.seed,
    day: o.day,
    today: sim.state.today,
    refreshDate: sim.state.refreshDate,
    profile,
    timeScale: o.timeScale,
    /** Every tenant behind the app (same client id and secret): id, domain, users, seed. */
    tenants: sim.tenants.map((t) => ({ tenantId: t.tenantId, tenantDomain: t.tenantDomain, users: t.users, seed: t.seed })),
  };
}

/** The text form, each value beside the setting that takes it. */
function describe(info: SimulatorInfo, o: SimOptions): string {
  const { profile } = info;
  return [
    'Microsoft 365 tenant simulator running',
    `  authority host  ${info.authorityHost}   (M365_AUTHORITY_HOST)`,
    `  Graph URL       ${info.graphUrl}   (M365_GRAPH_URL)`,
    `  CA file         ${info.caFile}   (M365_CA_FILE or NODE_EXTRA_CA_CERTS)`,
    `  tenant id       ${info.tenantId}   (M365_TENANT_ID)`,
    `  client id       ${info.clientId}   (M365_CLIENT_ID)`,
    `  client secret   ${info.clientSecret}   (M365_CLIENT_SECRET)`,
    `  certificate     ${info.certFile} / ${info.keyFile}, thumbprint ${info.thumbprint}`,
    `  approvals       public client ${info.approvalClientId} (M365_APPROVAL_CLIENT_ID), approvers group ${info.approversGroupId} (M365_APPROVERS_GROUP_ID)`,
    `  sign in at      ${info.authorityHost}/devicelogin as ${info.admins.join(', ')} (first: requester only)`,
    `  users ${o.users}, seed ${o.seed}, day ${o.day} (today ${info.today}, report refresh ${info.refreshDate})${o.faults ? `, faults ${o.faults}` : ''}`,
    `  tenants         ${info.tenants.length} behind this app${info.tenants.length > 1 ? ` (ids in --json)` : ''}`,
    `  profile ${profile}${profile === 'realistic' ? `, time scale ${o.timeScale}` : ''}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}
