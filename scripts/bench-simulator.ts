// Measures the simulator: users/s served for a full /users page walk and report rows/s for a full CSV download,
// with peak RSS, for 100k and 1M users. Run: node --import tsx scripts/bench-simulator.ts [sizes...]
import { Agent, request } from 'undici';
import { startSimulator } from '../src/simulator/index';

let peak = 0;
const sample = (): void => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const timer = setInterval(sample, 50);
const mb = (n: number): string => `${(n / 1048576).toFixed(0)} MB`;

async function bench(users: number): Promise<void> {
  peak = 0;
  const sim = await startSimulator({ users, seed: 1 });
  const agent = new Agent({ connect: { ca: sim.caPem }, pipelining: 1 });
  const tok = await request(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' }).toString(),
  });
  const auth = { authorization: `Bearer ${((await tok.body.json()) as { access_token: string }).access_token}` };

  let t = performance.now();
  let url: string | undefined = `${sim.graphUrl}/v1.0/users?$select=id,userPrincipalName,displayName,mail,accountEnabled,userType,createdDateTime,department,jobTitle,usageLocation,assignedLicenses,licenseAssignmentStates&$top=999`;
  let n = 0;
  let bytes = 0;
  while (url) {
    const r = await request(url, { dispatcher: agent, headers: auth });
    const text = await r.body.text();
    bytes += text.length;
    const p = JSON.parse(text) as { value: unknown[]; '@odata.nextLink'?: string };
    n += p.value.length;
    url = p['@odata.nextLink'];
  }
  const walkS = (performance.now() - t) / 1000;
  console.log(`${users} users  page walk: ${n} users in ${walkS.toFixed(2)} s = ${Math.round(n / walkS)} users/s (${mb(bytes)} JSON)`);

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
      for (let k = 0; k < b.length; k++) if (b[k] === 10) rows++;
    }
    const s = (performance.now() - t) / 1000;
    console.log(`${users} users  ${fn.split('(')[0]}: ${rows - 1} rows in ${s.toFixed(2)} s = ${Math.round((rows - 1) / s)} rows/s (${mb(size)} CSV)`);
  }
  sample();
  console.log(`${users} users  peak RSS ${mb(peak)}`);
  await agent.close();
  await sim.close();
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
for (const s of sizes.length ? sizes : [100_000, 1_000_000]) await bench(s);
clearInterval(timer);
