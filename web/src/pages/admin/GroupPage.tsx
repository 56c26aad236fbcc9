// /admin/groups/{id}: one group: its name and description (Save sends
// what changed), and its members: add an agent (from the active agents not
// in it yet), remove one. The API's 422 is shown as given ("... is not an
// agent: only agents are in groups").
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import * as api from '../../api/endpoints';
import type { Agent, Group, GroupMembership } from '../../api/types';
import { t } from '../../i18n/i18n';
import { agentsToAdd, fieldProblem, membersOf } from '../../lib/directory';
import { useTitle } from '../../lib/title';
import { AdminError, failure, Result, type Outcome } from '../../ui/admin';
import { Loading } from '../../ui/common';
import { Link } from '../../ui/Link';

export function GroupPage({ id }: { id: number }) {
  const [group, setGroup] = useState<Group | null>(null);
  const [error, setError] = useState<unknown>(null);
  useTitle(group?.name ?? t('groups.title'));

  useEffect(() => {
    let live = true;
    api.getGroup(id).then(
      (r) => live && setGroup(r.group),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [id]);

  if (error !== null) {
    if (error instanceof ApiError && error.status === 404) {
      return (
        <div class="page">
          <h1>{t('group.notFound', { id })}</h1>
          <Link href="/admin/groups">{t('group.back')}</Link>
        </div>
      );
    }
    return (
      <div class="page">
        <AdminError error={error} />
      </div>
    );
  }
  if (!group) {
    return (
      <div class="page">
        <Loading />
      </div>
    );
  }
  return (
    <div class="page admin-page group-page">
      <p class="crumbs small">
        <Link href="/admin/groups">{t('group.back')}</Link>
      </p>
      <header class="page-header">
        <div>
          <h1>
            {group.name}
            {group.default && <span class="chip">{t('groups.defaultGroup')}</span>}
          </h1>
        </div>
      </header>
      {group.deleted ? (
        <p class="banner banner-warning" role="note">
          {t('group.isDeleted')}
        </p>
      ) : (
        <>
          <GroupDetails group={group} onSaved={setGroup} />
          <Members group={group} />
        </>
      )}
    </div>
  );
}

function GroupDetails({ group, onSaved }: { group: Group; onSaved: (g: Group) => void }) {
  const [name, setName] = useState(group.name);
  const [description, setDescription] = useState(group.description);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [badField, setBadField] = useState<string | null>(null);
  const changes: api.GroupBody = {};
  if (name.trim() !== group.name) changes.name = name.trim();
  if (description.trim() !== group.description) changes.description = description.trim();
  const dirty = Object.keys(changes).length > 0;

  const save = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) {
      setBadField('name');
      setOutcome({ ok: false, text: t('groups.needName') });
      document.getElementById('group-edit-name')?.focus();
      return;
    }
    if (!dirty) return;
    setBusy(true);
    setOutcome(null);
    setBadField(null);
    try {
      const r = await api.updateGroup(group.id, changes);
      onSaved(r.group);
      setName(r.group.name);
      setDescription(r.group.description);
      setOutcome({ ok: true, text: t('group.saved') });
    } catch (err) {
      const at = err instanceof ApiError && err.status === 422 ? fieldProblem(err.description, 'group') : null;
      setBadField(at?.field ?? null);
      setOutcome(failure(err));
    } finally {
      setBusy(false);
    }
  };
  const invalid = (field: string) => (badField === field ? { 'aria-invalid': true } : {});
  return (
    <form class="card form-card group-form" onSubmit={(e) => void save(e)} noValidate aria-labelledby="group-details-title">
      <h2 id="group-details-title">{t('group.details')}</h2>
      <div class="field">
        <label for="group-edit-name">{t('groups.name')}</label>
        <input id="group-edit-name" type="text" class="settings-text" autoComplete="off" value={name} {...invalid('name')} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="group-edit-description">{t('groups.description')}</label>
        <textarea id="group-edit-description" class="short" placeholder={t('groups.descriptionHint')} value={description} {...invalid('description')} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
      </div>
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy || !dirty}>
          {busy ? t('group.saving') : t('group.save')}
        </button>
        <Result outcome={outcome} />
      </div>
    </form>
  );
}

