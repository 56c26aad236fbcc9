// /agent/views/manage: the views this agent may use (admins: all), with who
// may use each and whether it is active; add one (/agent/views/new), edit
// one (/agent/views/{id}/edit), delete one after a confirmation. Agents
// change only their personal views; the API refuses the rest (403) and the
// buttons are not offered.
import { useState } from 'preact/hooks';
import * as api from '../api/endpoints';
import type { Group, View } from '../api/types';
import { t } from '../i18n/i18n';
import { usePoll } from '../lib/poll';
import { isAdmin } from '../lib/roles';
import { session } from '../lib/session';
import { useTitle } from '../lib/title';
import { refreshViewCounts, viewLabel, viewPath } from '../lib/views';
import { AdminError, ConfirmDialog, failure, Result, type Outcome } from '../ui/admin';
import { Loading } from '../ui/common';
import { Link } from '../ui/Link';

export function ViewsPage() {
  const [views, setViews] = useState<View[] | null>(null);
  const [groups, setGroups] = useState<Group[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [deleting, setDeleting] = useState<View | null>(null);
  useTitle(t('views.title'));
  const me = session.value?.user;

  usePoll(
    async (signal) => {
      try {
        const [v, g] = await Promise.all([api.getAllViews(), api.getGroups().catch(() => null)]);
        if (signal.aborted) return;
        setViews(v);
        if (g) setGroups(g);
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    30000,
    [tick],
  );

  if (error !== null && !views) {
    return (
      <div class="page">
        <AdminError error={error} onRetry={() => setTick((n) => n + 1)} />
      </div>
    );
  }

  const remove = async (v: View) => {
    try {
      await api.deleteView(v.id);
      setViews((list) => (list ? list.filter((x) => x.id !== v.id) : list));
      setOutcome({ ok: true, text: t('views.deleted', { title: viewLabel(v) }) });
      void refreshViewCounts().catch(() => undefined);
    } catch (e) {
      setOutcome(failure(e));
    }
    setDeleting(null);
  };
  const who = (v: View) => {
    const r = v.restriction;
    if (r === null) return t('macros.access.shared');
    if (r.type === 'User') return r.id === me?.id ? t('macros.access.mine') : t('macros.access.personalOf', { id: r.id });
    return r.ids.map((id) => groups.find((g) => g.id === id)?.name ?? `#${id}`).join(', ');
  };
  const mayChange = (v: View) => isAdmin(me) || (v.restriction?.type === 'User' && v.restriction.id === me?.id);

  return (
    <div class="page admin-page">
      <header class="page-header">
        <div>
          <h1>{t('views.title')}</h1>
          <p class="muted small page-intro">{t('views.intro')}</p>
        </div>
        <Link href="/agent/views/new" class="btn btn-primary">
          {t('views.new')}
        </Link>
      </header>
      <Result outcome={outcome} />
      {!views && <Loading />}
      {views && views.length === 0 && <p class="empty">{t('views.empty')}</p>}
      {views && views.length > 0 && (
        <div class="table-wrap">
          <table class="tickets macros">
            <caption class="visually-hidden">{t('views.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('macros.col.title')}</th>
                <th scope="col">{t('macros.col.access')}</th>
                <th scope="col" class="col-row-actions">
                  <span class="visually-hidden">{t('triggers.col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {views.map((v) => (
                <tr key={v.id}>
                  <td class="col-subject">
                    <Link href={viewPath(v)}>{viewLabel(v)}</Link>
                    {!v.active && <span class="state-chip state-inactive macro-state">{t('macros.inactive')}</span>}
                  </td>
                  <td>
                    <span class="cell-label">{t('macros.col.access')}: </span>
                    {who(v)}
                  </td>
                  <td class="col-row-actions">
                    {mayChange(v) && (
                      <div class="row-actions">
                        <Link href={`/agent/views/${v.id}/edit`} class="btn btn-small" aria-label={t('macros.editLabel', { title: viewLabel(v) })}>
                          {t('macros.edit')}
                        </Link>
                        <button type="button" class="btn btn-small btn-danger" aria-label={t('macros.deleteLabel', { title: viewLabel(v) })} onClick={() => setDeleting(v)}>
                          {t('macros.delete')}
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog title={t('views.confirmDeleteTitle', { title: viewLabel(deleting) })} confirmLabel={t('macros.delete')} danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>{t('views.confirmDeleteBody')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
