import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  attachmentImageUrl, attachmentImageUrls, clearInlineImageCache, fetchImageAsDataUrl, inlineImageType, loadInlineImages, MAX_INLINE_IMAGE_BYTES, MAX_INLINE_IMAGES, toBase64,
} from './inline-images';
import { sanitizeMailHtml } from './sanitize';

const ORIGIN = 'https://desk.example';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function respond(body: Uint8Array | string, headers: Record<string, string>, status = 200): Response {
  return new Response(body as BodyInit, { status, headers });
}

afterEach(() => clearInlineImageCache());

describe('attachmentImageUrl', () => {
  it('takes our attachment URLs, absolute or as a path', () => {
    expect(attachmentImageUrl('https://desk.example/attachments/12/logo.png', ORIGIN)).toBe('https://desk.example/attachments/12/logo.png');
    expect(attachmentImageUrl('  /attachments/12/logo%20big.png ', ORIGIN)).toBe('https://desk.example/attachments/12/logo%20big.png');
  });
  it('refuses other origins, other paths, queries and tricks', () => {
    for (const src of [
      'https://evil.example/attachments/12/logo.png',
      'http://desk.example/attachments/12/logo.png', // other scheme, other origin
      'https://desk.example:8443/attachments/12/logo.png',
      '//evil.example/attachments/1/a.png',
      'https://desk.example/api/v2/users/1',
      'https://desk.example/attachments/12',
      'https://desk.example/attachments/12/a.png?x=1',
      'https://desk.example/attachments/12/a.png#x',
      'https://user:pw@desk.example/attachments/12/a.png',
      '/attachments/../api/v2/session',
      '/\\evil.example/attachments/1/a.png',
      'attachments/12/a.png',
      'cid:part1@x',
      'data:image/png;base64,AAAA',
      'javascript:alert(1)',
    ]) {
      expect(attachmentImageUrl(src, ORIGIN), src).toBeNull();
    }
  });
  it('lists each of the mail’s own attachment images once, in order', () => {
    const own = ['https://desk.example/attachments/2/b.png', 'https://desk.example/attachments/1/a.gif'];
    const html = '<p><img src="/attachments/2/b.png"><img src="https://desk.example/attachments/1/a.gif"><img src="https://tracker.example/p.gif"><img src="/attachments/2/b.png"></p>';
    expect(attachmentImageUrls(html, ORIGIN, own)).toEqual(['https://desk.example/attachments/2/b.png', 'https://desk.example/attachments/1/a.gif']);
    expect(attachmentImageUrls('<p>no images</p>', ORIGIN, own)).toEqual([]);
  });
  it('never fetches another ticket’s attachment, and at most MAX_INLINE_IMAGES', () => {
    const html = '<img src="/attachments/99/secret.png"><img src="/attachments/2/b.png">';
    expect(attachmentImageUrls(html, ORIGIN, ['https://desk.example/attachments/2/b.png'])).toEqual(['https://desk.example/attachments/2/b.png']);
    const many = Array.from({ length: 50 }, (_, i) => `/attachments/${i + 1}/x.png`);
    const own = many.map((p) => ORIGIN + p);
    const flood = many.map((p) => `<img src="${p}">`).join('');
    expect(attachmentImageUrls(flood, ORIGIN, own)).toHaveLength(MAX_INLINE_IMAGES);
  });
});

