// The reply box: public reply or internal note, CCs, attachments (uploaded
// as they are chosen), the status to set on submit, and macros: applying
// one fills the reply (placeholders filled by the server for this ticket)
// and lists the other changes it makes; nothing is saved until Submit.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api/endpoints';
import type { Group, Macro, Ticket, TicketField } from '../api/types';
import { t, tMaybe } from '../i18n/i18n';
import { changesToUpdate, macroChanges, mergeReply, type MacroChange } from '../lib/macros';
import { userName } from '../lib/users';
import { errorText } from './common';

interface Applied {
  title: string;
  changes: MacroChange[];
  warnings: string[];
  // Filled for an internal note: its placeholders may show private comments.
  filledForAgents: boolean;
  // The reply box before the macro, for Undo (and for a second macro,
  // which replaces the first).
  bodyBefore: string;
  publicBefore: boolean;
  statusBefore: string;
}

interface Uploaded {
  name: string;
  token: string | null;
  error?: string;
}

const EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;

export function parseCcs(text: string): { emails: string[]; bad: string | null } {
  const emails: string[] = [];
  for (const part of text.split(/[,;\s]+/)) {
    const v = part.trim();
    if (!v) continue;
    if (!EMAIL.test(v)) return { emails, bad: v };
    if (!emails.includes(v.toLowerCase())) emails.push(v.toLowerCase());
  }
  return { emails, bad: null };
}