function Members({ group }: { group: Group }) {
  const [memberships, setMemberships] = useState<GroupMembership[] | null>(null);
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [chosen, setChosen] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([api.getGroupMemberships(group.id), api.getAgents()]).then(
      ([m, a]) => {
        if (!live) return;
        setMemberships(m);
        setAgents(a.users);
        setError(null);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [group.id, tick]);

  const nameOf = (userId: number) => {
    const a = agents?.find((x) => x.id === userId);
    return a ? a.name || a.email : `#${userId}`;
  };
  const add = async (e: Event) => {
    e.preventDefault();
    if (!chosen) {
      setOutcome({ ok: false, text: t('group.needAgent') });
      document.getElementById('group-add-agent')?.focus();
      return;
    }
    setBusy(true);
    try {
      const r = await api.addMembership(Number(chosen), group.id);
      setMemberships((list) => (list ? [...list, r.group_membership] : list));
      setOutcome({ ok: true, text: t('group.added', { name: nameOf(Number(chosen)) }) });
      setChosen('');
    } catch (err) {
      setOutcome(failure(err));
    } finally {
      setBusy(false);
      setTick((n) => n + 1);
    }
  };
  const remove = async (m: GroupMembership) => {
    setBusy(true);
    try {
      await api.removeMembership(m.id);
      setMemberships((list) => (list ? list.filter((x) => x.id !== m.id) : list));
      setOutcome({ ok: true, text: t('group.removed', { name: nameOf(m.user_id) }) });
    } catch (err) {
      setOutcome(failure(err));
    } finally {
      setBusy(false);
      setTick((n) => n + 1);
    }
  };

  const members = memberships && agents ? membersOf(memberships, agents) : null;
  const candidates = memberships && agents ? agentsToAdd(agents, memberships) : [];
  return (
    <section class="members-section" aria-labelledby="members-title">
      <h2 id="members-title">{t('group.members')}</h2>
      <p class="muted small">{t('group.membersIntro')}</p>
      {error !== null && !members && <AdminError error={error} onRetry={() => setTick((n) => n + 1)} />}
      {error === null && !members && <Loading />}
      {members && (
        <>
          <form class="card add-form" onSubmit={(e) => void add(e)} noValidate>
            <div class="form-row">
              <div class="field">
                <label for="group-add-agent">{t('group.addMember')}</label>
                <select id="group-add-agent" value={chosen} disabled={candidates.length === 0} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
                  <option value="">{candidates.length === 0 ? t('group.everyoneIn') : t('group.chooseAgent')}</option>
                  {candidates.map((a) => (
                    <option key={a.id} value={String(a.id)}>
                      {a.name ? `${a.name} (${a.email})` : a.email}
                    </option>
                  ))}
                </select>
              </div>
              <div class="field field-button">
                <button type="submit" class="btn btn-primary" disabled={busy || candidates.length === 0}>
                  {t('group.add')}
                </button>
              </div>
            </div>
          </form>
          <Result outcome={outcome} />
          {members.length === 0 && <p class="empty">{t('group.noMembers')}</p>}
          {members.length > 0 && (
            <div class="table-wrap">
              <table class="tickets members">
                <caption class="visually-hidden">{t('group.members')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('group.col.agent')}</th>
                    <th scope="col" class="col-row-actions">
                      <span class="visually-hidden">{t('triggers.col.actions')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {members.map(({ membership, agent }) => {
                    const name = agent ? agent.name || agent.email : `#${membership.user_id}`;
                    return (
                      <tr key={membership.id} class={agent?.suspended ? 'row-muted' : ''}>
                        <td class="col-subject">
                          <div>
                            {name}
                            {membership.default && <span class="chip">{t('group.memberDefault')}</span>}
                            {agent?.suspended && <span class="chip">{t('agents.deactivated')}</span>}
                          </div>
                          {agent && <div class="muted small mono">{agent.email}</div>}
                        </td>
                        <td class="col-row-actions">
                          <button type="button" class="btn btn-small btn-danger" disabled={busy} aria-label={t('group.removeLabel', { name })} onClick={() => void remove(membership)}>
                            {t('group.remove')}
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
