// /admin/groups: the desk's groups with how many agents each has; add one
// (name, description), open one (its page edits it and its members), and
// delete one after a confirmation. The API's 422 is shown as given.
import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import * as api from '../../api/endpoints';
import type { Group } from '../../api/types';
import { t } from '../../i18n/i18n';
import { fieldProblem, memberCounts, sortedByName } from '../../lib/directory';
import { usePolled } from '../../lib/poll';
import { useTitle } from '../../lib/title';
import { AdminError, ConfirmDialog, failure, Result, type Outcome } from '../../ui/admin';
import { Loading } from '../../ui/common';
import { Link } from '../../ui/Link';

export function GroupsPage() {
  const loaded = usePolled(async () => {
    const [g, m] = await Promise.all([api.getGroups(), api.getMemberships().catch(() => null)]);
    return { groups: g, counts: m ? memberCounts(m) : null };
  }, 30000);
  const { error, reload } = loaded;
  const groups = loaded.data?.groups ?? null;
  const counts = loaded.data?.counts ?? null;
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [deleting, setDeleting] = useState<Group | null>(null);
  useTitle(t('groups.title'));

  if (error !== null && !groups) {
    return (
      <div class="page">
        <AdminError error={error} onRetry={reload} />
      </div>
    );
  }

  const remove = async (g: Group) => {
    try {
      await api.deleteGroup(g.id);
      loaded.setData((d) => (d ? { ...d, groups: d.groups.filter((x) => x.id !== g.id) } : d));
      setOutcome({ ok: true, text: t('groups.deleted', { name: g.name }) });
    } catch (e) {
      setOutcome(failure(e));
    }
    setDeleting(null);
    reload();
  };

  const list = groups ? sortedByName(groups.filter((g) => !g.deleted)) : null;
  return (
    <div class="page admin-page">
      <header class="page-header">
        <div>
          <h1>{t('groups.title')}</h1>
          <p class="muted small page-intro">{t('groups.intro')}</p>
        </div>
      </header>
      <AddGroup
        onAdded={(text) => {
          setOutcome({ ok: true, text });
          reload();
        }}
      />
      <Result outcome={outcome} />
      {!list && <Loading />}
      {list && list.length === 0 && <p class="empty">{t('groups.empty')}</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table class="tickets groups">
            <caption class="visually-hidden">{t('groups.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('groups.col.name')}</th>
                <th scope="col" class="col-members">
                  {t('groups.col.members')}
                </th>
                <th scope="col" class="col-row-actions">
                  <span class="visually-hidden">{t('triggers.col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((g) => {
                const n = counts?.get(g.id) ?? 0;
                return (
                  <tr key={g.id}>
                    <td class="col-subject">
                      <div>
                        <Link href={`/admin/groups/${g.id}`}>{g.name}</Link>
                        {g.default && <span class="chip">{t('groups.defaultGroup')}</span>}
                      </div>
                      {g.description && <div class="muted small">{g.description}</div>}
                    </td>
                    <td class="col-members">{counts === null ? <span class="muted">—</span> : n === 0 ? <span class="muted">{t('groups.noMembers')}</span> : t('groups.memberCount', { count: n })}</td>
                    <td class="col-row-actions">
                      <div class="row-actions">
                        <Link href={`/admin/groups/${g.id}`} class="btn btn-small" aria-label={t('groups.editLabel', { name: g.name })}>
                          {t('groups.edit')}
                        </Link>
                        <button type="button" class="btn btn-small btn-danger" aria-label={t('groups.deleteLabel', { name: g.name })} onClick={() => setDeleting(g)}>
                          {t('groups.delete')}
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ConfirmDialog title={t('groups.confirmDeleteTitle', { name: deleting.name })} confirmLabel={t('groups.delete')} danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>{t('groups.confirmDeleteBody')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function AddGroup({ onAdded }: { onAdded: (text: string) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ text: string; field: 'name' | 'description' | null } | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) {
      setProblem({ text: t('groups.needName'), field: 'name' });
      document.getElementById('group-name')?.focus();
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const r = await api.createGroup({ name: name.trim(), description: description.trim() });
      onAdded(t('groups.added', { name: r.group.name }));
      setName('');
      setDescription('');
    } catch (err) {
      const at = err instanceof ApiError && err.status === 422 ? fieldProblem(err.description, 'group') : null;
      setProblem({ text: failure(err).text, field: at?.field === 'name' || at?.field === 'description' ? at.field : null });
    } finally {
      setBusy(false);
    }
  };
  const invalid = (field: 'name' | 'description') =>
    problem?.field === field ? { 'aria-invalid': true, 'aria-describedby': 'add-group-problem' } : {};
  return (
    <form class="card add-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="add-group-title">
      <h2 id="add-group-title">{t('groups.add')}</h2>
      <div class="form-row">
        <div class="field">
          <label for="group-name">{t('groups.name')}</label>
          <input id="group-name" type="text" autoComplete="off" value={name} {...invalid('name')} onInput={(e) => {
              setName((e.target as HTMLInputElement).value);
              if (problem?.field === 'name') setProblem(null);
            }} />
        </div>
        <div class="field field-grow">
          <label for="group-description">{t('groups.description')}</label>
          <input id="group-description" type="text" autoComplete="off" placeholder={t('groups.descriptionHint')} value={description} {...invalid('description')} onInput={(e) => {
              setDescription((e.target as HTMLInputElement).value);
              if (problem?.field === 'description') setProblem(null);
            }} />
        </div>
        <div class="field field-button">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('groups.create')}
          </button>
        </div>
      </div>
      {problem && (
        <p id="add-group-problem" class="form-error small" role="alert">
          {problem.text}
        </p>
      )}
    </form>
  );
}
