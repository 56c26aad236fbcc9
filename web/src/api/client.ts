// fetch() for /api/v2: same-origin cookie session, the CSRF header on every
// state-changing request, JSON errors turned into ApiError, and one hook
// for "signed out" (any 401 outside the session routes).
// Trusts nothing it receives: callers render fields as text.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly retryAfter: number | null = null,
    readonly body: unknown = null,
  ) {
    super(description || code || `HTTP ${status}`);
  }
}

let csrfToken = '';
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  signal?: AbortSignal;
  // "text" for routes that answer message/rfc822 and the like.
  as?: 'json' | 'text';
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000));
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: options.as === 'text' ? '*/*' : 'application/json' };
  let body: BodyInit | undefined = options.body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.contentType) {
    headers['Content-Type'] = options.contentType;
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NetworkError', (e as Error).message || 'network error');
  }
  if (!response.ok) {
    let payload: { error?: unknown; description?: unknown; message?: unknown } = {};
    let raw: unknown = null;
    try {
      raw = await response.json();
      if (raw && typeof raw === 'object') payload = raw as typeof payload;
    } catch {
      // not JSON
    }
    const code = typeof payload.error === 'string' ? payload.error : typeof payload.error === 'object' && payload.error ? String((payload.error as { title?: string }).title ?? '') : '';
    const description = typeof payload.description === 'string' ? payload.description : typeof payload.message === 'string' ? payload.message : '';
    const error = new ApiError(response.status, code, description, parseRetryAfter(response.headers.get('Retry-After')), raw);
    if (response.status === 401 && !path.startsWith('/api/v2/session') && onUnauthorized) onUnauthorized();
    throw error;
  }
  if (response.status === 204) return null as T;
  if (options.as === 'text') return (await response.text()) as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal });
export const put = <T>(path: string, json?: unknown) => request<T>('PUT', path, { json });
export const post = <T>(path: string, json?: unknown) => request<T>('POST', path, { json });
export const del = <T>(path: string) => request<T>('DELETE', path);

// Query string from the defined values only.
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
