// /agent/suspended/{id}: why it was suspended (cause, evidence, the spam
// verdict with its tokens, authentication), a text preview, attachments,
// and Recover / Delete / Delete as spam with the result shown.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import * as api from '../api/endpoints';
import type { Explanation, SpamVerdict, SuspendedTicket } from '../api/types';
import { formatDateTime, lang, t, tMaybe } from '../i18n/i18n';
import { runAction, type Action, type Outcome } from '../lib/bulk';
import { causeText } from '../lib/causes';
import { refreshViewCounts } from '../lib/views';
import { AuthBadges } from '../ui/AuthBadges';
import { ErrorBox, formatBytes, Loading, Time } from '../ui/common';
import { Link } from '../ui/Link';
import { useTitle } from '../lib/title';

function evidenceText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return v.map(evidenceText).join(', ');
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}: ${typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x)}`)
    .join('\n');
}

function Evidence({ evidence }: { evidence: Record<string, unknown> }) {
  const entries = Object.entries(evidence).filter(([k, v]) => !['authentication', 'attachments'].includes(k) && evidenceText(v) !== '');
  if (!entries.length) return null;
  return (
    <dl class="facts evidence">
      {entries.map(([k, v]) => (
        <>
          <dt key={`${k}-t`} class="mono">
            {k}
          </dt>
          <dd key={`${k}-d`} class="mono">
            {evidenceText(v)}
          </dd>
        </>
      ))}
    </dl>
  );
}

function Spam({ verdict, title }: { verdict: SpamVerdict | null; title: string }) {
  return (
    <section class="card" aria-label={title}>
      <h2 class="card-title">{title}</h2>
      {!verdict ? (
        <p class="muted small">{t('suspended.noSpam')}</p>
      ) : (
        <>
          <dl class="facts">
            <dt>{t('suspended.score')}</dt>
            <dd>
              <meter min={0} max={1} value={verdict.score} aria-label={t('suspended.score')} /> {verdict.score.toFixed(3)}
            </dd>
            <dt>{t('suspended.decision')}</dt>
            <dd>
              {tMaybe(`spam.decision.${verdict.decision}`, verdict.decision)} <span class="muted mono small">({verdict.decision})</span>
            </dd>
          </dl>
          {!!verdict.spam_tokens?.length && (
            <>
              <h3 class="small">{t('suspended.spamTokens')}</h3>
              <ul class="tokens tokens-spam">
                {verdict.spam_tokens.map((x) => (
                  <li key={x.token}>
                    <span class="mono">{x.token}</span> <span class="muted small">{x.p.toFixed(2)}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
          {!!verdict.ham_tokens?.length && (
            <>
              <h3 class="small">{t('suspended.hamTokens')}</h3>
              <ul class="tokens tokens-ham">
                {verdict.ham_tokens.map((x) => (
                  <li key={x.token}>
                    <span class="mono">{x.token}</span> <span class="muted small">{x.p.toFixed(2)}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

export function SuspendedItemPage({ id }: { id: number }) {
  const [ex, setEx] = useState<Explanation | null>(null);
  const [item, setItem] = useState<SuspendedTicket | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useTitle(ex ? ex.subject || t('suspended.title') : t('suspended.title'));
  useEffect(() => {
    api.explainSuspended(id).then((r) => setEx(r.explanation)).catch(setError);
    api.getSuspendedItem(id).then((r) => setItem(r.suspended_ticket)).catch(() => undefined);
  }, [id]);

  const act = async (action: Action) => {
    setBusy(true);
    setOutcome(await runAction(action, [id]));
    setBusy(false);
    void refreshViewCounts().catch(() => undefined);
  };
  const gone = !!outcome?.ok;

  if (!ex) {
    if (error instanceof ApiError && error.status === 404) {
      return (
        <div class="page">
          <p>
            <Link href="/agent/suspended">← {t('suspended.back')}</Link>
          </p>
          <h1>{t('suspended.notFound')}</h1>
        </div>
      );
    }
    return <div class="page">{error !== null ? <ErrorBox error={error} /> : <Loading />}</div>;
  }
  return (
    <div class="page">
      <p class="muted small crumbs">
        <Link href="/agent/suspended">← {t('suspended.back')}</Link>
      </p>
      <header class="page-header">
        <h1 class="ticket-subject">{ex.subject || `#${ex.suspended_ticket_id}`}</h1>
      </header>
      <div class="toolbar">
        <button type="button" class="btn btn-primary" disabled={busy || gone} onClick={() => void act('recover')}>
          {t('suspended.recover')}
        </button>
        <button type="button" class="btn" disabled={busy || gone} onClick={() => void act('delete')}>
          {t('suspended.delete')}
        </button>
        <button type="button" class="btn btn-danger" disabled={busy || gone} onClick={() => void act('spam')}>
          {t('suspended.deleteSpam')}
        </button>
      </div>
      <div role="status" class={`result ${outcome ? (outcome.ok ? 'result-ok' : 'result-bad') : ''}`}>
        {outcome?.text}
        {outcome?.ticketIds.map((tid) => (
          <>
            {' '}
            <Link key={tid} href={`/agent/tickets/${tid}`}>
              {t('suspended.openTicket', { id: tid })}
            </Link>
          </>
        ))}
      </div>
      <div class="ticket-layout">
        <div class="conversation">
          <section class="card" aria-label={t('suspended.explanation')}>
            <h2 class="card-title">{t('suspended.explanation')}</h2>
            <p class="cause-line">
              <strong>{causeText(ex.cause)}</strong> <span class="muted mono small">({ex.cause}, {ex.cause_id})</span>
            </p>
            {/* The server's description is English only. */}
            {lang.value === 'en' && ex.cause_description && ex.cause_description !== causeText(ex.cause) && <p>{ex.cause_description}</p>}
            {ex.reason && <p class="mono small reply-text">{ex.reason}</p>}
            <h3 class="small">{t('suspended.evidence')}</h3>
            <Evidence evidence={ex.evidence ?? {}} />
          </section>
          <section class="card" aria-label={t('suspended.preview')}>
            <h2 class="card-title">{t('suspended.preview')}</h2>
            <dl class="props">
              <dt>{t('suspended.sender')}</dt>
              <dd>
                {ex.author.name} <span class="muted mono small">&lt;{ex.author.email}&gt;</span>
              </dd>
              <dt>{t('suspended.recipient')}</dt>
              <dd class="mono small">{ex.recipient}</dd>
              <dt>{t('suspended.received')}</dt>
              <dd>
                <Time iso={ex.received_at} />
              </dd>
            </dl>
            <pre class="preview-text">{item?.content ?? ''}</pre>
            {ex.attachments.length > 0 && (
              <>
                <h3 class="small">{t('suspended.attachments')}</h3>
                <ul class="attachments">
                  {ex.attachments.map((a, i) => (
                    <li key={i}>
                      <a href={a.content_url} download={a.file_name}>
                        {a.file_name || 'attachment'}
                      </a>{' '}
                      <span class="muted small">
                        {a.content_type} · {formatBytes(a.size)}
                      </span>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {ex.raw_message.available && ex.raw_message.url && (
              <p class="small">
                <a href={ex.raw_message.url} download>
                  {t('suspended.raw')}
                </a>
                {ex.raw_message.purge_at && (
                  <span class="muted">
                    {' '}
                    · {t('suspended.purgeAt', { date: formatDateTime(ex.raw_message.purge_at) })}
                  </span>
                )}
              </p>
            )}
          </section>
        </div>
        <aside class="sidebar">
          <Spam verdict={ex.spam} title={t('suspended.spam')} />
          {ex.spam_now && <Spam verdict={ex.spam_now} title={t('suspended.spamNow')} />}
          <section class="card" aria-label={t('suspended.authentication')}>
            <h2 class="card-title">{t('suspended.authentication')}</h2>
            {ex.authentication ? <AuthBadges auth={ex.authentication} fromEmail={ex.author.email} /> : <p class="muted small">{t('auth.none')}</p>}
          </section>
        </aside>
      </div>
    </div>
  );
}
