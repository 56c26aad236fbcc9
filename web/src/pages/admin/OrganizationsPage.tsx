// /admin/organizations: the desk's organizations with their domains and
// group; add one or edit one (/admin/organizations/new and /{id}), delete
// one after a confirmation.
import { useState } from 'preact/hooks';
import * as api from '../../api/endpoints';
import type { Group, Organization } from '../../api/types';
import { t } from '../../i18n/i18n';
import { sortedByName } from '../../lib/directory';
import { usePoll } from '../../lib/poll';
import { useTitle } from '../../lib/title';
import { AdminError, ConfirmDialog, failure, Result, type Outcome } from '../../ui/admin';
import { Loading } from '../../ui/common';
import { Link } from '../../ui/Link';

export function OrganizationsPage() {
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [deleting, setDeleting] = useState<Organization | null>(null);
  useTitle(t('orgs.title'));
  const reload = () => setTick((n) => n + 1);

  usePoll(
    async (signal) => {
      try {
        const [o, g] = await Promise.all([api.getOrganizations(), api.getGroups().catch(() => null)]);
        if (signal.aborted) return;
        setOrgs(o);
        if (g) setGroups(g);
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    30000,
    [tick],
  );

  if (error !== null && !orgs) {
    return (
      <div class="page">
        <AdminError error={error} onRetry={reload} />
      </div>
    );
  }

  const remove = async (o: Organization) => {
    try {
      await api.deleteOrganization(o.id);
      setOrgs((list) => (list ? list.filter((x) => x.id !== o.id) : list));
      setOutcome({ ok: true, text: t('orgs.deleted', { name: o.name }) });
    } catch (e) {
      setOutcome(failure(e));
    }
    setDeleting(null);
    reload();
  };
  const groupName = (id: number | null) => (id === null ? null : groups?.find((g) => g.id === id)?.name ?? `#${id}`);

  const list = orgs ? sortedByName(orgs) : null;
  return (
    <div class="page admin-page">
      <header class="page-header">
        <div>
          <h1>{t('orgs.title')}</h1>
          <p class="muted small page-intro">{t('orgs.intro')}</p>
        </div>
        <Link href="/admin/organizations/new" class="btn btn-primary">
          {t('orgs.new')}
        </Link>
      </header>
      <Result outcome={outcome} />
      {!list && <Loading />}
      {list && list.length === 0 && <p class="empty">{t('orgs.empty')}</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table class="tickets organizations">
            <caption class="visually-hidden">{t('orgs.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('orgs.col.name')}</th>
                <th scope="col">{t('orgs.col.domains')}</th>
                <th scope="col">{t('orgs.col.group')}</th>
                <th scope="col" class="col-row-actions">
                  <span class="visually-hidden">{t('triggers.col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((o) => {
                const group = groupName(o.group_id);
                return (
                  <tr key={o.id}>
                    <td class="col-subject">
                      <Link href={`/admin/organizations/${o.id}`}>{o.name}</Link>
                      {o.details && <div class="muted small org-details">{o.details}</div>}
                    </td>
                    <td class="col-domains">
                      {o.domain_names.length ? (
                        <ul class="domain-list">
                          {o.domain_names.map((d) => (
                            <li key={d} class="mono">
                              {d}
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <span class="muted">{t('orgs.noDomains')}</span>
                      )}
                    </td>
                    <td class="col-group">
                      <span class="cell-label">{t('orgs.col.group')}: </span>
                      {group ?? <span class="muted">{t('orgs.noGroup')}</span>}
                    </td>
                    <td class="col-row-actions">
                      <div class="row-actions">
                        <Link href={`/admin/organizations/${o.id}`} class="btn btn-small" aria-label={t('orgs.editLabel', { name: o.name })}>
                          {t('orgs.edit')}
                        </Link>
                        <button type="button" class="btn btn-small btn-danger" aria-label={t('orgs.deleteLabel', { name: o.name })} onClick={() => setDeleting(o)}>
                          {t('orgs.delete')}
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
        <ConfirmDialog title={t('orgs.confirmDeleteTitle', { name: deleting.name })} confirmLabel={t('orgs.delete')} danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>{t('orgs.confirmDeleteBody')}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
