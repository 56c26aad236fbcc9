// /admin/settings: the desk's own settings (its name and language, inbound
// authentication, the spam filter's thresholds, how long suspended mail is
// kept), one Save that sends only what changed; a value saved here shows
// the config file's value beside it, with "Use config value" to go back.
// And the allowlist and blocklist, with their own Save (their own API).
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import * as api from '../../api/endpoints';
import type { DeskSettings, EmailLists, SettingKey, SettingsAnswer } from '../../api/types';
import type { MessageKey } from '../../i18n/en';
import { LANGS, t, tMaybe } from '../../i18n/i18n';
import { AUTH_MODES, changesOf, draftFieldsOf, draftOf, isDirty, listsChanged, problemOf, SETTING_KEYS, type Draft, type FieldKey } from '../../lib/settings';
import { useTitle } from '../../lib/title';
import { AdminError, failure, Result, type Outcome } from '../../ui/admin';
import { ErrorBox, Loading } from '../../ui/common';

const fieldName = (key: FieldKey) => t(`settings.field.${key}` as MessageKey);

// The config file's value, in words.
function configText(key: SettingKey, config: DeskSettings): string {
  const v = config[key];
  switch (key) {
    case 'desk_name':
      return t('settings.value.name', { name: String(v) });
    case 'inbound_authentication':
      return tMaybe(`settings.auth.${String(v)}`, String(v));
    case 'reject_on_dmarc_reject':
      return t(v ? 'settings.value.on' : 'settings.value.off');
    case 'spam_refuse_at':
      return v === null ? t('settings.value.never') : String(v);
    case 'suspended_retention_days':
      return v === 0 ? t('settings.value.forever') : t('settings.value.days', { count: Number(v) });
    default:
      return String(v);
  }
}

// The id of the control a field's problem points at (it gets the focus).
function controlId(key: FieldKey, draft: Draft): string {
  return key === 'inbound_authentication' ? `settings-auth-${draft.inbound_authentication}` : `settings-${key.replace(/_/g, '-')}`;
}

