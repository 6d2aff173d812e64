// deploy/temporal-server/Dockerfile builds the image docker-compose.yml runs; `npm run temporal-server` builds the
// binaries the drill and the security tests run. No build machine has a Docker daemon, so the image is never built
// here: these checks keep the two builds the same (module, versions, packages, flags, schema files, configuration),
// so the drill keeps proving what the image runs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_CONFIG_FILE } from '../../scripts/drill/temporal-cluster';
import { readCompose } from '../../scripts/drill/topology';
import { TEMPORAL_CLI_PACKAGE, TEMPORAL_CLI_VERSION } from '../../src/temporal/cli-binary';
import { GO_BUILD_FLAGS, SCHEMA_SOURCE, SERVER_BUILDS, SERVER_SOURCE_DIR, TEMPORAL_SERVER_VERSION } from '../../src/temporal/server-binary';

const dockerfile = readFileSync(path.join(SERVER_SOURCE_DIR, 'Dockerfile'), 'utf8');
const goMod = readFileSync(path.join(SERVER_SOURCE_DIR, 'go.mod'), 'utf8');
const compose = readCompose();
/** The Dockerfile's instructions, continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'));
const runs = instructions.filter((l) => l.startsWith('RUN ')).join('\n');

describe('the Temporal server image is what the drill builds', () => {
  it('builds the same module with the Go version go.mod names, without cgo', () => {
    const goVersion = /^go (\S+)$/m.exec(goMod)![1];
    expect(instructions[0]).toMatch(new RegExp(`^FROM golang:${goVersion!.replace(/\./g, '\\.')}-\\S+ AS build$`));
    expect(goMod).toMatch(new RegExp(`^\\s*go\\.temporal\\.io/server v${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')}$`, 'm'));
    // The build context is deploy/temporal-server: go.mod and go.sum pin every module for both builds.
    expect(instructions).toContain('COPY go.mod go.sum ./');
    expect(instructions).toContain('ENV CGO_ENABLED=0');
  });

  it('builds the same packages with the same flags', () => {
    for (const b of SERVER_BUILDS) expect(runs).toContain(`go build ${GO_BUILD_FLAGS.join(' ')} -o /out/${b.output} ${b.pkg}`);
    // Nothing else is built from this module.
    expect(runs.match(/go build /g)).toHaveLength(SERVER_BUILDS.length);
  });

  it('adds the Temporal CLI at the version the project caches', () => {
    expect(instructions).toContain(`ARG TEMPORAL_CLI_VERSION=${TEMPORAL_CLI_VERSION}`);
    expect(runs).toContain(`go install "${TEMPORAL_CLI_PACKAGE}@v\${TEMPORAL_CLI_VERSION}"`);
  });

  it("puts the server module's PostgreSQL schemas where the compose file's schema job reads them", () => {
    expect(runs).toContain(`cp -r "$(go list -m -f '{{.Dir}}' go.temporal.io/server)/${SCHEMA_SOURCE}" /out/postgresql`);
    expect(instructions).toContain('COPY --from=build /out/postgresql /etc/temporal/schema/postgresql');
    const script = (compose.services['temporal-schema']!.command ?? []).join('\n');
    expect(script).toContain('"/etc/temporal/schema/postgresql/v12/$$dir/versioned"');
  });

  it("ships the drill's configuration and starts as compose starts it", () => {
    expect(path.relative(SERVER_SOURCE_DIR, path.dirname(SERVER_CONFIG_FILE))).toBe('config');
    expect(instructions).toContain('COPY config /etc/temporal/config');
    const cmd = JSON.parse(/^CMD (.*)$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd).toEqual(compose.services.temporal!.command);
    expect(instructions).toContain('ENTRYPOINT ["temporal-server"]');
    // The dynamic configuration the template defaults to is the one in the image.
    expect(readFileSync(SERVER_CONFIG_FILE, 'utf8')).toContain('"/etc/temporal/config/dynamicconfig.yaml"');
  });

  it('is tagged with the server version, one tag for the schema job, the server and the namespace job', () => {
    const images = ['temporal-schema', 'temporal', 'temporal-namespace'].map((n) => compose.services[n]!.image);
    expect(new Set(images)).toEqual(new Set([`m365-license-temporal-server:${TEMPORAL_SERVER_VERSION}`]));
  });
});
