// /agent/tickets/{id}: the conversation with delivery states, the reply
// box, ticket properties (the requester's organization; the Group,
// Priority and Type selects and the custom fields, each saved at once) and
// the requester's other tickets. Comments and deliveries poll every 5 s (delivery results arrive
// after the reply).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import * as api from '../api/endpoints';
import type { Comment, Delivery, Group, Organization, Ticket, TicketField } from '../api/types';
import { t, tMaybe } from '../i18n/i18n';
import { placeDeliveries } from '../lib/deliveries';
import { fieldProblem, groupChoices } from '../lib/directory';
import { usePoll } from '../lib/poll';
import { isAdmin } from '../lib/roles';
import { session } from '../lib/session';
import { customFields, fieldValue, inputOf, valueOf } from '../lib/ticketFields';
import { requestUsers, userName, users } from '../lib/users';
import { refreshViewCounts } from '../lib/views';
import { CommentCard } from '../ui/CommentCard';
import { EmailDeliveries } from '../ui/EmailDeliveries';
import { ErrorBox, errorText, Loading, StatusBadge, Time } from '../ui/common';
import { failure, type Outcome } from '../ui/admin';
import { Link } from '../ui/Link';
import { ReplyBox } from '../ui/ReplyBox';
import { WarningIcon } from '../ui/icons';
import { useTitle } from '../lib/title';
import { DoctorAction, DoctorPanel } from '../ui/DoctorReport';

interface Data {
  ticket: Ticket;
  comments: Comment[];
  deliveries: Delivery[];
}

