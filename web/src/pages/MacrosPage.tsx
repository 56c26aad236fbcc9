// /agent/macros: the macros this agent may use (admins: all), with who may
// use each and whether it is active; add one (/agent/macros/new), edit one
// (/agent/macros/{id}), delete one after a confirmation. Agents change only
// their personal macros; the API refuses the rest (403) and the buttons are
// not offered.
import { useState } from 'preact/hooks';
import * as api from '../api/endpoints';
import type { Group, Macro } from '../api/types';
import { t } from '../i18n/i18n';
import { usePoll } from '../lib/poll';
import { useTitle } from '../lib/title';
import { AdminError, ConfirmDialog, failure, Result, type Outcome } from '../ui/admin';
import { Loading } from '../ui/common';
import { Link } from '../ui/Link';
import { SavedList } from '../ui/SavedList';

export function MacrosPage() {
  const [macros, setMacros] = useState<Macro[] | null>(null);
  const [groups, setGroups] = useState<Group[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [deleting, setDeleting] = useState<Macro | null>(null);
  useTitle(t('macros.title'));

  usePoll(
    async (signal) => {
      try {
        const [m, g] = await Promise.all([api.getMacros(), api.getGroups().catch(() => null)]);
        if (signal.aborted) return;
        setMacros(m);
        if (g) setGroups(g);
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    30000,
    [tick],
  );

  if (error !== null && !macros) {
    return (
      <div class="page">
        <AdminError error={error} onRetry={() => setTick((n) => n + 1)} />
      </div>
    );
  }

  const remove = async (m: Macro) => {
    try {
      await api.deleteMacro(m.id);
      setMacros((list) => (list ? list.filter((x) => x.id !== m.id) : list));
      setOutcome({ ok: true, text: t('macros.deleted', { title: m.title }) });
    } catch (e) {
      setOutcome(failure(e));
    }
    setDeleting(null);
  };

  return (
    <div class="page admin-page">
      <header class="page-header">
        <div>
          <h1>{t('macros.title')}</h1>
          <p class="muted small page-intro">{t('macros.intro')}</p>
        </div>
        <Link href="/agent/macros/new" class="btn btn-primary">
          {t('macros.new')}
        </Link>
      </header>
      <Result outcome={outcome} />
      {!macros && <Loading />}
      {macros && macros.length === 0 && <p class="empty">{t('macros.empty')}</p>}
      {macros && macros.length > 0 && (
        <SavedList items={macros} caption={t('macros.title')} groups={groups} title={(m) => m.title} href={(m) => `/agent/macros/${m.id}`} editHref={(m) => `/agent/macros/${m.id}`} onDelete={setDeleting} />
      )}
      {deleting && (
        <ConfirmDialog title={t('macros.confirmDeleteTitle', { title: deleting.title })} confirmLabel={t('macros.delete')} danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>{t('macros.confirmDeleteBody')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
