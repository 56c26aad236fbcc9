// /admin/email: the support addresses with their forwarding and DNS
// statuses (the reason of a failure as the API gives it), Verify
// forwarding, Check DNS, delete; Add address walks through forwarding at
// the mail provider and the verification email; and per domain, its SPF,
// DKIM, DMARC and MX findings with the records to publish, and its DKIM
// keys (ui/DkimKeys: generate, publish, enable after the server's lookup).
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../../api/endpoints';
import type { Diagnosis, RecipientAddress } from '../../api/types';
import type { MessageKey } from '../../i18n/en';
import { t, tMaybe } from '../../i18n/i18n';
import { defaultAddress, dnsReport, domainOf, domainsOf, failedChecks, statusesOf, type CheckKey } from '../../lib/email';
import { usePoll } from '../../lib/poll';
import { useTitle } from '../../lib/title';
import { AdminError, ConfirmDialog, CopyButton, failure, Result, type Outcome } from '../../ui/admin';
import { Loading } from '../../ui/common';
import { DkimKeys } from '../../ui/DkimKeys';
import { DoctorReport } from '../../ui/DoctorReport';

// While an address waits for its test email to come back.
export const WAITING_POLL_MS = 3000;
const IDLE_POLL_MS = 60_000;

function StatusBadge({ check, status }: { check: CheckKey; status: string }) {
  const known = ['unknown', 'waiting', 'verified', 'failed'].includes(status) ? status : 'unknown';
  return (
    <span class={`badge badge-${known}`}>
      <span class="badge-label">{t(`email.check.${check}` as MessageKey)}</span>
      <span class="badge-status">{tMaybe(`email.status.${status}`, status)}</span>
    </span>
  );
}

// Is forwarding a question for this address? Not for those on the desk's
// own domain (the default address's): mail to them reaches us directly.
function forwards(a: RecipientAddress, all: RecipientAddress[]): boolean {
  const d = defaultAddress(all);
  if (a.default) return false;
  return !(d && domainOf(d.email) === domainOf(a.email) && a.forwarding_status === 'verified');
}

