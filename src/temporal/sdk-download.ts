// The SDK's own dev-server download, for machines with internet and no Go toolchain.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';

/** Lets the SDK download the CLI into `downloadDir` (it starts a server to do so), then returns the binary's path. */
export async function ephemeralServer(downloadDir: string): Promise<string> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', downloadDir } },
  });
  await env.teardown();
  const candidates = readdirSync(downloadDir)
    .filter((f) => f.startsWith('temporal'))
    .map((f) => path.join(downloadDir, f))
    .filter((f) => statSync(f).isFile() && (statSync(f).mode & 0o111) !== 0);
  const found = candidates[0];
  if (!found) throw new Error(`The SDK download left no temporal binary in ${downloadDir}`);
  return found;
}
