// `m365-license temporal-certs` makes the files docker-compose.yml mounts as Temporal's secrets: a CA, the server's
// certificate for the names clients dial, and one client certificate per role with the unit the server's authorizer
// reads. The drill and the security tests run the real server on certificates from the same code.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { secretFiles } from '../../scripts/drill/topology';
import { TEMPORAL_ROLES } from '../../src/temporal/pki';

const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'temporal-certs-'));
const dir = path.join(tmp, 'temporal-tls');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, 'temporal-certs', ...args], { encoding: 'utf8', timeout: 60_000, cwd: tmp, env: { PATH: process.env.PATH, HOME: tmp } });
const cert = (name: string) => new X509Certificate(readFileSync(path.join(dir, name)));
const modeOf = (name: string) => statSync(path.join(dir, name)).mode & 0o777;

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('m365-license temporal-certs', () => {
  it("writes the CA, the server's certificate and one per role, as compose's secrets name them", () => {
    const r = cli('--out', './temporal-tls', '--server-name', 'temporal.example.net', '--days', '30');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Wrote to ${dir} (valid 30 days)`);
    for (const [secret, file] of Object.entries(secretFiles({ TEMPORAL_TLS_DIR: dir }))) expect(existsSync(file), secret).toBe(true);
    const ca = cert('ca.pem');
    expect(ca.ca).toBe(true);
    const server = cert('server.pem');
    expect(server.verify(ca.publicKey)).toBe(true);
    for (const host of ['temporal', 'localhost', 'temporal.example.net']) expect(server.checkHost(host), host).toBe(host);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    // The server's certificate has no role: a stolen server key is no client of any kind.
    expect(server.subject).not.toContain('OU=');
    for (const role of TEMPORAL_ROLES) {
      const c = cert(`${role}.pem`);
      expect(c.verify(ca.publicKey), role).toBe(true);
      expect(c.subject.split('\n'), role).toContain(`OU=${role}`);
      expect(c.checkHost('temporal'), role).toBeUndefined();
      expect(modeOf(`${role}-key.pem`), role).toBe(0o600);
      expect(modeOf(`${role}.pem`), role).toBe(0o644);
    }
    expect(modeOf('ca-key.pem')).toBe(0o600);
    expect(modeOf('server-key.pem')).toBe(0o600);
    const days = (new Date(server.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
  }, 60_000);

  it('refuses to make a second CA over the first (exit 2), and changes nothing', () => {
    const before = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    const r = cli('--out', './temporal-tls');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('already holds a Temporal CA');
    expect(readFileSync(path.join(dir, 'ca.pem'), 'utf8')).toBe(before);
  }, 60_000);

  it("adds a person's certificate from the same CA, never outliving it", () => {
    const r = cli('--out', './temporal-tls', '--client', 'people', '--name', 'alice.host');
    expect(r.status, r.stderr).toBe(0);
    const c = cert('m365-people-alice.host.pem');
    expect(c.verify(cert('ca.pem').publicKey)).toBe(true);
    expect(c.subject.split('\n')).toEqual(['CN=alice.host', 'OU=m365-people']);
    // Asked for 365 days; the CA ends after 30.
    expect(new Date(c.validTo).getTime()).toBeLessThanOrEqual(new Date(cert('ca.pem').validTo).getTime());
    expect(modeOf('m365-people-alice.host-key.pem')).toBe(0o600);
  }, 60_000);

  it('says what is wrong with bad options, exit 2', () => {
    const files = readdirSync(dir).sort();
    const cases: Array<[string[], string]> = [
      [['--client', 'admins', '--name', 'x'], '--client needs one of workers, people, operators'],
      [['--client', 'people'], '--client needs --name'],
      [['--client', 'people', '--name', '../escape'], '--client needs --name'],
      [['--days', '0'], '--days must be a whole number from 1 to 3650'],
    ];
    for (const [args, message] of cases) {
      const r = cli('--out', './temporal-tls', ...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    const none = cli('--out', './elsewhere', '--client', 'workers', '--name', 'w2');
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('holds no CA');
    expect(readdirSync(dir).sort()).toEqual(files);
  }, 60_000);
});
