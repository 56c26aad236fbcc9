// /admin/triggers/{id} and /admin/triggers/new: title, active,
// description, conditions (all / any) and actions in a builder (a row per
// condition or action: field, operator, value), checked as the API checks
// them before saving; the API's 422 message is shown beside the form and
// its row is marked. Below, the trigger's history: who changed what, when.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import * as api from '../../api/endpoints';
import type { RuleItem, TicketField, Trigger, TriggerRevision } from '../../api/types';
import { t, tMaybe } from '../../i18n/i18n';
import { navigate } from '../../lib/router';
import { customConditionFields } from '../../lib/ticketFields';
import { useTitle } from '../../lib/title';
import {
  ACTION_FIELDS, CONDITION_FIELDS, NOTIFY_USER_TARGETS, PLACEHOLDERS, actionChoices, bodyOf, checkDraft, draftOf, isNotification, locate,
  newAction, newCondition, sortRevisions, triggerChanges, type Change, type Draft, type Problem,
} from '../../lib/triggers';
import { AdminError, failure, Result, type Outcome } from '../../ui/admin';
import { Loading, Time } from '../../ui/common';
import { Link } from '../../ui/Link';
import { ConditionRow, fieldLabel, RemoveButton, valueLabel } from '../../ui/RuleRows';

type ListName = 'all' | 'any' | 'actions';

export function problemText(p: Problem): string {
  return `${p.at}: ${t(`problem.${p.code}`, { arg: p.arg ?? '' })}`;
}

