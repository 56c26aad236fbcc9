import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../i18n/i18n';
import { click, mount, settle } from '../test/render';
import { DkimKeys } from './DkimKeys';

const key = (enabled: boolean) => ({
  domain: 'support.example',
  selector: 'postdesk',
  algorithm: 'rsa',
  enabled,
  record: { name: 'postdesk._domainkey.support.example', type: 'TXT', value: 'v=DKIM1; k=rsa; p=MIIB', zone_line: '' },
});

function button(root: ParentNode, text: string): HTMLButtonElement | undefined {
  return Array.from(root.querySelectorAll('button')).find((b) => b.textContent === text);
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('DkimKeys', () => {
  it('generates a key and shows the record to publish', async () => {
    setLang('en');
    let keys: unknown[] = [];
    const calls: { method: string; url: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
      calls.push({ method: init?.method ?? 'GET', url, body: init?.body ? JSON.parse(String(init.body)) : null });
      if (init?.method === 'POST') {
        keys = [key(false)];
        return new Response(JSON.stringify({ dkim_key: key(false) }), { status: 201 });
      }
      return new Response(JSON.stringify({ dkim_keys: keys }), { status: 200 });
    }));
    const changed = vi.fn();
    const root = await mount(<DkimKeys domain="support.example" onChanged={changed} />);
    await settle();
    expect(root.textContent).toContain('No DKIM key for support.example yet');
    await click(button(root, 'Generate key')!);
    await settle();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ dkim_key: { domain: 'support.example', algorithm: 'rsa', replace: false } });
    expect(root.querySelector('.record-text')?.textContent).toBe('v=DKIM1; k=rsa; p=MIIB');
    expect(root.textContent).toContain('postdesk._domainkey.support.example');
    expect(root.textContent).toContain('Not signing yet');
    expect(changed).toHaveBeenCalled();
  });

  it('says why Enable was refused, with the fix, and offers Enable anyway behind a confirmation', async () => {
    setLang('en');
    const calls: { url: string; body: unknown }[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
      if (init?.method === 'PUT') {
        const body = init.body ? JSON.parse(String(init.body)) : null;
        calls.push({ url, body });
        if (!body?.force) {
          return new Response(JSON.stringify({ error: 'RecordNotPublished', description: 'not signing mail from support.example: no DKIM record at postdesk._domainkey.support.example', fix: 'publish the TXT record' }), { status: 409 });
        }
        return new Response(JSON.stringify({ dkim_key: key(true) }), { status: 200 });
      }
      return new Response(JSON.stringify({ dkim_keys: [key(false)] }), { status: 200 });
    }));
    const root = await mount(<DkimKeys domain="support.example" onChanged={() => undefined} />);
    await settle();
    expect(button(root, 'Enable anyway…')).toBeUndefined();
    await click(button(root, 'Enable')!);
    await settle();
    expect(root.textContent).toContain('no DKIM record at postdesk._domainkey.support.example');
    expect(root.textContent).toContain('Fix: publish the TXT record');
    await click(button(root, 'Enable anyway…')!);
    const dialog = document.querySelector('dialog')!;
    expect(dialog.textContent).toContain('Sign mail from support.example without its record?');
    expect(calls).toHaveLength(1);
    await click(button(dialog, 'Sign anyway')!);
    await settle();
    expect(calls[1]).toEqual({ url: '/api/v2/dkim_keys/support.example/postdesk/enable', body: { force: true } });
    expect(root.textContent).toContain('DKIM-signed from now on');
  });
});
