import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../i18n/i18n';
import { session } from '../lib/session';
import { ticketDiagnosis, triggerRevisions } from '../test/fixtures';
import { byLabel, click, mount, settle } from '../test/render';
import { ChangeView } from '../pages/admin/TriggerPage';
import { triggerChanges } from '../lib/triggers';
import { DoctorReport } from './DoctorReport';
import { NavBar } from './NavBar';

const sessionOf = (role: string) => ({ user: { id: 1, name: 'X', email: 'x@support.example', role }, csrf_token: 't' });

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
  session.value = undefined;
});

describe('admin navigation', () => {
  it('shows the Admin section to admins only', async () => {
    setLang('en');
    session.value = sessionOf('admin');
    let root = await mount(<NavBar route={{ name: 'adminTriggers' }} />);
    expect(root.textContent).toContain('Admin');
    const link = Array.from(root.querySelectorAll('a')).find((a) => a.textContent === 'Triggers');
    expect(link?.getAttribute('href')).toBe('/admin/triggers');
    expect(link?.getAttribute('aria-current')).toBe('page');
    const settings = Array.from(root.querySelectorAll('a')).find((a) => a.textContent === 'Settings');
    expect(settings?.getAttribute('href')).toBe('/admin/settings');
    document.body.innerHTML = '';
    session.value = sessionOf('agent');
    root = await mount(<NavBar route={{ name: 'view', key: 'all_open' }} />);
    expect(root.querySelector('a[href^="/admin"]')).toBeNull();
    expect(root.textContent).not.toContain('Triggers');
  });
});

describe('DoctorReport', () => {
  it('shows each step and applies a fix after confirming, then runs again', async () => {
    setLang('en');
    session.value = sessionOf('admin');
    const calls: { url: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ url, body: init?.body ? JSON.parse(String(init.body)) : null });
      return new Response(JSON.stringify({ result: 're-activated trigger 3 "Notify requester and CCs of comment update"' }), { status: 200 });
    }));
    const rerun = vi.fn(async () => undefined);
    const root = await mount(<DoctorReport diagnosis={ticketDiagnosis} onRerun={rerun} />);
    expect(root.textContent).toContain('Step 2');
    expect(root.textContent).toContain('Notification trigger');
    expect(root.textContent).toContain('2 problems');
    expect(root.querySelector('.record-text')?.textContent).toContain('v=DKIM1');
    expect(root.textContent).toContain('Record to publish at pd1._domainkey.support.example');
    await click(byLabel(root, 'Apply fix: re-activate trigger 3 "Notify requester and CCs of comment update"'));
    const dialog = document.querySelector('dialog');
    expect(dialog?.textContent).toContain('Apply this fix?');
    expect(calls).toEqual([]);
    const confirm = Array.from(dialog!.querySelectorAll('button')).find((b) => b.textContent === 'Apply fix')!;
    await click(confirm);
    await settle();
    expect(calls).toEqual([{ url: '/api/v2/doctor/fixes', body: { fix: ticketDiagnosis.fixes![0], subject: 'ticket 1' } }]);
    expect(rerun).toHaveBeenCalledTimes(1);
    expect(root.textContent).toContain('Done: re-activated trigger 3');
    expect(document.querySelector('dialog')).toBeNull();
  });

  it('offers no Apply button to an agent', async () => {
    setLang('en');
    session.value = sessionOf('agent');
    const root = await mount(<DoctorReport diagnosis={ticketDiagnosis} onRerun={() => undefined} />);
    expect(root.querySelector('.fix-offer button')).toBeNull();
    expect(root.textContent).toContain('An admin can apply this fix.');
  });
});

describe('trigger history', () => {
  it('shows old → new for a switched trigger, in Japanese too', async () => {
    setLang('en');
    const change = triggerChanges(triggerRevisions[2].before, triggerRevisions[2].after)[0];
    let root = await mount(<ul><ChangeView change={change} /></ul>);
    expect(root.querySelector('.old')?.textContent).toBe('Active');
    expect(root.querySelector('.new')?.textContent).toBe('Inactive');
    setLang('ja');
    document.body.innerHTML = '';
    root = await mount(<ul><ChangeView change={change} /></ul>);
    expect(root.textContent).toContain('ステータス');
    expect(root.querySelector('.new')?.textContent).toBe('非アクティブ');
    setLang('en');
  });
});
