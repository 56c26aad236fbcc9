// The workspace against a real `postdesk serve` (POSTDESK_BIN, default
// ../build/postdesk) with a real SMTP sink that refuses `reject-…`
// recipients with 550: the scenarios, end to end, in chromium.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, remoteRequests, setLanguage, shot, type Browser } from './browser';
import { CountingServer, Desk, DnsServer, MailSink, SUPPORT, tempDir, waitFor } from './desk';

const BIN = resolve(process.cwd(), process.env.POSTDESK_BIN ?? '../build/postdesk');
const LOCKOUT_SECONDS = 4;
// The desk gives up on a forwarding check after this long (a TOML file given by --config).
const FORWARDING_TIMEOUT_SECONDS = 4;
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const RECEIVED_TRIGGER = 'Notify requester and CCs of received request';
const COMMENT_TRIGGER = 'Notify requester and CCs of comment update';

let sink: MailSink;
let desk: Desk;
let beacon: CountingServer;
let browser: Browser;
let page: Page;
let adminEmail = '';

beforeAll(async () => {
  sink = await new MailSink(tempDir('postdesk-sink-')).start();
  beacon = await new CountingServer().start();
  const config = join(tempDir('postdesk-config-'), 'postdesk.toml');
  writeFileSync(config, `forwarding_timeout_seconds = ${FORWARDING_TIMEOUT_SECONDS}\n`);
  desk = await new Desk(BIN, ['--login-lockout-seconds', String(LOCKOUT_SECONDS), '--config', config]).start(sink.port);
  adminEmail = (await desk.api('GET', '/api/v2/users/me')).json.user.email;
  browser = await launch();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

afterAll(async () => {
  await browser?.close();
  await desk?.stop();
  sink?.stop();
  await beacon?.stop();
});

async function ticketBySubject(subject: string, timeoutMs = 20_000): Promise<{ id: number; requester_id: number; status: string }> {
  type T = { id: number; subject: string; requester_id: number; status: string };
  return waitFor(`ticket "${subject}"`, async () => {
    // Newest last: read the pages from the end.
    const first = (await desk.api('GET', '/api/v2/tickets?per_page=100')).json as { tickets: T[]; count: number };
    for (let page = Math.max(1, Math.ceil(first.count / 100)); page >= 1; page--) {
      const list = page === 1 ? first.tickets : ((await desk.api('GET', `/api/v2/tickets?per_page=100&page=${page}`)).json.tickets as T[]);
      const hit = list.find((x) => x.subject === subject);
      if (hit) return hit;
    }
    return null;
  }, timeoutMs);
}

// The ticket for a subject; mail the screening suspended (a script in the
// subject looks malicious) is recovered through the API first.
async function ticketOrRecover(subject: string) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const t = await ticketBySubject(subject, 2000).catch(() => null);
    if (t) return t;
    const s = (await desk.api('GET', '/api/v2/suspended_tickets?per_page=100')).json.suspended_tickets as { id: number; subject: string }[];
    const hit = s.find((x) => x.subject === subject);
    if (hit) {
      const r = await desk.api('PUT', `/api/v2/suspended_tickets/${hit.id}/recover`);
      if (r.status === 200) return ticketBySubject(subject);
    }
  }
  throw new Error(`no ticket for ${subject}`);
}

// A sink message's Subject (unfolded) and its text/plain part, quoted-printable decoded.
function mailSubject(raw: string): string {
  return /^Subject:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)/im.exec(raw.split('\r\n\r\n')[0])?.[1].replace(/\r\n[ \t]/g, ' ').trim() ?? '';
}

