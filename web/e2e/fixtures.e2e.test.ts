// The workspace against the fixture server (no backend needed): every main
// page in English and Japanese at 1280×800 and on a phone (390×844), the
// delivery-problem panel, the events log with the email sent, suspended
// actions, and no request leaving the origin.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, remoteRequests, setLanguage, shot, type Browser } from './browser';
import { startFixtureServer, type FixtureServer } from './fixture_server';

let server: FixtureServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startFixtureServer(resolve(process.cwd(), 'dist'));
  browser = await launch();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn() {
  await page.goto(`${server.url}/agent/tickets/1`);
  await page.getByLabel('Email').fill('admin@support.example');
  await page.getByLabel('Password').fill('secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/agent\/tickets\/1$/);
}

describe('workspace on fixtures', () => {
  it('signs in and returns to the page asked for', async () => {
    await page.goto(`${server.url}/`);
    await setLanguage(page, 'en');
    await page.reload();
    await page.getByLabel('Password').fill('x');
    await shot(page, 'fixture-signin-en');
    await signIn();
    await page.getByRole('heading', { name: 'Printer is on fire' }).waitFor();
  });

  it('shows the delivery problem and why', async () => {
    const button = page.getByRole('button', { name: 'Delivery problem: reject-bob@customer.example' });
    await button.click();
    const panel = page.getByRole('region', { name: 'Why this email was not delivered' });
    await panel.getByText('Recipient address rejected: User unknown').first().waitFor();
    await panel.getByText('5.1.1', { exact: true }).waitFor();
    await shot(page, 'fixture-ticket-problem-en');
    await panel.getByRole('button', { name: 'Mark as deliverable' }).click();
    await panel.getByText('Marked as deliverable.').waitFor();
    await page.getByRole('button', { name: 'Delivery problem: defer-dan@customer.example' }).isVisible();
  });

  it('works from the keyboard: Enter opens the explanation, Escape closes it', async () => {
    await page.goto(`${server.url}/agent/tickets/1`);
    const button = page.getByRole('button', { name: 'Delivery problem: reject-bob@customer.example' });
    await button.focus();
    await page.keyboard.press('Enter');
    const panel = page.getByRole('region', { name: 'Why this email was not delivered' });
    await panel.waitFor();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await button.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('switches the reply box to an internal note', async () => {
    await page.getByRole('radio', { name: 'Internal note' }).check();
    await page.getByLabel('Internal note text').fill('Only for agents.');
    await page.getByRole('radio', { name: 'Public reply' }).check();
    await page.getByLabel('CC').waitFor();
  });

  it('keeps remote images blocked until asked', async () => {
    expect(remoteRequests(browser.requests, server.url)).toEqual([]);
    const frames = page.frames().filter((f) => f !== page.mainFrame());
    expect(frames.length).toBeGreaterThan(0);
  });

  it('shows the events log with triggers and the email sent', async () => {
    await page.getByRole('link', { name: 'Show events' }).click();
    await page.getByRole('heading', { name: 'Events of ticket #1' }).waitFor();
    await page.getByText('Sent by trigger “Notify requester and CCs of received request”').first().waitFor();
    await page.getByRole('button', { name: 'Show the email sent' }).first().click();
    await page.getByText('In-Reply-To: <c1@customer.example>').waitFor();
    await shot(page, 'fixture-events-en');
  });

  it('lists views, sorts, and lists suspended mail with actions', async () => {
    await page.getByRole('link', { name: /All open tickets/ }).click();
    await page.getByRole('heading', { name: 'All open tickets' }).waitFor();
    await page.getByRole('button', { name: 'Sort by Subject' }).click();
    await page.waitForURL(/sort_by=subject/);
    await shot(page, 'fixture-view-en');
    await page.getByRole('link', { name: /Suspended tickets/ }).click();
    await page.getByRole('checkbox', { name: 'Select all on this page' }).waitFor();
    await shot(page, 'fixture-suspended-en');
    await page.getByRole('link', { name: 'Cheap watches!!!' }).click();
    await page.getByRole('button', { name: 'Recover' }).waitFor();
    await shot(page, 'fixture-suspended-item-en');
    await page.getByRole('button', { name: 'Recover' }).click();
    await page.getByText('Recovered as ticket #77.').waitFor();
  });

  it('renders every page in Japanese', async () => {
    await setLanguage(page, 'ja');
    for (const [name, path, heading] of [
      ['view', '/agent/views/all_open', 'すべての未解決チケット'],
      ['ticket', '/agent/tickets/1', 'Printer is on fire'],
      ['events', '/agent/tickets/1/events', 'チケット #1 のイベント'],
      ['suspended', '/agent/suspended', '停止中のチケット'],
      ['search', '/agent/search?q=%E8%AB%8B%E6%B1%82', '「請求」の検索結果'],
    ] as const) {
      await page.goto(server.url + path);
      await page.getByRole('heading', { name: heading }).first().waitFor();
      if (name === 'ticket') await page.getByRole('button', { name: '配信の問題: reject-bob@customer.example' }).click();
      await shot(page, `fixture-${name}-ja`);
    }
  });

  it('works on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/agent/tickets/1`);
    await page.getByRole('button', { name: '配信の問題: reject-bob@customer.example' }).click();
    await shot(page, 'fixture-ticket-phone-ja');
    await setLanguage(page, 'en');
    await page.goto(`${server.url}/agent/views/all_open`);
    await page.getByRole('heading', { name: 'All open tickets' }).waitFor();
    await shot(page, 'fixture-view-phone-en');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(browser.dialogs).toEqual([]);
    console.log(browser.console.join('\n'));
    expect(remoteRequests(browser.requests, server.url)).toEqual([]);
  });
});
