// A comment's sender authentication (SPF, DKIM, DMARC) as short verdicts
// for badges, with the reason when a check did not pass.
import type { Authentication } from '../api/types';

export interface Verdict {
  method: 'SPF' | 'DKIM' | 'DMARC';
  result: string;
  ok: boolean;
  reason: string;
  domain: string;
}

const OK = new Set(['pass']);
const NEUTRAL = new Set(['none', 'neutral', 'policy', 'skipped', 'temperror']);

export function verdicts(a: Authentication | null | undefined): Verdict[] {
  if (!a) return [];
  const out: Verdict[] = [];
  if (a.spf) out.push({ method: 'SPF', result: a.spf.result, ok: OK.has(a.spf.result), reason: a.spf.reason ?? '', domain: a.spf.domain ?? '' });
  if (a.dkim) {
    if (a.dkim.length === 0) out.push({ method: 'DKIM', result: 'none', ok: false, reason: '', domain: '' });
    // The passing signature if any, else the first.
    const best = a.dkim.find((d) => d.result === 'pass') ?? a.dkim[0];
    if (best) out.push({ method: 'DKIM', result: best.result, ok: OK.has(best.result), reason: [best.reason, best.detail].filter(Boolean).join(': '), domain: best.domain ?? '' });
  }
  if (a.dmarc) out.push({ method: 'DMARC', result: a.dmarc.result, ok: OK.has(a.dmarc.result), reason: a.dmarc.reason ?? '', domain: a.dmarc.from_domain ?? a.dmarc.domain ?? '' });
  return out;
}

export function tone(v: Verdict): 'ok' | 'neutral' | 'bad' {
  if (v.ok) return 'ok';
  return NEUTRAL.has(v.result) ? 'neutral' : 'bad';
}

// Zendesk's spoofing warning: the desk flagged the mail because the sender
// could not be verified.
export function isSpoofed(a: Authentication | null | undefined): boolean {
  return a?.action === 'flag';
}