function mailText(raw: string): string {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`) : [raw];
  const part = parts.find((p) => /^Content-Type: text\/plain/im.test(p.split('\r\n\r\n')[0]));
  if (!part) return '';
  const cut = part.indexOf('\r\n\r\n');
  const head = part.slice(0, cut);
  const body = part.slice(cut + 4);
  if (!/quoted-printable/i.test(head)) return body;
  return Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

// Each test can run alone (vitest -t): sign in when the browser has no session.
async function ensureSignedIn() {
  if (!page.url().startsWith(desk.url)) await page.goto(desk.url + '/');
  const status = await page.evaluate(async () => (await fetch('/api/v2/session')).status);
  if (status !== 200) await signIn();
}

async function signIn(next = '/agent/views/all_open') {
  await page.goto(desk.url + next);
  await page.waitForURL(/\/\?next=|\/$/);
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(desk.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === next.split('?')[0]);
}

describe('agent workspace against postdesk serve', () => {
  it('serves the app under its CSP and signs in, returning to the page asked for', async () => {
    const r = await fetch(desk.url + '/agent/views/all_open');
    expect(r.status).toBe(200);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await page.goto(desk.url + '/');
    await setLanguage(page, 'en');
    await page.reload();
    await shot(page, 'server-signin-en');
    await signIn('/agent/views/all_open');
    await page.getByRole('heading', { name: 'All open tickets' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signIn('/agent/views/all_open');
  });

  it('shows a new ticket in the list without a reload', async () => {
    await ensureSignedIn();
    await page.getByRole('heading', { name: 'All open tickets' }).waitFor();
    await desk.sendMail({ from: 'polly@customer.example', fromName: 'Polly Poll', subject: 'Appears by itself', text: 'Hello.' });
    await page.getByRole('link', { name: 'Appears by itself' }).waitFor({ timeout: 15_000 });
    await shot(page, 'server-view-en');
  });

  it('a notification refused with 550 shows the warning on that recipient and the reply', async () => {
    await ensureSignedIn();
    await desk.sendMail({ from: 'reject-alice@customer.example', fromName: 'Alice Reject', subject: 'Bounce my receipt', text: 'Please confirm.' });
    const ticket = await ticketBySubject('Bounce my receipt');
    await waitFor('the 550', async () => {
      const d = (await desk.api('GET', `/api/v2/tickets/${ticket.id}/deliveries`)).json;
      return d.deliveries.some((m: any) => m.recipients.some((r: any) => r.address === 'reject-alice@customer.example' && r.state === 'failed'));
    });
    await page.goto(`${desk.url}/agent/tickets/${ticket.id}`);
    const warning = page.getByRole('button', { name: 'Delivery problem: reject-alice@customer.example' });
    await warning.waitFor({ timeout: 15_000 });
    await warning.click();
    const panel = page.getByRole('region', { name: 'Why this email was not delivered' });
    await panel.getByText(/Recipient address rejected/).first().waitFor();
    await panel.getByText('550', { exact: true }).waitFor();
    await panel.getByText('5.1.1', { exact: true }).waitFor();
    await shot(page, 'server-ticket-problem-en');
    // The user is flagged undeliverable; the panel clears it.
    const mark = panel.getByRole('button', { name: 'Mark as deliverable' });
    await mark.waitFor();
    await mark.click();
    await panel.getByText('Marked as deliverable.').waitFor();
    const user = (await desk.api('GET', `/api/v2/users/${ticket.requester_id}`)).json.user;
    expect(user.undeliverable).toBe(false);
    await setLanguage(page, 'ja');
    await page.reload();
    await page.getByRole('button', { name: '配信の問題: reject-alice@customer.example' }).click();
    await shot(page, 'server-ticket-problem-ja');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'server-ticket-phone-ja');
    await page.setViewportSize({ width: 1280, height: 800 });
    await setLanguage(page, 'en');
  });

  it('/events names the trigger that sent each email, and shows the email sent', async () => {
    await ensureSignedIn();
    const ticket = await ticketBySubject('Bounce my receipt');
    await page.goto(`${desk.url}/agent/tickets/${ticket.id}/events`);
    await page.getByRole('heading', { name: `Events of ticket #${ticket.id}` }).waitFor();
    const deliveries = (await desk.api('GET', `/api/v2/tickets/${ticket.id}/deliveries`)).json.deliveries as { trigger: { title: string } | null }[];
    expect(deliveries.length).toBeGreaterThan(0);
    for (const d of deliveries) {
      expect(d.trigger).not.toBeNull();
      await page.getByText(`Sent by trigger “${d.trigger!.title}”`).first().waitFor();
    }
    expect(deliveries.some((d) => d.trigger!.title === RECEIVED_TRIGGER)).toBe(true);
    await page.getByText(/Delivery to reject-alice@customer.example/).first().waitFor();
    await page.getByRole('button', { name: 'Show the email sent' }).first().click();
    await page.getByText(/^Message-ID: </m).first().waitFor();
    await shot(page, 'server-events-en');
    await setLanguage(page, 'ja');
    await page.reload();
    await page.getByRole('heading', { name: `チケット #${ticket.id} のイベント` }).waitFor();
    await shot(page, 'server-events-ja');
    await setLanguage(page, 'en');
  });

  it('a reply typed in the UI reaches the customer threaded', async () => {
    await ensureSignedIn();
    const first = await desk.sendMail({ from: 'carol@customer.example', fromName: 'Carol Client', subject: 'Threading please', text: 'First message.' });
    const ticket = await ticketBySubject('Threading please');
    await page.goto(`${desk.url}/agent/tickets/${ticket.id}`);
    await page.getByRole('radio', { name: 'Public reply' }).check();
    await page.getByLabel('Public reply text').fill('Answer typed in the browser 4711.');
    await page.getByLabel('Status on submit').selectOption('pending');
    await page.getByRole('button', { name: 'Submit as Pending' }).click();
    await page.getByText('Update saved.').waitFor();
    const reply = await waitFor('the reply at the sink', () =>
      sink.messages().find((m) => m.rcpt === 'carol@customer.example' && m.raw.includes('4711')),
    );
    const header = (name: string) => new RegExp(`^${name}:([^\\r\\n]*(?:\\r\\n[ \\t][^\\r\\n]*)*)`, 'mi').exec(reply.raw)?.[1] ?? '';
    expect(header('In-Reply-To')).toContain('@');
    expect(header('References')).toContain(first);
    const t = (await desk.api('GET', `/api/v2/tickets/${ticket.id}`)).json.ticket;
    expect(t.status).toBe('pending');
    await page.getByText('Answer typed in the browser 4711.').first().waitFor({ timeout: 15_000 }).catch(() => undefined);
    await shot(page, 'server-ticket-en');
  });

  it('an internal note with an attachment (uploads) keeps the file', async () => {
    await ensureSignedIn();
    const ticket = await ticketBySubject('Threading please');
    await page.goto(`${desk.url}/agent/tickets/${ticket.id}`);
    await page.getByRole('radio', { name: 'Internal note' }).check();
    await page.getByLabel('Attach files').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('attached by the browser test') });
    await page.getByText('notes.txt', { exact: true }).waitFor();
    await page.getByLabel('Internal note text').fill('Note with a file.');
    await page.getByRole('button', { name: /^Submit as/ }).click();
    await page.getByText('Update saved.').waitFor();
    const comments = (await desk.api('GET', `/api/v2/tickets/${ticket.id}/comments`)).json.comments as { public: boolean; body: string; attachments: { file_name: string }[] }[];
    const note = comments.find((c) => c.body.includes('Note with a file.'));
    expect(note?.public).toBe(false);
    expect(note?.attachments.map((a) => a.file_name)).toEqual(['notes.txt']);
    await page.getByRole('link', { name: 'notes.txt' }).waitFor({ timeout: 10_000 });
  });

  it("routes a ticket to a group from the ticket page, and the group's agents get the assignment email", async () => {
    await ensureSignedIn();
    await setLanguage(page, 'en');
    const agents = [
      { name: 'Bea Billing', email: 'bea.billing@agents.example' },
      { name: 'Bo Billing', email: 'bo.billing@agents.example' },
    ];
    const ids: number[] = [];
    for (const a of agents) {
      const r = await desk.api('POST', '/api/v2/users', { user: { ...a, role: 'agent' } });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      ids.push(r.json.user.id);
    }
    const made = await desk.api('POST', '/api/v2/groups', { group: { name: 'Billing' } });
    expect(made.status, JSON.stringify(made.json)).toBe(201);
    const group = made.json.group as { id: number; name: string };
    for (const id of ids) {
      const r = await desk.api('POST', '/api/v2/group_memberships', { group_membership: { user_id: id, group_id: group.id } });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
    }

    await desk.sendMail({ from: 'gina@customer.example', fromName: 'Gina Group', subject: 'Invoice twice', text: 'I was charged twice.' });
    const ticket = await ticketBySubject('Invoice twice');
    await page.goto(`${desk.url}/agent/tickets/${ticket.id}`);
    await page.getByRole('heading', { name: 'Invoice twice' }).waitFor();
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Billing' });
    await page.getByText('The ticket is in Billing now.').waitFor();
    expect(await page.getByLabel('Group', { exact: true }).inputValue()).toBe(String(group.id));
    await shot(page, 'server-ticket-group-en');

    // The standard trigger "Notify group of assignment" mails each member.
    for (const a of agents) {
      const mail = await waitFor(`the assignment email to ${a.email}`, () =>
        sink.messages().find((m) => m.rcpt === a.email && mailSubject(m.raw).includes('Assignment') && mailText(m.raw).includes(`#${ticket.id}`)),
      );
      expect(mailSubject(mail.raw)).toContain('Invoice twice');
      expect(mailText(mail.raw)).toContain(`This ticket (#${ticket.id}) has been assigned to group 'Billing', of which you are a member.`);
    }
    const t = (await desk.api('GET', `/api/v2/tickets/${ticket.id}.json`)).json.ticket;
    expect(t.group_id).toBe(group.id);
  });

  it('a macro made on /agent/macros and applied from the reply box reaches the customer with its placeholders filled', async () => {
    await ensureSignedIn();
    await setLanguage(page, 'en');
    await page.goto(`${desk.url}/agent/macros/new`);
    await page.getByLabel('Title', { exact: true }).fill('Ask for the model');
    await page.getByLabel('Reply text').fill('Hello {{ticket.requester.first_name}}, which printer model is ticket #{{ticket.id}} about?');
    await page.getByLabel('Status', { exact: true }).selectOption('pending');
    await page.getByLabel('Priority', { exact: true }).selectOption('high');
    await page.getByLabel('Add tags').fill('needs-info');
    await page.getByRole('button', { name: 'Create macro' }).click();
    await page.waitForURL(/\/agent\/macros\/\d+$/);
    await page.getByRole('heading', { name: 'Ask for the model' }).waitFor();
    await shot(page, 'server-macro-en');

    await desk.sendMail({ from: 'hana@customer.example', fromName: 'Hana Printer', subject: 'Paper jam', text: 'It jams on every page.' });
    const ticket = await ticketBySubject('Paper jam');
    await page.goto(`${desk.url}/agent/tickets/${ticket.id}`);
    await page.getByRole('heading', { name: 'Paper jam' }).waitFor();
    await page.getByLabel('Macro', { exact: true }).selectOption({ label: 'Ask for the model' });
    const preview = page.getByRole('region', { name: 'Macro preview' });
    await preview.waitFor();
    const text = `Hello Hana, which printer model is ticket #${ticket.id} about?`;
    expect(await page.getByLabel('Public reply text').inputValue()).toBe(text);
    expect(await preview.textContent()).toContain('High');
    expect(await preview.textContent()).toContain('needs-info');
    await shot(page, 'server-macro-applied-en');
    // Nothing is saved before Submit.
    expect((await desk.api('GET', `/api/v2/tickets/${ticket.id}`)).json.ticket.priority).not.toBe('high');
    await page.getByRole('button', { name: 'Submit as Pending' }).click();
    await page.getByText('Update saved.').waitFor();
    const mail = await waitFor('the macro reply at the sink', () =>
      sink.messages().find((m) => m.rcpt === 'hana@customer.example' && mailText(m.raw).includes('which printer model')),
    );
    expect(mailText(mail.raw)).toContain(text);
    const t = (await desk.api('GET', `/api/v2/tickets/${ticket.id}`)).json.ticket;
    expect(t.status).toBe('pending');
    expect(t.priority).toBe('high');
    expect(t.tags).toContain('needs-info');

    await setLanguage(page, 'ja');
    await page.goto(`${desk.url}/agent/macros`);
    await page.getByRole('heading', { name: 'マクロ', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Ask for the model' }).first().waitFor();
    await shot(page, 'server-macros-ja');
    await page.goto(`${desk.url}/agent/tickets/${ticket.id}`);
    await page.getByLabel('マクロ', { exact: true }).selectOption({ label: 'Ask for the model' });
    await page.getByRole('region', { name: 'マクロのプレビュー' }).waitFor();
    await page.getByRole('region', { name: 'マクロのプレビュー' }).scrollIntoViewIfNeeded();
    await shot(page, 'server-macro-applied-ja');
    await setLanguage(page, 'en');
  });

  it('a view made in the workspace lists only the tickets its condition picks, with its count in the navigation', async () => {
    await ensureSignedIn();
    await setLanguage(page, 'en');
    await desk.sendMail({ from: 'ida@customer.example', fromName: 'Ida Urgent', subject: 'Server down', text: 'Nothing works.' });
    await desk.sendMail({ from: 'jo@customer.example', fromName: 'Jo Calm', subject: 'A question', text: 'When you have time.' });
    const urgent = await ticketBySubject('Server down');
    await ticketBySubject('A question');
    // Priority is set on the ticket page, saved at once.
    await page.goto(`${desk.url}/agent/tickets/${urgent.id}`);
    await page.getByLabel('Priority', { exact: true }).selectOption('urgent');
    await page.getByText('Saved.', { exact: true }).waitFor();
    expect((await desk.api('GET', `/api/v2/tickets/${urgent.id}`)).json.ticket.priority).toBe('urgent');
    await shot(page, 'server-ticket-priority-en');

    await page.goto(`${desk.url}/agent/views/manage`);
    await page.getByRole('link', { name: 'Add view' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Urgent tickets');
    await page.getByLabel('ALL condition 1: field').selectOption('priority');
    await page.getByLabel('ALL condition 1: operator').selectOption('is');
    await page.getByLabel('ALL condition 1: value').selectOption('urgent');
    await page.getByLabel('Priority', { exact: true }).check();
    await shot(page, 'server-view-edit-en');
    await page.getByRole('button', { name: 'Create view' }).click();
    await page.waitForURL(/\/agent\/views\/\d+$/);
    await page.getByRole('heading', { name: 'Urgent tickets' }).waitFor();
    await page.getByRole('link', { name: 'Server down' }).waitFor();
    expect(await page.getByRole('link', { name: 'A question' }).count()).toBe(0);
    const nav = page.getByRole('navigation', { name: 'Views' });
    await nav.getByRole('link', { name: /Urgent tickets\s*1/ }).waitFor();
    await shot(page, 'server-view-en');

    await setLanguage(page, 'ja');
    await page.reload();
    await page.getByRole('heading', { name: 'Urgent tickets' }).waitFor();
    await page.getByRole('link', { name: /未割り当てのチケット/ }).first().waitFor();
    await shot(page, 'server-view-ja');
    await setLanguage(page, 'en');
  });

  it('a dropdown field an admin adds is changed on the ticket page, and a view picks tickets by it', async () => {
    await ensureSignedIn();
    await setLanguage(page, 'en');
    await page.goto(`${desk.url}/admin/ticket-fields`);
    await page.getByRole('heading', { name: 'Ticket fields' }).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Product');
    await page.getByLabel('Type', { exact: true }).selectOption('tagger');
    await page.getByLabel('Options', { exact: true }).fill('Hardware issue\nSoftware');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Added the field “Product”.', { exact: false }).waitFor();
    const fields = (await desk.api('GET', '/api/v2/ticket_fields')).json.ticket_fields as { id: number; title: string; custom_field_options?: { value: string }[] }[];
    const product = fields.find((f) => f.title === 'Product')!;
    expect(product.custom_field_options!.map((o) => o.value)).toEqual(['hardware_issue', 'software']);
    await shot(page, 'server-ticket-fields-en');

    await desk.sendMail({ from: 'kim@customer.example', fromName: 'Kim Laptop', subject: 'Laptop will not boot', text: 'Black screen.' });
    await desk.sendMail({ from: 'lee@customer.example', fromName: 'Lee App', subject: 'App crashes on start', text: 'It closes.' });
    const laptop = await ticketBySubject('Laptop will not boot');
    await ticketBySubject('App crashes on start');
    await page.goto(`${desk.url}/agent/tickets/${laptop.id}`);
    await page.getByLabel('Product', { exact: true }).selectOption({ label: 'Hardware issue' });
    await page.getByText('Saved.', { exact: true }).waitFor();
    const saved = (await desk.api('GET', `/api/v2/tickets/${laptop.id}`)).json.ticket;
    expect(saved.custom_fields).toContainEqual({ id: product.id, value: 'hardware_issue' });
    expect(saved.tags).toContain('hardware_issue');
    await page.getByText('hardware_issue', { exact: true }).waitFor(); // the tag, in the properties
    await shot(page, 'server-ticket-custom-field-en');

    await page.goto(`${desk.url}/agent/views/new`);
    await page.getByLabel('Title', { exact: true }).fill('Hardware tickets');
    await page.getByLabel('ALL condition 1: field').selectOption({ label: 'Product' });
    await page.getByLabel('ALL condition 1: operator').selectOption('is');
    await page.getByLabel('ALL condition 1: value').selectOption({ label: 'Hardware issue' });
    await page.getByRole('button', { name: 'Create view' }).click();
    await page.waitForURL(/\/agent\/views\/\d+$/);
    await page.getByRole('heading', { name: 'Hardware tickets' }).waitFor();
    await page.getByRole('link', { name: 'Laptop will not boot' }).waitFor();
    expect(await page.getByRole('link', { name: 'App crashes on start' }).count()).toBe(0);

    // A macro that sets the field: previewed under the field's title and option name, saved on Submit.
    const macro = await desk.api('POST', '/api/v2/macros', {
      macro: { title: 'Software problem', restriction: null, actions: [{ field: `custom_fields_${product.id}`, value: 'software' }] },
    });
    expect(macro.status).toBe(201);
    const app = await ticketBySubject('App crashes on start');
    await page.goto(`${desk.url}/agent/tickets/${app.id}`);
    await page.getByLabel('Macro', { exact: true }).selectOption({ label: 'Software problem' });
    const preview = page.getByRole('region', { name: 'Macro preview' });
    await preview.getByText('Product', { exact: true }).waitFor();
    await preview.getByText('Software', { exact: true }).waitFor();
    await shot(page, 'server-macro-custom-field-en');
    await page.getByLabel('Public reply text').fill('We are looking into the crash.');
    await page.getByRole('button', { name: /^Submit as / }).click();
    await page.getByText('Update saved.').waitFor();
    const afterMacro = (await desk.api('GET', `/api/v2/tickets/${app.id}`)).json.ticket;
    expect(afterMacro.custom_fields).toContainEqual({ id: product.id, value: 'software' });
    expect(afterMacro.tags).toContain('software');

    await setLanguage(page, 'ja');
    await page.goto(`${desk.url}/admin/ticket-fields`);
    await page.getByRole('heading', { name: 'チケットフィールド' }).waitFor();
    await shot(page, 'server-ticket-fields-ja');
    await page.goto(`${desk.url}/agent/tickets/${laptop.id}`);
    await page.getByLabel('Product', { exact: true }).waitFor();
    await shot(page, 'server-ticket-custom-field-ja');
    await setLanguage(page, 'en');
  });

  it('a GTUBE mail in Suspended is recovered from the UI and becomes a ticket', async () => {
    await ensureSignedIn();
    await desk.sendMail({ from: 'gtube@spam.example', subject: 'Suspended GTUBE sample', text: `Body ${GTUBE}` });
    await page.goto(`${desk.url}/agent/suspended`);
    const link = page.getByRole('link', { name: 'Suspended GTUBE sample' });
    await link.waitFor({ timeout: 15_000 });
    await shot(page, 'server-suspended-en');
    await link.click();
    await page.getByRole('heading', { name: 'Suspended GTUBE sample' }).waitFor();
    await page.getByText('Detected as spam').first().waitFor();
    await shot(page, 'server-suspended-item-en');
    await setLanguage(page, 'ja');
    await page.reload();
    await page.getByRole('button', { name: '復元' }).waitFor();
    await shot(page, 'server-suspended-item-ja');
    await setLanguage(page, 'en');
    await page.reload();
    await page.getByRole('button', { name: 'Recover' }).click();
    const result = page.getByText(/Recovered as ticket #\d+/);
    await result.waitFor();
    const id = Number(/#(\d+)/.exec((await result.textContent()) ?? '')?.[1]);
    const t = (await desk.api('GET', `/api/v2/tickets/${id}`)).json.ticket;
    expect(t.subject).toBe('Suspended GTUBE sample');
  });

  it('the suspended list acts in bulk with select-all', async () => {
    await ensureSignedIn();
    await desk.sendMail({ from: 'bulk1@spam.example', subject: 'Bulk one', text: GTUBE });
    await desk.sendMail({ from: 'bulk2@spam.example', subject: 'Bulk two', text: GTUBE });
    await page.goto(`${desk.url}/agent/suspended`);
    await page.getByRole('link', { name: 'Bulk two' }).waitFor({ timeout: 15_000 });
    await page.getByRole('checkbox', { name: 'Select all on this page' }).check();
    await page.getByRole('button', { name: 'Delete as spam' }).click();
    await page.getByText(/deleted as spam/).waitFor();
    await setLanguage(page, 'ja');
    await page.reload();
    await page.getByRole('heading', { name: '停止中のチケット' }).waitFor();
    await shot(page, 'server-suspended-ja');
    await setLanguage(page, 'en');
  });

  it('no XSS vector runs a script and no remote image is fetched', async () => {
    await ensureSignedIn();
    const b = beacon.base;
    const named: [string, string][] = [
      ['svg onload', `<svg onload="window.top.__xss=1;fetch('${b}/svg')"><circle r=1></circle></svg>`],
      ['details ontoggle', `<details open ontoggle="window.top.__xss=1;new Image().src='${b}/details'"><summary>s</summary>d</details>`],
      ['tab in javascript: link', `<a id=l1 href="java&#x09;script:window.top.__xss=1">tab link</a>`],
      ['NewLine in javascript: link', `<a id=l2 href="java&NewLine;script:window.top.__xss=1">newline link</a>`],
      ['noscript mXSS', `<noscript><p title="</noscript><img src=x onerror=window.top.__xss=1>"></noscript>`],
      ['meta refresh', `<meta http-equiv="refresh" content="0;url=${b}/refresh">refresh`],
      ['base href', `<base href="${b}/base/"><img src="relative.png"><a href="x">base</a>`],
      ['form action', `<form action="${b}/form"><input name=q value=1><button>go</button></form>`],
      ['css url(javascript:)', `<div style="background:url(javascript:window.top.__xss=1)">css</div><div style="background-image:url(${b}/css.png)">css2</div><style>body{background:url('${b}/style.png')}</style>`],
      ['iframe srcdoc', `<iframe srcdoc="<script>window.top.__xss=1</script>"></iframe><iframe src="${b}/frame"></iframe>`],
      ['object data', `<object data="${b}/object"></object><embed src="${b}/embed">`],
      ['remote image', `<p>Hello</p><img src="${b}/remote.png"><img srcset="${b}/srcset.png 1x"><table background="${b}/bg.png"><tr><td>t</td></tr></table>`],
    ];
    const svgFile = `<svg xmlns="http://www.w3.org/2000/svg" onload="window.top.__xss=1"><script>window.top.__xss=1</script></svg>`;
    await desk.sendMail({
      from: 'xss@attacker.example',
      fromName: `<img src=x onerror="window.top.__xss=1">Eve<script>window.top.__xss=1</script>`,
      subject: `<script>window.top.__xss=1</script><img src=x onerror=window.top.__xss=1> subject vector`,
      html: named.map(([n, h]) => `<h3>${n}</h3>${h}`).join('\n'),
    });
    // The svg as an attachment.
    const boundary = 'svg-b';
    await desk.sendRaw('xss@attacker.example', SUPPORT, [
      'From: <xss@attacker.example>', `To: ${SUPPORT}`, 'Subject: svg attachment vector', `Message-ID: <svg.${Date.now()}@attacker.example>`, 'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, 'Content-Type: text/html; charset=utf-8', '', `<p>svg inline</p>${svgFile}`,
      `--${boundary}`, 'Content-Type: image/svg+xml; name="x.svg"', 'Content-Disposition: attachment; filename="x.svg"', '', svgFile, `--${boundary}--`, '',
    ].join('\r\n'));
    await desk.sendMail({ from: 'images@customer.example', subject: 'remote image control', html: `<p>Logo:</p><img src="${b}/remote.png" alt="logo">` });
    const imageTicket = await ticketOrRecover('remote image control');
    const subjectTicket = await ticketOrRecover(`<script>window.top.__xss=1</script><img src=x onerror=window.top.__xss=1> subject vector`);
    const svgTicket = await ticketOrRecover('svg attachment vector');
    // The 223 DOMPurify payloads: one ticket each through the API (the
    // server sanitizes html_body on the way out, the UI again).
    const corpus = JSON.parse(readFileSync(resolve(process.cwd(), '../tests/data/xss/dompurify-payloads.json'), 'utf8')) as { payload: string }[];
    const ids: number[] = [];
    for (const [i, { payload }] of corpus.entries()) {
      const r = await desk.api('POST', '/api/v2/tickets', { ticket: { subject: `xss corpus ${i}`, requester: { email: 'corpus@attacker.example', name: 'Corpus' }, comment: { body: `payload ${i}`, html_body: payload, public: true } } });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      ids.push(r.json.ticket.id);
    }
    // In-app navigation (history API) keeps the visits quick; each page
    // is done once its mail frames are in.
    const visit = async (id: number) => {
      await page.evaluate((path) => {
        history.pushState(null, '', path);
        dispatchEvent(new PopStateEvent('popstate'));
      }, `/agent/tickets/${id}`);
      await page.locator('p.crumbs', { hasText: new RegExp(`^Ticket #${id}$`) }).waitFor();
      await page.locator('iframe.mail-frame').first().waitFor();
      await page.waitForTimeout(50);
    };
    await page.goto(`${desk.url}/agent/tickets/${subjectTicket.id}`);
    for (const id of [subjectTicket.id, svgTicket.id, imageTicket.id, ...ids]) await visit(id);
    await page.goto(`${desk.url}/agent/tickets/${subjectTicket.id}`);
    await page.locator('iframe.mail-frame').first().waitFor();
    await page.getByRole('heading', { name: /subject vector/ }).waitFor();
    await shot(page, 'server-xss-en');
    // The list renders subjects and names as text too.
    await page.goto(`${desk.url}/agent/views/all_open?sort_by=subject&sort_order=asc`);
    await page.getByRole('link', { name: /subject vector/ }).waitFor();
    await page.goto(`${desk.url}/agent/search?q=${encodeURIComponent('"subject vector"')}`);
    await page.getByRole('link', { name: /subject vector/ }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(browser.dialogs).toEqual([]);
    expect(beacon.hits).toEqual([]);
    expect(remoteRequests(browser.requests, desk.url)).toEqual([]);
    // Positive control: once the agent allows it, the remote image loads.
    await page.goto(`${desk.url}/agent/tickets/${imageTicket.id}`);
    await page.getByRole('button', { name: 'Show remote images' }).first().click();
    await waitFor('the allowed remote image', () => beacon.hits.some((h) => h.includes('remote.png')), 10_000);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  }, 600_000);

  it('an ISO-2022-JP mail renders in Japanese and is found by a Japanese word', async () => {
    await ensureSignedIn();
    const raw = execFileSync('/usr/bin/python3', ['-c', [
      'import sys',
      'from email.mime.text import MIMEText',
      'from email.header import Header',
      "m = MIMEText('お世話になっております。請求書の再発行をお願いできますでしょうか。', 'plain', 'iso-2022-jp')",
      "m['Subject'] = Header('請求書の再発行について', 'iso-2022-jp')",
      "m['From'] = '%s <hanako@example.jp>' % Header('山田 花子', 'iso-2022-jp').encode()",
      "m['To'] = 'support@support.example'",
      "m['Message-ID'] = '<jp.1@example.jp>'",
      "sys.stdout.buffer.write(m.as_bytes().replace(b'\\n', b'\\r\\n'))",
    ].join('\n')]);
    expect(raw.includes(Buffer.from('\x1b$B', 'latin1'))).toBe(true);
    await desk.sendRaw('hanako@example.jp', SUPPORT, raw);
    const ticket = await ticketBySubject('請求書の再発行について');
    await setLanguage(page, 'ja');
    await page.goto(`${desk.url}/agent/tickets/${ticket.id}`);
    await page.getByRole('heading', { name: '請求書の再発行について' }).waitFor();
    const frame = page.frameLocator('iframe.mail-frame').first();
    await frame.getByText(/請求書の再発行をお願い/).waitFor();
    await shot(page, 'server-ticket-ja');
    await page.getByRole('searchbox', { name: 'チケットを検索' }).fill('再発行');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await page.getByRole('link', { name: '請求書の再発行について' }).waitFor({ timeout: 10_000 });
    await shot(page, 'server-search-ja');
    await page.goto(`${desk.url}/agent/views/all_open`);
    await page.getByRole('heading', { name: 'すべての未解決チケット' }).waitFor();
    await shot(page, 'server-view-ja');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'server-view-phone-ja');
    await page.setViewportSize({ width: 1280, height: 800 });
    await setLanguage(page, 'en');
    await page.reload();
  });

  // The guide's part A in the browser: the comment-update notification
  // switched off from the triggers page, the reply that then reaches nobody,
  // the doctor naming that trigger at step 2, and its fix.
  it('part A: a deactivated notification trigger, found by the doctor and fixed', async () => {
    await ensureSignedIn();
    await setLanguage(page, 'en');
    await desk.sendMail({ from: 'parta@customer.example', fromName: 'Pat Parta', subject: 'Part A walk', text: 'Where is my parcel?' });
    const ticket = await ticketBySubject('Part A walk');
    await waitFor('the received-request notification', () => sink.messages().find((m) => m.rcpt === 'parta@customer.example'));
    const fromSink = () => sink.messages().filter((m) => m.rcpt === 'parta@customer.example');

    // Step 2 of the guide: find the trigger and deactivate it with its checkbox.
    await page.goto(`${desk.url}/agent/views/all_open`);
    await page.getByRole('navigation').getByRole('link', { name: 'Triggers' }).click();
    await page.getByRole('heading', { name: 'Triggers', level: 1 }).waitFor();
    await page.getByRole('searchbox', { name: 'Search by title' }).fill('Notify requester');
    const box = page.getByRole('checkbox', { name: `Select “${COMMENT_TRIGGER}”` });
    await box.waitFor();
    expect(await page.locator('table.triggers tbody tr').count()).toBeGreaterThanOrEqual(3);
    await shot(page, 'server-admin-triggers-en');
    await box.check();
    await page.getByRole('button', { name: 'Deactivate', exact: true }).click();
    await page.getByText('1 trigger deactivated.').waitFor();
    const triggers = (await desk.api('GET', '/api/v2/triggers')).json.triggers as { id: number; title: string; active: boolean }[];
    const comment = triggers.find((t) => t.title === COMMENT_TRIGGER)!;
    expect(comment.active).toBe(false);

    // An agent's reply now reaches nobody.
    const before = fromSink().length;
    await page.goto(`${desk.url}/agent/tickets/${ticket.id}`);
    await page.getByRole('radio', { name: 'Public reply' }).check();
    await page.getByLabel('Public reply text').fill('First answer 5150.');
    await page.getByRole('button', { name: /^Submit as/ }).click();
    await page.getByText('Update saved.').waitFor();
    await new Promise((r) => setTimeout(r, 4000));
    expect(fromSink().length).toBe(before);
    expect(fromSink().some((m) => m.raw.includes('5150'))).toBe(false);

    // The doctor names the trigger at step 2 and offers the fix.
    await page.getByRole('button', { name: 'Why didn’t the customer get this?' }).click();
    const report = page.getByRole('region', { name: `Report: ticket ${ticket.id}` });
    const step2 = report.locator('li.finding', { has: page.locator('code.finding-step', { hasText: /^2/ }) }).filter({ hasText: COMMENT_TRIGGER });
    await step2.first().waitFor({ timeout: 15_000 });
    await shot(page, 'server-admin-ticket-doctor-en');
    await step2.first().getByRole('button', { name: /^Apply fix: / }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply this fix?' });
    await dialog.getByRole('button', { name: 'Apply fix' }).click();
    await report.getByText(/^Done: .*re-activated trigger/).waitFor();
    expect((await desk.api('GET', `/api/v2/triggers/${comment.id}`)).json.trigger.active).toBe(true);
    await setLanguage(page, 'ja');
    await page.reload();
    await page.getByRole('button', { name: 'お客様にメールが届かなかったのはなぜ？' }).click();
    await page.getByRole('region', { name: `診断結果: ticket ${ticket.id}` }).locator('li.finding').first().waitFor();
    await shot(page, 'server-admin-ticket-doctor-ja');
    await setLanguage(page, 'en');
    await page.reload();

    // The next reply reaches the customer.
    await page.getByRole('radio', { name: 'Public reply' }).check();
    await page.getByLabel('Public reply text').fill('Second answer 6160.');
    await page.getByRole('button', { name: /^Submit as/ }).click();
    await page.getByText('Update saved.').waitFor();
    await waitFor('the second reply at the sink', () => fromSink().find((m) => m.raw.includes('6160')));

    // The trigger's history says who did what.
    await page.goto(`${desk.url}/admin/triggers/${comment.id}`);
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.locator('.revision-action', { hasText: 'Deactivated' }).first().waitFor();
    await shot(page, 'server-admin-trigger-en');
  });

  it('admin pages render against the real API, in English and Japanese', async () => {
    await ensureSignedIn();
    for (const lang of ['en', 'ja'] as const) {
      await setLanguage(page, lang);
      for (const [name, path] of [['triggers', '/admin/triggers'], ['agents', '/admin/agents'], ['doctor', '/admin/doctor'], ['email', '/admin/email']] as const) {
        await page.goto(desk.url + path);
        await page.locator('h1').first().waitFor();
        await page.locator('.loading').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
        expect(await page.locator('.error-box, .admin-only').count(), `${path} in ${lang}`).toBe(0);
        if (name === 'doctor') {
          await page.getByRole('textbox', { name: lang === 'en' ? 'Domain' : 'ドメイン', exact: true }).fill('support.example');
          await page.getByRole('textbox', { name: lang === 'en' ? 'Domain' : 'ドメイン', exact: true }).press('Enter');
          await page.locator('.doctor-report').first().waitFor({ timeout: 20_000 });
        }
        await shot(page, `server-admin-${name}-${lang}`);
      }
    }
    await setLanguage(page, 'en');
  });

  it('DKIM from the Email page: generate, Enable refused while DNS cannot confirm, forced on, then mail is signed', async () => {
    await ensureSignedIn();
    await setLanguage(page, 'en');
    await page.goto(`${desk.url}/admin/email`);
    const panel = page.locator('.dkim-setup').filter({ hasText: 'DKIM signing for support.example' });
    await panel.getByRole('button', { name: 'Generate key' }).click();
    await panel.getByText('Key made for support.example.').waitFor();
    const record = (await panel.locator('.record-text').first().textContent()) ?? '';
    expect(record).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    await panel.getByText('postdesk._domainkey.support.example').first().waitFor();
    const keys = (await desk.api('GET', '/api/v2/dkim_keys')).json.dkim_keys as { domain: string; enabled: boolean; record: { value: string } }[];
    expect(keys.find((k) => k.domain === 'support.example')?.record.value).toBe(record);

    // This desk's DNS answers nothing: Enable says so and signs nothing.
    await panel.getByRole('button', { name: 'Enable', exact: true }).click();
    await panel.getByText(/not signing mail from support\.example/).waitFor({ timeout: 20_000 });
    await shot(page, 'server-admin-email-dkim-refused-en');
    await panel.getByRole('button', { name: 'Enable anyway…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Sign mail from support.example without its record?').waitFor();
    await dialog.getByRole('button', { name: 'Sign anyway' }).click();
    await panel.getByText('Mail from support.example is DKIM-signed from now on.').waitFor({ timeout: 20_000 });
    await panel.getByText('Signing', { exact: true }).waitFor();
    await shot(page, 'server-admin-email-dkim-en');
    await setLanguage(page, 'ja');
    await page.reload();
    const ja = page.locator('.dkim-setup').filter({ hasText: 'support.example の DKIM 署名' });
    await ja.getByText('署名中', { exact: true }).waitFor();
    await ja.scrollIntoViewIfNeeded();
    await shot(page, 'server-admin-email-dkim-ja');
    await setLanguage(page, 'en');

    // The running desk signs the next notification with that key.
    await desk.sendMail({ from: 'dkim@customer.example', fromName: 'Dee Kim', subject: 'Signed receipt please', text: 'Hello.' });
    const mail = await waitFor('the signed notification', () => sink.messages().find((m) => m.rcpt === 'dkim@customer.example'));
    expect(mail.raw.startsWith('DKIM-Signature:')).toBe(true);
    expect(mail.raw.split('\r\n\r\n')[0]).toMatch(/d=support\.example;[\s\S]*s=postdesk;/);

    // Disable (confirmed) stops it for the next mail.
    await page.goto(`${desk.url}/admin/email`);
    await panel.getByRole('button', { name: 'Disable…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop signing' }).click();
    await panel.getByText('Mail from support.example is no longer DKIM-signed.').waitFor({ timeout: 20_000 });
    await desk.sendMail({ from: 'nodkim@customer.example', subject: 'Unsigned receipt please', text: 'Hello.' });
    const plain = await waitFor('the unsigned notification', () => sink.messages().find((m) => m.rcpt === 'nodkim@customer.example'));
    expect(plain.raw.split('\r\n\r\n')[0]).not.toContain('DKIM-Signature:');
  });

  it('the Email page shows the DNS records `postdesk doctor domain` prints (a real DNS server)', async () => {
    const dns = await new DnsServer().start();
    const other = await new Desk(BIN).start(sink.port, dns.port);
    try {
      const made = await other.api('POST', '/api/v2/recipient_addresses', { recipient_address: { email: 'help@noinclude.example', name: 'Help' } });
      expect(made.status).toBe(201);
      // Signing in here replaces the main desk's cookie (same host): later tests sign in again.
      await page.goto(`${other.url}/admin/email`);
      await page.waitForURL(/\/\?next=/);
      await page.getByLabel('Email').fill((await other.api('GET', '/api/v2/users/me')).json.user.email);
      await page.getByLabel('Password').fill(other.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/admin/email');
      const panel = page.locator('.dns-panel').filter({ hasText: 'DNS records for noinclude.example' });
      await panel.locator('.doctor-report').waitFor({ timeout: 20_000 });
      const shown = (await panel.locator('.doctor-report .record-text').allTextContents()).map((r) => r.trim()).sort();
      expect(shown.length).toBeGreaterThanOrEqual(2); // the SPF record with our include, and DMARC
      expect(shown).toContain('v=spf1 include:other.example include:_spf.support.example ~all');
      await shot(page, 'server-admin-email-dns-en');
      // The same records, from the CLI against the same DNS server and data.
      // Exit 1: the domain has problems; the report is on stdout either way.
      const doctor = (...extra: string[]) =>
        spawnSync(BIN, ['doctor', 'domain', 'noinclude.example', ...extra, '--data', other.data, '--dns', `127.0.0.1:${dns.port}`, '--domain', 'support.example'], { encoding: 'utf8' }).stdout;
      const cli = doctor('--json');
      const printed = (JSON.parse(cli).findings as { details?: { record_to_publish?: unknown } }[])
        .map((f) => f.details?.record_to_publish)
        .filter((r): r is string => typeof r === 'string')
        .sort();
      expect(shown).toEqual(printed);
      const text = doctor();
      for (const r of shown) expect(text).toContain(r);
    } finally {
      await other.stop();
      dns.stop();
    }
  });

  it('the settings page keeps a new desk name and shows the API’s error for a spam threshold of 1.5', async () => {
    await ensureSignedIn();
    // The whole page, not only the viewport: the form is longer than a screen.
    const full = async (name: string) => {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(150);
      await page.screenshot({ path: join(process.cwd(), 'e2e', 'screenshots', `${name}.png`), fullPage: true });
    };
    const settings = async () => (await desk.api('GET', '/api/v2/settings')).json as { settings: Record<string, unknown>; config: Record<string, unknown>; changed: string[] };
    const configName = String((await settings()).config.desk_name);
    await setLanguage(page, 'en');
    await page.goto(`${desk.url}/agent/views/all_open`);
    await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/settings');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    const name = page.getByLabel('Desk name', { exact: true });
    const save = page.getByRole('button', { name: 'Save settings' });
    expect(await save.isDisabled()).toBe(true);
    await name.fill('Acme Help Desk');
    await save.click();
    await page.getByText(/^Settings saved\./).waitFor();
    expect((await settings()).settings.desk_name).toBe('Acme Help Desk');
    expect((await settings()).changed).toContain('desk_name');
    await page.reload();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByText(`Changed here (config file: “${configName}”)`).waitFor();
    expect(await name.inputValue()).toBe('Acme Help Desk');

    // A threshold above 1: the API refuses it, and the page says so at the field.
    const suspendAt = page.getByLabel('Suspend at', { exact: true });
    await suspendAt.fill('1.5');
    await save.click();
    await page.getByRole('alert').filter({ hasText: 'must be a number above 0 and at most 1' }).first().waitFor();
    expect(await suspendAt.getAttribute('aria-invalid')).toBe('true');
    await page.getByText('Not saved: Suspend at: must be a number above 0 and at most 1').waitFor();
    expect((await settings()).settings.spam_suspend_at).not.toBe(1.5);

    // A blocklist entry that is no address or domain, named by the API.
    await page.getByLabel('Blocklist', { exact: true }).fill('reject:spam.example @example.com');
    await page.getByRole('button', { name: 'Save lists' }).click();
    await page.getByText('Not saved: Blocklist: "@example.com" is not an address or a domain').waitFor();
    await full('server-admin-settings-en');
    await page.setViewportSize({ width: 390, height: 844 });
    await full('server-admin-settings-phone-en');
    await page.setViewportSize({ width: 1280, height: 800 });

    await setLanguage(page, 'ja');
    await page.reload();
    await page.getByRole('heading', { name: '設定', level: 1 }).waitFor();
    await page.getByText(`ここで変更済み（設定ファイルの値: 「${configName}」）`).waitFor();
    await page.getByLabel('停止するスコア', { exact: true }).fill('1.5');
    await page.getByRole('button', { name: '設定を保存' }).click();
    await page.getByText(/^保存できませんでした（停止するスコア）/).waitFor();
    await full('server-admin-settings-ja');
    await page.setViewportSize({ width: 390, height: 844 });
    await full('server-admin-settings-phone-ja');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Back to the config file's name.
    await page.getByRole('button', { name: '設定ファイルの値に戻す: デスク名' }).click();
    await page.getByText('「デスク名」を設定ファイルの値に戻しました。').waitFor();
    expect(await page.getByLabel('デスク名', { exact: true }).inputValue()).toBe(configName);
    expect((await settings()).changed).not.toContain('desk_name');
    await setLanguage(page, 'en');
    await page.reload();
  });

  it('a support address whose test email is never forwarded shows "failed" with the reason', async () => {
    await ensureSignedIn();
    await setLanguage(page, 'en');
    await page.goto(desk.url + '/admin/email');
    await page.getByRole('heading', { name: 'Email', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Add address' }).click();
    const walk = page.getByRole('region', { name: 'Add a support address' });
    await walk.getByLabel('Email address').fill('help@customer.example');
    await walk.getByLabel('Name').fill('Customer help');
    await walk.getByRole('button', { name: 'Add and continue' }).click();
    await walk.getByText('Step 2 of 3').waitFor();
    await walk.getByRole('button', { name: 'Send verification email' }).click();
    await walk.getByText('Step 3 of 3').waitFor();
    // The sink takes the test email and never forwards it back.
    await walk.getByText('Forwarding of help@customer.example failed.').waitFor({ timeout: (FORWARDING_TIMEOUT_SECONDS + 20) * 1000 });
    await walk.getByText(/never forwarded back/).waitFor();
    await shot(page, 'server-admin-email-failed-en');
    await walk.getByRole('button', { name: 'Done' }).click();
    const card = page.getByRole('article', { name: 'help@customer.example' });
    await card.getByRole('group', { name: 'Checks of help@customer.example' }).getByText('Failed').first().waitFor();
    await card.getByText(/never forwarded back/).waitFor();
    const api = (await desk.api('GET', '/api/v2/recipient_addresses')).json.recipient_addresses as { email: string; forwarding_status: string }[];
    expect(api.find((a) => a.email === 'help@customer.example')?.forwarding_status).toBe('failed');
  });

  it('an agent sees no Admin navigation, and /admin/triggers says only admins may open it', async () => {
    await ensureSignedIn();
    const email = 'aiko.agent@support.example';
    const password = 'agent-password-4711';
    execFileSync(BIN, ['agent', 'add', '--data', desk.data, '--email', email, '--name', 'Aiko Agent'], { stdio: ['ignore', 'pipe', 'pipe'] });
    execFileSync(BIN, ['agent', 'password', email, '--data', desk.data], { input: password + '\n', stdio: ['pipe', 'pipe', 'pipe'] });
    await page.goto(`${desk.url}/agent/views/all_open`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/agent\/views\//);
    await page.getByRole('heading', { name: 'All open tickets' }).waitFor();
    expect(await page.locator('nav a[href^="/admin"]').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Triggers' }).count()).toBe(0);
    await page.goto(`${desk.url}/admin/triggers`);
    await page.getByRole('heading', { name: 'Only admins can open this page.' }).waitFor();
    await shot(page, 'server-admin-only-en');
    // The API agrees: 403 with a JSON description.
    const status = await page.evaluate(async () => {
      const r = await fetch('/api/v2/triggers');
      return { status: r.status, body: await r.json() };
    });
    expect(status.status).toBe(403);
    expect(status.body.error).toBe('Forbidden');
    await setLanguage(page, 'ja');
    await page.reload();
    await page.getByRole('heading', { name: 'このページは管理者のみが開けます。' }).waitFor();
    await shot(page, 'server-admin-only-ja');
    await setLanguage(page, 'en');
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await signIn('/agent/views/all_open');
  });

  it('20 wrong passwords lock the account out; the right one works after the lockout', async () => {
    await ensureSignedIn();
    await page.goto(`${desk.url}/agent/views/all_open`);
    await page.getByRole('button', { name: /Sign out|サインアウト/ }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    let lockedAt = 0;
    for (let i = 1; i <= 21 && !lockedAt; i++) {
      await page.getByLabel('Email').fill(adminEmail);
      await page.getByLabel('Password').fill(`wrong-${i}`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v2/session') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      const text = (await page.getByRole('alert').textContent()) ?? '';
      if (response.status() === 429) {
        lockedAt = i;
        expect(text).toContain('Too many failed sign-ins');
      } else {
        expect(response.status()).toBe(401);
        expect(text).toContain('not right');
      }
    }
    expect(lockedAt).toBeGreaterThanOrEqual(20);
    await shot(page, 'server-signin-locked-en');
    // Still locked for the right password.
    const locked = await fetch(`${desk.url}/api/v2/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: adminEmail, password: desk.password }) });
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LOCKOUT_SECONDS + 1);
    await new Promise((r) => setTimeout(r, (Math.max(retryAfter, LOCKOUT_SECONDS) + 1) * 1000));
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill(desk.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/agent\//);
  });
});
