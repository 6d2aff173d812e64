// Replays histories exported with `temporal workflow show --output json`: a change that breaks
// determinism of a recorded workflow makes this fail. Recorded by scripts/record-history.ts, one per scenario of
// scripts/history-scenarios.ts, among them every state an execution can be parked in at a deploy (see
// src/workflows/README.md); histories recorded by older code stay, to prove it still replays.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { describe, expect, it, inject } from 'vitest';
import { scenarios } from '../../scripts/history-scenarios';

const dir = path.join(import.meta.dirname, '..', 'fixtures', 'histories');

interface HistoryJson {
  events: Array<{
    eventType: string;
    workflowExecutionStartedEventAttributes?: { workflowType: { name: string } };
    markerRecordedEventAttributes?: { markerName: string; details: Record<string, { payloads: Array<{ data: string }> }> };
  }>;
}
const read = (file: string): HistoryJson => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as HistoryJson;
const workflowType = (file: string): string | undefined => read(file).events[0]?.workflowExecutionStartedEventAttributes?.workflowType.name;
/** The patch ids a history recorded (core_patch markers, in order). */
const patchIds = (file: string): string[] =>
  read(file)
    .events.flatMap((e) => (e.markerRecordedEventAttributes?.markerName === 'core_patch' ? [e.markerRecordedEventAttributes] : []))
    .map((m) => (JSON.parse(Buffer.from(m.details['patch-data']!.payloads[0]!.data, 'base64').toString('utf8')) as { id: string }).id);

describe('replay of recorded histories', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has a recorded history for every scenario, parked ones included', () => {
    expect(files).toEqual(expect.arrayContaining(Object.keys(scenarios).map((n) => `${n}.json`)));
    expect(files).toEqual(expect.arrayContaining(['reclaimAwaitingApproval.json', 'reclaimApprovedMidRemoval.json', 'dailySyncMidExtract.json', 'restoreAwaitingApproval.json']));
  });

  it("covers both sides of the scheduled run's patch: one history with its marker, one from before it", () => {
    expect(patchIds('scheduledDailySync.json')).toEqual(['snapshot-date-from-scheduled-start']);
    expect(patchIds('scheduledDailySync.before-scheduled-start-patch.json')).toEqual([]);
    for (const f of ['scheduledDailySync.json', 'scheduledDailySync.before-scheduled-start-patch.json']) {
      expect(workflowType(f)).toBe('scheduledDailySync');
    }
  });

  for (const file of files) {
    it(`replays ${file} with the current workflow code`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      const workflowId = file.replace(/\.json$/, '');
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);
    });
  }
});
