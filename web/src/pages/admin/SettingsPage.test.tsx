import { afterEach, describe, expect, it, vi } from 'vitest';
import { act } from 'preact/test-utils';
import type { SettingsAnswer } from '../../api/types';
import { setLang } from '../../i18n/i18n';
import { byLabel, click, mount, settle } from '../../test/render';
import { SettingsPage } from './SettingsPage';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
  setLang('en');
});

const config = { desk_name: 'Support', inbound_authentication: 'flag', reject_on_dmarc_reject: false, spam_suspend_at: 0.9, spam_refuse_at: 0.99, suspended_retention_days: 14 };

function answerOf(settings: Partial<SettingsAnswer['settings']> = {}, changed: string[] = ['desk_name']): SettingsAnswer {
  return { settings: { ...config, desk_name: 'Acme Help', language: 'en', ...settings }, config, changed };
}

interface Call {
  method: string;
  url: string;
  body: unknown;
}

// A fake /api/v2: GET answers `state`; PUT answers `onPut` (or echoes the state).
function fakeApi(onPut: (url: string, body: any) => { status: number; json: unknown } = () => ({ status: 200, json: answerOf() })) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : null;
      calls.push({ method, url, body });
      let r: { status: number; json: unknown };
      if (method === 'GET' && url === '/api/v2/settings') r = { status: 200, json: answerOf() };
      else if (method === 'GET' && url === '/api/v2/email_lists') r = { status: 200, json: { email_lists: { allowlist: 'partner.example', blocklist: 'reject:spam.example' } } };
      else r = onPut(url, body);
      return new Response(JSON.stringify(r.json), { status: r.status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

const puts = (calls: Call[]) => calls.filter((c) => c.method === 'PUT').map(({ url, body }) => ({ url, body }));

async function type(el: Element | null, value: string) {
  if (!el) throw new Error('no field');
  await act(async () => {
    (el as HTMLInputElement).value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function submit(root: HTMLElement, name: string) {
  const button = Array.from(root.querySelectorAll<HTMLButtonElement>('button[type=submit]')).find((b) => b.textContent === name);
  if (!button) throw new Error(`no ${name} button`);
  expect(button.disabled, `${name} enabled`).toBe(false);
  await act(async () => {
    button.form!.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
  });
  await settle(10);
}

// The page, once the settings and then the lists have loaded.
async function open(): Promise<HTMLElement> {
  const root = await mount(<SettingsPage />);
  await settle(10);
  await settle(10);
  return root;
}

const saveButton = (root: HTMLElement) => Array.from(root.querySelectorAll<HTMLButtonElement>('button[type=submit]')).find((b) => b.textContent === 'Save settings')!;
const input = (root: HTMLElement, id: string) => root.querySelector<HTMLInputElement>(`#${id}`)!;

describe('SettingsPage', () => {
  it('renders the values, the config value of a setting changed here, and the lists', async () => {
    setLang('en');
    fakeApi();
    const root = await open();
    expect(root.querySelector('h1')?.textContent).toBe('Settings');
    expect(input(root, 'settings-desk-name').value).toBe('Acme Help');
    expect(root.querySelector<HTMLSelectElement>('#settings-language')!.value).toBe('en');
    expect(input(root, 'settings-auth-flag').checked).toBe(true);
    expect(input(root, 'settings-auth-suspend').checked).toBe(false);
    expect(input(root, 'settings-reject-on-dmarc-reject').checked).toBe(false);
    expect(input(root, 'settings-spam-suspend-at').value).toBe('0.9');
    expect(input(root, 'settings-spam-refuse-at').value).toBe('0.99');
    expect(input(root, 'settings-never-refuse').checked).toBe(false);
    expect(input(root, 'settings-suspended-retention-days').value).toBe('14');
    expect(root.querySelectorAll('.setting-changed')).toHaveLength(1);
    expect(root.querySelector('.setting-changed')?.textContent).toContain('Changed here (config file: “Support”)');
    expect(byLabel(root, 'Use config value: Desk name')).not.toBeNull();
    expect(root.querySelector<HTMLTextAreaElement>('#lists-allowlist')!.value).toBe('partner.example');
    expect(root.querySelector<HTMLTextAreaElement>('#lists-blocklist')!.value).toBe('reject:spam.example');
    expect(saveButton(root).disabled).toBe(true);
    expect(root.textContent).toContain('The display name on every email the desk sends');
  });

  it('Save sends only the keys the admin changed', async () => {
    setLang('en');
    const calls = fakeApi(() => ({ status: 200, json: answerOf({ desk_name: 'Acme Care', suspended_retention_days: 30 }, ['desk_name', 'suspended_retention_days']) }));
    const root = await open();
    await type(input(root, 'settings-desk-name'), 'Acme Care');
    await type(input(root, 'settings-suspended-retention-days'), '30');
    // Changed and changed back: not sent.
    await type(input(root, 'settings-spam-suspend-at'), '0.8');
    await type(input(root, 'settings-spam-suspend-at'), '0.90');
    expect(root.textContent).toContain('You have unsaved changes.');
    await submit(root, 'Save settings');
    expect(puts(calls)).toEqual([{ url: '/api/v2/settings', body: { settings: { desk_name: 'Acme Care', suspended_retention_days: 30 } } }]);
    expect(root.querySelector('.result-ok')?.textContent).toBe('Settings saved. They apply from the next email.');
    expect(input(root, 'settings-suspended-retention-days').value).toBe('30');
    expect(root.querySelectorAll('.setting-changed')).toHaveLength(2);
    expect(root.textContent).toContain('Changed here (config file: 14 days)');
    expect(saveButton(root).disabled).toBe(true);
  });

  it("shows the API's 422 message next to the field it names", async () => {
    setLang('en');
    const calls = fakeApi(() => ({ status: 422, json: { error: 'RecordInvalid', description: 'settings.spam_suspend_at: must be a number above 0 and at most 1' } }));
    const root = await open();
    await type(input(root, 'settings-spam-suspend-at'), '1.5');
    await submit(root, 'Save settings');
    expect(puts(calls)).toEqual([{ url: '/api/v2/settings', body: { settings: { spam_suspend_at: 1.5 } } }]);
    const field = input(root, 'settings-spam-suspend-at');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    const problem = root.querySelector(`#${field.getAttribute('aria-describedby')!.split(' ')[1]}`);
    expect(problem?.textContent).toBe('The server said: must be a number above 0 and at most 1');
    expect(root.querySelector('.result-bad')?.textContent).toBe('Not saved: Suspend at: must be a number above 0 and at most 1');
    expect(field.value).toBe('1.5');
    expect(saveButton(root).disabled).toBe(false);
    await type(field, '0.95');
    expect(field.getAttribute('aria-invalid')).toBeNull();
    expect(root.querySelector('.form-error')).toBeNull();
  });

  it('does not send a number field that holds no number', async () => {
    setLang('en');
    const calls = fakeApi();
    const root = await open();
    await type(input(root, 'settings-suspended-retention-days'), '');
    await submit(root, 'Save settings');
    expect(puts(calls)).toEqual([]);
    expect(root.textContent).toContain('Enter a number.');
  });

  it('"Never refuse" sends null', async () => {
    setLang('en');
    const calls = fakeApi(() => ({ status: 200, json: answerOf({ spam_refuse_at: null }, ['desk_name', 'spam_refuse_at']) }));
    const root = await open();
    await click(input(root, 'settings-never-refuse'));
    expect(input(root, 'settings-spam-refuse-at').disabled).toBe(true);
    await submit(root, 'Save settings');
    expect(puts(calls)).toEqual([{ url: '/api/v2/settings', body: { settings: { spam_refuse_at: null } } }]);
    expect(input(root, 'settings-never-refuse').checked).toBe(true);
    expect(root.textContent).toContain('Changed here (config file: 0.99)');
  });

  it('"Use config value" sends a reset of that key', async () => {
    setLang('en');
    const calls = fakeApi(() => ({ status: 200, json: answerOf({ desk_name: 'Support' }, []) }));
    const root = await open();
    await type(input(root, 'settings-spam-suspend-at'), '0.8');
    await click(byLabel(root, 'Use config value: Desk name'));
    await settle(10);
    expect(puts(calls)).toEqual([{ url: '/api/v2/settings', body: { reset: ['desk_name'] } }]);
    expect(input(root, 'settings-desk-name').value).toBe('Support');
    expect(root.querySelector('.setting-changed')).toBeNull();
    // Another field's unsaved edit stays.
    expect(input(root, 'settings-spam-suspend-at').value).toBe('0.8');
    expect(root.querySelector('.result-ok')?.textContent).toBe('Desk name uses the config file’s value again.');
  });

  it('saves the lists on their own, and shows the entry the API refuses', async () => {
    setLang('en');
    let n = 0;
    const calls = fakeApi(() =>
      n++ === 0
        ? { status: 422, json: { error: 'RecordInvalid', description: 'email_lists.blocklist: "@example.com" is not an address or a domain' } }
        : { status: 200, json: { email_lists: { allowlist: 'partner.example', blocklist: 'reject:spam.example example.com' } } },
    );
    const root = await open();
    const blocklist = root.querySelector('#lists-blocklist')!;
    await type(blocklist, 'reject:spam.example @example.com');
    await submit(root, 'Save lists');
    expect(puts(calls)).toEqual([{ url: '/api/v2/email_lists', body: { email_lists: { allowlist: 'partner.example', blocklist: 'reject:spam.example @example.com' } } }]);
    expect(blocklist.getAttribute('aria-invalid')).toBe('true');
    expect(root.querySelector('#lists-blocklist-problem')?.textContent).toBe('The server said: "@example.com" is not an address or a domain');
    expect(root.textContent).toContain('Not saved: Blocklist: "@example.com" is not an address or a domain');
    await type(blocklist, 'reject:spam.example\nExample.com');
    await submit(root, 'Save lists');
    expect(root.querySelector<HTMLTextAreaElement>('#lists-blocklist')!.value).toBe('reject:spam.example example.com');
    expect(root.textContent).toContain('Allowlist and blocklist saved.');
    expect(root.querySelector('#lists-blocklist-problem')).toBeNull();
  });

  it('speaks Japanese', async () => {
    setLang('ja');
    fakeApi();
    const root = await open();
    expect(root.querySelector('h1')?.textContent).toBe('設定');
    expect(root.textContent).toContain('ここで変更済み（設定ファイルの値: 「Support」）');
    expect(root.textContent).toContain('許可リストとブロックリスト');
    expect(saveButton(root)).toBeUndefined();
    expect(Array.from(root.querySelectorAll('button')).some((b) => b.textContent === '設定を保存')).toBe(true);
  });

  it('shows an agent the "only admins" page on a 403', async () => {
    setLang('en');
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'Forbidden', description: 'only admins can change settings' }), { status: 403 })));
    const root = await open();
    expect(root.textContent).toContain('Only admins can open this page.');
    expect(root.textContent).toContain('only admins can change settings');
  });
});

describe('SettingsPage with saved values that no longer apply', () => {
  it('says which and why', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        const json =
          url === '/api/v2/settings'
            ? { ...answerOf(), problems: { spam_refuse_at: 'spam_refuse_at: must not be below spam_suspend_at (0.97)' } }
            : { email_lists: { allowlist: '', blocklist: '' } };
        return new Response(JSON.stringify(json), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }),
    );
    const root = await mount(<SettingsPage />);
    await settle();
    const alert = root.querySelector('[role=alert]');
    expect(alert?.textContent).toContain('Some saved values no longer apply');
    expect(alert?.textContent).toContain('spam_refuse_at: must not be below spam_suspend_at (0.97)');
  });
});
