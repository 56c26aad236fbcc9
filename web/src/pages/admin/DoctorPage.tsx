// /admin/doctor: the four checks of `postdesk doctor` — a ticket, a
// sender, a support address, a domain — each a small form; the report
// renders below the form that ran it.
import { useState } from 'preact/hooks';
import * as api from '../../api/endpoints';
import type { Diagnosis } from '../../api/types';
import { t } from '../../i18n/i18n';
import { validDomain, validEmail, validTicketId } from '../../lib/doctor';
import { useTitle } from '../../lib/title';
import { failure, Result, type Outcome } from '../../ui/admin';
import { DoctorReport } from '../../ui/DoctorReport';

type Kind = 'ticket' | 'sender' | 'address' | 'domain';

const CHECKS: { kind: Kind; valid: (s: string) => boolean; invalid: 'doctor.invalidTicket' | 'doctor.invalidEmail' | 'doctor.invalidDomain'; run: (s: string) => Promise<Diagnosis>; inputType: string }[] = [
  { kind: 'ticket', valid: validTicketId, invalid: 'doctor.invalidTicket', run: (s) => api.doctorTicket(Number(s.trim())), inputType: 'text' },
  { kind: 'sender', valid: validEmail, invalid: 'doctor.invalidEmail', run: (s) => api.doctorSender(s.trim()), inputType: 'email' },
  { kind: 'address', valid: validEmail, invalid: 'doctor.invalidEmail', run: (s) => api.doctorAddress(s.trim()), inputType: 'email' },
  { kind: 'domain', valid: validDomain, invalid: 'doctor.invalidDomain', run: (s) => api.doctorDomain(s.trim()), inputType: 'text' },
];

export function DoctorPage() {
  useTitle(t('doctor.title'));
  return (
    <div class="page admin-page">
      <header class="page-header">
        <div>
          <h1>{t('doctor.title')}</h1>
          <p class="muted small page-intro">{t('doctor.intro')}</p>
        </div>
      </header>
      <div class="doctor-checks">
        {CHECKS.map((c) => (
          <Check key={c.kind} check={c} />
        ))}
      </div>
    </div>
  );
}

function Check({ check }: { check: (typeof CHECKS)[number] }) {
  const [value, setValue] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [diagnosis, setDiagnosis] = useState<Diagnosis | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [ran, setRan] = useState('');
  const id = `doctor-${check.kind}`;
  const run = async (input: string) => {
    setBusy(true);
    try {
      setDiagnosis(await check.run(input));
      setOutcome(null);
    } catch (e) {
      setDiagnosis(null);
      setOutcome(failure(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (!check.valid(value)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setRan(value);
    void run(value);
  };
  return (
    <section class="card doctor-check" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t(`doctor.${check.kind}`)}</h2>
      <p class="muted small">{t(`doctor.${check.kind}Help`)}</p>
      <form class="doctor-form" onSubmit={submit} noValidate>
        <label for={id} class="small">
          {t(`doctor.${check.kind}Label`)}
        </label>
        <div class="inline-form">
          <input id={id} type={check.inputType} inputMode={check.kind === 'ticket' ? 'numeric' : undefined} value={value} aria-invalid={invalid} aria-describedby={invalid ? `${id}-error` : undefined} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
          <button type="submit" class="btn btn-primary btn-small" disabled={busy}>
            {busy ? t('doctor.running') : t('doctor.run')}
          </button>
        </div>
        {invalid && (
          <p id={`${id}-error`} class="form-error small" role="alert">
            {t(check.invalid)}
          </p>
        )}
      </form>
      <Result outcome={outcome} />
      {diagnosis && <DoctorReport diagnosis={diagnosis} onRerun={() => run(ran)} headingLevel={3} />}
    </section>
  );
}
