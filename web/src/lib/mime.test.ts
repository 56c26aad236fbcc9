import { describe, expect, it } from 'vitest';
import { decodeQuotedPrintable, decodeWords, readEmail } from './mime';

describe('readEmail', () => {
  it('decodes a multipart/alternative with quoted-printable UTF-8 parts', () => {
    const raw = [
      'From: Support <support@support.example>',
      'Subject: =?UTF-8?B?5Y+X5LuY44GX44G+44GX44Gf?=',
      'Content-Type: multipart/alternative; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Your request =E5=8F=97=E4=BB=98 has been received and is being rev=',
      'iewed.',
      '--b1',
      'Content-Type: text/html; charset=UTF-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<p>hi</p>',
      '--b1--',
      '',
    ].join('\r\n');
    const r = readEmail(raw);
    expect(r.headers).toContain('Subject: 受付しました');
    expect(r.parts).toEqual([
      { type: 'text/plain', text: 'Your request 受付 has been received and is being reviewed.' },
      { type: 'text/html', text: '<p>hi</p>' },
    ]);
  });
  it('reads base64 and 8-bit single parts', () => {
    expect(readEmail('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n44GT44KT44Gr44Gh44Gv\r\n').parts[0].text).toBe('こんにちは');
    expect(readEmail('Subject: x\r\n\r\nこんにちは\r\n').parts[0].text).toBe('こんにちは');
  });
  it('decodes encoded words and soft breaks', () => {
    expect(decodeWords('=?ISO-8859-1?Q?caf=E9?= =?UTF-8?Q?_ok?=')).toBe('café ok');
    expect(new TextDecoder().decode(decodeQuotedPrintable('a=\r\nb=3D'))).toBe('ab=');
  });
});
