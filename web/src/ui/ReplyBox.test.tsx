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
      if (url.startsWith('/api/v2/macros/active')) return new Response(JSON.stringify({ macros: [], next_page: null }), { status: 200 });
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

  it('applies a macro as a preview the agent submits or undoes', async () => {
    setLang('en');
    const puts: unknown[] = [];
    const ticket = { ...tickets[0], subject: 'Printer', tags: ['printer'] };
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      if (url.startsWith('/api/v2/macros/active')) {
        return new Response(JSON.stringify({ macros: [{ id: 9, title: 'Escalate', active: true, position: 0, description: null, actions: [], restriction: null }], next_page: null }), { status: 200 });
      }
      if (url === '/api/v2/tickets/1/macros/9/apply') {
        return new Response(JSON.stringify({ result: {
          ticket: { ...ticket, status: 'pending', priority: 'urgent', tags: ['printer', 'escalated'], comment: { body: 'Hi Alice, on it.', public: false } },
          changes: [
            { field_name: 'status', previous_value: 'open', value: 'pending' },
            { field_name: 'priority', previous_value: '', value: 'urgent' },
            { field_name: 'tags', previous_value: 'printer', value: 'printer escalated' },
          ],
          warnings: [],
        } }), { status: 200 });
      }
      puts.push(JSON.parse(String(init.body)));
      return new Response(JSON.stringify({ ticket }), { status: 200 });
    }));
    const root = await mount(<ReplyBox ticket={ticket} onSent={() => undefined} />);
    await settle(10);
    const body = () => (root.querySelector('#reply-body') as HTMLTextAreaElement).value;
    await act(async () => {
      const el = root.querySelector('#reply-body') as HTMLTextAreaElement;
      el.value = 'Thanks.';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const choose = async () =>
      act(async () => {
        const el = root.querySelector('#reply-macro') as HTMLSelectElement;
        el.value = '9';
        el.dispatchEvent(new Event('change', { bubbles: true }));
      });
    await choose();
    await settle(10);
    expect(body()).toBe('Thanks.\n\nHi Alice, on it.');
    const preview = root.querySelector('.macro-preview')!.textContent!;
    expect(preview).toContain('Macro “Escalate” applied');
    expect(preview).toContain('PriorityUrgent');
    expect(preview).toContain('Tagsprinter escalated');
    expect((root.querySelector('button[type=submit]') as HTMLButtonElement).textContent).toBe('Submit as Pending');
    expect(root.querySelector('.reply-internal')).not.toBeNull();
    // Undo brings back what the agent had.
    await act(async () => {
      (Array.from(root.querySelectorAll('button')).find((b) => b.textContent === 'Undo macro') as HTMLButtonElement).click();
    });
    expect(body()).toBe('Thanks.');
    expect(root.querySelector('.macro-preview')).toBeNull();
    expect(root.querySelector('.reply-public')).not.toBeNull();
    // Applied again and submitted: the changes go with the reply.
    await choose();
    await settle(10);
    await act(async () => {
      root.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
    });
    await settle(10);
    expect(puts).toEqual([
      { ticket: { priority: 'urgent', tags: ['printer', 'escalated'], status: 'pending', comment: { body: 'Thanks.\n\nHi Alice, on it.', public: false } } },
    ]);
  });

  it('a second macro replaces the first, and an internal-note macro is taken back when made public', async () => {
    setLang('en');
    const ticket = { ...tickets[0], subject: 'Printer', tags: [] };
    const result = (body: string, isPublic: boolean, changes: { field_name: string; previous_value: string; value: string }[]) =>
      new Response(JSON.stringify({ result: { ticket: { ...ticket, comment: { body, public: isPublic } }, changes, warnings: [] } }), { status: 200 });
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      if (url.startsWith('/api/v2/macros/active')) {
        const m = (id: number, title: string) => ({ id, title, active: true, position: id, description: null, actions: [], restriction: null });
        return new Response(JSON.stringify({ macros: [m(1, 'Urgent'), m(2, 'Note')], next_page: null }), { status: 200 });
      }
      if (url === '/api/v2/tickets/1/macros/1/apply') return result('Urgent reply', true, [{ field_name: 'priority', previous_value: '', value: 'urgent' }]);
      if (url === '/api/v2/tickets/1/macros/2/apply') return result('Private history: refund approved', false, []);
      return new Response('{}', { status: 200 });
    }));
    const root = await mount(<ReplyBox ticket={ticket} onSent={() => undefined} />);
    await settle(10);
    const body = () => (root.querySelector('#reply-body') as HTMLTextAreaElement).value;
    const choose = async (id: string) => {
      await act(async () => {
        const el = root.querySelector('#reply-macro') as HTMLSelectElement;
        el.value = id;
        el.dispatchEvent(new Event('change', { bubbles: true }));
      });
      await settle(10);
    };
    await choose('1');
    expect(body()).toBe('Urgent reply');
    await choose('2');
    expect(body()).toBe('Private history: refund approved'); // not appended to the first
    expect(root.querySelector('.macro-preview')!.textContent).not.toContain('Urgent');
    expect(root.querySelector('.reply-internal')).not.toBeNull();
    await act(async () => {
      (root.querySelector('.reply-tab input') as HTMLInputElement).click(); // Public reply
    });
    expect(body()).toBe('');
    expect(root.querySelector('.macro-preview')).toBeNull();
    expect(root.querySelector('.reply-public')).not.toBeNull();
    expect(root.textContent).toContain('may quote private comments');
  });
});
