import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSrcdoc, estimateHeight, neutralizeCss, sanitizeMailHtml } from './sanitize';

// The DOMPurify fixture corpus lives in the shared data folder beside the
// repository (see its README); read in place, never copied.
// Tests run from web/, so the corpus is two folders up.
const corpusPath = resolve(process.cwd(), '../tests/data/xss/dompurify-payloads.json');
const corpus = JSON.parse(readFileSync(corpusPath, 'utf8')) as { title?: string; payload: string }[];

const FORBIDDEN_ELEMENTS = 'script,iframe,frame,object,embed,applet,base,meta,link,form,input,button,svg,math,noscript,template,style[src],video,audio,source,portal';
const URL_ATTRS = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background', 'srcset', 'poster', 'lowsrc', 'dynsrc', 'cite'];

// Everything a browser could run or fetch, found in the sanitized output
// (re-parsed, as the iframe will parse it).
function dangers(html: string): string[] {
  const found: string[] = [];
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  for (const el of Array.from(doc.querySelectorAll(FORBIDDEN_ELEMENTS))) found.push(`element ${el.tagName}`);
  for (const el of Array.from(doc.querySelectorAll('*'))) {
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\u0000-\u0020\u007f-\u00a0]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(`handler ${name} on ${el.tagName}`);
      if (URL_ATTRS.includes(name)) {
        if (/^(javascript|vbscript|data:text|data:application|livescript):?/.test(value) || value.startsWith('javascript')) {
          found.push(`script URL in ${name}`);
        }
        if (name !== 'href' && /^(https?:)?\/\//.test(value)) found.push(`remote load in ${name}`);
      }
      if (name === 'style' && /url\s*\(\s*['"]?\s*(?!data:image)/i.test(attr.value)) found.push('url() in style');
      if (name === 'style' && /expression|javascript|@import/i.test(attr.value)) found.push('script in style');
      if (name === 'http-equiv' || name === 'srcdoc') found.push(`attribute ${name}`);
    }
  }
  for (const style of Array.from(doc.querySelectorAll('style'))) {
    if (/url\s*\(\s*['"]?\s*(?!data:image)|@import|expression|javascript/i.test(style.textContent ?? '')) found.push('remote/script in <style>');
  }
  return found;
}

const clean = (html: string) => sanitizeMailHtml(html, { allowRemoteImages: false }).html;

describe('named vectors from other help desks', () => {
  const vectors: [string, string][] = [
    ['svg onload', '<svg onload="window.top.__xss=1"><circle r=1></circle></svg><p>hi</p>'],
    ['svg onload inline image', '<img src="data:image/svg+xml,<svg onload=alert(1)>">'],
    ['details ontoggle', '<details open ontoggle="window.top.__xss=1"><summary>x</summary>y</details>'],
    ['java&#x09;script link', '<a href="java&#x09;script:window.top.__xss=1">click</a>'],
    ['java&NewLine;script link', '<a href="java&NewLine;script:window.top.__xss=1">click</a>'],
    ['noscript mXSS', '<noscript><p title="</noscript><img src=x onerror=window.top.__xss=1>"></noscript>'],
    ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:window.top.__xss=1">text'],
    ['base href', '<base href="javascript:/x/"><a href="y">link</a>'],
    ['form action', '<form action="javascript:window.top.__xss=1"><button>go</button></form>'],
    ['css url(javascript:)', '<div style="background:url(javascript:window.top.__xss=1)">x</div><style>p{background:url("javascript:alert(1)")}</style>'],
    ['iframe srcdoc', '<iframe srcdoc="<script>window.top.__xss=1</script>"></iframe>'],
    ['object data', '<object data="javascript:window.top.__xss=1"></object><embed src="x.swf">'],
    ['script element', '<script>window.top.__xss=1</script>'],
    ['img onerror', '<img src=x onerror="window.top.__xss=1">'],
    ['math mXSS', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>'],
  ];
  for (const [name, html] of vectors) {
    it(name, () => {
      const out = clean(html);
      expect(dangers(out), out).toEqual([]);
      expect(out).not.toMatch(/__xss|alert\(|javascript:/i);
    });
  }
  it('keeps ordinary mail formatting', () => {
    const out = sanitizeMailHtml('<p style="color:#333">Hello <b>there</b></p><table><tr><td>1</td></tr></table><a href="https://example.com/x">x</a>', { allowRemoteImages: false, keepStyles: true }).html;
    expect(out).toContain('<b>there</b>');
    expect(out).toContain('<td>1</td>');
    expect(out).toContain('href="https://example.com/x"');
    expect(out).toContain('rel="noopener noreferrer nofollow"');
    expect(out).toContain('style="color:#333"');
  });
});

describe('remote images', () => {
  const mail = '<img src="http://127.0.0.1:9/a.png" alt="logo"><img srcset="http://x/1.png 1x"><td background="https://x/b.png">t</td>' +
    '<div style="background-image:url(http://x/c.png)">d</div><style>body{background:url(//x/d.png)}@import url(http://x/e.css);</style>' +
    '<img src="data:image/png;base64,iVBORw0KGgo=">';
  it('are removed and counted until allowed', () => {
    const r = sanitizeMailHtml(mail, { allowRemoteImages: false, keepStyles: true });
    expect(dangers(r.html)).toEqual([]);
    expect(r.html).not.toMatch(/http:|https:|\/\/x\//);
    expect(r.html).toContain('data:image/png;base64');
    expect(r.blockedImages).toBeGreaterThanOrEqual(5);
  });
  it('come back as http(s) only once allowed', () => {
    const r = sanitizeMailHtml(mail + '<img src="ftp://x/y.png">', { allowRemoteImages: true, keepStyles: true });
    expect(r.html).toContain('src="http://127.0.0.1:9/a.png"');
    expect(r.html).toContain('url(http://x/c.png)');
    expect(r.html).not.toContain('ftp:');
  });
  it('drops styles by default (the app CSP blocks them in the frame)', () => {
    const r = sanitizeMailHtml(mail, { allowRemoteImages: false });
    expect(r.html).not.toMatch(/style/i);
    expect(dangers(r.html)).toEqual([]);
  });
  it('CSS escapes and image-set cannot smuggle a load', () => {
    expect(neutralizeCss('background:u\\72l(http://x)', false).css).toBe('');
    expect(neutralizeCss('background-image:image-set("http://x/a.png" 1x)', false).css).not.toContain('http');
    expect(neutralizeCss('color:red', false)).toEqual({ css: 'color:red', blocked: 0 });
  });
});

describe('srcdoc', () => {
  it('starts with the frame CSP; remote images widen only img-src', () => {
    expect(buildSrcdoc('<p>x</p>', false).startsWith(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`)).toBe(true);
    expect(buildSrcdoc('', true)).toContain("img-src data: https: http:\"");
    const withSheet = buildSrcdoc('', false, 'http://127.0.0.1:8080/assets/mail-frame.css');
    expect(withSheet).toContain("style-src 'unsafe-inline' http://127.0.0.1:8080/assets/mail-frame.css; img-src data:\"");
    expect(withSheet).toContain('<link rel="stylesheet" href="http://127.0.0.1:8080/assets/mail-frame.css">');
  });
  it('estimates a bounded height', () => {
    expect(estimateHeight('<p>one</p>', 600)).toBeGreaterThanOrEqual(48);
    expect(estimateHeight('<p>x</p>'.repeat(500), 600)).toBe(900);
  });
});

describe('DOMPurify corpus (tests/data/xss)', () => {
  it('has the 223 payloads', () => expect(corpus.length).toBe(223));
  it('the checker itself sees the danger in the raw payloads', () => {
    const flagged = corpus.filter(({ payload }) => dangers(payload).length > 0).length;
    expect(flagged).toBeGreaterThan(120);
  });
  for (const [i, { title, payload }] of corpus.entries()) {
    it(`#${i} ${(title ?? payload).slice(0, 60)}`, () => {
      const out = clean(payload);
      expect(dangers(out), out).toEqual([]);
      const styled = sanitizeMailHtml(payload, { allowRemoteImages: false, keepStyles: true }).html;
      expect(dangers(styled), styled).toEqual([]);
      const again = clean(out);
      expect(dangers(again), again).toEqual([]);
    });
  }
});