describe('fetchImageAsDataUrl', () => {
  it('fetches with the session cookie and makes a data: URL of the served type', async () => {
    const fetchFn = vi.fn(async () => respond(PNG, { 'Content-Type': 'image/png; name="logo.png"' }));
    const url = await fetchImageAsDataUrl('/attachments/3/logo.png', ORIGIN, fetchFn as unknown as typeof fetch);
    expect(url).toBe(`data:image/png;base64,${toBase64(PNG)}`);
    expect(fetchFn).toHaveBeenCalledWith('https://desk.example/attachments/3/logo.png', expect.objectContaining({ credentials: 'same-origin' }));
  });
  it('refuses other types, errors, too big and other origins', async () => {
    const f = (r: Response) => (async () => r) as unknown as typeof fetch;
    expect(await fetchImageAsDataUrl('/attachments/3/x.svg', ORIGIN, f(respond('<svg/>', { 'Content-Type': 'image/svg+xml' })))).toBeNull();
    expect(await fetchImageAsDataUrl('/attachments/3/x.html', ORIGIN, f(respond('<b>', { 'Content-Type': 'text/html' })))).toBeNull();
    expect(await fetchImageAsDataUrl('/attachments/3/x.png', ORIGIN, f(respond('no', { 'Content-Type': 'image/png' }, 404)))).toBeNull();
    expect(await fetchImageAsDataUrl('/attachments/3/x.png', ORIGIN, f(respond(PNG, { 'Content-Type': 'image/png', 'Content-Length': String(MAX_INLINE_IMAGE_BYTES + 1) })))).toBeNull();
    expect(await fetchImageAsDataUrl('/attachments/3/x.png', ORIGIN, f(respond(new Uint8Array(MAX_INLINE_IMAGE_BYTES + 1), { 'Content-Type': 'image/png' })))).toBeNull();
    const never = vi.fn();
    expect(await fetchImageAsDataUrl('https://evil.example/attachments/3/x.png', ORIGIN, never as unknown as typeof fetch)).toBeNull();
    expect(never).not.toHaveBeenCalled();
    expect(await fetchImageAsDataUrl('/attachments/3/x.png', ORIGIN, (async () => { throw new TypeError('offline'); }) as unknown as typeof fetch)).toBeNull();
  });
  it('knows the four image types', () => {
    expect(['image/png', 'IMAGE/JPEG', 'image/gif', 'image/webp; q=1', 'image/bmp', null].map(inlineImageType)).toEqual(['image/png', 'image/jpeg', 'image/gif', 'image/webp', null, null]);
  });
});

describe('the rewrite before the frame', () => {
  it('puts the data: URL in place of our attachment URL and keeps remote images blocked', async () => {
    const html = '<p>Logo: <img alt="logo" src="https://desk.example/attachments/7/logo.png"> and <img src="https://tracker.example/p.gif"></p>';
    const fetchFn = vi.fn(async () => respond(PNG, { 'Content-Type': 'image/png' }));
    const inline = await loadInlineImages(attachmentImageUrls(html, ORIGIN, ['https://desk.example/attachments/7/logo.png']), ORIGIN, fetchFn as unknown as typeof fetch);
    const r = sanitizeMailHtml(html, { allowRemoteImages: false, origin: ORIGIN, inlineImages: inline });
    expect(r.html).toContain(`src="data:image/png;base64,${toBase64(PNG)}"`);
    expect(r.html).not.toContain('/attachments/7');
    expect(r.html).not.toContain('tracker.example');
    expect(r.blockedImages).toBe(1);
    expect(fetchFn).toHaveBeenCalledTimes(1);
    // Cached: a second comment with the same logo fetches nothing.
    await loadInlineImages(['https://desk.example/attachments/7/logo.png'], ORIGIN, fetchFn as unknown as typeof fetch);
    expect(fetchFn).toHaveBeenCalledTimes(1);
  });
  it('leaves our image without a src until it is fetched, and does not call it remote', () => {
    const r = sanitizeMailHtml('<img src="/attachments/7/logo.png">', { allowRemoteImages: false, origin: ORIGIN });
    expect(r.html).toBe('<img data-inline-image="pending">');
    expect(r.blockedImages).toBe(0);
  });
  it('never takes a non-image data: URL from the map', () => {
    const inline = new Map([['https://desk.example/attachments/7/x.png', 'data:text/html;base64,PGI+']]);
    const r = sanitizeMailHtml('<img src="/attachments/7/x.png">', { allowRemoteImages: false, origin: ORIGIN, inlineImages: inline });
    expect(r.html).not.toContain('data:text');
  });
});
