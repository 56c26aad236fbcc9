import { describe, expect, it } from 'vitest';
import type { Diagnosis, Finding, RecipientAddress } from '../api/types';
import { dnsReport, domainsOf, failedChecks, isDnsStep } from './email';

const addr = (id: number, email: string, extra: Partial<RecipientAddress> = {}): RecipientAddress => ({
  id, email, name: '', default: false, forwarding_status: 'unknown', spf_status: 'unknown', cname_status: 'unknown', domain_verification_status: 'unknown', ...extra,
});
const f = (step: string, details?: Record<string, unknown>): Finding => ({ step, title: step, level: 'warning', evidence: '', fix: null, details });

describe('email channel model', () => {
  it('lists each domain once, the default address’s first', () => {
    const list = [addr(1, 'help@Customer.example'), addr(2, 'support@desk.example', { default: true }), addr(3, 'sales@customer.example')];
    expect(domainsOf(list)).toEqual(['desk.example', 'customer.example']);
    expect(domainsOf([])).toEqual([]);
  });
  it('keeps the SPF, DKIM, DMARC and MX findings of a domain report', () => {
    expect(['spf.record', 'dkim', 'dkim.pd1', 'dmarc.alignment', 'mx', 'dns', '1.addresses', 'spfx'].map(isDnsStep)).toEqual([true, true, true, true, true, true, false, false]);
    const d: Diagnosis = { subject: 'domain x.example', status: 'warning', findings: [f('spf.record'), f('2.trigger'), f('mx')], fixes: [] };
    expect(dnsReport(d).findings.map((x) => x.step)).toEqual(['spf.record', 'mx']);
  });
  it('names the failed checks with the API’s reason and fix', () => {
    const a = addr(4, 'help@customer.example', {
      forwarding_status: 'failed',
      spf_status: 'verified',
      checks: { forwarding: { status: 'failed', reason: 'never forwarded back within 4 s', fix: 'set up forwarding' } },
    });
    expect(failedChecks(a)).toEqual([{ key: 'forwarding', reason: 'never forwarded back within 4 s', fix: 'set up forwarding' }]);
  });
});
