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
import { useTitle } from '../lib/title';
import { refreshViewCounts, viewLabel, viewPath } from '../lib/views';
import { AdminError, ConfirmDialog, failure, Result, type Outcome } from '../ui/admin';
import { Loading } from '../ui/common';
import { Link } from '../ui/Link';
import { SavedList } from '../ui/SavedList';

export function ViewsPage() {
  const [views, setViews] = useState<View[] | null>(null);
  const [groups, setGroups] = useState<Group[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [deleting, setDeleting] = useState<View | null>(null);
  useTitle(t('views.title'));

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
        <SavedList items={views} caption={t('views.title')} groups={groups} title={viewLabel} href={viewPath} editHref={(v) => `/agent/views/${v.id}/edit`} onDelete={setDeleting} />
      )}
      {deleting && (
        <ConfirmDialog title={t('views.confirmDeleteTitle', { title: viewLabel(deleting) })} confirmLabel={t('macros.delete')} danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>{t('views.confirmDeleteBody')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
