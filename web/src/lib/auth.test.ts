import { describe, expect, it } from 'vitest';
import { isSpoofed, tone, verdicts } from './auth';

describe('verdicts', () => {
  it('reads SPF, the best DKIM signature and DMARC with reasons', () => {
    const v = verdicts({
      spf: { result: 'fail', reason: 'not in the record', domain: 'x.example' },
      dkim: [{ result: 'fail', reason: 'body_hash', detail: 'body changed', domain: 'x.example' }, { result: 'pass', domain: 'y.example' }],
      dmarc: { result: 'fail', reason: 'no aligned identifier', from_domain: 'x.example' },
      action: 'flag',
    });
    expect(v.map((x) => `${x.method}:${x.result}`)).toEqual(['SPF:fail', 'DKIM:pass', 'DMARC:fail']);
    expect(v[0].reason).toBe('not in the record');
    expect(tone(v[0])).toBe('bad');
    expect(tone({ ...v[0], result: 'none' })).toBe('neutral');
    expect(isSpoofed({ action: 'flag' })).toBe(true);
    expect(isSpoofed({ action: 'accept' })).toBe(false);
    expect(verdicts(null)).toEqual([]);
  });
  it('shows a failed DKIM reason', () => {
    const v = verdicts({ dkim: [{ result: 'fail', reason: 'body_hash', detail: 'body changed' }] });
    expect(v[0].reason).toBe('body_hash: body changed');
  });
});