export function EmailPage() {
  useTitle(t('email.title'));
  const [addresses, setAddresses] = useState<RecipientAddress[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<RecipientAddress | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [dnsRuns, setDnsRuns] = useState<Record<string, number>>({});
  const addButton = useRef<HTMLButtonElement>(null);
  const load = async (signal?: AbortSignal) => {
    try {
      const r = await api.getRecipientAddresses();
      if (signal?.aborted) return;
      setAddresses(r.recipient_addresses);
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  const waiting = (addresses ?? []).some((a) => a.forwarding_status === 'waiting');
  usePoll(load, waiting ? WAITING_POLL_MS : IDLE_POLL_MS, [waiting]);

  const act = async (key: string, fn: () => Promise<string>) => {
    setBusy(key);
    try {
      setOutcome({ ok: true, text: await fn() });
      await load();
    } catch (e) {
      setOutcome(failure(e));
    } finally {
      setBusy(null);
    }
  };
  const verifyForwarding = (a: RecipientAddress) =>
    act(`fwd-${a.id}`, async () => {
      await api.verifyRecipientAddress(a.id, 'forwarding');
      return t('email.verificationSent', { email: a.email });
    });
  const checkDns = (a: RecipientAddress) =>
    act(`dns-${a.id}`, async () => {
      const r = await api.verifyRecipientAddress(a.id, 'dns');
      const domain = domainOf(a.email);
      setDnsRuns((runs) => ({ ...runs, [domain]: (runs[domain] ?? 0) + 1 }));
      const failed = failedChecks(r.recipient_address).length;
      return failed ? t('email.dnsChecked.failed', { email: a.email, count: failed }) : t('email.dnsChecked', { email: a.email });
    });
  const remove = async (a: RecipientAddress) => {
    try {
      await api.deleteRecipientAddress(a.id);
      setDeleting(null);
      setOutcome({ ok: true, text: t('email.deleted', { email: a.email }) });
      await load();
    } catch (e) {
      setDeleting(null);
      setOutcome(failure(e));
    }
  };

  if (error && !addresses) {
    return (
      <div class="page admin-page">
        <h1>{t('email.title')}</h1>
        <AdminError error={error} onRetry={() => void load()} />
      </div>
    );
  }
  const list = addresses ?? [];
  const target = defaultAddress(list);
  return (
    <div class="page admin-page email-page">
      <header class="page-header">
        <div>
          <h1>{t('email.title')}</h1>
          <p class="muted small page-intro">{t('email.intro')}</p>
        </div>
        {!adding && (
          <button type="button" ref={addButton} class="btn btn-primary" onClick={() => {
              setOutcome(null);
              setAdding(true);
            }}>
            {t('email.add')}
          </button>
        )}
      </header>
      {adding && (
        <AddAddress
          target={target?.email ?? null}
          onChanged={() => void load()}
          onClose={() => {
            setAdding(false);
            void load();
            setTimeout(() => addButton.current?.focus(), 0);
          }}
        />
      )}
      <Result outcome={outcome} />
      <section aria-labelledby="email-addresses-title">
        <h2 id="email-addresses-title">{t('email.addresses')}</h2>
        {!addresses && <Loading />}
        {addresses && list.length === 0 && <p class="muted">{t('email.empty')}</p>}
        <ul class="address-list">
          {list.map((a) => (
            <li key={a.id}>
              <AddressCard
                address={a}
                forwards={forwards(a, list)}
                target={target?.email ?? null}
                busy={busy}
                onVerify={() => void verifyForwarding(a)}
                onCheckDns={() => void checkDns(a)}
                onDelete={() => setDeleting(a)}
              />
            </li>
          ))}
        </ul>
      </section>
      {addresses && list.length > 0 && (
        <section aria-labelledby="email-dns-title" class="dns-section">
          <h2 id="email-dns-title">{t('email.dns')}</h2>
          <p class="muted small">{t('email.dnsIntro')}</p>
          {domainsOf(list).map((d) => (
            <DnsPanel key={d} domain={d} run={dnsRuns[d] ?? 0} />
          ))}
        </section>
      )}
      {deleting && (
        <ConfirmDialog title={t('email.confirmDeleteTitle')} confirmLabel={t('email.delete')} danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>{t('email.confirmDeleteBody', { email: deleting.email })}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function AddressCard({
  address: a,
  forwards,
  target,
  busy,
  onVerify,
  onCheckDns,
  onDelete,
}: {
  address: RecipientAddress;
  forwards: boolean;
  target: string | null;
  busy: string | null;
  onVerify: () => void;
  onCheckDns: () => void;
  onDelete: () => void;
}) {
  const id = `address-${a.id}`;
  const fwd = a.checks?.forwarding;
  const failed = failedChecks(a).filter((c) => c.key !== 'forwarding');
  return (
    <article class="card address" aria-labelledby={`${id}-title`}>
      <div class="address-head">
        <h3 id={`${id}-title`} class="address-email">
          {a.email}
        </h3>
        {a.name && <span class="muted">{a.name}</span>}
        {a.default && <span class="tag">{t('email.default')}</span>}
      </div>
      <div class="badges" aria-label={t('email.statusesOf', { email: a.email })} role="group">
        {statusesOf(a).map((s) => (
          <StatusBadge key={s.key} check={s.key} status={s.status} />
        ))}
      </div>
      {forwards && a.forwarding_status !== 'verified' && fwd?.reason && (
        <div class={`check-note check-note-${a.forwarding_status}`}>
          <p>
            <strong>{t('email.check.forwarding')}: </strong>
            <span class="reply-text">{fwd.reason}</span>
          </p>
          {fwd.fix && a.forwarding_status === 'failed' && (
            <p class="muted small">
              {t('doctor.fix')}: <span class="reply-text">{fwd.fix}</span>
            </p>
          )}
          {a.forwarding_status !== 'failed' && a.forwarding_status !== 'waiting' && target && <p class="muted small">{t('email.forwardTo', { email: a.email, target })}</p>}
        </div>
      )}
      {failed.map((c) => (
        <div class="check-note check-note-failed" key={c.key}>
          <p>
            <strong>{t(`email.check.${c.key}` as MessageKey)}: </strong>
            <span class="reply-text">{c.reason}</span>
          </p>
          {c.fix && (
            <p class="muted small">
              {t('doctor.fix')}: <span class="reply-text">{c.fix}</span>
            </p>
          )}
        </div>
      ))}
      <div class="address-actions">
        {forwards && (
          <button type="button" class="btn btn-small" disabled={busy !== null} aria-label={t('email.verifyLabel', { email: a.email })} onClick={onVerify}>
            {busy === `fwd-${a.id}` ? t('common.working') : t('email.verify')}
          </button>
        )}
        <button type="button" class="btn btn-small" disabled={busy !== null} aria-label={t('email.checkDnsLabel', { email: a.email })} onClick={onCheckDns}>
          {busy === `dns-${a.id}` ? t('email.checkingDns') : t('email.checkDns')}
        </button>
        {!a.default && (
          <button type="button" class="btn btn-small btn-danger" disabled={busy !== null} aria-label={t('email.deleteLabel', { email: a.email })} onClick={onDelete}>
            {t('email.delete')}
          </button>
        )}
      </div>
    </article>
  );
}

type Provider = 'google' | 'microsoft' | 'other';
const PROVIDERS: Provider[] = ['google', 'microsoft', 'other'];

// Add address → the forwarding to set up → the verification email → its status.
function AddAddress({ target, onChanged, onClose }: { target: string | null; onChanged: () => void; onClose: () => void }) {
  const [step, setStep] = useState<1 | 2 | 3>(1);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const [address, setAddress] = useState<RecipientAddress | null>(null);
  const [provider, setProvider] = useState<Provider>('google');
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: step === 1 });
    heading.current?.scrollIntoView?.({ block: 'nearest' });
  }, [step]);
  const create = async (e: Event) => {
    e.preventDefault();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setBusy(true);
    try {
      const r = await api.createRecipientAddress(email.trim(), name.trim());
      setAddress(r.recipient_address);
      setOutcome(null);
      onChanged();
      setStep(r.recipient_address.forwarding_status === 'verified' ? 3 : 2);
    } catch (err) {
      setOutcome(failure(err));
    } finally {
      setBusy(false);
    }
  };
  const send = async () => {
    if (!address) return;
    setBusy(true);
    try {
      const r = await api.verifyRecipientAddress(address.id, 'forwarding');
      setAddress(r.recipient_address);
      setOutcome(null);
      onChanged();
      setStep(3);
    } catch (err) {
      setOutcome(failure(err));
    } finally {
      setBusy(false);
    }
  };
  const waiting = address?.forwarding_status === 'waiting';
  usePoll(
    async () => {
      if (!address || step !== 3 || !waiting) return;
      const r = await api.getRecipientAddress(address.id);
      setAddress(r.recipient_address);
      if (r.recipient_address.forwarding_status !== 'waiting') onChanged();
    },
    WAITING_POLL_MS,
    [address?.id, step, waiting],
  );
  const forwardTo = target ?? t('email.theDefault');
  return (
    <section class="card walkthrough" aria-labelledby="add-title">
      <div class="walkthrough-head">
        <h2 id="add-title" ref={heading} tabIndex={-1}>
          {t('email.addTitle')}
        </h2>
        <span class="muted small">{t('email.stepOf', { n: step, total: 3 })}</span>
      </div>
      {step === 1 && (
        <form class="walkthrough-form" onSubmit={(e) => void create(e)} noValidate>
          <p class="muted small">{t('email.addIntro')}</p>
          <label for="add-email">{t('email.email')}</label>
          <input id="add-email" type="email" autoComplete="off" value={email} aria-invalid={invalid} aria-describedby={invalid ? 'add-email-error' : undefined} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
          {invalid && (
            <p id="add-email-error" class="form-error small" role="alert">
              {t('doctor.invalidEmail')}
            </p>
          )}
          <label for="add-name">{t('email.name')}</label>
          <input id="add-name" type="text" value={name} placeholder={t('email.namePlaceholder')} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <Result outcome={outcome} />
          <div class="walkthrough-actions">
            <button type="button" class="btn" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {busy ? t('common.working') : t('email.addSubmit')}
            </button>
          </div>
        </form>
      )}
      {step === 2 && address && (
        <div>
          <p>{t('email.forwardIntro', { email: address.email })}</p>
          <div class="forward-target">
            <span class="small muted">{t('email.forwardTarget')}</span>
            <code class="mono">{forwardTo}</code>
            {target && <CopyButton text={target} label={t('email.copyTarget')} />}
          </div>
          <fieldset class="providers">
            <legend>{t('email.whereHosted', { email: address.email })}</legend>
            {PROVIDERS.map((p) => (
              <label key={p} class="provider-choice">
                <input type="radio" name="provider" value={p} checked={provider === p} onChange={() => setProvider(p)} />
                {t(`email.provider.${p}` as MessageKey)}
              </label>
            ))}
          </fieldset>
          <ol class="provider-steps">
            {[1, 2, 3].map((n) => (
              <li key={n}>{t(`email.steps.${provider}.${n}` as MessageKey, { email: address.email, target: forwardTo })}</li>
            ))}
          </ol>
          <p class="muted small">{t(`email.steps.${provider}.note` as MessageKey, { email: address.email, target: forwardTo })}</p>
          <p class="muted small">{t('email.keepHeaders')}</p>
          <Result outcome={outcome} />
          <div class="walkthrough-actions">
            <button type="button" class="btn" onClick={onClose}>
              {t('email.later')}
            </button>
            <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void send()}>
              {busy ? t('common.working') : t('email.sendVerification')}
            </button>
          </div>
        </div>
      )}
      {step === 3 && address && (
        <div>
          <div class="badges">
            <StatusBadge check="forwarding" status={address.forwarding_status} />
          </div>
          <p role="status" class="walkthrough-status">
            {address.forwarding_status === 'waiting'
              ? t('email.waiting', { email: address.email, target: forwardTo })
              : address.forwarding_status === 'verified'
                ? t('email.verified', { email: address.email })
                : address.forwarding_status === 'failed'
                  ? t('email.failed', { email: address.email })
                  : t('email.notStarted', { email: address.email })}
          </p>
          {address.checks?.forwarding?.reason && address.forwarding_status !== 'waiting' && (
            <div class={`check-note check-note-${address.forwarding_status}`}>
              <p class="reply-text">{address.checks.forwarding.reason}</p>
              {address.forwarding_status === 'failed' && address.checks.forwarding.fix && (
                <p class="muted small">
                  {t('doctor.fix')}: <span class="reply-text">{address.checks.forwarding.fix}</span>
                </p>
              )}
            </div>
          )}
          <Result outcome={outcome} />
          <div class="walkthrough-actions">
            {(address.forwarding_status === 'failed' || address.forwarding_status === 'unknown') && (
              <>
                <button type="button" class="btn" onClick={() => setStep(2)}>
                  {t('email.back')}
                </button>
                <button type="button" class="btn" disabled={busy} onClick={() => void send()}>
                  {busy ? t('common.working') : t('email.sendAgain')}
                </button>
              </>
            )}
            <button type="button" class="btn btn-primary" onClick={onClose}>
              {t('email.done')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

// One domain's SPF, DKIM, DMARC and MX findings (the doctor's domain
// check), the records to publish, and the domain's DKIM keys.
function DnsPanel({ domain, run }: { domain: string; run: number }) {
  const [diagnosis, setDiagnosis] = useState<Diagnosis | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setBusy(true);
    try {
      setDiagnosis(dnsReport(await api.doctorDomain(domain)));
      setOutcome(null);
    } catch (e) {
      setOutcome(failure(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
  }, [domain, run]);
  const id = `dns-${domain.replace(/[^a-z0-9-]/gi, '-')}`;
  return (
    <section class="card dns-panel" aria-labelledby={`${id}-title`}>
      <div class="dns-panel-head">
        <h3 id={`${id}-title`}>{t('email.dnsFor', { domain })}</h3>
        <button type="button" class="btn btn-small" disabled={busy} aria-label={t('email.rerunDnsLabel', { domain })} onClick={() => void load()}>
          {busy ? t('doctor.running') : t('doctor.rerun')}
        </button>
      </div>
      {busy && !diagnosis && (
        <p class="muted loading" role="status">
          {t('doctor.running')}
        </p>
      )}
      <Result outcome={outcome} />
      {diagnosis && <DoctorReport diagnosis={diagnosis} onRerun={load} headingLevel={3} />}
      <DkimKeys domain={domain} onChanged={() => void load()} />
    </section>
  );
}
