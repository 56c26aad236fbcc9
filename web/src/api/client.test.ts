import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, query, request, setCsrfToken, setUnauthorizedHandler } from './client';

function mockFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const fn = vi.fn(async () => new Response(body === null ? null : JSON.stringify(body), { status, headers }));
  vi.stubGlobal('fetch', fn);
  return fn;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken('');
  setUnauthorizedHandler(null);
});

describe('request', () => {
  it('sends the CSRF token on state-changing requests only', async () => {
    setCsrfToken('tok123');
    const fn = mockFetch(200, { ok: true });
    await request('GET', '/api/v2/tickets/1');
    await request('PUT', '/api/v2/tickets/1', { json: { ticket: {} } });
    const [, getInit] = fn.mock.calls[0] as unknown as [string, RequestInit];
    const [, putInit] = fn.mock.calls[1] as unknown as [string, RequestInit];
    expect((getInit.headers as Record<string, string>)['X-CSRF-Token']).toBeUndefined();
    expect((putInit.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok123');
    expect(putInit.credentials).toBe('same-origin');
    expect(putInit.body).toBe('{"ticket":{}}');
  });

  it('turns a JSON error into ApiError with Retry-After', async () => {
    mockFetch(429, { error: 'TooManyAttempts', description: 'wait' }, { 'Retry-After': '120' });
    const e = (await request('POST', '/api/v2/session', { json: {} }).catch((x) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(429);
    expect(e.code).toBe('TooManyAttempts');
    expect(e.retryAfter).toBe(120);
  });

  it('calls the signed-out handler on 401, but not for the session routes', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    mockFetch(401, { error: 'Unauthorized' });
    await request('GET', '/api/v2/session').catch(() => null);
    expect(handler).not.toHaveBeenCalled();
    await request('GET', '/api/v2/views').catch(() => null);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('answers null for 204 and text when asked', async () => {
    mockFetch(204, null);
    expect(await request('DELETE', '/api/v2/session')).toBeNull();
    vi.stubGlobal('fetch', vi.fn(async () => new Response('Subject: hi\r\n\r\nbody', { status: 200 })));
    expect(await request('GET', '/x', { as: 'text' })).toContain('Subject: hi');
  });

  it('reports a network failure as status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    const e = (await request('GET', '/api/v2/views').catch((x) => x)) as ApiError;
    expect(e.status).toBe(0);
  });
});

describe('query', () => {
  it('keeps defined values and encodes them', () => {
    expect(query({ a: 1, b: undefined, c: '', d: 'x y&z' })).toBe('?a=1&d=x+y%26z');
    expect(query({})).toBe('');
  });
});
