import { describe, expect, it } from 'vitest';
import { domainDiagnosis, ticketDiagnosis } from '../test/fixtures';
import { counts, recordsOf, stepNumber, validDomain, validEmail, validTicketId, viewOf, worst } from './doctor';

describe('doctor model', () => {
  it('numbers the ticket doctor steps and leaves the domain checks unnumbered', () => {
    expect(stepNumber('2.trigger')).toBe('2');
    expect(stepNumber('4.spf.record')).toBe('4');
    expect(stepNumber('spf.record')).toBeNull();
  });

  it('attaches each fix to the finding it answers', () => {
    const v = viewOf(ticketDiagnosis);
    expect(v.items.map((i) => i.fixes.length)).toEqual([0, 1, 0, 0, 0]);
    expect(v.items[1].fixes[0]).toBe(ticketDiagnosis.fixes![0]);
    expect(v.unplacedFixes).toEqual([]);
    // A fix for a step no finding has: by step number, else left over.
    const other = viewOf({ ...ticketDiagnosis, fixes: [{ fix: 'clear_undeliverable', step: '5.undeliverable', summary: 'clear', id: 2 }, { fix: 'x', step: '9.z', summary: 'z' }] });
    expect(other.items[4].fixes.map((f) => f.summary)).toEqual(['clear']);
    expect(other.unplacedFixes.map((f) => f.summary)).toEqual(['z']);
  });

  it('finds the records to publish, with the name when given', () => {
    expect(recordsOf(ticketDiagnosis.findings[3])).toEqual([{ name: 'pd1._domainkey.support.example', text: 'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' }]);
    expect(recordsOf(domainDiagnosis.findings[2])).toEqual([{ name: null, text: 'v=DMARC1; p=none' }]);
    expect(recordsOf(domainDiagnosis.findings[2], 'customer.example')).toEqual([{ name: '_dmarc.customer.example', text: 'v=DMARC1; p=none' }]);
    expect(recordsOf(domainDiagnosis.findings[1], 'customer.example')[0].name).toBe('customer.example');
    expect(viewOf(domainDiagnosis).items[2].records[0].name).toBe('_dmarc.customer.example');
    expect(recordsOf(domainDiagnosis.findings[0])).toEqual([]);
    expect(recordsOf({ ...domainDiagnosis.findings[0], details: { record_to_publish: 5 } })).toEqual([]);
  });

  it('counts levels and finds the worst', () => {
    expect(counts(ticketDiagnosis)).toEqual({ ok: 1, warning: 2, problem: 2 });
    expect(worst(ticketDiagnosis)).toBe('problem');
    expect(worst({ ...ticketDiagnosis, findings: [] })).toBe('ok');
  });

  it('checks the doctor page inputs', () => {
    expect(validTicketId(' 42 ')).toBe(true);
    expect(validTicketId('0')).toBe(false);
    expect(validTicketId('4a')).toBe(false);
    expect(validEmail('a@b.example')).toBe(true);
    expect(validEmail('a@b')).toBe(false);
    expect(validDomain('support.example')).toBe(true);
    expect(validDomain('support.example.')).toBe(true);
    expect(validDomain('-bad.example')).toBe(false);
    expect(validDomain('nodot')).toBe(false);
  });
});
