// A process that tries for the writer lock of one database when told to ("go" on stdin), says whether it won, and
// holds what it won until its stdin closes. The race test starts many at once.
import { acquireWriterLock } from '../../src/warehouse/db/writer-lock';

const [dbFile] = process.argv.slice(2);
process.stdout.write('ready\n');
process.stdin.setEncoding('utf8');
let started = false;
process.stdin.on('data', (chunk: string) => {
  if (started || !chunk.includes('go')) return;
  started = true;
  acquireWriterLock(dbFile!).then(
    () => process.stdout.write('won\n'),
    (err: Error) => process.stdout.write(`lost ${err.name}\n`),
  );
});
process.stdin.on('end', () => process.exit(0));
