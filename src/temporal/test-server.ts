// Finds Temporal's time-skipping test server (the server behind TestWorkflowEnvironment.createTimeSkipping, which
// fires workflow timers without waiting for them) without the internet: $TEMPORAL_TEST_SERVER, a per-user cache
// shared by every clone, a build of the official io.temporal:temporal-test-server from Maven Central run on the
// JVM (`mvn` and `java`), and only then the SDK's own download of the native binary (needs temporal.download).
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEST_SERVER_VERSION = '1.38.0';

export type TestServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

export function testServerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'm365-license-pipeline', `temporal-test-server-${TEST_SERVER_VERSION}`);
}

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const has = (cmd: string): boolean => spawnSync(cmd, ['-version'], { stdio: 'ignore' }).status === 0 || spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

/** Downloads the test server's jars with Maven into the cache and writes a launcher; returns its path. */
export function buildTestServerFromMaven(env: NodeJS.ProcessEnv = process.env): string {
  const dir = testServerCacheDir(env);
  const launcher = path.join(dir, 'temporal-test-server');
  const work = mkdtempSync(path.join(os.tmpdir(), 'temporal-test-server-'));
  try {
    writeFileSync(
      path.join(work, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>local</groupId>` +
        `<artifactId>fetch-temporal-test-server</artifactId><version>1</version><dependencies><dependency><groupId>io.temporal</groupId>` +
        `<artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency></dependencies></project>\n`,
    );
    mkdirSync(dir, { recursive: true });
    const r = spawnSync('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(dir, 'lib')}`], { cwd: work, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error('mvn could not fetch io.temporal:temporal-test-server (needs Maven Central)');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(
    launcher,
    `#!/bin/sh\n# Temporal's time-skipping test server on the JVM (io.temporal:temporal-test-server ${TEST_SERVER_VERSION}).\nexec java -cp "${path.join(dir, 'lib')}/*" io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(launcher, 0o755);
  return launcher;
}

/** What to give TestWorkflowEnvironment.createTimeSkipping({ server: { executable } }). */
export function findTestServer(env: NodeJS.ProcessEnv = process.env): TestServerExecutable {
  if (env.TEMPORAL_TEST_SERVER) return { type: 'existing-path', path: env.TEMPORAL_TEST_SERVER };
  const cached = path.join(testServerCacheDir(env), 'temporal-test-server');
  if (executable(cached)) return { type: 'existing-path', path: cached };
  if (has('mvn') && has('java')) return { type: 'existing-path', path: buildTestServerFromMaven(env) };
  return { type: 'cached-download' };
}
