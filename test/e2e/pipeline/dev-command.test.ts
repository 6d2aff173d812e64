// `npm start` in a test: the dev command against the run's Temporal server, then the plain temporal CLI
// must list the workflow it ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, inject } from 'vitest';
import { temporalAddress, uniqueName } from '../../support/temporal';

const root = path.join(import.meta.dirname, '..', '..', '..');

describe('m365-license dev (what npm start runs)', () => {
  it('runs a dailySync on the simulator, prints the summary, and the run is visible to `temporal workflow list`', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'm365-dev-'));
    // Its own task queues: other test files start workflows on the shared server too.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_TASK_QUEUE: uniqueName('dev'),
      M365_DATA_DIR: dataDir,
    };
    for (const k of ['M365_TENANT_ID', 'M365_CLIENT_ID', 'M365_CLIENT_SECRET', 'M365_DB', 'M365_TENANTS_FILE']) delete env[k];
    const run = spawnSync(process.execPath, [path.join(root, 'bin', 'm365-license.mjs'), 'dev'], { env, encoding: 'utf8', timeout: 240_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/users 10000, licensed \d+/);
    expect(run.stdout).toMatch(/inactive licensed users: \d+/);
    expect(run.stdout).toContain('FROM license_utilization');
    const workflowId = /Workflow: (daily-\S+)/.exec(run.stdout)?.[1];
    expect(workflowId).toBeDefined();
    const list = spawnSync(inject('temporalCli'), ['workflow', 'list', '--address', temporalAddress(), '--query', `WorkflowId = '${workflowId}'`], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(workflowId);
    expect(list.stdout).toMatch(/Completed/i);
  });
});
