// Inline images of a mail (cid: parts): the server rewrites them to the
// attachment's same-origin content_url (/attachments/{id}/{name}), which
// the sandboxed frame cannot load (opaque origin, no cookie, CSP img-src
// data: only). The app fetches each one with the session cookie and hands
// the frame a data: URL instead: only PNG, JPEG, GIF and WebP, at most
// 5 MB each, at most 20 per mail, 4 at a time, and only the mail's own
// attachments (a sender must not pull another ticket's file into their
// message with the agent's session). Other-origin images stay remote
// images (blocked until allowed); nothing here ever fetches another origin.

export const INLINE_IMAGE_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
export const MAX_INLINE_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_INLINE_IMAGES = 20;
const PARALLEL_FETCHES = 4;

const ATTACHMENT_PATH = /^\/attachments\/[1-9]\d{0,17}\/[^/?#]+$/;

// `src` as one of our attachment URLs (absolute, normalized), or null: an
// absolute http(s) URL of exactly `origin`, or a path on it; no query, no
// fragment, no credentials.
export function attachmentImageUrl(src: string, origin: string): string | null {
  const s = src.trim();
  if (!s || /[\u0000-\u001f\\]/.test(s)) return null;
  const absolute = /^https?:\/\//i.test(s);
  if (!absolute && !s.startsWith('/attachments/')) return null;
  let url: URL;
  try {
    url = new URL(s, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin || url.username || url.password || url.search || url.hash) return null;
  if (!ATTACHMENT_PATH.test(url.pathname)) return null;
  return url.origin + url.pathname;
}

// The mail's own attachments among the <img src> of `html` (parsed inert:
// a DOMParser document loads nothing), each once, in order, at most
// MAX_INLINE_IMAGES. `own`: the content_urls of the comment's attachments.
export function attachmentImageUrls(html: string, origin: string, own: readonly string[]): string[] {
  if (!html || !/<img/i.test(html)) return [];
  const allowed = new Set(own.map((u) => attachmentImageUrl(u, origin)).filter((u): u is string => u !== null));
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const out: string[] = [];
  for (const img of Array.from(doc.querySelectorAll('img[src]'))) {
    const url = attachmentImageUrl(img.getAttribute('src') ?? '', origin);
    if (url && allowed.has(url) && !out.includes(url)) out.push(url);
    if (out.length >= MAX_INLINE_IMAGES) break;
  }
  return out;
}

// "image/png; name=x" → "image/png" when it is one we show, else null.
export function inlineImageType(contentType: string | null): string | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return INLINE_IMAGE_TYPES.includes(type) ? type : null;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

// The body, or null once it passes `max` bytes (stops reading there).
async function readLimited(response: Response, max: number): Promise<Uint8Array | null> {
  const declared = Number(response.headers.get('Content-Length'));
  if (Number.isFinite(declared) && declared > max) return null;
  if (!response.body || typeof response.body.getReader !== 'function') {
    const buf = new Uint8Array(await response.arrayBuffer());
    return buf.byteLength > max ? null : buf;
  }
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

// One attachment as a data: URL, or null (not ours, refused, not an image
// type we show, too big, network error).
export async function fetchImageAsDataUrl(url: string, origin: string, fetchFn: typeof fetch = fetch, signal?: AbortSignal): Promise<string | null> {
  const own = attachmentImageUrl(url, origin);
  if (!own) return null;
  try {
    const response = await fetchFn(own, { credentials: 'same-origin', headers: { Accept: INLINE_IMAGE_TYPES.join(', ') }, redirect: 'error', signal });
    if (!response.ok) return null;
    const type = inlineImageType(response.headers.get('Content-Type'));
    if (!type) return null;
    const bytes = await readLimited(response, MAX_INLINE_IMAGE_BYTES);
    if (!bytes || bytes.byteLength === 0) return null;
    return `data:${type};base64,${toBase64(bytes)}`;
  } catch {
    return null;
  }
}

// Fetched images by URL for the life of the page (a ticket's comments often
// repeat a signature logo); failures are not kept, so a retry can succeed.
const cache = new Map<string, Promise<string | null>>();
const MAX_CACHED = 50;

export async function loadInlineImages(urls: string[], origin: string, fetchFn: typeof fetch = fetch): Promise<Map<string, string>> {
  const load = async (url: string): Promise<readonly [string, string | null]> => {
    let p = cache.get(url);
    if (!p) {
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
      p = fetchImageAsDataUrl(url, origin, fetchFn);
      cache.set(url, p);
    }
    const data = await p;
    if (data === null) cache.delete(url);
    return [url, data] as const;
  };
  // A few at a time: a mail's images never flood the server.
  const queue = urls.slice(0, MAX_INLINE_IMAGES);
  const pairs: (readonly [string, string | null])[] = [];
  const workers = Array.from({ length: Math.min(PARALLEL_FETCHES, queue.length) }, async () => {
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) pairs.push(await load(url));
  });
  await Promise.all(workers);
  return new Map(pairs.filter((p): p is readonly [string, string] => p[1] !== null));
}

export function clearInlineImageCache(): void {
  cache.clear();
}
