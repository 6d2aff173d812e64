// Headless Chromium from the OS packages (playwright-core) for the web inbox's browser tests: launched to trust
// exactly the simulator's server key (never TLS verification off), and an approver signed in through the
// simulator's authorize page (authorization code flow with PKCE), as a person would.
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:tls';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { RunningWebServer } from '../../src/web/server';
import type { PipelineFixture } from './pipeline';
import type { People, Person } from './reclaim-people';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The simulator's server key, read over TLS verified against its CA, for Chromium to trust exactly that key. */
async function simulatorSpki(authorityHost: string, caPem: string): Promise<string> {
  const u = new URL(authorityHost);
  const cert = await new Promise<X509Certificate>((resolve, reject) => {
    const s = connect({ host: u.hostname === 'localhost' ? '127.0.0.1' : u.hostname, port: Number(u.port), servername: u.hostname, ca: caPem }, () => {
      const c = s.getPeerX509Certificate();
      s.end();
      if (c) resolve(c);
      else reject(new Error('no peer certificate'));
    });
    s.once('error', reject);
  });
  return createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
}

/** Chromium trusting the simulator's key; fails with what to do when Chromium is not installed. */
export async function launchChromium(p: PipelineFixture): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (Debian) or set CHROMIUM_PATH.`);
  const spki = await simulatorSpki(p.sim.authorityHost, p.sim.caPem);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', `--ignore-certificate-errors-spki-list=${spki}`] });
}

export interface BrowserWorld {
  p: PipelineFixture;
  people: People;
  web: RunningWebServer;
  browser: Browser;
  /** Console errors and uncaught page errors of every page opened through `newPage`. */
  consoleErrors: string[];
}

/** A fresh context (no cookies) with a page whose console errors are collected. */
export async function newPage(w: BrowserWorld): Promise<{ context: BrowserContext; page: Page }> {
  const context = await w.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && w.consoleErrors.push(m.text()));
  page.on('pageerror', (e) => w.consoleErrors.push(e.message));
  return { context, page };
}

/** A browser context signed in to the inbox as `who` through the simulator's authorize page. */
export async function signIn(w: BrowserWorld, who: Person): Promise<{ context: BrowserContext; page: Page }> {
  const { p, people, web } = w;
  const { context, page } = await newPage(w);
  await page.goto(`${web.url}/`);
  // Not signed in: sent to the authority's sign-in page.
  expect(page.url()).toContain(`${p.sim.authorityHost}/${p.sim.tenantId}/oauth2/v2.0/authorize`);
  expect(page.url()).toContain('code_challenge_method=S256');
  await page.getByLabel(people.upn(who)).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${web.url}/`);
  await expect.poll(() => page.locator('header .who').textContent()).toContain(p.sim.state.userAt(p.sim.state.indexOf(people.id(who))).displayName);
  const session = (await context.cookies()).find((c) => c.name === 'm365_session');
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  // No script on the page at all (the CSP would refuse inline script anyway).
  expect(await page.locator('script').count()).toBe(0);
  return { context, page };
}
