// The warning button beside a recipient whose delivery failed, was
// deferred or bounced, and the panel it opens: the remote server's reply
// (code, enhanced status, text), the host, attempts and times, the bounce
// class, and the user's undeliverable flag with "Mark as deliverable".
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api/endpoints';
import type { DeliveryRecipient } from '../api/types';
import { formatDateTime, t, tMaybe } from '../i18n/i18n';
import { replyText } from '../lib/deliveries';
import { refreshUser, users } from '../lib/users';
import { errorText, Time } from './common';
import { WarningIcon } from './icons';

export function DeliveryProblem({ recipient }: { recipient: DeliveryRecipient }) {
  const [open, setOpen] = useState(false);
  const panelId = `delivery-problem-${recipient.id}`;
  const button = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  return (
    <span class="problem">
      <button
        type="button"
        ref={button}
        class={`problem-button problem-${recipient.state}`}
        aria-label={t('delivery.problem', { address: recipient.address })}
        aria-expanded={open}
        aria-controls={panelId}
        title={t('delivery.problem', { address: recipient.address })}
        onClick={() => setOpen(!open)}
      >
        <WarningIcon />
      </button>
      {open && <ProblemPanel id={panelId} recipient={recipient} onClose={close} />}
    </span>
  );
}

function ProblemPanel({ id, recipient: r, onClose }: { id: string; recipient: DeliveryRecipient; onClose: () => void }) {
  const panel = useRef<HTMLDivElement>(null);
  // Focus before the next key press can arrive (Escape right after Enter).
  useLayoutEffect(() => {
    panel.current?.focus();
  }, []);
  useEffect(() => {
    if (r.user_id) void refreshUser(r.user_id).catch(() => undefined);
  }, []);
  const text = replyText(r);
  return (
    <div
      id={id}
      ref={panel}
      class="problem-panel"
      role="region"
      tabIndex={-1}
      aria-label={t('delivery.why')}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div class="problem-head">
        <strong>{t('delivery.why')}</strong>
        <button type="button" class="btn btn-small btn-quiet" onClick={onClose}>
          {t('delivery.close')}
        </button>
      </div>
      <p class="problem-state">
        <span class={`delivery-state state-${r.state}`}>{tMaybe(`delivery.state.${r.state}`, r.state)}</span> <span class="mono">{r.address}</span>
      </p>
      <h4>{t('delivery.reply')}</h4>
      {r.reply || r.smtp_code ? (
        <dl class="facts">
          {r.smtp_code !== null && (
            <>
              <dt>{t('delivery.code')}</dt>
              <dd class="mono">{r.smtp_code}</dd>
            </>
          )}
          {r.status && (
            <>
              <dt>{t('delivery.enhanced')}</dt>
              <dd class="mono">{r.status}</dd>
            </>
          )}
          {text && (
            <>
              <dt>{t('delivery.text')}</dt>
              <dd class="mono reply-text">{text}</dd>
            </>
          )}
        </dl>
      ) : (
        <p class="muted">{t('delivery.noReply')}</p>
      )}
      <dl class="facts">
        {r.remote_host && (
          <>
            <dt>{t('delivery.host')}</dt>
            <dd class="mono">{r.remote_host}</dd>
          </>
        )}
        <dt>{t('delivery.attempts')}</dt>
        <dd>
          {r.attempts} · <Time iso={r.updated_at} />
        </dd>
        {r.next_attempt_at && (
          <>
            <dt>{t('delivery.nextAttempt')}</dt>
            <dd>
              <Time iso={r.next_attempt_at} />
            </dd>
          </>
        )}
        {r.reason && (
          <>
            <dt>{t('delivery.reason')}</dt>
            <dd>
              {tMaybe(`reason.${r.reason}`, r.reason)} <span class="muted mono">({r.reason})</span>
            </dd>
          </>
        )}
      </dl>
      {r.history.length > 0 && (
        <>
          <h4>{t('delivery.history')}</h4>
          <ol class="history">
            {r.history.map((h, i) => (
              <li key={i}>
                <span class="muted">{formatDateTime(h.created_at)}</span> <span class={`delivery-state state-${h.state}`}>{tMaybe(`delivery.state.${h.state}`, h.state)}</span>
                {h.detail && <span class="mono small"> {h.detail}</span>}
              </li>
            ))}
          </ol>
        </>
      )}
      {r.user_id && <UndeliverableFlag userId={r.user_id} />}
    </div>
  );
}

function UndeliverableFlag({ userId }: { userId: number }) {
  const user = users.value.get(userId);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!user) return null;
  const mark = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.markDeliverable(userId);
      await refreshUser(userId);
      setDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="flag">
      <h4>{t('delivery.userFlag')}</h4>
      {user.undeliverable ? (
        <>
          <p>{t('delivery.undeliverable', { reason: user.undeliverable_reason ?? '' })}</p>
          <button type="button" class="btn btn-small" disabled={busy} onClick={() => void mark()}>
            {t('delivery.markDeliverable')}
          </button>
        </>
      ) : (
        <p class="muted">{done ? '' : t('delivery.deliverable')}</p>
      )}
      <div role="status" class="flag-result">
        {done && t('delivery.marked')}
        {error !== null && <span class="form-error">{errorText(error)}</span>}
      </div>
    </div>
  );
}
