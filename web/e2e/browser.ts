// Starts Debian's chromium through playwright-core with a fresh profile,
// and records every request a page makes so tests can prove nothing
// remote was loaded.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const SCREENSHOTS = join(process.cwd(), 'e2e', 'screenshots');

export interface Browser {
  context: BrowserContext;
  requests: string[];
  dialogs: string[];
  console: string[];
  close: () => Promise<void>;
}

export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'postdesk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'Asia/Tokyo',
  });
  const requests: string[] = [];
  const dialogs: string[] = [];
  const consoleMessages: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  context.on('page', (p) => watch(p, dialogs, consoleMessages));
  for (const p of context.pages()) watch(p, dialogs, consoleMessages);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    requests,
    dialogs,
    console: consoleMessages,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function watch(page: Page, dialogs: string[], consoleMessages: string[]) {
  page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
}

// Requests that left the app's origin (data: and about: are local).
export function remoteRequests(requests: string[], origin: string): string[] {
  return requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('about:') && !u.startsWith('blob:'));
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

export async function setLanguage(page: Page, lang: 'en' | 'ja'): Promise<void> {
  await page.evaluate((l) => localStorage.setItem('postdesk.lang', l), lang);
}
