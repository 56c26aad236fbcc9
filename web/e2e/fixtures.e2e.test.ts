// The workspace against the fixture server (no backend needed): every main
// page in English and Japanese at 1280×800 and on a phone (390×844), the
// delivery-problem panel, the events log with the email sent, suspended
// actions, and no request leaving the origin.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, remoteRequests, setLanguage, shot, type Browser } from './browser';
import { startFixtureServer, type FixtureServer } from './fixture_server';
import * as fx from '../src/test/fixtures';

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

  it('admin: triggers — filter, search, select, deactivate, reorder, clone, delete, restore', async () => {
    await setLanguage(page, 'en');
    await page.goto(`${server.url}/agent/views/all_open`);
    const adminNav = page.getByRole('navigation').getByRole('link', { name: 'Triggers' });
    await adminNav.click();
    await page.getByRole('heading', { name: 'Triggers', level: 1 }).waitFor();
    await page.getByText('5 triggers').waitFor();
    await shot(page, 'fixture-admin-triggers-en');
    await page.getByRole('button', { name: 'Inactive', exact: true }).click();
    await page.waitForURL(/show=inactive/);
    await page.getByText('1 of 5 triggers shown').waitFor();
    await page.getByRole('button', { name: 'All', exact: true }).click();
    await page.getByRole('searchbox', { name: 'Search by title' }).fill('Notify requester');
    await page.getByText('3 of 5 triggers shown').waitFor();
    await page.getByRole('checkbox', { name: 'Select all shown' }).check();
    await page.getByText('3 selected').waitFor();
    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    await page.getByText('1 trigger activated.').waitFor();
    await page.getByRole('checkbox', { name: 'Select “Notify requester and CCs of comment update”' }).check();
    await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await page.getByText('1 trigger deactivated.').waitFor();
    await page.getByRole('searchbox', { name: 'Search by title' }).fill('');
    await page.getByRole('button', { name: 'Move “Notify requester and CCs of comment update” up' }).click();
    await page.getByText('Moved “Notify requester and CCs of comment update”.').waitFor();
    const titles = await page.locator('table.triggers tbody td.col-subject a').allTextContents();
    expect(titles.slice(0, 3)).toEqual(['Notify requester and CCs of received request', 'Notify requester and CCs of comment update', 'Notify requester of new proactive ticket']);
    await page.getByRole('button', { name: 'Clone “Tag VIP customers”' }).click();
    await page.getByText('Created “Copy of Tag VIP customers”.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Delete “Copy of Tag VIP customers”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this trigger?' });
    await dialog.waitFor();
    await shot(page, 'fixture-admin-trigger-delete-en');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Delete “Copy of Tag VIP customers”' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Deleted “Copy of Tag VIP customers”.').waitFor();
    // Standard triggers: changed (with the difference) and missing, restored.
    const defaults = page.getByRole('region', { name: 'Standard triggers' });
    await defaults.getByText('What differs from the shipped trigger').waitFor();
    await defaults.getByRole('button', { name: 'Restore “Notify assignee of assignment”' }).click();
    await page.getByText('Restored “Notify assignee of assignment” as shipped.').waitFor();
    await defaults.getByRole('button', { name: 'Restore “Notify requester of new proactive ticket”' }).click();
    await page.getByRole('dialog', { name: 'Restore this standard trigger?' }).getByRole('button', { name: 'Restore' }).click();
    await page.getByText('Restored “Notify requester of new proactive ticket” as shipped.').waitFor();
    await defaults.scrollIntoViewIfNeeded();
    await shot(page, 'fixture-admin-defaults-en');
  });

  it('admin: the trigger editor checks, shows the 422, saves, and shows the history', async () => {
    await page.goto(`${server.url}/admin/triggers/3`);
    await page.getByRole('heading', { name: 'Notify requester and CCs of comment update', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.locator('.revision-action', { hasText: 'Deactivated' }).first().waitFor();
    await shot(page, 'fixture-admin-trigger-en');
    // Client-side checks: an operator the field does not take.
    await page.getByLabel('ALL condition 1: field').selectOption('current_tags');
    await page.getByLabel('ALL condition 1: value').fill('vip');
    await page.getByRole('button', { name: '+ Add ANY condition' }).click();
    await page.getByLabel('ANY condition 1: field').selectOption('subject_includes_word');
    await page.getByLabel('ANY condition 1: value').fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('conditions.any[0]: a value is required').waitFor();
    await page.getByRole('button', { name: 'Remove ANY condition 1' }).click();
    // The server's 422 (the fixture refuses a title with "invalid").
    await page.getByLabel('Title').fill('An invalid trigger');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('conditions.all[0]: unknown field "no_such_field"').waitFor();
    await shot(page, 'fixture-admin-trigger-422-en');
    await page.getByLabel('Title').fill('Notify requester and CCs of comment update');
    await page.getByLabel('Action 1: email subject').fill('Re: {{ticket.title}} {{ticket.nope}}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByText('actions[0]: unknown placeholder {{ticket.nope}}', { exact: false }).first().waitFor();
    await page.getByText('unknown placeholder actions[0]: ticket.nope').waitFor();
    await page.locator('.revision-action', { hasText: 'Changed' }).first().waitFor();
    await page.getByRole('heading', { name: 'History' }).scrollIntoViewIfNeeded();
    await shot(page, 'fixture-admin-trigger-history-en');
    // A new trigger.
    await page.goto(`${server.url}/admin/triggers/new`);
    await page.getByRole('heading', { name: 'New trigger' }).waitFor();
    await page.getByLabel('Title').fill('Tell the team');
    await page.getByLabel('Action 1: field').selectOption('current_tags');
    await page.getByLabel('Action 1: value').fill('team');
    await page.getByRole('button', { name: 'Create trigger' }).click();
    await page.waitForURL(/\/admin\/triggers\/\d+$/);
    await page.getByRole('heading', { name: 'Tell the team', level: 1 }).waitFor();
    await page.locator('.revision-action', { hasText: 'Created' }).first().waitFor();
  });

  it('admin: the doctor on the ticket page applies a fix and runs again', async () => {
    // Make the fixture's trigger 3 inactive again.
    await page.goto(`${server.url}/admin/triggers?q=comment%20update`);
    const box = page.getByRole('checkbox', { name: 'Select “Notify requester and CCs of comment update”' });
    await box.check();
    await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await page.getByText(/deactivated|already inactive/).first().waitFor();
    await page.goto(`${server.url}/agent/tickets/1`);
    await page.getByRole('button', { name: 'Why didn’t the customer get this?' }).click();
    const report = page.getByRole('region', { name: 'Report: ticket 1' });
    await report.getByText('Step 2').waitFor();
    await report.getByText(/that sends it is inactive/).waitFor();
    await shot(page, 'fixture-admin-ticket-doctor-en');
    await report.getByRole('button', { name: /^Apply fix: re-activate trigger 3/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply this fix?' });
    await dialog.getByRole('button', { name: 'Apply fix' }).click();
    await report.getByText('Done: re-activated trigger 3 "Notify requester and CCs of comment update". The check ran again.').waitFor();
    await report.getByText(/is active and as shipped/).waitFor();
    await page.getByRole('button', { name: 'Why is there no ticket from this sender?' }).click();
    await page.getByRole('region', { name: 'Report: sender reject-bob@customer.example' }).waitFor();
    await shot(page, 'fixture-admin-sender-doctor-en');
  });

  it('admin: the doctor page runs the four checks', async () => {
    await page.goto(`${server.url}/admin/doctor`);
    await page.getByRole('heading', { name: 'Doctor', level: 1 }).waitFor();
    await page.getByRole('textbox', { name: 'Domain', exact: true }).fill('not a domain');
    await page.getByRole('region', { name: 'Domain', exact: true }).getByRole('button', { name: 'Run check' }).click();
    await page.getByText('Enter a domain, such as example.com.').waitFor();
    await page.getByRole('textbox', { name: 'Domain', exact: true }).fill('customer.example');
    await page.getByRole('region', { name: 'Domain', exact: true }).getByRole('button', { name: 'Run check' }).click();
    const report = page.getByRole('region', { name: 'Report: domain customer.example' });
    await report.getByText('v=spf1 mx include:_spf.support.example -all', { exact: true }).waitFor();
    await page.getByLabel('Ticket number').fill('1');
    await page.getByLabel('Ticket number').press('Enter');
    await page.getByRole('region', { name: 'Report: ticket 1' }).waitFor();
    await page.getByRole('textbox', { name: 'Support address', exact: true }).fill('help@customer.example');
    await page.getByRole('region', { name: 'Support address' }).getByRole('button', { name: 'Run check' }).click();
    await page.getByRole('region', { name: 'Report: address help@customer.example' }).waitFor();
    await page.getByLabel('Sender’s email address').fill('reject-bob@customer.example');
    await page.getByRole('region', { name: 'A sender’s mail made no ticket' }).getByRole('button', { name: 'Run check' }).click();
    await page.getByRole('region', { name: 'Report: sender reject-bob@customer.example' }).waitFor();
    await page.getByRole('region', { name: 'Domain', exact: true }).scrollIntoViewIfNeeded();
    await shot(page, 'fixture-admin-doctor-en');
  });

  it('admin: agents — add, role, deactivate, password, tokens shown once and revoked', async () => {
    await page.goto(`${server.url}/admin/agents`);
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Nina New');
    await page.getByLabel('Email', { exact: true }).fill('nina@support.example');
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Added Nina New. Set a password so they can sign in.').waitFor();
    await page.getByLabel('Role of Nina New').selectOption('agent');
    await page.getByText('Nina New is now: Agent.').waitFor();
    await page.getByRole('button', { name: 'Deactivate Nina New' }).click();
    await page.getByRole('dialog', { name: 'Deactivate Nina New?' }).getByRole('button', { name: 'Deactivate' }).click();
    await page.getByText('Nina New is deactivated.').waitFor();
    await page.getByRole('button', { name: 'Reactivate Nina New' }).click();
    await page.getByText('Nina New can sign in again.').waitFor();
    await page.getByRole('button', { name: 'Set a password for Nina New' }).click();
    const pw = page.getByRole('dialog', { name: 'Set a password for Nina New' });
    await pw.getByLabel('New password').fill('short');
    await pw.getByRole('button', { name: 'Save password' }).click();
    await pw.getByText('password: must be at least 10 characters').waitFor();
    await pw.getByLabel('New password').fill('a-long-enough-password');
    await pw.getByRole('button', { name: 'Save password' }).click();
    await page.getByText('Password set for Nina New.').waitFor();
    await page.getByLabel('Description', { exact: true }).fill('Nightly export');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('Copy it now: it will not be shown again.').waitFor();
    await page.getByRole('button', { name: 'Copy the token' }).waitFor();
    await shot(page, 'fixture-admin-agents-en');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByText(/pdk_fixture_/).count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke token “Nightly export”' }).click();
    await page.getByRole('dialog', { name: 'Revoke this token?' }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Token “Nightly export” revoked.').waitFor();
  });

  it('admin: groups — add (a taken name is refused), open, rename, add and remove members, delete after a confirmation', async () => {
    await page.goto(`${server.url}/agent/views/all_open`);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Groups' }).click();
    await page.waitForURL(/\/admin\/groups$/);
    await page.getByRole('heading', { name: 'Groups', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Groups' });
    await table.getByRole('row', { name: /^Support/ }).getByText('2 agents').waitFor();
    await table.getByRole('row', { name: /^Billing/ }).getByText('1 agent', { exact: true }).waitFor();
    await shot(page, 'fixture-admin-groups-list-en');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Enter a name for the group.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Billing');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText("Not done: group name: 'Billing' is already taken").waitFor();
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'fixture-admin-groups-422-en');
    await page.getByLabel('Name', { exact: true }).fill('Escalations');
    await page.getByLabel('Description', { exact: true }).fill('Bugs for the engineers');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Added the group “Escalations”. Open it to add agents.').waitFor();
    await table.getByRole('row', { name: /^Escalations/ }).getByText('No agents yet').waitFor();
    await page.getByRole('link', { name: 'Open the group “Escalations”' }).click();
    await page.waitForURL(/\/admin\/groups\/\d+$/);
    await page.getByRole('heading', { name: 'Escalations', level: 1 }).waitFor();
    await page.getByText('No agents in this group yet.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Support');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText("Not done: group name: 'Support' is already taken").waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Engineering escalations');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByRole('heading', { name: 'Engineering escalations', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Add to group' }).click();
    await page.getByText('Choose the agent to add.').waitFor();
    await page.getByLabel('Agent to add').selectOption({ label: 'Aiko Agent (aiko@support.example)' });
    await page.getByRole('button', { name: 'Add to group' }).click();
    await page.getByText('Added Aiko Agent to the group.').waitFor();
    await page.getByLabel('Agent to add').selectOption({ label: 'Nina New (nina@support.example)' });
    await page.getByRole('button', { name: 'Add to group' }).click();
    await page.getByText('Added Nina New to the group.').waitFor();
    const members = page.getByRole('table', { name: 'Members' });
    await members.getByText('Nina New').waitFor();
    await members.getByText('Their default group').waitFor();
    expect(await page.getByLabel('Agent to add').locator('option', { hasText: 'Aiko Agent' }).count()).toBe(0);
    await shot(page, 'fixture-admin-group-members-en');
    await page.getByRole('button', { name: 'Remove Aiko Agent from the group' }).click();
    await page.getByText('Removed Aiko Agent from the group.').waitFor();
    expect(await members.getByText('Aiko Agent').count()).toBe(0);
    await page.getByRole('link', { name: '← All groups' }).click();
    await table.getByRole('row', { name: /^Engineering escalations/ }).getByText('1 agent', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Delete the group “Engineering escalations”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the group “Engineering escalations”?' });
    await dialog.waitFor();
    await shot(page, 'fixture-admin-group-delete-en');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete the group “Engineering escalations”' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Deleted the group “Engineering escalations”.').waitFor();
    expect(await table.getByRole('row', { name: /^Engineering escalations/ }).count()).toBe(0);
  });

  it('admin: organizations — add with domains (checked, and the 422 for a taken domain), edit, delete after a confirmation', async () => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Organizations' }).click();
    await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Organizations' });
    const acme = table.getByRole('row', { name: /^Customer Example Inc\./ });
    await acme.getByText('customer.example').waitFor();
    await acme.getByText('Support').waitFor();
    await table.getByRole('row', { name: /^山田商事株式会社/ }).getByText('yamada.example.jp').waitFor();
    await shot(page, 'fixture-admin-organizations-list-en');
    await page.getByRole('link', { name: 'Add organization' }).click();
    await page.getByRole('heading', { name: 'New organization', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByText('Enter a name for the organization.').waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Globex');
    await page.getByLabel('Domains').fill('globex.example, not-a-domain');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByText('Not a domain name: not-a-domain').waitFor();
    expect(await page.getByLabel('Domains').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Domains').fill('globex.example, Customer.example');
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Billing' });
    await page.getByLabel('Details').fill('Pays by invoice');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByText('The server said: customer.example already belongs to organization 1').waitFor();
    await page.getByText('Not saved: Domains: customer.example already belongs to organization 1').waitFor();
    await shot(page, 'fixture-admin-organization-422-en');
    await page.getByLabel('Domains').fill('globex.example globex.co.jp');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/admin\/organizations\/\d+$/);
    await page.getByRole('heading', { name: 'Globex', level: 1 }).waitFor();
    expect(await page.getByLabel('Domains').inputValue()).toBe('globex.example, globex.co.jp');
    expect(await page.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    await page.getByLabel('Notes').fill('Call before noon.');
    await page.getByText('You have unsaved changes.').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    await shot(page, 'fixture-admin-organization-saved-en');
    await page.getByRole('link', { name: '← All organizations' }).click();
    const globex = table.getByRole('row', { name: /^Globex/ });
    await globex.getByText('globex.co.jp').waitFor();
    await globex.getByText('Billing').waitFor();
    await page.getByRole('button', { name: 'Delete “Globex”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the organization “Globex”?' });
    await dialog.waitFor();
    await shot(page, 'fixture-admin-organization-delete-en');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Deleted the organization “Globex”.').waitFor();
    expect(await table.getByRole('row', { name: /^Globex/ }).count()).toBe(0);
  });

  it('ticket: the organization beside the requester, and the Group select saves at once and says what the API said', async () => {
    await page.goto(`${server.url}/agent/tickets/1`);
    const props = page.getByRole('region', { name: 'Ticket properties' });
    await props.getByRole('link', { name: 'Customer Example Inc.' }).waitFor();
    await props.getByText('Aiko Agent').waitFor();
    const select = props.getByLabel('Group', { exact: true });
    await select.locator('option', { hasText: 'Billing' }).waitFor({ state: 'attached' });
    expect(await select.inputValue()).toBe('1');
    await select.selectOption({ label: 'Billing' });
    await props.getByText('Not saved: the assignee, Aiko Agent, is not a member of Billing.').waitFor();
    expect(await select.inputValue()).toBe('1');
    await props.scrollIntoViewIfNeeded();
    await shot(page, 'fixture-ticket-group-422-en');
    await select.selectOption({ label: '日本語サポート' });
    await props.getByText('The ticket is in 日本語サポート now.').waitFor();
    expect(await select.inputValue()).toBe('3');
    await select.selectOption({ label: '—' });
    await props.getByText('The ticket is in Support: the assignee’s default group.').waitFor();
    expect(await select.inputValue()).toBe('1');
    await shot(page, 'fixture-ticket-group-saved-en');
  });

  it('groups, organizations and the ticket’s Group select in English and Japanese, on a desktop and a phone', async () => {
    const words = {
      en: { groups: 'Groups', open: 'Open the group “Support”', members: 'Members', orgs: 'Organizations', edit: 'Edit “山田商事株式会社”', props: 'Ticket properties', group: 'Group', refused: 'Not saved: the assignee, Aiko Agent, is not a member of Billing.' },
      ja: { groups: 'グループ', open: 'グループ「Support」を開く', members: 'メンバー', orgs: '組織', edit: '「山田商事株式会社」を編集', props: 'チケットのプロパティ', group: 'グループ', refused: '保存できませんでした。担当者の Aiko Agent は Billing のメンバーではありません。' },
    } as const;
    for (const lang of ['en', 'ja'] as const) {
      const w = words[lang];
      await setLanguage(page, lang);
      for (const [width, height, size] of [[1280, 800, ''], [390, 844, '-phone']] as const) {
        await page.setViewportSize({ width, height });
        await page.goto(`${server.url}/admin/groups`);
        await page.getByRole('heading', { name: w.groups, level: 1 }).waitFor();
        await page.getByRole('table', { name: w.groups }).getByRole('link', { name: '日本語サポート', exact: true }).waitFor();
        await shot(page, `fixture-admin-groups${size}-${lang}`);
        await page.getByRole('link', { name: w.open }).click();
        await page.getByRole('heading', { name: 'Support', level: 1 }).waitFor();
        await page.getByRole('table', { name: w.members }).getByText('Aiko Agent').waitFor();
        await shot(page, `fixture-admin-group${size}-${lang}`);
        await page.goto(`${server.url}/admin/organizations`);
        await page.getByRole('heading', { name: w.orgs, level: 1 }).waitFor();
        await page.getByRole('table', { name: w.orgs }).getByText('yamada.example.jp').waitFor();
        await shot(page, `fixture-admin-organizations${size}-${lang}`);
        await page.getByRole('link', { name: w.edit }).click();
        await page.getByRole('heading', { name: '山田商事株式会社', level: 1 }).waitFor();
        await shot(page, `fixture-admin-organization${size}-${lang}`);
        await page.goto(`${server.url}/agent/tickets/1`);
        const props = page.getByRole('region', { name: w.props });
        const select = props.getByLabel(w.group, { exact: true });
        await select.locator('option', { hasText: 'Billing' }).waitFor({ state: 'attached' });
        await select.selectOption({ label: 'Billing' });
        await props.getByText(w.refused).waitFor();
        await props.scrollIntoViewIfNeeded();
        await shot(page, `fixture-ticket-group${size}-${lang}`);
      }
    }
    await setLanguage(page, 'en');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows an inline image of a mail, fetched by the app with the session, as a data: URL', async () => {
    await page.goto(`${server.url}/agent/tickets/1`);
    const frame = page.locator('iframe.mail-frame').first();
    await page.waitForFunction(() => (document.querySelector('iframe.mail-frame')?.getAttribute('srcdoc') ?? '').includes('data:image/png;base64,'));
    const srcdoc = (await frame.getAttribute('srcdoc')) ?? '';
    expect(srcdoc).not.toContain('/attachments/10/');
    expect(srcdoc).not.toContain('127.0.0.1:9');
    expect(server.attachmentRequests).toContainEqual({ path: '/attachments/10/smoke.png', cookie: true });
    // Only the app asked: the frame itself never requested the attachment (one fetch per page load at most).
    expect(browser.requests.filter((u) => u.includes('/attachments/10/')).length).toBeGreaterThanOrEqual(1);
    expect(remoteRequests(browser.requests, server.url)).toEqual([]);
    await frame.scrollIntoViewIfNeeded();
    await shot(page, 'fixture-inline-image-en');
  });

  it('health bar: the desk’s problems in words, each linking to where to look; nothing when well or not deployed', async () => {
    await page.goto(`${server.url}/agent/views/all_open`);
    const bar = page.getByRole('region', { name: 'Desk health' });
    await bar.waitFor();
    await bar.getByRole('link', { name: 'Forwarding failed for support@customer.example' }).waitFor();
    await bar.getByRole('link', { name: /^3 emails waiting to be delivered, the oldest since / }).waitFor();
    await bar.getByRole('link', { name: 'DNS checks failing for 1 support address' }).waitFor();
    await bar.getByRole('link', { name: '2 tickets with delivery failures in the last 24 hours' }).waitFor();
    await shot(page, 'fixture-health-en');
    await bar.getByRole('link', { name: '2 tickets with delivery failures in the last 24 hours' }).click();
    await page.waitForURL(/\/agent\/views\/delivery_failures$/);
    await page.getByRole('region', { name: 'Desk health' }).getByRole('link', { name: 'Forwarding failed for support@customer.example' }).click();
    await page.waitForURL(/\/admin\/email$/);
    await page.getByRole('heading', { name: 'Email', level: 1 }).waitFor();
    server.setHealth({ status: 'ok', checked_at: new Date().toISOString(), items: [{ key: 'outbound_backlog', level: 'ok', count: 0, oldest_at: null }] });
    await page.goto(`${server.url}/agent/views/all_open`);
    await page.getByRole('heading', { name: 'All open tickets' }).waitFor();
    await page.waitForTimeout(300);
    expect(await page.getByRole('region', { name: 'Desk health' }).count()).toBe(0);
    server.setHealth(404);
    await page.reload();
    await page.getByRole('heading', { name: 'All open tickets' }).waitFor();
    await page.waitForTimeout(300);
    expect(await page.getByRole('region', { name: 'Desk health' }).count()).toBe(0);
    server.setHealth(fx.health);
  });

  it('admin: email — addresses with statuses and reasons, DNS records with Copy, DKIM key generated and Enable refused', async () => {
    await page.goto(`${server.url}/agent/views/all_open`);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Email' }).click();
    await page.getByRole('heading', { name: 'Email', level: 1 }).waitFor();
    const external = page.getByRole('article', { name: 'support@customer.example' });
    await external.getByRole('group', { name: 'Checks of support@customer.example' }).getByText('Failed').first().waitFor();
    await external.getByText(/was never forwarded back within 600 s/).waitFor();
    await external.getByText(/the SPF record does not include _spf\.support\.example/).waitFor();
    const own = page.getByRole('article', { name: 'support@support.example' });
    expect(await own.getByRole('button', { name: /^Verify forwarding/ }).count()).toBe(0);
    expect(await own.getByRole('button', { name: /^Delete/ }).count()).toBe(0);
    const desk = page.getByRole('region', { name: 'DNS records for support.example' });
    await desk.getByText('No DKIM key for support.example yet.', { exact: false }).waitFor();
    await desk.getByRole('button', { name: 'Generate key' }).click();
    await desk.getByText('Key made for support.example. Publish its record, then press Enable.').waitFor();
    await desk.getByRole('button', { name: 'Copy the value of the record postdesk._domainkey.support.example' }).waitFor();
    await desk.getByRole('button', { name: 'Enable', exact: true }).click();
    await desk.getByText('Fix: publish the TXT record shown here at your DNS host').waitFor();
    await desk.getByRole('button', { name: 'Enable anyway…' }).waitFor();
    const customer = page.getByRole('region', { name: 'DNS records for customer.example' });
    await customer.getByText('v=spf1 mx include:_spf.support.example -all', { exact: true }).waitFor();
    await customer.getByText('Record to publish at _dmarc.customer.example').waitFor();
    await customer.getByRole('button', { name: 'Copy the record' }).first().waitFor();
    await shot(page, 'fixture-admin-email-en');
    await desk.scrollIntoViewIfNeeded();
    await shot(page, 'fixture-admin-email-dns-en');
    await external.getByRole('button', { name: 'Verify forwarding of support@customer.example' }).click();
    await page.getByText('Verification email sent to support@customer.example.', { exact: false }).waitFor();
    await external.getByRole('button', { name: 'Check DNS of support@customer.example' }).click();
    await page.getByText(/DNS checked for support@customer\.example/).waitFor();
  });

  it('admin: email — Add address walks through forwarding and shows the status until it fails, with the reason', async () => {
    await page.getByRole('button', { name: 'Add address' }).click();
    const walk = page.getByRole('region', { name: 'Add a support address' });
    await walk.getByText('Step 1 of 3').waitFor();
    await walk.getByRole('button', { name: 'Add and continue' }).click();
    await walk.getByText('Enter an email address, such as name@example.com.').waitFor();
    await walk.getByLabel('Email address').fill('support@customer.example');
    await walk.getByLabel('Name').fill('Help');
    await walk.getByRole('button', { name: 'Add and continue' }).click();
    await walk.getByText(/is already a support address/).waitFor();
    await walk.getByLabel('Email address').fill('help@customer.example');
    await walk.getByRole('button', { name: 'Add and continue' }).click();
    await walk.getByText('Step 2 of 3').waitFor();
    await walk.getByRole('radio', { name: 'Google Workspace' }).waitFor();
    await walk.getByText(/Forwarding and POP\/IMAP → Add a forwarding address, and enter support@support\.example/).waitFor();
    await walk.getByRole('radio', { name: 'Google Workspace' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await walk.getByRole('radio', { name: 'Microsoft 365' }).isChecked()).toBe(true);
    await walk.getByText(/Exchange admin center: Recipients → Mailboxes → help@customer\.example → Mail flow settings → Email forwarding/).waitFor();
    await shot(page, 'fixture-admin-email-add-en');
    await walk.getByRole('radio', { name: 'Another host' }).check();
    await walk.getByText(/Add a forward \(alias\) from help@customer\.example to support@support\.example/).waitFor();
    await walk.getByRole('button', { name: 'Send verification email' }).click();
    await walk.getByText('Step 3 of 3').waitFor();
    await walk.getByText(/Waiting for it to come back to support@support\.example by forwarding/).waitFor();
    await shot(page, 'fixture-admin-email-waiting-en');
    await walk.getByText('Forwarding of help@customer.example failed.').waitFor({ timeout: 15_000 });
    await walk.getByText(/was never forwarded back within 4 s/).waitFor();
    await walk.getByRole('button', { name: 'Send again' }).waitFor();
    await shot(page, 'fixture-admin-email-failed-en');
    await walk.getByRole('button', { name: 'Done' }).click();
    const added = page.getByRole('article', { name: 'help@customer.example' });
    await added.getByText(/was never forwarded back within 4 s/).waitFor();
    await added.getByRole('button', { name: 'Delete help@customer.example' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this support address?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await added.getByRole('button', { name: 'Delete help@customer.example' }).click();
    await page.getByRole('dialog', { name: 'Delete this support address?' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByText('help@customer.example deleted.').waitFor();
    expect(await page.getByRole('article', { name: 'help@customer.example' }).count()).toBe(0);
  });

  it('admin pages in Japanese and on a phone', async () => {
    await setLanguage(page, 'ja');
    for (const [name, path, heading] of [
      ['triggers', '/admin/triggers', 'トリガ'],
      ['trigger', '/admin/triggers/3', 'Notify requester and CCs of comment update'],
      ['doctor', '/admin/doctor', '診断'],
      ['agents', '/admin/agents', 'エージェント'],
      ['email', '/admin/email', 'メール'],
    ] as const) {
      await page.goto(server.url + path);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      if (name === 'doctor') {
        await page.getByRole('textbox', { name: 'ドメイン', exact: true }).fill('customer.example');
        await page.getByRole('textbox', { name: 'ドメイン', exact: true }).press('Enter');
        await page.getByRole('region', { name: '診断結果: domain customer.example' }).waitFor();
      }
      if (name === 'email') await page.getByRole('region', { name: 'support.example の DNS レコード' }).getByText('support.example の DKIM 署名').waitFor();
      await shot(page, `fixture-admin-${name}-ja`);
    }
    await page.goto(`${server.url}/agent/tickets/1`);
    await page.getByRole('button', { name: 'お客様にメールが届かなかったのはなぜ？' }).click();
    await page.getByRole('region', { name: '診断結果: ticket 1' }).getByText('ステップ 2').waitFor();
    await page.getByRole('region', { name: '診断結果: ticket 1' }).scrollIntoViewIfNeeded();
    await shot(page, 'fixture-admin-ticket-doctor-ja');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [name, path] of [['triggers', '/admin/triggers'], ['trigger', '/admin/triggers/3'], ['doctor', '/admin/doctor'], ['agents', '/admin/agents'], ['email', '/admin/email']] as const) {
      await page.goto(server.url + path);
      await page.locator('h1').first().waitFor();
      await shot(page, `fixture-admin-${name}-phone-ja`);
    }
    await setLanguage(page, 'en');
    await page.goto(`${server.url}/admin/triggers`);
    await page.getByRole('heading', { name: 'Triggers', level: 1 }).waitFor();
    await shot(page, 'fixture-admin-triggers-phone-en');
    await page.goto(`${server.url}/admin/email`);
    await page.getByRole('article', { name: 'support@customer.example' }).waitFor();
    await shot(page, 'fixture-admin-email-phone-en');
    await page.getByRole('button', { name: 'Add address' }).click();
    await page.getByLabel('Email address').fill('help2@customer.example');
    await page.getByRole('button', { name: 'Add and continue' }).click();
    await page.getByRole('radio', { name: 'Google Workspace' }).waitFor();
    await shot(page, 'fixture-admin-email-add-phone-en');
    await page.getByRole('button', { name: 'Finish later' }).click();
    await page.goto(`${server.url}/agent/views/all_open`);
    await page.getByRole('region', { name: 'Desk health' }).waitFor();
    await shot(page, 'fixture-health-phone-en');
    expect(await page.getByRole('link', { name: 'DNS checks failing for 1 support address' }).isVisible()).toBe(false);
    await page.getByRole('button', { name: '3 more' }).click();
    await page.getByRole('link', { name: 'DNS checks failing for 1 support address' }).waitFor();
    expect(await page.getByRole('button', { name: 'Show less' }).getAttribute('aria-expanded')).toBe('true');
    await setLanguage(page, 'ja');
    await page.reload();
    await page.getByRole('region', { name: 'デスクの状態' }).getByRole('link', { name: 'support@customer.example の転送確認に失敗しました' }).waitFor();
    await shot(page, 'fixture-health-phone-ja');
    await page.setViewportSize({ width: 1280, height: 800 });
    await shot(page, 'fixture-health-ja');
    await page.goto(`${server.url}/admin/email`);
    await page.getByRole('button', { name: 'アドレスを追加' }).click();
    await page.getByLabel('メールアドレス').fill('help3@customer.example');
    await page.getByRole('button', { name: '追加して次へ' }).click();
    await page.getByRole('radio', { name: 'Google Workspace' }).waitFor();
    await shot(page, 'fixture-admin-email-add-ja');
    await page.getByRole('button', { name: 'あとで続ける' }).click();
    await setLanguage(page, 'en');
    await page.goto(`${server.url}/agent/views/all_open`);
    await page.getByRole('heading', { name: 'All open tickets' }).waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('an agent sees no Admin section, and /admin says only admins may open it', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.goto(`${server.url}/admin/triggers`);
    await page.getByLabel('Email').fill('agent@support.example');
    await page.getByLabel('Password').fill('secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin\/triggers$/);
    await page.getByRole('heading', { name: 'Only admins can open this page.' }).waitFor();
    expect(await page.locator('nav a[href^="/admin"]').count()).toBe(0);
    const bar = page.getByRole('region', { name: 'Desk health' });
    await bar.getByText('Forwarding failed for support@customer.example').waitFor();
    expect(await bar.locator('a[href^="/admin"]').count()).toBe(0);
    await bar.getByRole('link', { name: '2 tickets with delivery failures in the last 24 hours' }).waitFor();
    await shot(page, 'fixture-admin-only-en');
    await page.goto(`${server.url}/agent/tickets/2`);
    await page.getByRole('button', { name: 'Why didn’t the customer get this?' }).click();
    await page.getByText('An admin can apply this fix.').waitFor();
    expect(await page.getByRole('button', { name: /^Apply fix/ }).count()).toBe(0);
    await setLanguage(page, 'ja');
    await page.goto(`${server.url}/admin/agents`);
    await page.getByRole('heading', { name: 'このページは管理者のみが開けます。' }).waitFor();
    await shot(page, 'fixture-admin-only-ja');
    await setLanguage(page, 'en');
    await page.goto(`${server.url}/agent/views/all_open`);
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(browser.dialogs).toEqual([]);
    console.log(browser.console.join('\n'));
    expect(remoteRequests(browser.requests, server.url)).toEqual([]);
  });
});
