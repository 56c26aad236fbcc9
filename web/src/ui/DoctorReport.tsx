// A doctor report: each step with its level, what was seen, what to do,
// the record to publish (with Copy), and the fixes postdesk can make. An
// admin applies a fix after a confirmation; the report then runs again.
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api/endpoints';
import type { Diagnosis, FixOffer, Level } from '../api/types';
import { t } from '../i18n/i18n';
import { counts, viewOf, type FindingView } from '../lib/doctor';
import { isAdmin } from '../lib/roles';
import { session } from '../lib/session';
import { ConfirmDialog, CopyButton, failure, Result, type Outcome } from './admin';
import { CheckIcon, WarningIcon } from './icons';

function LevelBadge({ level }: { level: Level }) {
  return (
    <span class={`level level-${level}`}>
      {level === 'ok' ? <CheckIcon /> : <WarningIcon />}
      {t(`doctor.level.${level}`)}
    </span>
  );
}

export function DoctorReport({ diagnosis, onRerun, headingLevel = 2 }: { diagnosis: Diagnosis; onRerun: () => Promise<void> | void; headingLevel?: 2 | 3 }) {
  const [confirming, setConfirming] = useState<FixOffer | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const admin = isAdmin(session.value?.user);
  const { items, unplacedFixes } = viewOf(diagnosis);
  const c = counts(diagnosis);
  const H = headingLevel === 2 ? 'h2' : 'h3';
  const apply = async (fix: FixOffer) => {
    try {
      const r = await api.applyFix(fix, diagnosis.subject);
      setConfirming(null);
      await onRerun();
      setOutcome({ ok: true, text: t('doctor.applied', { result: r.result }) });
    } catch (e) {
      setConfirming(null);
      setOutcome(failure(e));
    }
  };
  const fixButtons = (fixes: FixOffer[]) =>
    fixes.length > 0 && (
      <div class="fixes">
        {fixes.map((f) => (
          <div class="fix-offer" key={`${f.fix}-${f.id ?? f.key}`}>
            <span>{f.summary}</span>
            {admin ? (
              <button type="button" class="btn btn-small btn-primary" aria-label={t('doctor.applyFixLabel', { summary: f.summary })} onClick={() => setConfirming(f)}>
                {t('doctor.applyFix')}
              </button>
            ) : (
              <span class="muted small">{t('doctor.adminsApply')}</span>
            )}
          </div>
        ))}
      </div>
    );
  return (
    <section class="doctor-report" aria-label={t('doctor.report', { subject: diagnosis.subject })}>
      <div class="doctor-summary">
        <H class="doctor-subject">{t('doctor.report', { subject: diagnosis.subject })}</H>
        <span class="doctor-counts">
          {c.problem > 0 && <span class="level level-problem">{t('doctor.count.problem', { count: c.problem })}</span>}
          {c.warning > 0 && <span class="level level-warning">{t('doctor.count.warning', { count: c.warning })}</span>}
          <span class="level level-ok">{t('doctor.count.ok', { count: c.ok })}</span>
        </span>
      </div>
      <Result outcome={outcome} />
      <ol class="findings">
        {items.map((item, i) => (
          <FindingItem key={`${item.finding.step}-${i}`} item={item} fixes={fixButtons(item.fixes)} />
        ))}
      </ol>
      {unplacedFixes.length > 0 && (
        <div class="finding">
          <h4>{t('doctor.fixes')}</h4>
          {fixButtons(unplacedFixes)}
        </div>
      )}
      {confirming && (
        <ConfirmDialog title={t('doctor.confirmFixTitle')} confirmLabel={t('doctor.applyFix')} onConfirm={() => apply(confirming)} onCancel={() => setConfirming(null)}>
          <p>{confirming.summary}</p>
          <p class="muted small">{t('doctor.confirmFixBody', { subject: diagnosis.subject })}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function FindingItem({ item, fixes }: { item: FindingView; fixes: unknown }) {
  const f = item.finding;
  return (
    <li class={`finding finding-${f.level}`}>
      <div class="finding-head">
        <LevelBadge level={f.level} />
        <span class="finding-title">
          {item.number && <span class="finding-number">{t('doctor.step', { n: item.number })}</span>}
          {f.title}
        </span>
        <code class="finding-step muted">{f.step}</code>
      </div>
      <dl class="facts finding-facts">
        <dt>{t('doctor.evidence')}</dt>
        <dd class="reply-text">{f.evidence}</dd>
        {f.fix && (
          <>
            <dt>{t('doctor.fix')}</dt>
            <dd class="reply-text">{f.fix}</dd>
          </>
        )}
      </dl>
      {f.temporary && <p class="muted small">{t('doctor.temporary')}</p>}
      {item.records.map((r) => (
        <div class="record" key={r.text}>
          <div class="record-head">
            <span class="small">{r.name ? t('doctor.recordAt', { name: r.name }) : t('doctor.record')}</span>
            <CopyButton text={r.text} label={t('doctor.copyRecord')} />
          </div>
          <pre class="record-text">{r.text}</pre>
        </div>
      ))}
      {fixes as never}
    </li>
  );
}

// A diagnosis run on open, with Run again and Close (the ticket page's
// "Why didn't the customer get this?", the requester's sender check).
export function DoctorPanel({ id, run, onClose }: { id: string; run: () => Promise<Diagnosis>; onClose: () => void }) {
  const [diagnosis, setDiagnosis] = useState<Diagnosis | null>(null);
  const [error, setError] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const load = async () => {
    setBusy(true);
    try {
      setDiagnosis(await run());
      setError(null);
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
    panel.current?.focus({ preventScroll: true });
    panel.current?.scrollIntoView?.({ block: 'nearest' });
  }, []);
  return (
    <div
      id={id}
      ref={panel}
      class="doctor-panel"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !document.querySelector('dialog[open]')) onClose();
      }}
    >
      {busy && !diagnosis && (
        <p class="muted loading" role="status">
          {t('doctor.running')}
        </p>
      )}
      <Result outcome={error} />
      {diagnosis && <DoctorReport diagnosis={diagnosis} onRerun={load} headingLevel={3} />}
      <div class="doctor-panel-actions">
        <button type="button" class="btn btn-small" disabled={busy} onClick={() => void load()}>
          {busy ? t('doctor.running') : t('doctor.rerun')}
        </button>
        <button type="button" class="btn btn-small btn-quiet" onClick={onClose}>
          {t('doctor.close')}
        </button>
      </div>
    </div>
  );
}

// A button and, below it, its DoctorPanel.
export function DoctorAction({ label, run, idBase }: { label: string; run: () => Promise<Diagnosis>; idBase: string }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panel = `${idBase}-panel`;
  return (
    <div class="doctor-action">
      <button type="button" ref={button} class="btn btn-small" aria-expanded={open} aria-controls={panel} onClick={() => setOpen(!open)}>
        {label}
      </button>
      {open && (
        <DoctorPanel
          id={panel}
          run={run}
          onClose={() => {
            setOpen(false);
            button.current?.focus();
          }}
        />
      )}
    </div>
  );
}
