// The doctor's report, the pure parts: steps grouped by their number
// ("2.trigger" → step 2), the fixes offered for each finding, the records a
// finding asks to publish, and the input checks of the doctor page's forms.
import type { Diagnosis, Finding, FixOffer, Level } from '../api/types';

export const LEVEL_ORDER: Record<Level, number> = { problem: 0, warning: 1, ok: 2 };

// "2.trigger" → "2"; "spf.record" → null (domain steps have no number).
export function stepNumber(step: string): string | null {
  const m = /^(\d+)\./.exec(step);
  return m ? m[1] : null;
}

export interface FindingView {
  finding: Finding;
  number: string | null;
  fixes: FixOffer[];
  records: { name: string | null; text: string }[];
}

// Records to publish from a finding's details: record_to_publish, with the
// name it goes at when the details say (name / record_name).
// Without a name, a domain report's SPF record goes at the domain and its
// DMARC record at _dmarc.{domain}.
export function recordsOf(f: Finding, domain: string | null = null): { name: string | null; text: string }[] {
  const d = f.details;
  if (!d || typeof d !== 'object') return [];
  const text = d.record_to_publish;
  if (typeof text !== 'string' || !text) return [];
  let name = typeof d.name === 'string' ? d.name : typeof d.record_name === 'string' ? d.record_name : null;
  if (!name && domain && /^spf(\.|$)/.test(f.step)) name = domain;
  if (!name && domain && /^dmarc(\.|$)/.test(f.step)) name = `_dmarc.${domain}`;
  return [{ name, text }];
}

// "domain customer.example" → "customer.example".
export function subjectDomain(subject: string): string | null {
  const m = /^domain (\S+)$/.exec(subject);
  return m ? m[1] : null;
}

// Findings in the report's order (the doctor's step order), each with the
// fixes that answer it; a fix whose step no finding has is attached to the
// first finding with its step number, or left over.
export function viewOf(d: Diagnosis): { items: FindingView[]; unplacedFixes: FixOffer[] } {
  const domain = subjectDomain(d.subject);
  const items: FindingView[] = d.findings.map((finding) => ({ finding, number: stepNumber(finding.step), fixes: [], records: recordsOf(finding, domain) }));
  const unplaced: FixOffer[] = [];
  for (const fix of d.fixes ?? []) {
    // The finding a fix answers: same step, the worst of them first.
    const candidates = items.filter((i) => i.finding.step === fix.step).sort((a, b) => LEVEL_ORDER[a.finding.level] - LEVEL_ORDER[b.finding.level]);
    const byNumber = candidates.length ? candidates : items.filter((i) => i.number !== null && i.number === stepNumber(fix.step) && i.finding.level !== 'ok');
    if (byNumber.length) byNumber[0].fixes.push(fix);
    else unplaced.push(fix);
  }
  return { items, unplacedFixes: unplaced };
}

export function counts(d: Diagnosis): Record<Level, number> {
  const c: Record<Level, number> = { ok: 0, warning: 0, problem: 0 };
  for (const f of d.findings) c[f.level] = (c[f.level] ?? 0) + 1;
  return c;
}

export function worst(d: Diagnosis): Level {
  return d.findings.reduce<Level>((w, f) => (LEVEL_ORDER[f.level] < LEVEL_ORDER[w] ? f.level : w), 'ok');
}

// Form checks on the doctor page (the API answers 422 for malformed input
// too; these only save a round trip).
export function validTicketId(s: string): boolean {
  return /^[1-9]\d{0,17}$/.test(s.trim());
}

export function validEmail(s: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s.trim());
}

export function validDomain(s: string): boolean {
  return /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i.test(s.trim().replace(/\.$/, ''));
}
