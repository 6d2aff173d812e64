// Measures the simulator: users/s served for a full /users page walk and rows/s for full report CSV downloads,
// with the simulator's peak RSS, for 100k and 1M users. The simulator runs in a child process so the client's
// parsing does not share its CPU or heap. Run: node --import tsx scripts/bench-simulator.ts [sizes...]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startSimulator } from '../src/simulator/index';

const mb = (n: number): string => `${(n / 1048576).toFixed(0)} MB`;

interface Info {
  authorityHost: string;
  graphUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caPem: string;
}

async function serve(users: number): Promise<void> {
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  setInterval(sample, 20).unref();
  const sim = await startSimulator({ users, seed: 1 });
  const info: Info = { authorityHost: sim.authorityHost, graphUrl: sim.graphUrl, tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret, caPem: sim.caPem };
  process.stdout.write(JSON.stringify(info) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    sample();
    if (line === 'rss') process.stdout.write(JSON.stringify({ peak, rss: process.memoryUsage().rss }) + '\n');
    if (line === 'quit') break;
  }
  await sim.close();
  process.exit(0);
}

async function bench(users: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', String(users)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => JSON.parse(((await lines.next()).value as string) ?? 'null') as T;
  const sim = await next<Info>();
  const agent = new Agent({ connect: { ca: sim.caPem } });
  const tok = await request(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
  });
  const auth = { authorization: `Bearer ${((await tok.body.json()) as { access_token: string }).access_token}` };

  let t = performance.now();
  let url: string | undefined =
    `${sim.graphUrl}/v1.0/users?$select=id,userPrincipalName,displayName,mail,accountEnabled,userType,createdDateTime,department,jobTitle,usageLocation,assignedLicenses,licenseAssignmentStates&$top=999`;
  let n = 0;
  let bytes = 0;
  while (url) {
    const r = await request(url, { dispatcher: agent, headers: auth });
    const text = await r.body.text();
    bytes += text.length;
    // Find the nextLink without parsing the whole page (the client's cost is not what we measure).
    const m = /"@odata\.nextLink":"([^"]+)"/.exec(text.slice(0, 2000));
    n += text.split('"userPrincipalName":').length - 1;
    url = m?.[1];
  }
  const walkS = (performance.now() - t) / 1000;
  console.log(`${users} users  /users page walk ($top=999, 12 properties): ${n} users in ${walkS.toFixed(2)} s = ${Math.round(n / walkS)} users/s (${mb(bytes)} JSON)`);

  for (const fn of ["getOffice365ActiveUserDetail(period='D7')", "getEmailActivityUserDetail(period='D30')"]) {
    t = performance.now();
    const r = await request(`${sim.graphUrl}/v1.0/reports/${fn}`, { dispatcher: agent, headers: auth });
    await r.body.dump();
    const d = await request(String(r.headers.location), { dispatcher: agent });
    let rows = 0;
    let size = 0;
    for await (const chunk of d.body) {
      const b = chunk as Buffer;
      size += b.length;
      for (let k = b.indexOf(10); k >= 0; k = b.indexOf(10, k + 1)) rows++;
    }
    const s = (performance.now() - t) / 1000;
    console.log(`${users} users  ${fn.split('(')[0]} CSV: ${rows - 1} rows in ${s.toFixed(2)} s = ${Math.round((rows - 1) / s)} rows/s (${mb(size)})`);
  }
  child.stdin.write('rss\n');
  const mem = await next<{ peak: number; rss: number }>();
  console.log(`${users} users  simulator peak RSS ${mb(mem.peak)}`);
  child.stdin.write('quit\n');
  await agent.close();
  await new Promise((r) => child.once('exit', r));
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) await serve(Number(process.argv[serveAt + 1]));
else {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((x) => x > 0);
  for (const s of sizes.length ? sizes : [100_000, 1_000_000]) await bench(s);
}
