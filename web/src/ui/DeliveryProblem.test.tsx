import { afterEach, describe, expect, it, vi } from 'vitest';
import { deliveries, users } from '../test/fixtures';
import { byLabel, click, mount, settle } from '../test/render';
import { setLang } from '../i18n/i18n';
import { EmailDeliveries } from './EmailDeliveries';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('EmailDeliveries', () => {
  it('puts a named warning button only on recipients with a problem, and explains', async () => {
    setLang('en');
    const bob = { ...users[1] };
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => {
      if (init?.method === 'PUT') {
        bob.undeliverable = false;
        expect(JSON.parse(String(init.body))).toEqual({ user: { undeliverable: false } });
      }
      return new Response(JSON.stringify({ user: bob }), { status: 200 });
    });
    vi.stubGlobal('fetch', fetchMock);
    const root = await mount(<EmailDeliveries deliveries={deliveries} />);
    expect(root.textContent).toContain('sent by trigger “Notify requester and CCs of received request”');
    expect(byLabel(root, 'Delivery problem: reject-bob@customer.example')).not.toBeNull();
    expect(byLabel(root, 'Delivery problem: defer-dan@customer.example')).not.toBeNull();
    expect(byLabel(root, 'Delivery problem: carol@customer.example')).toBeNull();

    const button = byLabel(root, 'Delivery problem: reject-bob@customer.example')!;
    expect(button.getAttribute('aria-expanded')).toBe('false');
    await click(button);
    await settle(10);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const panel = root.querySelector('[role=region]')!;
    expect(panel.getAttribute('aria-label')).toBe('Why this email was not delivered');
    expect(panel.textContent).toContain('550');
    expect(panel.textContent).toContain('5.1.1');
    expect(panel.textContent).toContain('Recipient address rejected: User unknown');
    expect(panel.textContent).toContain('The mailbox does not exist');
    expect(panel.textContent).toContain('Marked undeliverable');
    const mark = Array.from(panel.querySelectorAll('button')).find((b) => b.textContent === 'Mark as deliverable');
    await click(mark!);
    await settle(10);
    expect(fetchMock.mock.calls.some(([u, i]) => u === '/api/v2/users/2' && i?.method === 'PUT')).toBe(true);
    expect(panel.textContent).toContain('Marked as deliverable.');
  });
});