export function TicketPage({ id }: { id: number }) {
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [doctorOpen, setDoctorOpen] = useState(false);
  const doctorButton = useRef<HTMLButtonElement>(null);
  useTitle(data ? data.ticket.subject || t('ticket.title', { id }) : t('ticket.title', { id }));

  usePoll(
    async (signal) => {
      try {
        const [tr, cr, dr] = await Promise.all([api.getTicket(id), api.getComments(id), api.getDeliveries(id).catch(() => ({ deliveries: [] as Delivery[] }))]);
        if (signal.aborted) return;
        requestUsers([tr.ticket.requester_id, tr.ticket.assignee_id, ...(tr.ticket.collaborator_ids ?? []), ...cr.comments.map((c) => c.author_id)]);
        setData({ ticket: tr.ticket, comments: cr.comments, deliveries: dr.deliveries });
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    5000,
    [id, tick],
  );

  if (!data) {
    if (error instanceof ApiError && error.status === 404) {
      return (
        <div class="page">
          <h1>{t('ticket.notFound', { id })}</h1>
        </div>
      );
    }
    return <div class="page">{error !== null ? <ErrorBox error={error} onRetry={() => setTick(tick + 1)} /> : <Loading />}</div>;
  }
  const { ticket, comments, deliveries } = data;
  const placed = placeDeliveries(comments, deliveries);
  const requester = users.value.get(ticket.requester_id);
  return (
    <div class="page ticket-page">
      <header class="page-header ticket-header">
        <div>
          <p class="muted small crumbs">{t('ticket.title', { id: ticket.id })}</p>
          <h1 class="ticket-subject">{ticket.subject || t('ticket.title', { id: ticket.id })}</h1>
        </div>
        <div class="ticket-header-actions">
          <StatusBadge status={ticket.status} />
          <button type="button" ref={doctorButton} class="btn btn-small" aria-expanded={doctorOpen} aria-controls="doctor-ticket-panel" onClick={() => setDoctorOpen(!doctorOpen)}>
            {t('doctor.whyTicket')}
          </button>
          <Link href={`/agent/tickets/${ticket.id}/events`} class="btn btn-small">
            {t('ticket.eventsLink')}
          </Link>
        </div>
      </header>
      <div class="ticket-layout">
        <section class="conversation" aria-label={t('ticket.conversation')}>
          {doctorOpen && (
            <DoctorPanel
              id="doctor-ticket-panel"
              run={() => api.doctorTicket(ticket.id)}
              onClose={() => {
                setDoctorOpen(false);
                doctorButton.current?.focus();
              }}
            />
          )}
          {requester?.undeliverable && (
            <p class="banner banner-warning" role="note">
              <WarningIcon /> {t('ticket.undeliverableRequester', { reason: requester.undeliverable_reason ?? '' })}
            </p>
          )}
          {comments.map((c) => (
            <CommentCard key={c.id} comment={c} deliveries={placed.byComment.get(c.id) ?? []} />
          ))}
          {placed.unplaced.length > 0 && (
            <section class="comment comment-system" aria-label={t('delivery.otherEmails')}>
              <h3 class="small">{t('delivery.otherEmails')}</h3>
              <EmailDeliveries deliveries={placed.unplaced} />
            </section>
          )}
          <ReplyBox
            key={ticket.id}
            ticket={ticket}
            onSent={() => {
              setTick(tick + 1);
              void refreshViewCounts().catch(() => undefined);
            }}
          />
        </section>
        <aside class="sidebar">
          <section class="card" aria-label={t('ticket.properties')}>
            <h2 class="card-title">{t('ticket.properties')}</h2>
            <dl class="props">
              <dt>{t('ticket.requester')}</dt>
              <dd>
                {userName(ticket.requester_id, `#${ticket.requester_id}`)}
                {requester && <div class="muted small mono">{requester.email}</div>}
              </dd>
              {requester?.email && (
                <dd class="props-wide">
                  <DoctorAction idBase="doctor-sender" label={t('doctor.whySender')} run={() => api.doctorSender(requester.email)} />
                </dd>
              )}
              {ticket.organization_id ? (
                <>
                  <dt>{t('ticket.organization')}</dt>
                  <dd>
                    <OrganizationName id={ticket.organization_id} />
                  </dd>
                </>
              ) : null}
              <dt>{t('ticket.assignee')}</dt>
              <dd>{ticket.assignee_id ? userName(ticket.assignee_id, `#${ticket.assignee_id}`) : <span class="muted">{t('ticket.unassigned')}</span>}</dd>
              <GroupField ticket={ticket} onSaved={(next) => setData((d) => (d ? { ...d, ticket: next } : d))} />
              {(['priority', 'type'] as const).map((field) => (
                <ChoiceField key={field} ticket={ticket} field={field} onSaved={(next) => setData((d) => (d ? { ...d, ticket: next } : d))} />
              ))}
              <CustomFieldControls ticket={ticket} onSaved={(next) => setData((d) => (d ? { ...d, ticket: next } : d))} />
              <dt>{t('ticket.ccs')}</dt>
              <dd>{(ticket.collaborator_ids ?? []).length ? (ticket.collaborator_ids ?? []).map((cid) => userName(cid, `#${cid}`)).join(', ') : <span class="muted">{t('ticket.none')}</span>}</dd>
              <dt>{t('ticket.tags')}</dt>
              <dd>
                {(ticket.tags ?? []).length ? (
                  <ul class="tags">
                    {(ticket.tags ?? []).map((tag) => (
                      <li key={tag} class="tag">
                        {tag}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span class="muted">{t('ticket.none')}</span>
                )}
              </dd>
              <dt>{t('ticket.created')}</dt>
              <dd>
                <Time iso={ticket.created_at} />
              </dd>
              <dt>{t('ticket.updated')}</dt>
              <dd>
                <Time iso={ticket.updated_at} />
              </dd>
            </dl>
          </section>
          <RequesterTickets requesterId={ticket.requester_id} currentId={ticket.id} />
        </aside>
      </div>
    </div>
  );
}

// The requester's organization, by name (read-only; an admin's name links
// to the organization's page).
function OrganizationName({ id }: { id: number }) {
  const [org, setOrg] = useState<Organization | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    api.getOrganization(id).then(
      (r) => live && setOrg(r.organization),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [id]);
  if (!org) return <span class="muted">{failed ? `#${id}` : '…'}</span>;
  return isAdmin(session.value?.user) ? <Link href={`/admin/organizations/${org.id}`}>{org.name}</Link> : <>{org.name}</>;
}

// The ticket's group: a select of the groups (and "—" for none), saved as
// soon as it changes. The API may answer with another group than the one
// asked for (none, with an assignee: the assignee's default group), and
// refuses a group the assignee is not in; both are said under the select.
function GroupField({ ticket, onSaved }: { ticket: Ticket; onSaved: (t: Ticket) => void }) {
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  usePoll(
    async (signal) => {
      try {
        const g = await api.getGroups();
        if (signal.aborted) return;
        setGroups(g);
        setLoadError(null);
      } catch (e) {
        if (!signal.aborted) setLoadError(e);
      }
    },
    60000,
    [],
  );
  const current = ticket.group_id ?? null;
  // Until the groups arrive, the ticket's own stands alone.
  const choices = groups ? groupChoices(groups, current) : current ? [{ id: current, name: loadError !== null ? `#${current}` : '…' }] : [];
  const nameOf = (id: number) => choices.find((g) => g.id === id)?.name ?? t('ticket.deletedGroup', { id });
  const save = async (value: string) => {
    const asked = value === '' ? null : Number(value);
    setSaving(value);
    setOutcome(null);
    try {
      const r = await api.updateTicket(ticket.id, { group_id: asked });
      onSaved(r.ticket);
      const now = r.ticket.group_id ?? null;
      setOutcome({
        ok: true,
        text: now === null ? t('ticket.groupCleared') : now !== asked ? t('ticket.groupOfAssignee', { group: nameOf(now) }) : t('ticket.groupSet', { group: nameOf(now) }),
      });
    } catch (e) {
      // "ticket.assignee_id: agent 5 is not a member of group 2", in the agent's words and language.
      const at = e instanceof ApiError && e.status === 422 ? fieldProblem(e.description, 'ticket') : null;
      if (at?.field === 'assignee_id' && ticket.assignee_id && asked !== null) {
        setOutcome({ ok: false, text: t('ticket.assigneeNotInGroup', { assignee: userName(ticket.assignee_id, `#${ticket.assignee_id}`), group: nameOf(asked) }) });
      } else {
        setOutcome(failure(e));
      }
    } finally {
      setSaving(null);
    }
  };
  return (
    <>
      <dt class="props-control">
        <label for="ticket-group">{t('ticket.group')}</label>
      </dt>
      <dd class="ticket-group">
        <select id="ticket-group" value={saving ?? (current === null ? '' : String(current))} disabled={saving !== null || groups === null} aria-describedby="ticket-group-result" onChange={(e) => void save((e.target as HTMLSelectElement).value)}>
          <option value="">{t('ticket.noGroup')}</option>
          {choices.map((g) => (
            <option key={g.id} value={String(g.id)}>
              {g.name ?? t('ticket.deletedGroup', { id: g.id })}
            </option>
          ))}
        </select>
        <div id="ticket-group-result" role="status" class={`small ${outcome ? (outcome.ok ? 'form-ok' : 'form-error') : ''}`}>
          {saving !== null ? t('ticket.groupSaving') : outcome?.text ?? (loadError !== null && groups === null ? t('ticket.groupsFailed', { message: errorText(loadError) }) : '')}
        </div>
      </dd>
    </>
  );
}

const CHOICES = {
  priority: ['low', 'normal', 'high', 'urgent'],
  type: ['question', 'incident', 'problem', 'task'],
};

// Priority or type: a select saved as soon as it changes (triggers run on
// the update as on any other), with the API's answer under it.
function ChoiceField({ ticket, field, onSaved }: { ticket: Ticket; field: 'priority' | 'type'; onSaved: (t: Ticket) => void }) {
  const [saving, setSaving] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const current = ticket[field] ?? '';
  const save = async (value: string) => {
    setSaving(value);
    setOutcome(null);
    try {
      const r = await api.updateTicket(ticket.id, { [field]: value === '' ? null : value });
      onSaved(r.ticket);
      setOutcome({ ok: true, text: t('ticket.fieldSaved') });
    } catch (e) {
      setOutcome(failure(e));
    } finally {
      setSaving(null);
    }
  };
  const id = `ticket-${field}`;
  return (
    <>
      <dt class="props-control">
        <label for={id}>{t(`events.field.${field}`)}</label>
      </dt>
      <dd class="ticket-choice">
        <select id={id} value={saving ?? current} disabled={saving !== null} aria-describedby={`${id}-result`} onChange={(e) => void save((e.target as HTMLSelectElement).value)}>
          <option value="">{t('ticket.noGroup')}</option>
          {CHOICES[field].map((v) => (
            <option key={v} value={v}>
              {tMaybe(`value.${field}.${v}`, v)}
            </option>
          ))}
        </select>
        <div id={`${id}-result`} role="status" class={`small ${outcome ? (outcome.ok ? 'form-ok' : 'form-error') : ''}`}>
          {saving !== null ? t('ticket.groupSaving') : outcome?.text ?? ''}
        </div>
      </dd>
    </>
  );
}

// The desk's custom fields, each control saved on its own: a select, a
// checkbox or a date as soon as it changes; text and numbers when the agent
// leaves the box (or presses Enter) with something new in it.
function CustomFieldControls({ ticket, onSaved }: { ticket: Ticket; onSaved: (t: Ticket) => void }) {
  const [fields, setFields] = useState<TicketField[] | null>(null);
  usePoll(
    async (signal) => {
      try {
        const all = await api.getTicketFields();
        if (!signal.aborted) setFields(customFields(all));
      } catch {
        // The ticket stays usable without its custom fields; the next poll retries.
      }
    },
    60000,
    [],
  );
  if (!fields) return null;
  return (
    <>
      {fields.map((f) => (
        <CustomFieldControl key={f.id} ticket={ticket} field={f} onSaved={onSaved} />
      ))}
    </>
  );
}

function CustomFieldControl({ ticket, field, onSaved }: { ticket: Ticket; field: TicketField; onSaved: (t: Ticket) => void }) {
  const stored = fieldValue(ticket, field.id);
  const [text, setText] = useState(inputOf(stored));
  // A change made elsewhere (seen at the next poll) replaces what the box holds.
  useEffect(() => setText(inputOf(stored)), [stored]);
  const [saving, setSaving] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const save = async (input: string | boolean) => {
    const value = valueOf(field, input);
    if (value === (field.type === 'checkbox' ? stored === true : stored)) return;
    setSaving(true);
    setOutcome(null);
    try {
      const r = await api.updateTicket(ticket.id, { custom_fields: [{ id: field.id, value }] });
      setOutcome({ ok: true, text: t('ticket.fieldSaved') });
      onSaved(r.ticket);
    } catch (e) {
      setOutcome(failure(e));
    } finally {
      setSaving(false);
    }
  };
  const id = `ticket-field-${field.id}`;
  const described = { 'aria-describedby': `${id}-result` };
  // A number box holds "" for text that is no number: say so rather than clear the field.
  const saveTyped = async (input: HTMLInputElement) => {
    if (input.validity?.badInput) {
      setOutcome({ ok: false, text: t('ticketFields.notANumber') });
      return;
    }
    await save(input.value);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter') void saveTyped(e.target as HTMLInputElement);
  };
  let control;
  switch (field.type) {
    case 'tagger':
      control = (
        <select id={id} value={inputOf(stored)} disabled={saving} {...described} onChange={(e) => void save((e.target as HTMLSelectElement).value)}>
          <option value="">{t('ticket.noGroup')}</option>
          {(field.custom_field_options ?? []).map((o) => (
            <option key={o.value} value={o.value}>
              {o.name}
            </option>
          ))}
        </select>
      );
      break;
    case 'checkbox':
      control = <input id={id} type="checkbox" checked={stored === true} disabled={saving} {...described} onChange={(e) => void save((e.target as HTMLInputElement).checked)} />;
      break;
    case 'date':
      control = <input id={id} type="date" value={inputOf(stored)} disabled={saving} {...described} onChange={(e) => void save((e.target as HTMLInputElement).value)} />;
      break;
    case 'textarea':
      control = <textarea id={id} rows={3} value={text} disabled={saving} {...described} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} onBlur={() => void save(text)} />;
      break;
    default:
      control = (
        <input
          id={id}
          type={field.type === 'text' ? 'text' : 'number'}
          step={field.type === 'decimal' ? 'any' : '1'}
          inputMode={field.type === 'text' ? undefined : field.type === 'integer' ? 'numeric' : 'decimal'}
          value={text}
          disabled={saving}
          {...described}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
          onBlur={(e) => void saveTyped(e.target as HTMLInputElement)}
          onKeyDown={onKey}
        />
      );
  }
  return (
    <>
      <dt class="props-control">
        <label for={id}>
          {field.title}
          {field.required && (
            <span class="required-mark" title={t('ticketFields.requiredHint')}>
              {' *'}
            </span>
          )}
        </label>
      </dt>
      <dd class={`ticket-choice ticket-custom ticket-custom-${field.type}`}>
        {control}
        <div id={`${id}-result`} role="status" class={`small ${outcome ? (outcome.ok ? 'form-ok' : 'form-error') : ''}`}>
          {saving ? t('ticket.groupSaving') : outcome?.text ?? ''}
        </div>
      </dd>
    </>
  );
}

function RequesterTickets({ requesterId, currentId }: { requesterId: number; currentId: number }) {
  const [list, setList] = useState<Ticket[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  usePoll(
    async (signal) => {
      try {
        const r = await api.getRequested(requesterId);
        if (!signal.aborted) setList(r.tickets.filter((x) => x.id !== currentId));
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    30000,
    [requesterId, currentId],
  );
  return (
    <section class="card" aria-label={t('ticket.otherTickets')}>
      <h2 class="card-title">{t('ticket.otherTickets')}</h2>
      {list === null && error === null && <Loading />}
      {list === null && error !== null && <p class="muted small">{t('ticket.noOtherTickets')}</p>}
      {list !== null && list.length === 0 && <p class="muted small">{t('ticket.noOtherTickets')}</p>}
      {list !== null && list.length > 0 && (
        <ul class="other-tickets">
          {list.slice(0, 10).map((x) => (
            <li key={x.id}>
              <StatusBadge status={x.status} />
              <Link href={`/agent/tickets/${x.id}`}>{x.subject || `#${x.id}`}</Link>
              <span class="muted small">
                <Time iso={x.updated_at} short />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
