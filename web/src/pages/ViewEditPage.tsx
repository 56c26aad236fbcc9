// /agent/views/new and /agent/views/{id}/edit: a view's title, its
// conditions (all of / any of, in the trigger builder's rows, with the
// fields a stored ticket has, custom ticket fields too), its columns and
// order, who may use it.
// An agent's views are personal; admins also make shared and group ones.
// The API's 422 is shown under the form; saving opens the view.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import * as api from '../api/endpoints';
import type { Group, RuleItem, TicketField, View } from '../api/types';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/i18n';
import { navigate } from '../lib/router';
import { mayChange } from '../lib/restriction';
import { isAdmin } from '../lib/roles';
import { session } from '../lib/session';
import { customConditionFields } from '../lib/ticketFields';
import { useTitle } from '../lib/title';
import { newCondition, VIEW_CONDITION_FIELDS, viewOperatorsFor } from '../lib/triggers';
import { refreshViewCounts, VIEW_COLUMNS, VIEW_SORTS, viewBodyOf, viewDraftOf, viewLabel, viewPath, type ViewDraft } from '../lib/views';
import { AdminError, failure, Result, type Outcome } from '../ui/admin';
import { Loading } from '../ui/common';
import { Link } from '../ui/Link';
import { ConditionRow } from '../ui/RuleRows';

