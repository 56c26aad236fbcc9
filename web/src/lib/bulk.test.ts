import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLang } from '../i18n/i18n';
import { runAction } from './bulk';

afterEach(() => vi.unstubAllGlobals());

function respond(status: number, body: unknown) {
  const fn = vi.fn(async () => new Response(body === null ? null : JSON.stringify(body), { status }));
  vi.stubGlobal('fetch', fn);
  return fn;
}

describe('runAction', () => {
  setLang('en');
  it('recovers one and names the ticket', async () => {
    const fn = respond(200, { ticket: [{ id: 42 }] });
    const r = await runAction('recover', [31]);
    expect(r).toEqual({ ok: true, text: 'Recovered as ticket #42.', ticketIds: [42] });
    expect((fn.mock.calls[0] as unknown as [string])[0]).toBe('/api/v2/suspended_tickets/31/recover');
  });
  it('deletes many as spam through destroy_many', async () => {
    const fn = respond(204, null);
    const r = await runAction('spam', [1, 2]);
    expect(r.ok).toBe(true);
    expect((fn.mock.calls[0] as unknown as [string])[0]).toBe('/api/v2/suspended_tickets/destroy_many?ids=1%2C2&spam=true');
    expect((fn.mock.calls[0] as unknown as [string, RequestInit])[1].method).toBe('DELETE');
  });
  it('reports partial failures of recover_many', async () => {
    respond(422, { error: 'RecordInvalid', description: '1 of 2', tickets: [{ id: 5 }], suspended_tickets: [{ id: 2, error_messages: ['it was recovered or deleted by someone else meanwhile'] }] });
    const r = await runAction('recover', [1, 2]);
    expect(r.ok).toBe(false);
    expect(r.ticketIds).toEqual([5]);
    expect(r.text).toContain('someone else meanwhile');
  });
});
