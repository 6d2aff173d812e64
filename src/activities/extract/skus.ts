// extractSkus: the tenant's subscribed SKUs, copied as Graph returned them into the run's staging directory.
import { mkdir } from 'node:fs/promises';
import { withActivityGraph } from '../graph-context';
import { sha256OfFiles, writeFileAtomic } from '../staging-files';
import { runStagingDir, skusFile } from '../staging-layout';
import type { ExtractDeps, ExtractInput, StagedFile } from './types';

export function createExtractSkus(deps: Pick<ExtractDeps, 'dataDir' | 'graphFor'>) {
  return async function extractSkus(input: ExtractInput): Promise<StagedFile> {
    const runDir = runStagingDir(deps.dataDir, input.tenantId, input.runId);
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    const body = await withActivityGraph(deps.graphFor, input.tenantId, (graph) => graph.getJsonText('/v1.0/subscribedSkus'));
    const parsed = JSON.parse(body) as { value?: unknown[] };
    const file = skusFile(runDir);
    await writeFileAtomic(file, body);
    const { sha256, bytes } = await sha256OfFiles([file]);
    return { path: file, count: parsed.value?.length ?? 0, bytes, sha256 };
  };
}