export function ViewEditPage({ id }: { id: number | null }) {
  const me = session.value?.user;
  const admin = isAdmin(me);
  const [view, setView] = useState<View | null>(null);
  const [draft, setDraft] = useState<ViewDraft | null>(id === null ? { ...viewDraftOf(null), access: admin ? 'shared' : 'personal' } : null);
  const [groups, setGroups] = useState<Group[]>([]);
  const [ticketFields, setTicketFields] = useState<TicketField[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle(id === null ? t('viewEdit.newTitle') : view ? viewLabel(view) : t('views.title'));

  useEffect(() => {
    let live = true;
    api.getGroups().then((g) => live && setGroups(g), () => undefined);
    api.getTicketFields().then((f) => live && setTicketFields(f), () => undefined);
    if (id !== null) {
      api.getView(id).then(
        (r) => {
          if (!live) return;
          setView(r.view);
          setDraft(viewDraftOf(r.view));
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
          <h1>{t('viewEdit.notFound', { id: id ?? '' })}</h1>
          <Link href="/agent/views/manage">{t('viewEdit.back')}</Link>
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
  // An agent may look at a shared view here but change only their own.
  const readOnly = view !== null && !mayChange(view.restriction, me);
  const edit = (patch: Partial<ViewDraft>) => setDraft({ ...draft, ...patch });
  const setRow = (list: 'all' | 'any', i: number, item: RuleItem) => edit({ [list]: draft[list].map((x, j) => (j === i ? item : x)) });
  const custom = customConditionFields(ticketFields);
  const conditionFields = { ...VIEW_CONDITION_FIELDS, ...custom.kinds };

  const save = async (e: Event) => {
    e.preventDefault();
    const { body, problem } = viewBodyOf(draft, me.id);
    if (problem) {
      setOutcome({ ok: false, text: t(`viewEdit.${problem}` as MessageKey) });
      return;
    }
    setBusy(true);
    setOutcome(null);
    try {
      const r = id === null ? await api.createView(body) : await api.updateView(id, body);
      void refreshViewCounts().catch(() => undefined);
      navigate(viewPath(r.view));
    } catch (err) {
      setOutcome(err instanceof ApiError && err.status === 422 ? { ok: false, text: t('macro.notSaved', { message: err.description }) } : failure(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="page admin-page macro-page">
      <p class="crumbs small">
        <Link href="/agent/views/manage">{t('viewEdit.back')}</Link>
      </p>
      <header class="page-header">
        <h1>{id === null ? t('viewEdit.newTitle') : view ? viewLabel(view) : ''}</h1>
      </header>
      {readOnly && <p class="banner" role="note">{t('viewEdit.readOnly')}</p>}
      <form class="card form-card macro-form" onSubmit={(e) => void save(e)} noValidate>
        <fieldset class="plain" disabled={readOnly}>
        <div class="field">
          <label for="view-title">{t('macro.title')}</label>
          <input id="view-title" type="text" class="settings-text" autoComplete="off" value={draft.title} onInput={(e) => edit({ title: (e.target as HTMLInputElement).value })} />
        </div>
        {(['all', 'any'] as const).map((list) => (
          <fieldset key={list} class="builder">
            <legend>{t(list === 'all' ? 'trigger.all' : 'trigger.any')}</legend>
            {draft[list].map((c, i) => (
              <ConditionRow
                key={i}
                fields={conditionFields}
                custom={custom.info}
                operators={viewOperatorsFor}
                item={c}
                row={t(list === 'all' ? 'trigger.rowAll' : 'trigger.rowAny', { n: i + 1 })}
                bad={false}
                onChange={(item) => setRow(list, i, item)}
                onRemove={() => edit({ [list]: draft[list].filter((_, j) => j !== i) })}
              />
            ))}
            <button type="button" class="btn btn-small" onClick={() => edit({ [list]: [...draft[list], newCondition('status', VIEW_CONDITION_FIELDS)] })}>
              + {t(list === 'all' ? 'trigger.addAll' : 'trigger.addAny')}
            </button>
          </fieldset>
        ))}
        <fieldset class="field">
          <legend>{t('viewEdit.columns')}</legend>
          <div class="view-columns">
            {VIEW_COLUMNS.map((c) => (
              <label key={c} class="check">
                <input type="checkbox" checked={draft.columns.includes(c)} onChange={(e) => edit({ columns: (e.target as HTMLInputElement).checked ? [...draft.columns, c] : draft.columns.filter((x) => x !== c) })} /> {t(`column.${c}` as MessageKey)}
              </label>
            ))}
          </div>
        </fieldset>
        <div class="macro-fields">
          <div class="field">
            <label for="view-sort">{t('viewEdit.sortBy')}</label>
            <select id="view-sort" class="settings-select" value={draft.sortBy} onChange={(e) => edit({ sortBy: (e.target as HTMLSelectElement).value })}>
              {VIEW_SORTS.map((s) => (
                <option key={s} value={s}>
                  {t(`column.${s}` as MessageKey)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="view-order">{t('viewEdit.order')}</label>
            <select id="view-order" class="settings-select" value={draft.sortOrder} onChange={(e) => edit({ sortOrder: (e.target as HTMLSelectElement).value as 'asc' | 'desc' })}>
              <option value="asc">{t('viewEdit.asc')}</option>
              <option value="desc">{t('viewEdit.desc')}</option>
            </select>
          </div>
          <div class="field">
            <label for="view-access">{t('macro.access')}</label>
            <select id="view-access" class="settings-select" value={draft.access} disabled={!admin} onChange={(e) => edit({ access: (e.target as HTMLSelectElement).value as ViewDraft['access'] })}>
              <option value="shared">{t('macros.access.shared')}</option>
              <option value="personal">{draft.owner !== null && draft.owner !== me.id ? t('macros.access.personalOf', { id: draft.owner }) : t('macros.access.mine')}</option>
              <option value="groups">{t('macro.accessGroups')}</option>
            </select>
          </div>
        </div>
        {draft.access === 'groups' && (
          <fieldset class="field">
            <legend>{t('macro.accessGroups')}</legend>
            {groups.map((g) => (
              <label key={g.id} class="check">
                <input type="checkbox" checked={draft.groupIds.includes(g.id)} onChange={(e) => edit({ groupIds: (e.target as HTMLInputElement).checked ? [...draft.groupIds, g.id] : draft.groupIds.filter((x) => x !== g.id) })} /> {g.name}
              </label>
            ))}
          </fieldset>
        )}
        <label class="check">
          <input type="checkbox" checked={draft.active} onChange={(e) => edit({ active: (e.target as HTMLInputElement).checked })} /> {t('viewEdit.active')}
        </label>
        </fieldset>
        {!readOnly && (
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? t('org.saving') : id === null ? t('viewEdit.create') : t('org.save')}
          </button>
          <Link href="/agent/views/manage" class="btn">
            {t('common.cancel')}
          </Link>
        </div>
        )}
        <Result outcome={outcome} />
      </form>
    </div>
  );
}
