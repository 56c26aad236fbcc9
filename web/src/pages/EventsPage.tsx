// /agent/tickets/{id}/events: every audit in order — field changes old →
// new, the triggers that fired and what they did, notifications with their
// trigger and recipients (and the exact email sent, decoded or as raw
// source), and each delivery event with the remote reply.
import { useState } from 'preact/hooks';
import * as api from '../api/endpoints';
import type { Audit, Delivery, Ticket } from '../api/types';
import { formatPrecise, t, tMaybe } from '../i18n/i18n';
import { outboundIds } from '../lib/deliveries';
import { valueText, viewAudit, type AuditView, type EventItem } from '../lib/events';
import { readEmail } from '../lib/mime';
import { usePoll } from '../lib/poll';
import { requestUsers, userName } from '../lib/users';
import { errorText, ErrorBox, Loading, StatusBadge } from '../ui/common';
import { Link } from '../ui/Link';
import { useTitle } from '../lib/title';

export function EventsPage({ id }: { id: number }) {
  const [data, setData] = useState<{ ticket: Ticket; audits: Audit[]; deliveries: Delivery[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useTitle(t('events.title', { id }));
  usePoll(
    async (signal) => {
      try {
        const [tr, ar, dr] = await Promise.all([api.getTicket(id), api.getAudits(id), api.getDeliveries(id).catch(() => ({ deliveries: [] as Delivery[] }))]);
        if (signal.aborted) return;
        const ids: number[] = [];
        for (const a of ar.audits) {
          ids.push(a.author_id);
          for (const e of a.events) if (Array.isArray(e.recipients)) ids.push(...(e.recipients as number[]));
        }
        requestUsers(ids);
        setData({ ticket: tr.ticket, audits: ar.audits, deliveries: dr.deliveries });
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    5000,
    [id],
  );
  if (!data) return <div class="page">{error !== null ? <ErrorBox error={error} /> : <Loading />}</div>;
  const outbound = outboundIds(data.deliveries);
  const views = data.audits.map(viewAudit);
  return (
    <div class="page events-page">
      <header class="page-header">
        <div>
          <p class="muted small crumbs">
            <Link href={`/agent/tickets/${id}`}>← {t('ticket.backToConversation')}</Link>
          </p>
          <h1>{t('events.title', { id })}</h1>
          <p class="ticket-subject-small">{data.ticket.subject}</p>
        </div>
        <StatusBadge status={data.ticket.status} />
      </header>
      {views.length === 0 && <p class="empty">{t('events.empty')}</p>}
      <ol class="audits">
        {views.map((v) => (
          <AuditEntry key={v.id} view={v} outbound={outbound} />
        ))}
      </ol>
    </div>
  );
}

function author(v: AuditView): string {
  return v.authorId > 0 ? userName(v.authorId, t('comment.unknownUser', { id: v.authorId })) : t('events.system');
}

function AuditEntry({ view: v, outbound }: { view: AuditView; outbound: Map<string, number> }) {
  return (
    <li class="audit">
      <header class="audit-head">
        <strong>{v.authorId > 0 ? t('events.update', { name: author(v) }) : t('events.system')}</strong>
        {v.channel && v.channel !== 'system' && <span class="muted small"> · {t('events.via', { channel: tMaybe(`channel.${v.channel}`, v.channel) })}</span>}
        <time class="muted small audit-time" dateTime={v.createdAt}>
          {formatPrecise(v.createdAt)}
        </time>
      </header>
      {(v.flags.length > 0 || v.spam) && (
        <p class="audit-meta small">
          {v.flags.map((f) => (
            <span key={f} class="flag-chip">
              {tMaybe(`events.flag.${f}`, f)}
            </span>
          ))}
          {v.spam && <span class="muted">{t('events.spam', { score: v.spam.score, decision: v.spam.decision })}</span>}
        </p>
      )}
      <ul class="events">
        {v.items.map((item, i) => (
          <EventRow key={i} item={item} outbound={outbound} />
        ))}
      </ul>
      {v.fired.length > 0 && (
        <div class="fired">
          <h3 class="small">{t('events.triggers')}</h3>
          <ul>
            {v.fired.map((f, i) => (
              <li key={i}>
                <strong>{t('events.triggerDid', { trigger: f.trigger.title })}</strong>
                <ul class="fired-did">
                  {f.did.map((d, j) => (
                    <li key={j} class="small">
                      {summary(d)}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </div>
      )}
      {v.warnings.length > 0 && (
        <div class="banner banner-warning small">
          {t('events.warnings')}: {v.warnings.join('; ')}
        </div>
      )}
    </li>
  );
}

function fieldName(field: string): string {
  return tMaybe(`events.field.${field}`, field);
}

function fieldValue(field: string, v: unknown): string {
  const text = valueText(v);
  if (!text) return t('events.empty_value');
  if (field === 'status') return tMaybe(`status.${text}`, text);
  if ((field === 'requester_id' || field === 'assignee_id') && /^\d+$/.test(text)) return userName(Number(text), `#${text}`);
  return text;
}

function summary(item: EventItem): string {
  switch (item.kind) {
    case 'change':
      return `${fieldName(item.field)}: ${fieldValue(item.field, item.previous)} → ${fieldValue(item.field, item.value)}`;
    case 'notification':
      return `${t('events.notification', { subject: item.subject })} → ${item.recipients.map((r) => userName(r, `#${r}`)).join(', ')}`;
    default:
      return item.kind;
  }
}

function EventRow({ item, outbound }: { item: EventItem; outbound: Map<string, number> }) {
  switch (item.kind) {
    case 'create':
      return (
        <li class="event event-create">
          <span class="event-kind">{t('events.created')}</span> {t('events.set', { field: fieldName(item.field), value: fieldValue(item.field, item.value) })}
        </li>
      );
    case 'change':
      return (
        <li class="event event-change">
          <span class="event-kind">{fieldName(item.field)}</span> <span class="old">{fieldValue(item.field, item.previous)}</span> <span aria-hidden="true">→</span>{' '}
          <span class="new">{fieldValue(item.field, item.value)}</span>
          {item.trigger && <span class="muted small"> · {t('events.byTrigger', { trigger: item.trigger.title })}</span>}
        </li>
      );
    case 'comment':
      return (
        <li class={`event event-comment ${item.isPublic ? '' : 'event-internal'}`}>
          <span class="event-kind">{item.isPublic ? t('events.comment.public') : t('events.comment.internal')}</span>
          <p class="event-body">{item.body.length > 400 ? `${item.body.slice(0, 400)}…` : item.body}</p>
        </li>
      );
    case 'notification':
      return <NotificationRow item={item} outboundId={item.messageId ? outbound.get(item.messageId) ?? null : null} />;
    case 'delivery':
      return (
        <li class={`event event-delivery delivery-${item.state}`}>
          <span class="event-kind">{t('events.delivery', { recipient: item.recipient })}</span>{' '}
          {item.previous && <span class="old">{tMaybe(`delivery.state.${item.previous}`, item.previous)}</span>} <span aria-hidden="true">→</span>{' '}
          <span class={`delivery-state state-${item.state}`}>{tMaybe(`delivery.state.${item.state}`, item.state)}</span>
          {item.trigger && <span class="muted small"> · {t('events.sentBy', { trigger: item.trigger.title })}</span>}
          {(item.reply || item.smtpCode) && <div class="mono small reply-text">{item.reply ?? `${item.smtpCode ?? ''} ${item.status ?? ''}`}</div>}
          <div class="muted small">
            {[
              item.host && `${t('delivery.host')}: ${item.host}`,
              item.attempts !== null && `${t('delivery.attempts')}: ${item.attempts}`,
              item.reason && `${t('delivery.reason')}: ${tMaybe(`reason.${item.reason}`, item.reason)}`,
              item.nextAttemptAt && `${t('delivery.nextAttempt')}: ${formatPrecise(item.nextAttemptAt)}`,
            ]
              .filter(Boolean)
              .join(' · ')}
          </div>
        </li>
      );
    default:
      return (
        <li class="event event-other">
          <span class="event-kind">{t('events.unknown', { type: item.type })}</span>
          <span class="mono small"> {item.fields.map(([k, v]) => `${k}=${v}`).join(' ')}</span>
        </li>
      );
  }
}

function NotificationRow({ item, outboundId }: { item: Extract<EventItem, { kind: 'notification' }>; outboundId: number | null }) {
  const [raw, setRaw] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [source, setSource] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = async () => {
    if (open) return setOpen(false);
    setOpen(true);
    if (raw !== null || outboundId === null) return;
    try {
      setRaw(await api.getOutboundRaw(outboundId));
    } catch (e) {
      setError(errorText(e));
    }
  };
  const panelId = `email-${outboundId ?? item.messageId}`;
  return (
    <li class="event event-notification">
      <span class="event-kind">{t('events.notification', { subject: item.subject })}</span>
      <div class="small">{item.trigger ? t('events.sentBy', { trigger: item.trigger.title }) : null}</div>
      {item.error && <div class="form-error small">{t('events.notSent', { error: item.error })}</div>}
      {item.recipients.length > 0 && (
        <div class="small">
          {t('events.recipients')}: {item.recipients.map((r) => userName(r, `#${r}`)).join(', ')}
        </div>
      )}
      {!item.error && (
        <button type="button" class="btn btn-small" aria-expanded={open} aria-controls={panelId} onClick={() => void toggle()}>
          {open ? t('events.hideEmail') : t('events.showEmail')}
        </button>
      )}
      {open && (
        <div id={panelId} class="raw-email">
          {outboundId === null && <p class="muted small">{t('events.emailUnavailable')}</p>}
          {error && <p class="form-error small">{error}</p>}
          {outboundId !== null && raw === null && !error && <Loading />}
          {raw !== null && (
            <>
              <button type="button" class="btn btn-small btn-quiet" onClick={() => setSource(!source)}>
                {source ? t('events.showDecoded') : t('events.showSource')}
              </button>
              {source ? (
                <pre class="mono" tabIndex={0} aria-label={t('events.showSource')}>
                  {raw}
                </pre>
              ) : (
                <DecodedEmail raw={raw} />
              )}
            </>
          )}
        </div>
      )}
    </li>
  );
}

function DecodedEmail({ raw }: { raw: string }) {
  const email = readEmail(raw);
  return (
    <div class="decoded-email">
      <h4>{t('events.emailHeaders')}</h4>
      <pre class="mono" tabIndex={0} aria-label={t('events.emailHeaders')}>
        {email.headers}
      </pre>
      {email.parts.map((p, i) => (
        <div key={i}>
          <h4>{t('events.emailBody', { type: p.type })}</h4>
          <pre class="mono" tabIndex={0} aria-label={t('events.emailBody', { type: p.type })}>
            {p.text}
          </pre>
        </div>
      ))}
    </div>
  );
}
