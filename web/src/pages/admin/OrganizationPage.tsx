// /admin/organizations/{id} and /admin/organizations/new: an
// organization's name, domains (typed with commas or spaces, sent as the
// API's array), group, details and notes. Checked before sending (a name;
// domains that are domains); the API's 422 ("... already belongs to
// organization 2") is shown under the field it names, or under the form.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import * as api from '../../api/endpoints';
import type { Group, Organization } from '../../api/types';
import type { MessageKey } from '../../i18n/en';
import { t } from '../../i18n/i18n';
import { fieldProblem, groupChoices, orgChanges, orgDirty, orgDraftOf, orgFieldOf, type OrgDraft, type OrgField } from '../../lib/directory';
import { navigate } from '../../lib/router';
import { useTitle } from '../../lib/title';
import { AdminError, failure, Result, type Outcome } from '../../ui/admin';
import { Loading } from '../../ui/common';
import { Link } from '../../ui/Link';

const fieldLabel = (f: OrgField) => t(`org.${f}` as MessageKey);

export function OrganizationPage({ id }: { id: number | null }) {
  const [org, setOrg] = useState<Organization | null>(null);
  const [draft, setDraft] = useState<OrgDraft | null>(id === null ? orgDraftOf(null) : null);
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [users, setUsers] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [problems, setProblems] = useState<Partial<Record<OrgField, string>>>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle(id === null ? t('org.newTitle') : org?.name ?? t('orgs.title'));

  useEffect(() => {
    let live = true;
    api.getGroups().then(
      (g) => live && setGroups(g),
      () => live && setGroups([]),
    );
    if (id !== null) {
      api.getOrganization(id).then(
        (r) => {
          if (!live) return;
          setOrg(r.organization);
          setDraft(orgDraftOf(r.organization));
        },
        (e) => live && setError(e),
      );
      api.countOrganizationUsers(id).then(
        (n) => live && setUsers(n),
        () => undefined,
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
          <h1>{t('org.notFound', { id: id ?? '' })}</h1>
          <Link href="/admin/organizations">{t('org.back')}</Link>
        </div>
      );
    }
    return (
      <div class="page">
        <AdminError error={error} />
      </div>
    );
  }
  if (!draft) {
    return (
      <div class="page">
        <Loading />
      </div>
    );
  }

  const edit = (patch: Partial<OrgDraft>) => {
    setDraft({ ...draft, ...patch });
    const edited = Object.keys(patch);
    if (edited.some((k) => k in problems)) setProblems((p) => Object.fromEntries(Object.entries(p).filter(([k]) => !edited.includes(k))));
  };
  const focusLater = (field: OrgField) => setTimeout(() => document.getElementById(`org-${field}`)?.focus(), 0);

  const save = async (e: Event) => {
    e.preventDefault();
    const { body, problems: found } = orgChanges(draft, org);
    const bad = Object.keys(found) as OrgField[];
    if (bad.length) {
      setProblems(Object.fromEntries(bad.map((f) => [f, found[f]!.code === 'needName' ? t('org.needName') : t('org.badDomains', { list: (found[f]!.bad ?? []).join(', ') })])));
      setOutcome({ ok: false, text: t('org.checkFields') });
      focusLater(bad[0]);
      return;
    }
    if (Object.keys(body).length === 0) return;
    setBusy(true);
    setProblems({});
    setOutcome(null);
    try {
      if (id === null) {
        const r = await api.createOrganization(body);
        navigate(`/admin/organizations/${r.organization.id}`, { replace: true });
        return;
      }
      const r = await api.updateOrganization(id, body);
      setOrg(r.organization);
      setDraft(orgDraftOf(r.organization));
      setOutcome({ ok: true, text: t('org.saved') });
    } catch (err) {
      const at = err instanceof ApiError && err.status === 422 ? fieldProblem(err.description, 'organization') : null;
      const field = at ? orgFieldOf(at.field) : null;
      if (at && field) {
        setProblems({ [field]: t('admin.apiSaid', { message: at.message }) });
        setOutcome({ ok: false, text: t('org.notSavedAt', { field: fieldLabel(field), message: at.message }) });
        focusLater(field);
      } else {
        setOutcome(failure(err));
      }
    } finally {
      setBusy(false);
    }
  };

  // A field's help and its problem, for aria-describedby.
  const described = (field: OrgField, help?: boolean) => ({
    'aria-invalid': problems[field] ? true : undefined,
    'aria-describedby': [help ? `org-${field}-help` : '', problems[field] ? `org-${field}-problem` : ''].filter(Boolean).join(' ') || undefined,
  });
  const problemOf = (field: OrgField) =>
    problems[field] && (
      <p id={`org-${field}-problem`} class="form-error small" role="alert">
        {problems[field]}
      </p>
    );
  const dirty = orgDirty(draft, org);
  const choices = groupChoices(groups ?? [], draft.group ? Number(draft.group) : null);

  return (
    <div class="page admin-page org-page">
      <p class="crumbs small">
        <Link href="/admin/organizations">{t('org.back')}</Link>
      </p>
      <header class="page-header">
        <div>
          <h1>{id === null ? t('org.newTitle') : org?.name}</h1>
          {users !== null && <p class="muted small page-intro">{t('org.users', { count: users })}</p>}
        </div>
      </header>
      <form class="card form-card org-form" onSubmit={(e) => void save(e)} noValidate>
        <div class="field">
          <label for="org-name">{fieldLabel('name')}</label>
          <input id="org-name" type="text" class="settings-text" autoComplete="off" value={draft.name} {...described('name')} onInput={(e) => edit({ name: (e.target as HTMLInputElement).value })} />
          {problemOf('name')}
        </div>
        <div class="field">
          <label for="org-domains">{fieldLabel('domains')}</label>
          <input id="org-domains" type="text" class="settings-text" autoComplete="off" spellcheck={false} placeholder={t('org.domainsPlaceholder')} value={draft.domains} {...described('domains', true)} onInput={(e) => edit({ domains: (e.target as HTMLInputElement).value })} />
          <p id="org-domains-help" class="muted small field-help">
            {t('org.domainsHelp')}
          </p>
          {problemOf('domains')}
        </div>
        <div class="field">
          <label for="org-group">{fieldLabel('group')}</label>
          <select id="org-group" class="settings-select" value={draft.group} disabled={groups === null} {...described('group', true)} onChange={(e) => edit({ group: (e.target as HTMLSelectElement).value })}>
            <option value="">{t('org.noGroup')}</option>
            {choices.map((g) => (
              <option key={g.id} value={String(g.id)}>
                {g.name ?? t('ticket.deletedGroup', { id: g.id })}
              </option>
            ))}
          </select>
          <p id="org-group-help" class="muted small field-help">
            {t('org.groupHelp')}
          </p>
          {problemOf('group')}
        </div>
        <div class="field">
          <label for="org-details">{fieldLabel('details')}</label>
          <textarea id="org-details" class="short" value={draft.details} {...described('details', true)} onInput={(e) => edit({ details: (e.target as HTMLTextAreaElement).value })} />
          <p id="org-details-help" class="muted small field-help">
            {t('org.detailsHelp')}
          </p>
          {problemOf('details')}
        </div>
        <div class="field">
          <label for="org-notes">{fieldLabel('notes')}</label>
          <textarea id="org-notes" class="short" value={draft.notes} {...described('notes', true)} onInput={(e) => edit({ notes: (e.target as HTMLTextAreaElement).value })} />
          <p id="org-notes-help" class="muted small field-help">
            {t('org.notesHelp')}
          </p>
          {problemOf('notes')}
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || (id !== null && !dirty)}>
            {busy ? t('org.saving') : id === null ? t('org.create') : t('org.save')}
          </button>
          <Link href="/admin/organizations" class="btn">
            {t('common.cancel')}
          </Link>
          {dirty && !busy && id !== null && <span class="muted small">{t('org.unsaved')}</span>}
        </div>
        <Result outcome={outcome} />
      </form>
    </div>
  );
}
