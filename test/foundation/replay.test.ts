// Replays histories exported with `temporal workflow show --output json`: a change that breaks
// determinism of a recorded workflow makes this fail.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { describe, expect, it, inject } from 'vitest';

const dir = path.join(import.meta.dirname, '..', 'fixtures', 'histories');

describe('replay of recorded histories', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(`replays ${file} with the current workflow code`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      const workflowId = file.replace(/\.json$/, '');
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);
    });
  }
});
