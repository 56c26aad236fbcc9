// /agent/macros/{id} and /agent/macros/new: a macro's title, its reply
// (text with placeholders, public reply or internal note), the ticket
// fields it sets, and who may use it. An agent's macros are personal; an
// admin also makes shared ones and ones for some groups. The API's 422
// (an unknown placeholder, a bad value) is shown under the form.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import * as api from '../api/endpoints';
import type { Agent, Group, Macro } from '../api/types';
import { t, tMaybe } from '../i18n/i18n';
import { macroBodyOf, macroDraftOf, type MacroDraft } from '../lib/macros';
import { navigate } from '../lib/router';
import { mayChange } from '../lib/restriction';
import { isAdmin } from '../lib/roles';
import { session } from '../lib/session';
import { useTitle } from '../lib/title';
import { AdminError, failure, Result, type Outcome } from '../ui/admin';
import { Loading } from '../ui/common';
import { Link } from '../ui/Link';

const STATUSES = ['open', 'pending', 'hold', 'solved'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TYPES = ['question', 'incident', 'problem', 'task'];
const PLACEHOLDERS = ['{{ticket.requester.first_name}}', '{{ticket.id}}', '{{ticket.title}}', '{{current_user.first_name}}', '{{ticket.link}}'];

export function MacroPage({ id }: { id: number | null }) {
  const me = session.value?.user;
  const admin = isAdmin(me);
  const [macro, setMacro] = useState<Macro | null>(null);
  const [draft, setDraft] = useState<MacroDraft | null>(id === null ? { ...macroDraftOf(null), access: admin ? 'shared' : 'personal' } : null);
  const [groups, setGroups] = useState<Group[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle(id === null ? t('macro.newTitle') : macro?.title ?? t('macros.title'));

  useEffect(() => {
    let live = true;
    api.getGroups().then((g) => live && setGroups(g), () => undefined);
    api.getAgents().then((r) => live && setAgents(r.users), () => undefined);
    if (id !== null) {
      api.getMacro(id).then(
        (r) => {
          if (!live) return;
          setMacro(r.macro);
          setDraft(macroDraftOf(r.macro));
        },
        (e) => live && setError(e),
      );
    }
    return () => {
      live = false;
    };
  }, [id]);

  if (error !== null) {
    if (error instanceof ApiError && error.status === 404) {
      return (
        <div class="page">
          <h1>{t('macro.notFound', { id: id ?? '' })}</h1>
          <Link href="/agent/macros">{t('macro.back')}</Link>
        </div>
      );
    }
    return (
      <div class="page">
        <AdminError error={error} />
      </div>
    );
  }
  if (!draft || !me) {
    return (
      <div class="page">
        <Loading />
      </div>
    );
  }
  const readOnly = macro !== null && !mayChange(macro.restriction, me);
  const edit = (patch: Partial<MacroDraft>) => setDraft({ ...draft, ...patch });

  const save = async (e: Event) => {
    e.preventDefault();
    const { body, problem } = macroBodyOf(draft, me.id);
    if (problem) {
      setOutcome({ ok: false, text: t(`macro.${problem}`) });
      document.getElementById(problem === 'needTitle' ? 'macro-title' : problem === 'needGroups' ? 'macro-access' : 'macro-comment')?.focus();
      return;
    }
    setBusy(true);
    setOutcome(null);
    try {
      if (id === null) {
        const r = await api.createMacro(body);
        navigate(`/agent/macros/${r.macro.id}`, { replace: true });
        return;
      }
      const r = await api.updateMacro(id, body);
      setMacro(r.macro);
      setDraft(macroDraftOf(r.macro));
      setOutcome({ ok: true, text: t('macro.saved') });
    } catch (err) {
      setOutcome(err instanceof ApiError && err.status === 422 ? { ok: false, text: t('macro.notSaved', { message: err.description }) } : failure(err));
    } finally {
      setBusy(false);
    }
  };

  const select = (field: 'status' | 'priority' | 'type', values: string[]) => (
    <div class="field">
      <label for={`macro-${field}`}>{t(`events.field.${field}`)}</label>
      <select id={`macro-${field}`} class="settings-select" value={draft[field]} disabled={readOnly} onChange={(e) => edit({ [field]: (e.target as HTMLSelectElement).value })}>
        <option value="">{t('macro.noChange')}</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {field === 'status' ? tMaybe(`status.${v}`, v) : tMaybe(`value.${field}.${v}`, v)}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <div class="page admin-page macro-page">
      <p class="crumbs small">
        <Link href="/agent/macros">{t('macro.back')}</Link>
      </p>
      <header class="page-header">
        <h1>{id === null ? t('macro.newTitle') : macro?.title}</h1>
      </header>
      {readOnly && <p class="banner" role="note">{t('macro.readOnly')}</p>}
      <form class="card form-card macro-form" onSubmit={(e) => void save(e)} noValidate>
        <div class="field">
          <label for="macro-title">{t('macro.title')}</label>
          <input id="macro-title" type="text" class="settings-text" autoComplete="off" value={draft.title} disabled={readOnly} onInput={(e) => edit({ title: (e.target as HTMLInputElement).value })} />
        </div>
        <fieldset class="field">
          <legend>{t('macro.reply')}</legend>
          <div class="reply-tabs" role="radiogroup" aria-label={t('reply.mode')}>
            {(['public', 'internal'] as const).map((mode) => (
              <label key={mode} class={`reply-tab${draft.mode === mode ? ' active' : ''}`}>
                <input type="radio" name="macro-mode" checked={draft.mode === mode} disabled={readOnly} onChange={() => edit({ mode })} />
                {mode === 'public' ? t('reply.public') : t('reply.internal')}
              </label>
            ))}
          </div>
          <label for="macro-comment" class="visually-hidden">
            {t('macro.replyText')}
          </label>
          <textarea id="macro-comment" rows={6} value={draft.comment} disabled={readOnly} aria-describedby="macro-comment-help" onInput={(e) => edit({ comment: (e.target as HTMLTextAreaElement).value })} />
          <p id="macro-comment-help" class="muted small field-help">
            {t('macro.placeholdersHelp')} <span class="mono">{PLACEHOLDERS.join(' ')}</span>
          </p>
        </fieldset>
        <div class="macro-fields">
          {select('status', STATUSES)}
          {select('priority', PRIORITIES)}
          {select('type', TYPES)}
          <div class="field">
            <label for="macro-group">{t('events.field.group_id')}</label>
            <select id="macro-group" class="settings-select" value={draft.group} disabled={readOnly} onChange={(e) => edit({ group: (e.target as HTMLSelectElement).value })}>
              <option value="">{t('macro.noChange')}</option>
              <option value="none">{t('macro.noGroup')}</option>
              {groups.map((g) => (
                <option key={g.id} value={String(g.id)}>
                  {g.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="macro-assignee">{t('events.field.assignee_id')}</label>
            <select id="macro-assignee" class="settings-select" value={draft.assignee} disabled={readOnly} onChange={(e) => edit({ assignee: (e.target as HTMLSelectElement).value })}>
              <option value="">{t('macro.noChange')}</option>
              <option value="current_user">{t('macro.currentUser')}</option>
              <option value="none">{t('macro.unassign')}</option>
              {agents.map((a) => (
                <option key={a.id} value={String(a.id)}>
                  {a.name || a.email}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div class="macro-fields">
          <div class="field">
            <label for="macro-add-tags">{t('macro.addTags')}</label>
            <input id="macro-add-tags" type="text" class="settings-text" autoComplete="off" spellcheck={false} value={draft.addTags} disabled={readOnly} onInput={(e) => edit({ addTags: (e.target as HTMLInputElement).value })} />
          </div>
          <div class="field">
            <label for="macro-remove-tags">{t('macro.removeTags')}</label>
            <input id="macro-remove-tags" type="text" class="settings-text" autoComplete="off" spellcheck={false} value={draft.removeTags} disabled={readOnly} onInput={(e) => edit({ removeTags: (e.target as HTMLInputElement).value })} />
          </div>
        </div>
        <div class="field">
          <label for="macro-access">{t('macro.access')}</label>
          <select id="macro-access" class="settings-select" value={draft.access} disabled={readOnly || !admin} aria-describedby="macro-access-help" onChange={(e) => edit({ access: (e.target as HTMLSelectElement).value as MacroDraft['access'] })}>
            <option value="shared">{t('macros.access.shared')}</option>
            <option value="personal">{draft.owner !== null && draft.owner !== me.id ? t('macros.access.personalOf', { id: draft.owner }) : t('macros.access.mine')}</option>
            <option value="groups">{t('macro.accessGroups')}</option>
          </select>
          <p id="macro-access-help" class="muted small field-help">
            {admin ? t('macro.accessHelpAdmin') : t('macro.accessHelpAgent')}
          </p>
        </div>
        {draft.access === 'groups' && (
          <fieldset class="field">
            <legend>{t('macro.accessGroups')}</legend>
            {groups.map((g) => (
              <label key={g.id} class="check">
                <input
                  type="checkbox"
                  checked={draft.groupIds.includes(g.id)}
                  disabled={readOnly}
                  onChange={(e) => edit({ groupIds: (e.target as HTMLInputElement).checked ? [...draft.groupIds, g.id] : draft.groupIds.filter((x) => x !== g.id) })}
                />{' '}
                {g.name}
              </label>
            ))}
          </fieldset>
        )}
        <label class="check">
          <input type="checkbox" checked={draft.active} disabled={readOnly} onChange={(e) => edit({ active: (e.target as HTMLInputElement).checked })} /> {t('macro.active')}
        </label>
        {!readOnly && (
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {busy ? t('org.saving') : id === null ? t('macro.create') : t('org.save')}
            </button>
            <Link href="/agent/macros" class="btn">
              {t('common.cancel')}
            </Link>
          </div>
        )}
        <Result outcome={outcome} />
      </form>
    </div>
  );
}