export function TriggerPage({ id }: { id: number | null }) {
  const [trigger, setTrigger] = useState<Trigger | null>(null);
  const [draft, setDraft] = useState<Draft | null>(id === null ? draftOf(null) : null);
  const [error, setError] = useState<unknown>(null);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [apiMessage, setApiMessage] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const [historyTick, setHistoryTick] = useState(0);
  const [ticketFields, setTicketFields] = useState<TicketField[]>([]);
  useTitle(id === null ? t('trigger.newTitle') : trigger?.title ?? t('trigger.editTitle'));
  const custom = customConditionFields(ticketFields);
  const conditionFields = { ...CONDITION_FIELDS, ...custom.kinds };

  useEffect(() => {
    let live = true;
    api.getTicketFields().then((f) => live && setTicketFields(f), () => undefined);
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (id === null) return;
    let live = true;
    api
      .getTrigger(id)
      .then((r) => {
        if (!live) return;
        setTrigger(r.trigger);
        setDraft(draftOf(r.trigger));
      })
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [id]);

  if (error) {
    if (error instanceof ApiError && error.status === 404) {
      return (
        <div class="page">
          <h1>{t('trigger.notFound', { id: id ?? '' })}</h1>
          <Link href="/admin/triggers">{t('trigger.back')}</Link>
        </div>
      );
    }
    return (
      <div class="page">
        <AdminError error={error} />
      </div>
    );
  }
  if (!draft) return <div class="page"><Loading /></div>;

  const update = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const setRow = (list: ListName, i: number, item: RuleItem) => {
    const next = [...draft[list]];
    next[i] = item;
    update({ [list]: next } as Partial<Draft>);
  };
  const removeRow = (list: ListName, i: number) => update({ [list]: draft[list].filter((_, k) => k !== i) } as Partial<Draft>);
  const addRow = (list: ListName) => update({ [list]: [...draft[list], list === 'actions' ? newAction() : newCondition()] } as Partial<Draft>);

  const save = async (e: Event) => {
    e.preventDefault();
    const found = checkDraft(draft);
    setProblems(found);
    setApiMessage(null);
    setOutcome(null);
    setWarnings([]);
    if (found.some((p) => !p.warning)) {
      document.getElementById('trigger-problems')?.focus();
      return;
    }
    setSaving(true);
    try {
      const body = bodyOf(draft);
      const r = id === null ? await api.createTrigger(body) : await api.saveTrigger(id, body);
      setWarnings(r.warnings ?? []);
      setTrigger(r.trigger);
      setProblems(found.filter((p) => p.warning));
      setHistoryTick((n) => n + 1);
      if (id === null) {
        navigate(`/admin/triggers/${r.trigger.id}`, { replace: true });
      } else {
        setOutcome({ ok: true, text: t('trigger.saved') });
      }
    } catch (err) {
      if (err instanceof ApiError && (err.status === 422 || err.status === 400)) {
        setApiMessage(err.description || err.message);
        setTimeout(() => document.getElementById('trigger-problems')?.focus(), 0);
      } else setOutcome(failure(err));
    } finally {
      setSaving(false);
    }
  };

  const where = apiMessage ? locate(apiMessage) : { list: null, index: null };
  const rowBad = (list: ListName, i: number) =>
    (where.list === list && where.index === i) || problems.some((p) => !p.warning && p.at === `${list === 'actions' ? 'actions' : `conditions.${list}`}[${i}]`);
  const blocking = problems.filter((p) => !p.warning);
  const soft = problems.filter((p) => p.warning);

  return (
    <div class="page admin-page trigger-page">
      <p class="crumbs small">
        <Link href="/admin/triggers">{t('trigger.back')}</Link>
      </p>
      <header class="page-header">
        <h1>{id === null ? t('trigger.newTitle') : trigger?.title || t('trigger.editTitle')}</h1>
        {trigger?.default && <span class="chip">{t('triggers.standard')}</span>}
      </header>
      <form class="trigger-form" onSubmit={(e) => void save(e)} noValidate>
        {(blocking.length > 0 || apiMessage) && (
          <div id="trigger-problems" class="form-problems" role="alert" tabIndex={-1}>
            <p>{apiMessage ? t('trigger.notSaved') : t('trigger.checkFirst')}</p>
            <ul>
              {apiMessage && <li class="mono">{apiMessage}</li>}
              {blocking.map((p, i) => (
                <li key={i}>{problemText(p)}</li>
              ))}
            </ul>
          </div>
        )}
        {(soft.length > 0 || warnings.length > 0) && (
          <div class="form-warnings" role="note">
            <p>{t('trigger.warnings')}</p>
            <ul>
              {soft.map((p, i) => (
                <li key={`s${i}`}>{problemText(p)}</li>
              ))}
              {warnings.map((w, i) => (
                <li key={`w${i}`} class="mono">
                  {w}
                </li>
              ))}
            </ul>
          </div>
        )}
        <div class="card form-card">
          <div class="field">
            <label for="trigger-title">{t('trigger.titleLabel')}</label>
            <input id="trigger-title" type="text" value={draft.title} aria-invalid={problems.some((p) => p.at === 'title') || where.list === 'title'} onInput={(e) => update({ title: (e.target as HTMLInputElement).value })} />
          </div>
          <div class="field field-check">
            <input id="trigger-active" type="checkbox" checked={draft.active} onChange={(e) => update({ active: (e.target as HTMLInputElement).checked })} />
            <label for="trigger-active">{t('trigger.activeLabel')}</label>
          </div>
          <div class="field">
            <label for="trigger-description">{t('trigger.description')}</label>
            <textarea id="trigger-description" class="short" value={draft.description} onInput={(e) => update({ description: (e.target as HTMLTextAreaElement).value })} />
          </div>
        </div>
        {(['all', 'any'] as const).map((list) => (
          <fieldset key={list} class="card builder">
            <legend>{t(`trigger.${list}`)}</legend>
            {draft[list].length === 0 && <p class="muted small">{t('trigger.noRows')}</p>}
            {draft[list].map((c, i) => (
              <ConditionRow key={i} fields={conditionFields} custom={custom.info} item={c} row={t(list === 'all' ? 'trigger.rowAll' : 'trigger.rowAny', { n: i + 1 })} bad={rowBad(list, i)} onChange={(item) => setRow(list, i, item)} onRemove={() => removeRow(list, i)} />
            ))}
            <button type="button" class="btn btn-small" onClick={() => addRow(list)}>
              + {t(list === 'all' ? 'trigger.addAll' : 'trigger.addAny')}
            </button>
          </fieldset>
        ))}
        <fieldset class="card builder">
          <legend>{t('trigger.actions')}</legend>
          {draft.actions.map((a, i) => (
            <ActionRow key={i} item={a} row={t('trigger.rowAction', { n: i + 1 })} bad={rowBad('actions', i)} onChange={(item) => setRow('actions', i, item)} onRemove={() => removeRow('actions', i)} />
          ))}
          <button type="button" class="btn btn-small" onClick={() => addRow('actions')}>
            + {t('trigger.addAction')}
          </button>
          <details class="placeholders">
            <summary class="small">{t('trigger.placeholders')}</summary>
            <p class="mono small">{PLACEHOLDERS.map((p) => `{{${p}}}`).join('  ')}</p>
          </details>
        </fieldset>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={saving}>
            {saving ? t('trigger.saving') : id === null ? t('trigger.create') : t('trigger.save')}
          </button>
          <Link href="/admin/triggers" class="btn">
            {t('common.cancel')}
          </Link>
          <Result outcome={outcome} />
        </div>
      </form>
      {id !== null && <History id={id} tick={historyTick} />}
    </div>
  );
}

function ActionRow({ item, row, bad, onChange, onRemove }: { item: RuleItem; row: string; bad: boolean; onChange: (i: RuleItem) => void; onRemove: () => void }) {
  const kind = ACTION_FIELDS[item.field];
  const fieldSelect = (
    <select aria-label={t('trigger.fieldOf', { row })} value={item.field} onChange={(e) => onChange(newAction((e.target as HTMLSelectElement).value))}>
      {!kind && <option value={item.field}>{item.field}</option>}
      {Object.keys(ACTION_FIELDS).map((f) => (
        <option key={f} value={f}>
          {fieldLabel(f, true)}
        </option>
      ))}
    </select>
  );
  if (isNotification(item.field)) {
    const [to = '', subject = '', body = ''] = Array.isArray(item.value) ? (item.value as string[]) : [];
    const set = (k: number, v: string) => {
      const next = [to, subject, body];
      next[k] = v;
      onChange({ ...item, value: next });
    };
    return (
      <div class={`rule-row rule-notify${bad ? ' rule-bad' : ''}`}>
        {fieldSelect}
        {item.field === 'notification_user' ? (
          <select aria-label={t('trigger.recipientOf', { row })} value={to} onChange={(e) => set(0, (e.target as HTMLSelectElement).value)}>
            {!NOTIFY_USER_TARGETS.includes(to) && <option value={to}>{to}</option>}
            {NOTIFY_USER_TARGETS.map((v) => (
              <option key={v} value={v}>
                {tMaybe(`value.notify.${v}`, v)}
              </option>
            ))}
          </select>
        ) : (
          <input type="text" aria-label={t('trigger.recipientOf', { row })} value={to} onInput={(e) => set(0, (e.target as HTMLInputElement).value)} />
        )}
        <RemoveButton row={row} onRemove={onRemove} />
        <input class="rule-wide" type="text" aria-label={t('trigger.subjectOf', { row })} placeholder={t('trigger.subject')} value={subject} onInput={(e) => set(1, (e.target as HTMLInputElement).value)} />
        <textarea class="rule-wide" aria-label={t('trigger.bodyOf', { row })} placeholder={t('trigger.body')} value={body} onInput={(e) => set(2, (e.target as HTMLTextAreaElement).value)} />
      </div>
    );
  }
  const choices = kind ? actionChoices(kind) : null;
  const value = typeof item.value === 'string' ? item.value : item.value === null || item.value === undefined ? '' : String(item.value);
  return (
    <div class={`rule-row${bad ? ' rule-bad' : ''}`}>
      {fieldSelect}
      {choices ? (
        <select class="rule-value" aria-label={t('trigger.valueOf', { row })} value={value} onChange={(e) => onChange({ ...item, value: (e.target as HTMLSelectElement).value })}>
          {!choices.includes(value) && <option value={value}>{value}</option>}
          {choices.map((v) => (
            <option key={v} value={v}>
              {valueLabel(kind!, v)}
            </option>
          ))}
        </select>
      ) : (
        <input class="rule-value" type="text" aria-label={t('trigger.valueOf', { row })} value={value} placeholder={tMaybe(`hint.${kind}`, '')} onInput={(e) => onChange({ ...item, value: (e.target as HTMLInputElement).value })} />
      )}
      <RemoveButton row={row} onRemove={onRemove} />
    </div>
  );
}

// ---- history

function scalarText(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return t('history.none');
  if (field === 'active') return t(v ? 'triggers.active' : 'triggers.inactive');
  return String(v);
}

export function ChangeView({ change }: { change: Change }) {
  const label = tMaybe(`history.field.${change.field}`, change.field);
  if ('before' in change) {
    return (
      <li class="change">
        <span class="change-field">{label}</span>{' '}
        <span class="old">{scalarText(change.field, change.before)}</span> <span aria-hidden="true">→</span>
        <span class="visually-hidden">{t('history.to')}</span> <span class="new">{scalarText(change.field, change.after)}</span>
      </li>
    );
  }
  return (
    <li class="change">
      <span class="change-field">{label}</span>
      <ul class="change-items">
        {change.removed.map((x) => (
          <li key={`r${x}`} class="removed">
            <span class="change-mark">{t('history.removed')}</span> <span class="mono">{x}</span>
          </li>
        ))}
        {change.added.map((x) => (
          <li key={`a${x}`} class="added">
            <span class="change-mark">{t('history.added')}</span> <span class="mono">{x}</span>
          </li>
        ))}
        {change.edited.map((x) => (
          <li key={`e${x}`} class="edited">
            <span class="change-mark">{t('history.edited')}</span> <span class="mono">{x}</span>
          </li>
        ))}
      </ul>
    </li>
  );
}

function History({ id, tick }: { id: number; tick: number }) {
  const [list, setList] = useState<TriggerRevision[] | null>(null);
  const [error, setError] = useState<Outcome | null>(null);
  useEffect(() => {
    let live = true;
    api
      .getTriggerRevisions(id)
      .then((r) => live && setList(sortRevisions(r.trigger_revisions)))
      .catch((e) => live && setError(failure(e)));
    return () => {
      live = false;
    };
  }, [id, tick]);
  return (
    <section class="history-section" aria-labelledby="history-title">
      <h2 id="history-title">{t('history.title')}</h2>
      <Result outcome={error} />
      {!list && !error && <Loading />}
      {list && list.length === 0 && <p class="muted">{t('history.empty')}</p>}
      {list && list.length > 0 && (
        <ol class="revisions">
          {list.map((r) => {
            const changes = triggerChanges(r.before, r.after);
            return (
              <li key={r.id} class={`revision revision-${r.action}`}>
                <div class="revision-head">
                  <span class="revision-action">{tMaybe(`history.action.${r.action}`, r.action)}</span>
                  <span class="muted">{t('history.by', { name: r.author_name || (r.author_id ? `#${r.author_id}` : t('history.system')) })}</span>
                  <span class="muted small revision-time">
                    <Time iso={r.created_at} />
                  </span>
                </div>
                {changes.length > 0 && (
                  <ul class="changes">
                    {changes.map((c, i) => (
                      <ChangeView key={i} change={c} />
                    ))}
                  </ul>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
