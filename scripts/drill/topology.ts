// The drill's topology IS docker-compose.yml: the project's services (those built from this repository), their
// commands, replicas, environment, volumes and secrets, and the Temporal server's and namespace job's environment,
// are read from the file users deploy; only the values the compose file takes from the operator's environment (the
// ${VAR} references, TEMPORAL_TLS_DIR among them) come from the drill.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = path.join(import.meta.dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  secrets?: string[];
  deploy?: { replicas?: number };
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

export function readCompose(file = path.join(REPO_ROOT, 'docker-compose.yml')): ComposeFile {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeFile;
}

/** One service of the compose file: what each replica runs and with what. */
export interface ProjectService {
  name: string;
  /** Arguments after the image's entry point (`node bin/m365-license.mjs` for the project's image). */
  command: string[];
  replicas: number;
  /** Environment names and their compose values, before interpolation. */
  environment: Record<string, string>;
  /** `volume:/container/path` entries. */
  volumes: Array<{ volume: string; mountPath: string }>;
  /** Compose secrets it mounts, each at /run/secrets/<name>. */
  secrets: string[];
}

export const SECRETS_DIR = '/run/secrets';

export function composeService(name: string, compose: ComposeFile = readCompose()): ProjectService {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return {
    name,
    command: s.command ?? ['worker'],
    replicas: s.deploy?.replicas ?? 1,
    environment: Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)])),
    volumes: (s.volumes ?? []).map((v) => {
      // source:target[:ro]; a source may be a bind mount such as ${DIR:-./tls}, whose default holds a colon.
      const m = /^((?:\$\{[^}]*\}|[^:])+):([^:]+)/.exec(v);
      if (!m) throw new Error(`cannot read volume "${v}" of ${name}`);
      return { volume: m[1]!, mountPath: m[2]! };
    }),
    secrets: s.secrets ?? [],
  };
}

/** The services built from this repository (`build: .`); Temporal's own image builds from deploy/temporal-server. */
export function projectServices(compose: ComposeFile = readCompose()): ProjectService[] {
  return Object.entries(compose.services)
    .filter(([, s]) => s.build === '.')
    .map(([name]) => composeService(name, compose));
}

/** Where the compose file's secrets are on this host: their `file:`, interpolated with the operator's variables. */
export function secretFiles(operatorVars: Record<string, string | undefined>, compose: ComposeFile = readCompose()): Record<string, string> {
  return Object.fromEntries(Object.entries(compose.secrets ?? {}).map(([name, s]) => [name, path.resolve(REPO_ROOT, interpolate(s.file ?? '', operatorVars))]));
}

/**
 * Of those, the ones the drill runs: the workers. The approvers' web inbox (`serve`) is what people click; the
 * drill decides by signal and update as the CLI does, so the inbox adds nothing to what it breaks.
 */
export const drilledServices = (services: ProjectService[]): ProjectService[] => services.filter((s) => s.command[0] === 'worker');

/** Compose interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, $$ for a dollar. */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-|:?\?)([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const v = vars[name!];
    if (op === ':-') return v ? v : arg!;
    if (op === '-') return v ?? arg!;
    if (op === ':?' || op === '?') {
      if (op === ':?' ? !v : v === undefined) throw new Error(`docker-compose.yml needs ${name}: ${arg}`);
      return v!;
    }
    return v ?? '';
  });
}

const isBindMount = (source: string): boolean => /^[.~/$]/.test(source);

/**
 * The environment of one replica: the compose file's variables, interpolated with the drill's operator
 * variables, container paths of named volumes mapped to the drill's directories, of secrets to the files they
 * come from, and service addresses (`temporal:7233`) replaced by where the drill runs them.
 */
export function replicaEnvironment(
  service: ProjectService,
  operatorVars: Record<string, string | undefined>,
  volumeDirs: Record<string, string>,
  serviceAddresses: Record<string, string>,
  secrets: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, raw] of Object.entries(service.environment)) {
    let value = interpolate(raw, operatorVars);
    for (const { volume, mountPath } of service.volumes) {
      // A named volume is the drill's directory; a bind mount is the host path it names.
      const hostDir = isBindMount(volume) ? path.resolve(REPO_ROOT, interpolate(volume, operatorVars)) : volumeDirs[volume];
      if (!hostDir) throw new Error(`the drill has no directory for volume ${volume} of ${service.name}`);
      if (value === mountPath || value.startsWith(`${mountPath}/`)) value = hostDir + value.slice(mountPath.length);
    }
    if (value.startsWith(`${SECRETS_DIR}/`)) {
      const secret = value.slice(SECRETS_DIR.length + 1);
      // In a container the file would simply be missing: say so here instead.
      if (!service.secrets.includes(secret)) throw new Error(`${service.name}'s ${name} reads secret ${secret}, which the service does not mount`);
      if (!secrets[secret]) throw new Error(`the drill has no file for secret ${secret} of ${service.name}`);
      value = secrets[secret];
    }
    for (const [from, to] of Object.entries(serviceAddresses)) if (value === from) value = to;
    env[name] = value;
  }
  return env;
}
