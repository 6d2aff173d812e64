// `m365-license temporal-certs`: the certificates docker-compose.yml's Temporal runs on. A CA for Temporal only, the
// server's certificate, and one client certificate per role, told apart by the unit the server's authorizer reads
// (workers poll, people start and decide, operators administer). `--client` adds one more client certificate from
// that CA, for a person's CLI host.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { addClientCertificate, createTemporalPki, loadCa, PKI_FILES, TEMPORAL_ROLES, type TemporalRole } from '../temporal/pki';
import { UsageError } from './usage-error';

interface Options {
  out: string;
  serverName: string[];
  days: string;
  client?: string;
  name?: string;
}

const ROLE_NAMES = TEMPORAL_ROLES.map((r) => r.replace(/^m365-/, ''));

export function registerTemporalCerts(program: Command): void {
  program
    .command('temporal-certs')
    .description("make the Temporal CA, the server's certificate and one client certificate per role (docker-compose.yml mounts them)")
    .option('--out <dir>', 'directory to write them to (compose reads TEMPORAL_TLS_DIR, default ./temporal-tls)', './temporal-tls')
    .option('--server-name <name>', "another DNS name or IP address for the server's certificate (repeatable)", (v: string, all: string[]) => [...all, v], [])
    .option('--days <n>', 'validity in days, from 1 to 3650', '365')
    .option('--client <role>', `only add a client certificate from the CA in --out: ${ROLE_NAMES.join(', ')}`)
    .option('--name <name>', 'with --client: who holds it (letters, digits, . _ -), its file name and common name')
    .action((opts: Options) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError(`--days must be a whole number from 1 to 3650, got "${opts.days}"`);
      const dir = path.resolve(opts.out);
      if (opts.client !== undefined || opts.name !== undefined) addOne(dir, opts, days);
      else createAll(dir, opts, days);
    });
}

function createAll(dir: string, opts: Options, days: number): void {
  if (existsSync(path.join(dir, PKI_FILES.ca)))
    throw new UsageError(
      `${dir} already holds a Temporal CA (${PKI_FILES.ca}): remove the directory to start over, or add a client certificate with --client <role> --name <who>.`,
    );
  const pki = createTemporalPki(dir, { serverNames: opts.serverName, days });
  const lines = [
    `Wrote to ${dir} (valid ${days} days):`,
    `  ${PKI_FILES.ca}, ${PKI_FILES.caKey}   the CA; keep ${PKI_FILES.caKey} off the Temporal and worker hosts once done (only --client needs it)`,
    `  ${PKI_FILES.serverCert}, ${PKI_FILES.serverKey}   the Temporal server`,
    ...TEMPORAL_ROLES.map((r) => `  ${path.basename(pki.clients[r].cert)}, ${path.basename(pki.clients[r].key)}   ${roleText(r)}`),
    'docker-compose.yml mounts each as a secret of the services that need it (TEMPORAL_TLS_DIR names this directory).',
    'The containers read them as uid 1000: if that is not you, run `sudo chown -R 1000 <dir>`.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function addOne(dir: string, opts: Options, days: number): void {
  const role = TEMPORAL_ROLES.find((r) => r === opts.client || r === `m365-${opts.client}`);
  if (!role) throw new UsageError(`--client needs one of ${ROLE_NAMES.join(', ')}, got "${opts.client ?? ''}"`);
  if (!opts.name || !/^[A-Za-z0-9._-]{1,64}$/.test(opts.name)) throw new UsageError('--client needs --name <who>: letters, digits, dot, underscore or dash, at most 64');
  const fileName = `${role}-${opts.name}`;
  if (existsSync(path.join(dir, PKI_FILES.clientCert(fileName)))) throw new UsageError(`${path.join(dir, PKI_FILES.clientCert(fileName))} exists already: choose another --name.`);
  let ca;
  try {
    ca = loadCa(dir);
  } catch {
    throw new UsageError(`${dir} holds no CA (${PKI_FILES.ca} and ${PKI_FILES.caKey}): make one first with \`m365-license temporal-certs --out ${opts.out}\`.`);
  }
  const files = addClientCertificate(dir, { unit: role, cn: opts.name, fileName, days, signer: ca });
  process.stdout.write(
    `Wrote ${files.cert} and ${files.key}: ${roleText(role)}. Give them to that host as TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY, with TEMPORAL_TLS_CA=${path.join(dir, PKI_FILES.ca)}.\n`,
  );
}

function roleText(role: TemporalRole): string {
  return {
    'm365-workers': "the workers' role: take and complete tasks (graph-worker, warehouse-writer)",
    'm365-people': "the people's role: request, decide, ask (the inbox, people's CLI)",
    'm365-operators': "the operators' role: namespaces, schedules, terminate (the namespace job, the UI, `schedule create`)",
  }[role];
}
