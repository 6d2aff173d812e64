// Child process for the history tests: loads a staging directory and SIGKILLs itself right after the named load
// step (e.g. "write partitions": files written, nothing committed). argv: <workDb> <stagingDir> <step>.
import { loadStagingDir } from '../../src/warehouse/index';

const [workDbPath, stagingDir, dieAfter] = process.argv.slice(2);
await loadStagingDir({
  historyDays: 0,
  workDbPath: workDbPath!,
  stagingDir: stagingDir!,
  onStep: (step) => {
    if (step === dieAfter) process.kill(process.pid, 'SIGKILL');
  },
});
process.stdout.write('load finished without being killed\n');