export function ReplyBox({ ticket, onSent }: { ticket: Ticket; onSent: () => void }) {
  const [isPublic, setPublic] = useState(true);
  const [body, setBody] = useState('');
  const [ccs, setCcs] = useState('');
  const [status, setStatus] = useState<string>(ticket.status === 'new' ? 'open' : ['open', 'pending', 'solved'].includes(ticket.status) ? ticket.status : 'open');
  const [files, setFiles] = useState<Uploaded[]>([]);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [macros, setMacros] = useState<Macro[] | null>(null);
  const [applied, setApplied] = useState<Applied | null>(null);
  const [groups, setGroups] = useState<Group[]>([]);
  const [ticketFields, setTicketFields] = useState<TicketField[]>([]);

  useEffect(() => {
    let live = true;
    api.getActiveMacros().then((m) => live && setMacros(m), () => live && setMacros([]));
    return () => {
      live = false;
    };
  }, []);

  const applyMacro = async (id: number) => {
    const macro = macros?.find((m) => m.id === id);
    if (!macro) return;
    setMessage(null);
    // A second macro replaces the first: it applies to the box as it was.
    const before = applied ? { body: applied.bodyBefore, isPublic: applied.publicBefore, status: applied.statusBefore } : { body, isPublic, status };
    try {
      const r = await api.applyMacro(ticket.id, id);
      const changes = macroChanges(r.result, ticket);
      if (changes.some((c) => c.field === 'group_id') && groups.length === 0) {
        void api.getGroups().then(setGroups, () => undefined);
      }
      if (changes.some((c) => c.field.startsWith('custom_fields_')) && ticketFields.length === 0) {
        void api.getTicketFields().then(setTicketFields, () => undefined);
      }
      const comment = r.result.ticket.comment;
      setApplied({
        title: macro.title,
        changes: changes.filter((c) => c.field !== 'status'),
        warnings: r.result.warnings ?? [],
        filledForAgents: comment?.public === false,
        bodyBefore: before.body,
        publicBefore: before.isPublic,
        statusBefore: before.status,
      });
      setBody(comment ? mergeReply(before.body, comment.body) : before.body);
      setPublic(comment ? comment.public : before.isPublic);
      setStatus(changes.find((c) => c.field === 'status')?.value ?? before.status);
    } catch (err) {
      setMessage({ ok: false, text: t('reply.macroFailed', { title: macro.title, message: errorText(err) }) });
    }
  };

  // A reply filled for an internal note may quote private comments: made
  // public, the macro is taken back rather than sent to the customer.
  const switchMode = (toPublic: boolean) => {
    if (toPublic && applied?.filledForAgents) {
      undoMacro();
      setMessage({ ok: false, text: t('reply.macroInternalOnly', { title: applied.title }) });
      setPublic(true);
      return;
    }
    setPublic(toPublic);
  };

  const undoMacro = () => {
    if (!applied) return;
    setBody(applied.bodyBefore);
    setPublic(applied.publicBefore);
    setStatus(applied.statusBefore);
    setApplied(null);
  };

  const describe = (c: MacroChange): string => {
    if (!c.value) return t('events.empty_value');
    if (c.field === 'assignee_id') return userName(Number(c.value), `#${c.value}`);
    if (c.field === 'group_id') return groups.find((g) => String(g.id) === c.value)?.name ?? `#${c.value}`;
    if (c.field === 'priority' || c.field === 'type') return tMaybe(`value.${c.field}.${c.value}`, c.value);
    const field = customField(c.field);
    if (field?.type === 'tagger') return field.custom_field_options?.find((o) => o.value === c.value)?.name ?? c.value;
    if (field?.type === 'checkbox') return t(c.value === 'true' ? 'value.cf_bool.true' : 'value.cf_bool.false');
    return c.value;
  };
  const customField = (key: string) => ticketFields.find((f) => `custom_fields_${f.id}` === key);
  const label = (c: MacroChange) => customField(c.field)?.title ?? tMaybe(`events.field.${c.field}`, c.field);

  const choose = async (list: FileList | null) => {
    if (!list) return;
    for (const file of Array.from(list)) {
      const entry: Uploaded = { name: file.name, token: null };
      setFiles((f) => [...f, entry]);
      try {
        const r = await api.upload(file);
        setFiles((f) => f.map((x) => (x === entry ? { ...x, token: r.upload.token } : x)));
      } catch (e) {
        setFiles((f) => f.map((x) => (x === entry ? { ...x, error: errorText(e) } : x)));
      }
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setMessage(null);
    const { emails, bad } = parseCcs(ccs);
    if (bad) return setMessage({ ok: false, text: t('reply.badCc', { value: bad }) });
    if (!body.trim()) return setMessage({ ok: false, text: t('reply.empty') });
    setBusy(true);
    try {
      const uploads = files.filter((f) => f.token).map((f) => f.token!);
      await api.updateTicket(ticket.id, {
        ...(applied ? changesToUpdate(applied.changes) : {}),
        status,
        comment: { body, public: isPublic, ...(uploads.length ? { uploads } : {}) },
        ...(emails.length ? { email_ccs: emails.map((user_email) => ({ user_email, action: 'put' as const })) } : {}),
      });
      setBody('');
      setCcs('');
      setFiles([]);
      setApplied(null);
      setMessage({ ok: true, text: t('reply.sent') });
      onSent();
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const uploading = files.some((f) => !f.token && !f.error);
  return (
    <form class={`reply ${isPublic ? 'reply-public' : 'reply-internal'}`} onSubmit={submit} aria-label={t('reply.label')}>
      <div class="reply-tabs" role="radiogroup" aria-label={t('reply.mode')}>
        {[true, false].map((p) => (
          <label key={String(p)} class={`reply-tab${isPublic === p ? ' active' : ''}`}>
            <input type="radio" name="reply-mode" checked={isPublic === p} onChange={() => switchMode(p)} />
            {p ? t('reply.public') : t('reply.internal')}
          </label>
        ))}
      </div>
      {macros !== null && macros.length > 0 && (
        <div class="field field-inline reply-macro">
          <label for="reply-macro">{t('reply.macro')}</label>
          <select
            id="reply-macro"
            value=""
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              if (v) void applyMacro(Number(v));
            }}
          >
            <option value="">{t('reply.macroChoose')}</option>
            {macros.map((m) => (
              <option key={m.id} value={m.id}>
                {m.title}
              </option>
            ))}
          </select>
        </div>
      )}
      {applied && (
        <div class="macro-preview" role="region" aria-label={t('reply.macroPreview')}>
          <p class="small">
            {t('reply.macroApplied', { title: applied.title })}{' '}
            <button type="button" class="btn btn-small btn-quiet" onClick={undoMacro}>
              {t('reply.macroUndo')}
            </button>
          </p>
          {applied.changes.length > 0 && (
            <dl class="props macro-changes">
              {applied.changes.map((c) => (
                <Fragment key={c.field}>
                  <dt>{label(c)}</dt>
                  <dd>{describe(c)}</dd>
                </Fragment>
              ))}
            </dl>
          )}
          {applied.warnings.map((w) => (
            <p key={w} class="form-error small">
              {w}
            </p>
          ))}
        </div>
      )}
      {isPublic && (
        <div class="field field-inline">
          <label for="reply-ccs">{t('reply.ccs')}</label>
          <input id="reply-ccs" type="text" inputMode="email" placeholder={t('reply.ccsHint')} value={ccs} onInput={(e) => setCcs((e.target as HTMLInputElement).value)} />
        </div>
      )}
      <label for="reply-body" class="visually-hidden">
        {isPublic ? t('reply.bodyPublic') : t('reply.bodyInternal')}
      </label>
      <textarea
        id="reply-body"
        rows={5}
        value={body}
        placeholder={isPublic ? t('reply.placeholderPublic') : t('reply.placeholderInternal')}
        onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
      />
      {files.length > 0 && (
        <ul class="uploads">
          {files.map((f, i) => (
            <li key={i}>
              <span>{f.token ? f.name : f.error ? `${f.name}: ${f.error}` : t('reply.uploading', { name: f.name })}</span>
              <button type="button" class="btn btn-small btn-quiet" aria-label={t('reply.remove', { name: f.name })} onClick={() => {
                  setFiles((all) => all.filter((x) => x !== f));
                  if (f.token) void api.deleteUpload(f.token).catch(() => undefined);
                }}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="reply-actions">
        <label class="btn btn-small file-button">
          {t('reply.attach')}
          <input type="file" multiple class="visually-hidden" onChange={(e) => void choose((e.target as HTMLInputElement).files)} />
        </label>
        <span class="spacer" />
        <label for="reply-status" class="small muted">
          {t('reply.status')}
        </label>
        <select id="reply-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          {(['open', 'pending', 'solved'].includes(status) ? ['open', 'pending', 'solved'] : ['open', 'pending', status, 'solved']).map((s) => (
            <option key={s} value={s}>
              {tMaybe(`status.${s}`, s)}
            </option>
          ))}
        </select>
        <button type="submit" class="btn btn-primary" disabled={busy || uploading}>
          {busy ? t('reply.sending') : t('reply.submit', { status: tMaybe(`status.${status}`, status) })}
        </button>
      </div>
      <div role="status" class={message?.ok ? 'form-ok' : 'form-error'}>
        {message?.text}
      </div>
    </form>
  );
}