export function SettingsPage() {
  useTitle(t('settings.title'));
  const [answer, setAnswer] = useState<SettingsAnswer | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [problems, setProblems] = useState<Partial<Record<FieldKey, string>>>({});

  useEffect(() => {
    let live = true;
    api.getSettings().then(
      (a) => {
        if (!live) return;
        setAnswer(a);
        setDraft(draftOf(a));
        setError(null);
      },
      (e) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [tick]);

  if (error !== null && !answer) {
    return (
      <div class="page admin-page">
        <h1>{t('settings.title')}</h1>
        <AdminError error={error} onRetry={() => setTick((n) => n + 1)} />
      </div>
    );
  }

  // An edited field's problem goes away with the edit.
  const edit = (next: Partial<Draft>) => {
    setDraft((d) => (d ? { ...d, ...next } : d));
    const edited = Object.keys(next).map((k) => (k === 'never_refuse' ? 'spam_refuse_at' : k));
    if (edited.some((k) => k in problems)) setProblems((p) => Object.fromEntries(Object.entries(p).filter(([k]) => !edited.includes(k))));
  };
  const focusLater = (id: string) => setTimeout(() => document.getElementById(id)?.focus(), 0);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!answer || !draft) return;
    const { changes, invalid } = changesOf(draft, answer);
    if (invalid.length > 0) {
      setProblems(Object.fromEntries(invalid.map((k) => [k, t('settings.needNumber')])));
      setOutcome({ ok: false, text: t('settings.checkFields') });
      focusLater(controlId(invalid[0], draft));
      return;
    }
    if (Object.keys(changes).length === 0) return;
    setBusy(true);
    setProblems({});
    setOutcome(null);
    try {
      const a = await api.saveSettings(changes);
      setAnswer(a);
      setDraft(draftOf(a));
      setOutcome({ ok: true, text: t('settings.saved') });
    } catch (err) {
      const at = err instanceof ApiError && err.status === 422 ? problemOf(err.description, 'settings') : null;
      if (at && (at.key === 'language' || (SETTING_KEYS as readonly string[]).includes(at.key))) {
        const key = at.key as FieldKey;
        setProblems({ [key]: t('admin.apiSaid', { message: at.message }) });
        setOutcome({ ok: false, text: t('settings.notSavedAt', { setting: fieldName(key), message: at.message }) });
        focusLater(controlId(key, draft));
      } else {
        setOutcome(failure(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const reset = async (key: SettingKey) => {
    setBusy(true);
    setProblems({});
    try {
      const a = await api.resetSettings([key]);
      setAnswer(a);
      setDraft((d) => ({ ...(d ?? draftOf(a)), ...draftFieldsOf(a, key) }));
      setOutcome({ ok: true, text: t('settings.resetDone', { setting: fieldName(key) }) });
      focusLater(controlId(key, draftOf(a)));
    } catch (err) {
      setProblems({ [key]: failure(err).text });
      setOutcome(failure(err));
    } finally {
      setBusy(false);
    }
  };

  // Below a field: the problem with it, and "changed here" with the config file's value.
  const below = (key: FieldKey) => {
    const problem = problems[key];
    const changed = key !== 'language' && answer?.changed.includes(key);
    return (
      <>
        {problem && (
          <p id={`settings-${key}-problem`} class="form-error small" role="alert">
            {problem}
          </p>
        )}
        {changed && answer && (
          <div class="setting-changed">
            <span class="small">{t('settings.changedHere', { value: configText(key as SettingKey, answer.config) })}</span>
            <button type="button" class="btn btn-small" disabled={busy} aria-label={t('settings.useConfigLabel', { setting: fieldName(key) })} onClick={() => void reset(key as SettingKey)}>
              {t('settings.useConfig')}
            </button>
          </div>
        )}
      </>
    );
  };
  // aria attributes of a control: its help text and its problem.
  const described = (key: FieldKey, help?: string) => ({
    'aria-invalid': problems[key] ? true : undefined,
    'aria-describedby': [help, problems[key] ? `settings-${key}-problem` : ''].filter(Boolean).join(' ') || undefined,
  });

  const dirty = !!answer && !!draft && isDirty(draft, answer);
  return (
    <div class="page admin-page settings-page">
      <header class="page-header">
        <div>
          <h1>{t('settings.title')}</h1>
          <p class="muted small page-intro">{t('settings.intro')}</p>
        </div>
      </header>
      {answer && Object.keys(answer.problems ?? {}).length > 0 && (
        <div class="result result-bad" role="alert">
          <p>{t('settings.storedProblems')}</p>
          <ul>
            {Object.entries(answer.problems ?? {}).map(([key, why]) => (
              <li key={key}>
                <code>{key}</code>: {why}
              </li>
            ))}
          </ul>
        </div>
      )}
      {(!answer || !draft) && <Loading />}
      {answer && draft && (
        <form class="settings-form" onSubmit={(e) => void save(e)} noValidate>
          <Section id="desk" title={t('settings.desk')} intro={t('settings.deskIntro')}>
            <div class="field">
              <label for="settings-desk-name">{fieldName('desk_name')}</label>
              <input id="settings-desk-name" type="text" class="settings-text" autoComplete="off" value={draft.desk_name} {...described('desk_name', 'settings-desk-name-help')} onInput={(e) => edit({ desk_name: (e.target as HTMLInputElement).value })} />
              <p id="settings-desk-name-help" class="muted small field-help">
                {t('settings.deskNameHelp')}
              </p>
              {below('desk_name')}
            </div>
            <div class="field">
              <label for="settings-language">{fieldName('language')}</label>
              <select id="settings-language" class="settings-select" value={draft.language} {...described('language', 'settings-language-help')} onChange={(e) => edit({ language: (e.target as HTMLSelectElement).value })}>
                {LANGS.map((l) => (
                  <option key={l} value={l}>
                    {t(`lang.${l}`)}
                  </option>
                ))}
              </select>
              <p id="settings-language-help" class="muted small field-help">
                {t('settings.languageHelp')}
              </p>
              {below('language')}
            </div>
          </Section>

          <Section id="auth" title={t('settings.auth')} intro={t('settings.authIntro')}>
            <fieldset class="settings-choices field">
              <legend>{fieldName('inbound_authentication')}</legend>
              {AUTH_MODES.map((m) => (
                <label key={m} class="settings-choice">
                  <input
                    id={`settings-auth-${m}`}
                    type="radio"
                    name="inbound-authentication"
                    value={m}
                    checked={draft.inbound_authentication === m}
                    {...described('inbound_authentication', `settings-auth-${m}-help`)}
                    onChange={() => edit({ inbound_authentication: m })}
                  />
                  <span class="settings-choice-text">
                    <span class="settings-choice-name">{t(`settings.auth.${m}`)}</span>
                    <span id={`settings-auth-${m}-help`} class="muted small">
                      {t(`settings.auth.${m}Help`)}
                    </span>
                  </span>
                </label>
              ))}
              {below('inbound_authentication')}
            </fieldset>
            <div class="field">
              <div class="field-check">
                <input id="settings-reject-on-dmarc-reject" type="checkbox" checked={draft.reject_on_dmarc_reject} {...described('reject_on_dmarc_reject', 'settings-reject-help')} onChange={(e) => edit({ reject_on_dmarc_reject: (e.target as HTMLInputElement).checked })} />
                <label for="settings-reject-on-dmarc-reject">{fieldName('reject_on_dmarc_reject')}</label>
              </div>
              <p id="settings-reject-help" class="muted small field-help settings-check-help">
                {t('settings.rejectHelp')}
              </p>
              {below('reject_on_dmarc_reject')}
            </div>
          </Section>

          <Section id="spam" title={t('settings.spam')} intro={t('settings.spamIntro')}>
            <div class="settings-pair">
              <div class="field">
                <label for="settings-spam-suspend-at">{fieldName('spam_suspend_at')}</label>
                <input id="settings-spam-suspend-at" type="number" class="settings-number" min="0" max="1" step="0.01" inputMode="decimal" value={draft.spam_suspend_at} {...described('spam_suspend_at', 'settings-suspend-at-help')} onInput={(e) => edit({ spam_suspend_at: (e.target as HTMLInputElement).value })} />
                <p id="settings-suspend-at-help" class="muted small field-help">
                  {t('settings.suspendAtHelp')}
                </p>
                {below('spam_suspend_at')}
              </div>
              <div class="field">
                <label for="settings-spam-refuse-at">{fieldName('spam_refuse_at')}</label>
                <div class="settings-inline">
                  <input id="settings-spam-refuse-at" type="number" class="settings-number" min="0" max="1" step="0.01" inputMode="decimal" disabled={draft.never_refuse} value={draft.spam_refuse_at} {...described('spam_refuse_at', 'settings-refuse-at-help')} onInput={(e) => edit({ spam_refuse_at: (e.target as HTMLInputElement).value })} />
                  <span class="field-check">
                    <input id="settings-never-refuse" type="checkbox" checked={draft.never_refuse} onChange={(e) => edit({ never_refuse: (e.target as HTMLInputElement).checked })} />
                    <label for="settings-never-refuse">{t('settings.neverRefuse')}</label>
                  </span>
                </div>
                <p id="settings-refuse-at-help" class="muted small field-help">
                  {t('settings.refuseAtHelp')}
                </p>
                {below('spam_refuse_at')}
              </div>
            </div>
          </Section>

          <Section id="retention" title={t('settings.retention')} intro={t('settings.retentionIntro')}>
            <div class="field">
              <label for="settings-suspended-retention-days">{fieldName('suspended_retention_days')}</label>
              <div class="settings-inline">
                <input id="settings-suspended-retention-days" type="number" class="settings-number" min="0" max="3650" step="1" inputMode="numeric" value={draft.suspended_retention_days} {...described('suspended_retention_days', 'settings-retention-help')} onInput={(e) => edit({ suspended_retention_days: (e.target as HTMLInputElement).value })} />
                <span>{t('settings.days')}</span>
              </div>
              <p id="settings-retention-help" class="muted small field-help">
                {t('settings.retentionHelp')}
              </p>
              {below('suspended_retention_days')}
            </div>
          </Section>

          <div class="form-actions settings-actions">
            <button type="submit" class="btn btn-primary" disabled={busy || !dirty}>
              {busy ? t('settings.saving') : t('settings.save')}
            </button>
            {dirty && !busy && <span class="muted small">{t('settings.unsaved')}</span>}
          </div>
          <Result outcome={outcome} />
        </form>
      )}
      {answer && <ListsSection />}
    </div>
  );
}

function Section({ id, title, intro, children }: { id: string; title: string; intro: string; children: ComponentChildren }) {
  return (
    <section class="card form-card settings-card" aria-labelledby={`settings-${id}-title`}>
      <h2 id={`settings-${id}-title`}>{title}</h2>
      <p class="muted small settings-intro">{intro}</p>
      {children}
    </section>
  );
}

const LISTS = ['allowlist', 'blocklist'] as const;

// The allowlist and blocklist: GET/PUT /api/v2/email_lists.
function ListsSection() {
  const [saved, setSaved] = useState<EmailLists | null>(null);
  const [draft, setDraft] = useState<EmailLists>({ allowlist: '', blocklist: '' });
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [problem, setProblem] = useState<{ key: string; message: string } | null>(null);
  useEffect(() => {
    let live = true;
    api.getEmailLists().then(
      (r) => {
        if (!live) return;
        setSaved(r.email_lists);
        setDraft(r.email_lists);
        setError(null);
      },
      (e) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [tick]);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    setOutcome(null);
    try {
      const r = await api.saveEmailLists(draft);
      setSaved(r.email_lists);
      setDraft(r.email_lists);
      setOutcome({ ok: true, text: t('lists.saved') });
    } catch (err) {
      const at = err instanceof ApiError && err.status === 422 ? problemOf(err.description, 'email_lists') : null;
      if (at && (LISTS as readonly string[]).includes(at.key)) {
        setProblem(at);
        setOutcome({ ok: false, text: t('lists.notSaved', { list: t(`lists.${at.key as 'allowlist' | 'blocklist'}`), message: at.message }) });
        setTimeout(() => document.getElementById(`lists-${at.key}`)?.focus(), 0);
      } else {
        setOutcome(failure(err));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card settings-card settings-lists" aria-labelledby="lists-title">
      <h2 id="lists-title">{t('lists.title')}</h2>
      <p class="muted small settings-intro">{t('lists.intro')}</p>
      {error !== null && !saved && <ErrorBox error={error} onRetry={() => setTick((n) => n + 1)} />}
      {!saved && error === null && <Loading />}
      {saved && (
        <form onSubmit={(e) => void save(e)} noValidate>
          <div class="settings-pair">
            {LISTS.map((list) => {
              const bad = problem?.key === list;
              return (
                <div class="field" key={list}>
                  <label for={`lists-${list}`}>{t(`lists.${list}`)}</label>
                  <textarea
                    id={`lists-${list}`}
                    class="settings-list"
                    rows={4}
                    spellcheck={false}
                    autoComplete="off"
                    placeholder={t(`lists.${list}Placeholder`)}
                    value={draft[list]}
                    aria-invalid={bad || undefined}
                    aria-describedby={`lists-${list}-help${bad ? ` lists-${list}-problem` : ''}`}
                    onInput={(e) => {
                      setDraft((d) => ({ ...d, [list]: (e.target as HTMLTextAreaElement).value }));
                      if (bad) setProblem(null);
                    }}
                  />
                  <p id={`lists-${list}-help`} class="muted small field-help">
                    {t(`lists.${list}Help`)}
                  </p>
                  {bad && (
                    <p id={`lists-${list}-problem`} class="form-error small" role="alert">
                      {t('admin.apiSaid', { message: problem.message })}
                    </p>
                  )}
                </div>
              );
            })}
          </div>
          <p class="muted small settings-precedence">{t('lists.precedence')}</p>
          <div class="form-actions settings-actions">
            <button type="submit" class="btn btn-primary" disabled={busy || !listsChanged(draft, saved)}>
              {busy ? t('settings.saving') : t('lists.save')}
            </button>
            {listsChanged(draft, saved) && !busy && <span class="muted small">{t('settings.unsaved')}</span>}
          </div>
          <Result outcome={outcome} />
        </form>
      )}
    </section>
  );
}
