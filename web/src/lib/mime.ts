// Enough MIME to read an email we sent: the header block with RFC 2047
// words decoded, and each text part with its transfer encoding (base64,
// quoted-printable) and charset undone. For display only; the raw source
// stays one click away.

export interface ReadablePart {
  type: string;
  text: string;
}

export interface ReadableEmail {
  headers: string;
  parts: ReadablePart[];
}

function bytesOfLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function decodeBytes(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

export function decodeQuotedPrintable(s: string): Uint8Array {
  const text = s.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(text.charCodeAt(i) & 0xff);
    }
  }
  return new Uint8Array(out);
}

function decodeBase64(s: string): Uint8Array {
  try {
    return bytesOfLatin1(atob(s.replace(/[^A-Za-z0-9+/=]/g, '')));
  } catch {
    return bytesOfLatin1(s);
  }
}

export function decodeWords(header: string): string {
  return header
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_w, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B' ? decodeBase64(data) : decodeQuotedPrintable(data.replace(/_/g, ' '));
      return decodeBytes(bytes, charset.split('*')[0]);
    });
}

function splitHead(raw: string): [string, string] {
  const m = /\r?\n\r?\n/.exec(raw);
  return m ? [raw.slice(0, m.index), raw.slice(m.index + m[0].length)] : [raw, ''];
}

function headerValue(head: string, name: string): string {
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return m ? m[1].trim() : '';
}

function param(value: string, name: string): string {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : '';
}

function walk(head: string, body: string, out: ReadablePart[], depth: number): void {
  const type = headerValue(head, 'Content-Type') || 'text/plain';
  const mediaType = type.split(';')[0].trim().toLowerCase();
  if (mediaType.startsWith('multipart/') && depth < 5) {
    const boundary = param(type, 'boundary');
    if (!boundary) return;
    const pieces = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`));
    for (const piece of pieces.slice(1)) {
      if (!piece.trim()) continue;
      const [h, b] = splitHead(piece);
      walk(h, b, out, depth + 1);
    }
    return;
  }
  if (!mediaType.startsWith('text/')) return;
  const cte = headerValue(head, 'Content-Transfer-Encoding').toLowerCase();
  const bytes = cte === 'base64' ? decodeBase64(body) : cte === 'quoted-printable' ? decodeQuotedPrintable(body) : bytesOfLatin1(body);
  out.push({ type: mediaType, text: decodeBytes(bytes, param(type, 'charset')).replace(/\r\n/g, '\n').trimEnd() });
}

// `raw` as the server sent it, read as Latin-1 would lose UTF-8, so the
// caller passes the text the API returned (UTF-8 decoded by fetch): the
// 8-bit parts are re-encoded before charset decoding.
export function readEmail(raw: string): ReadableEmail {
  const latin1 = Array.from(new TextEncoder().encode(raw), (b) => String.fromCharCode(b)).join('');
  const [head, body] = splitHead(latin1);
  const parts: ReadablePart[] = [];
  walk(head, body, parts, 0);
  const headers = decodeWords(decodeBytes(bytesOfLatin1(head), 'utf-8')).replace(/\r\n/g, '\n');
  return { headers, parts };
}
