// Customer mail HTML -> inert HTML for a sandboxed iframe. The server has
// already sanitized html_body with an HTML5 parser; this is the second,
// independent layer (DOMPurify) plus the remote-content rules:
// - no script, event handler, form, frame, object, base, meta, svg/math;
// - links keep http(s)/mailto/tel only, and never navigate the app;
// - remote images (img src/srcset, background, CSS url()/image-set) are
//   removed until the agent allows them for this message; then only
//   http(s) URLs come back;
// - our own inline images (the attachment URLs the server put in place of
//   cid:) become the data: URLs the app fetched for them (inline-images.ts),
//   or lose their src until then; they are never counted as remote;
// - the srcdoc carries its own CSP as its first element: nothing loads
//   but data: images (plus http(s) images once allowed).
// Trusts nothing in its input. Not re-entrant across an await: the hook
// reads the options of the call in progress, and sanitize() is synchronous.
import DOMPurify, { type Config } from 'dompurify';
import { attachmentImageUrl } from './inline-images';

export interface SanitizeResult {
  html: string;
  blockedImages: number;
}

const FORBID_TAGS = [
  'script', 'form', 'input', 'button', 'textarea', 'select', 'option', 'optgroup', 'datalist', 'base', 'meta', 'link',
  'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'param', 'noscript', 'noembed', 'noframes', 'template',
  'audio', 'video', 'source', 'track', 'picture', 'portal', 'dialog', 'svg', 'math', 'xmp', 'plaintext', 'title',
];
const FORBID_ATTR = ['action', 'formaction', 'ping', 'poster', 'srcdoc', 'xlink:href', 'http-equiv', 'autofocus', 'popover'];
const SAFE_LINK = /^(?:https?:|mailto:|tel:|#)/i;

const config: Config = {
  USE_PROFILES: { html: true },
  FORBID_TAGS,
  FORBID_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  WHOLE_DOCUMENT: false,
  KEEP_CONTENT: true,
};

const noStyles: Config = { ...config, FORBID_TAGS: [...FORBID_TAGS, 'style'], FORBID_ATTR: [...FORBID_ATTR, 'style'] };

interface Current {
  allowRemote: boolean;
  blocked: number;
  origin: string;
  inline: ReadonlyMap<string, string>;
}
const idle = (): Current => ({ allowRemote: false, blocked: 0, origin: '', inline: new Map() });
let current: Current = idle();
let purifier: ReturnType<typeof DOMPurify> | null = null;

function isHttp(url: string): boolean {
  return /^(?:https?:)?\/\//i.test(url.trim());
}
function isDataImage(url: string): boolean {
  return /^data:image\/(?:png|gif|jpe?g|webp|bmp);/i.test(url.trim());
}

// CSS with no script and, unless allowed, no remote loads. Any escape
// sequence could hide a url(), so CSS with a backslash is dropped whole.
export function neutralizeCss(css: string, allowRemote: boolean): { css: string; blocked: number } {
  let blocked = 0;
  if (css.includes('\\') || /expression\s*\(|behavior\s*:|-moz-binding|javascript:|vbscript:/i.test(css)) {
    return { css: '', blocked: /url\s*\(/i.test(css) ? 1 : 0 };
  }
  let out = css.replace(/@import[^;]*;?/gi, () => {
    blocked++;
    return '';
  });
  out = out.replace(/(?:-webkit-)?image-set\s*\([^)]*\)/gi, () => {
    blocked++;
    return 'none';
  });
  out = out.replace(/url\s*\(\s*(['"]?)(.*?)\1\s*\)/gi, (whole, _q: string, url: string) => {
    if (isDataImage(url)) return whole;
    if (allowRemote && /^https?:\/\//i.test(url.trim())) return whole;
    blocked++;
    return 'none';
  });
  // Any url( the pattern above could not read.
  if (/url\s*\(/i.test(out.replace(/url\s*\(\s*(['"]?)(?:data:image\/[^'")]*|https?:[^'")]*)\1\s*\)/gi, ''))) {
    return { css: '', blocked: blocked + 1 };
  }
  return { css: out, blocked };
}

function instance(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  const p = DOMPurify(window);
  p.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && node.textContent) {
      const r = neutralizeCss(node.textContent, current.allowRemote);
      current.blocked += r.blocked;
      node.textContent = r.css;
    }
  });
  p.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    if (!el.getAttribute) return;
    const style = el.getAttribute('style');
    if (style !== null) {
      const r = neutralizeCss(style, current.allowRemote);
      current.blocked += r.blocked;
      if (r.css.trim()) el.setAttribute('style', r.css);
      else el.removeAttribute('style');
    }
    for (const attr of ['background', 'srcset', 'lowsrc', 'dynsrc']) {
      const v = el.getAttribute(attr);
      if (v === null) continue;
      if (current.allowRemote && attr === 'background' && /^https?:\/\//i.test(v.trim())) continue;
      if (/(?:https?:)?\/\//i.test(v)) current.blocked++;
      el.removeAttribute(attr);
    }
    if (el.tagName === 'IMG') {
      const src = el.getAttribute('src') ?? '';
      const own = current.origin ? attachmentImageUrl(src, current.origin) : null;
      if (own) {
        const data = current.inline.get(own);
        if (data && isDataImage(data)) {
          el.setAttribute('src', data);
        } else {
          el.removeAttribute('src');
          el.setAttribute('data-inline-image', 'pending');
        }
      } else if (isDataImage(src)) {
        // shown
      } else if (isHttp(src)) {
        if (!(current.allowRemote && /^https?:\/\//i.test(src.trim()))) {
          current.blocked++;
          el.removeAttribute('src');
          el.setAttribute('data-remote-image', 'blocked');
        }
      } else {
        el.removeAttribute('src');
      }
    }
    if (el.tagName === 'A' || el.tagName === 'AREA') {
      const href = el.getAttribute('href');
      if (href !== null && !SAFE_LINK.test(href.trim())) el.removeAttribute('href');
      if (el.hasAttribute('href')) {
        el.setAttribute('target', '_blank');
        el.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    }
    // A sandboxed frame ignores most of these, but none has any use here.
    for (const attr of ['target', 'formtarget']) {
      if (el.tagName !== 'A' && el.tagName !== 'AREA' && el.hasAttribute(attr)) el.removeAttribute(attr);
    }
  });
  purifier = p;
  return p;
}

// `keepStyles`: keep the mail's <style> and style="" (neutralized). Off by
// default: the app's CSP, inherited by the srcdoc frame, blocks inline
// styles anyway, and each blocked one is a console error.
// `origin` and `inlineImages`: our attachment URLs on that origin and the
// data: URLs fetched for them (see inline-images.ts).
export function sanitizeMailHtml(
  html: string,
  options: { allowRemoteImages: boolean; keepStyles?: boolean; origin?: string; inlineImages?: ReadonlyMap<string, string> },
): SanitizeResult {
  const p = instance();
  current = { allowRemote: options.allowRemoteImages, blocked: 0, origin: options.origin ?? '', inline: options.inlineImages ?? new Map() };
  const clean = p.sanitize(html, options.keepStyles ? config : noStyles) as unknown as string;
  const result = { html: clean, blockedImages: current.blocked };
  current = idle();
  return result;
}

// `stylesheet`: the absolute URL of the frame's base stylesheet, allowed
// by name (nothing else from the app's origin is).
export function frameCsp(allowRemoteImages: boolean, stylesheet = ''): string {
  return `default-src 'none'; style-src 'unsafe-inline'${stylesheet ? ` ${stylesheet}` : ''}; img-src data:${allowRemoteImages ? ' https: http:' : ''}`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

// The iframe's whole document. The CSP meta comes first so it governs
// everything after it.
export function buildSrcdoc(cleanHtml: string, allowRemoteImages: boolean, stylesheet = ''): string {
  return (
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttr(frameCsp(allowRemoteImages, stylesheet))}">` +
    '<meta name="referrer" content="no-referrer">' +
    (stylesheet ? `<link rel="stylesheet" href="${escapeAttr(stylesheet)}">` : '') +
    `<body>${cleanHtml}</body>`
  );
}

// Rough content height for the iframe (a sandboxed frame cannot be
// measured from outside): lines of text at the frame's width, plus images.
export function estimateHeight(cleanHtml: string, width: number): number {
  const doc = new DOMParser().parseFromString(cleanHtml, 'text/html');
  const text = doc.body.textContent ?? '';
  const charsPerLine = Math.max(20, Math.floor(width / 7.5));
  let lines = 0;
  for (const line of text.split('\n')) lines += Math.max(1, Math.ceil(line.length / charsPerLine));
  const blocks = doc.body.querySelectorAll('p,div,br,li,tr,h1,h2,h3,h4,blockquote').length;
  const images = doc.body.querySelectorAll('img[src]').length;
  const estimate = Math.max(lines, blocks) * 21 + images * 120 + 24;
  return Math.min(Math.max(estimate, 48), 900);
}
