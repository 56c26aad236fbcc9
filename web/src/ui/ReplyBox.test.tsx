import { afterEach, describe, expect, it, vi } from 'vitest';
import { act } from 'preact/test-utils';
import { tickets } from '../test/fixtures';
import { mount, settle } from '../test/render';
import { setLang } from '../i18n/i18n';
import { parseCcs, ReplyBox } from './ReplyBox';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('parseCcs', () => {
  it('splits, lowercases, dedupes and finds the bad one', () => {
    expect(parseCcs('A@x.example, b@y.example;a@x.example')).toEqual({ emails: ['a@x.example', 'b@y.example'], bad: null });
    expect(parseCcs('a@x.example, nope').bad).toBe('nope');
  });
});

describe('ReplyBox', () => {
  it('sends a public reply with CCs, uploads and the chosen status', async () => {
    setLang('en');
    const calls: [string, RequestInit][] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      if (url.startsWith('/api/v2/uploads')) return new Response(JSON.stringify({ upload: { token: 'up1' } }), { status: 201 });
      return new Response(JSON.stringify({ ticket: tickets[0] }), { status: 200 });
    }));
    const onSent = vi.fn();
    const root = await mount(<ReplyBox ticket={tickets[0]} onSent={onSent} />);
    const set = async (sel: string, value: string, ev = 'input') =>
      act(async () => {
        const el = root.querySelector(sel) as HTMLInputElement;
        el.value = value;
        el.dispatchEvent(new Event(ev, { bubbles: true }));
      });
    await set('#reply-body', 'Hello there');
    await set('#reply-ccs', 'cc@customer.example');
    await set('#reply-status', 'solved', 'change');
    const file = root.querySelector('input[type=file]') as HTMLInputElement;
    await act(async () => {
      Object.defineProperty(file, 'files', { value: [new File(['abc'], 'a b.txt', { type: 'text/plain' })], configurable: true });
      file.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await settle(10);
    expect(calls[0][0]).toBe('/api/v2/uploads?filename=a+b.txt');
    expect((calls[0][1].headers as Record<string, string>)['Content-Type']).toBe('text/plain');
    expect((root.querySelector('button[type=submit]') as HTMLButtonElement).textContent).toBe('Submit as Solved');
    await act(async () => {
      root.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
    });
    await settle(10);
    const [url, init] = calls[1];
    expect(url).toBe('/api/v2/tickets/1');
    expect(init.method).toBe('PUT');
    expect(JSON.parse(String(init.body))).toEqual({
      ticket: { status: 'solved', comment: { body: 'Hello there', public: true, uploads: ['up1'] }, email_ccs: [{ user_email: 'cc@customer.example', action: 'put' }] },
    });
    expect(onSent).toHaveBeenCalled();
    expect(root.textContent).toContain('Update saved.');
  });
});
