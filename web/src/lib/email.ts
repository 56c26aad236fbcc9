// The email channel page, the pure parts: the domains to check (each
// support address's, the desk's own first), the DNS findings of a domain
// report, and which checks of an address to show as failed.
import type { Diagnosis, RecipientAddress } from '../api/types';

export function domainOf(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? '' : email.slice(at + 1).toLowerCase();
}

// The default address: where every other support address forwards to.
export function defaultAddress(addresses: RecipientAddress[]): RecipientAddress | null {
  return addresses.find((a) => a.default) ?? null;
}

// Distinct domains, the desk's own (the default address's) first.
export function domainsOf(addresses: RecipientAddress[]): string[] {
  const out: string[] = [];
  const d = defaultAddress(addresses);
  for (const a of d ? [d, ...addresses] : addresses) {
    const domain = domainOf(a.email);
    if (domain && !out.includes(domain)) out.push(domain);
  }
  return out;
}

const DNS_PREFIXES = ['spf', 'dkim', 'dmarc', 'mx'];

export function isDnsStep(step: string): boolean {
  const head = step.split('.')[0].toLowerCase();
  return DNS_PREFIXES.includes(head) || head === 'dns';
}

// A domain report cut to its SPF, DKIM, DMARC and MX findings (and a DNS
// failure that stopped them), in the report's order.
export function dnsReport(d: Diagnosis): Diagnosis {
  return { ...d, findings: d.findings.filter((f) => isDnsStep(f.step)), fixes: (d.fixes ?? []).filter((f) => isDnsStep(f.step)) };
}

export type CheckKey = 'forwarding' | 'spf' | 'cname' | 'domain_verification';

// The badges of an address, in order, with the API's status for each.
export function statusesOf(a: RecipientAddress): { key: CheckKey; status: string }[] {
  return [
    { key: 'forwarding', status: a.forwarding_status },
    { key: 'spf', status: a.spf_status },
    { key: 'cname', status: a.cname_status },
    { key: 'domain_verification', status: a.domain_verification_status },
  ];
}

// Checks whose status is "failed", with the reason and fix the API gave.
export function failedChecks(a: RecipientAddress): { key: CheckKey; reason: string; fix: string | null }[] {
  return statusesOf(a)
    .filter((s) => s.status === 'failed')
    .map((s) => ({ key: s.key, reason: a.checks?.[s.key]?.reason ?? '', fix: a.checks?.[s.key]?.fix ?? null }));
}

// Forwarding is only a question for addresses off the desk's own domain:
// those on it are verified at creation.
export function needsForwarding(a: RecipientAddress): boolean {
  return a.forwarding_status !== 'verified';
}
