// /admin/triggers: every trigger in position order with an Active /
// Inactive / All filter and a title search; checkboxes (and select-all)
// with Activate / Deactivate; move up / down; clone; delete after a
// confirmation; and the standard triggers: present, changed (with the
// difference) or missing, with Restore.
import { useState } from 'preact/hooks';
import * as api from '../../api/endpoints';
import type { DefaultTrigger, Trigger } from '../../api/types';
import { t, tMaybe } from '../../i18n/i18n';
import { usePoll } from '../../lib/poll';
import { location, setQuery } from '../../lib/router';
import { useTitle } from '../../lib/title';
import { activeUpdates, allSelected, cloneBody, defaultDifferences, filterTriggers, moveUpdates, toggle, toggleAll, visibleSelection, type ActiveFilter } from '../../lib/triggers';
import { AdminError, ConfirmDialog, failure, Result, type Outcome } from '../../ui/admin';
import { Loading, Time } from '../../ui/common';
import { Link } from '../../ui/Link';
import { ChangeView } from './TriggerPage';

const FILTERS: ActiveFilter[] = ['all', 'active', 'inactive'];

export function TriggersPage() {
  const params = new URLSearchParams(location.value.search);
  const filter = (FILTERS as string[]).includes(params.get('show') ?? '') ? (params.get('show') as ActiveFilter) : 'all';
  const [query, setQ] = useState(params.get('q') ?? '');
  const [list, setList] = useState<Trigger[] | null>(null);
  const [defaults, setDefaults] = useState<DefaultTrigger[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [deleting, setDeleting] = useState<Trigger | null>(null);
  const [restoring, setRestoring] = useState<DefaultTrigger | null>(null);
  const [tick, setTick] = useState(0);
  useTitle(t('triggers.title'));

  usePoll(
    async (signal) => {
      try {
        const [r, d] = await Promise.all([api.getTriggers(), api.getTriggerDefaults().catch(() => null)]);
        if (signal.aborted) return;
        setList(r.triggers);
        if (d) setDefaults(d.defaults);
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    30000,
    [tick],
  );

  const visible = list ? filterTriggers(list, filter, query) : [];
  const chosen = visibleSelection(visible, selected);
  const reload = () => setTick((n) => n + 1);

  const run = async (work: () => Promise<Outcome>) => {
    setBusy(true);
    try {
      setOutcome(await work());
    } catch (e) {
      setOutcome(failure(e));
    } finally {
      setBusy(false);
      reload();
    }
  };

  const setActive = (active: boolean) =>
    run(async () => {
      const updates = activeUpdates(list ?? [], chosen, active);
      if (!updates.length) return { ok: true, text: t(active ? 'triggers.alreadyActive' : 'triggers.alreadyInactive') };
      await api.updateManyTriggers(updates);
      setSelected(new Set());
      return { ok: true, text: t(active ? 'triggers.activated' : 'triggers.deactivated', { count: updates.length }) };
    });

  const move = (tr: Trigger, dir: -1 | 1) =>
    run(async () => {
      const updates = moveUpdates(list ?? [], tr.id, dir);
      if (updates.length) await api.updateManyTriggers(updates);
      return { ok: true, text: t('triggers.moved', { title: tr.title }) };
    });

  const clone = (tr: Trigger) =>
    run(async () => {
      const r = await api.createTrigger(cloneBody(tr, t('triggers.copyTitle', { title: tr.title })));
      return { ok: true, text: t('triggers.cloned', { title: r.trigger.title }) };
    });

  const remove = async (tr: Trigger) => {
    try {
      await api.deleteTrigger(tr.id);
      setOutcome({ ok: true, text: t('triggers.deleted', { title: tr.title }) });
      setSelected((s) => {
        const n = new Set(s);
        n.delete(tr.id);
        return n;
      });
    } catch (e) {
      setOutcome(failure(e));
    }
    setDeleting(null);
    reload();
  };

  const restore = async (d: DefaultTrigger) => {
    try {
      await api.restoreDefault(d.key);
      setOutcome({ ok: true, text: t('defaults.restored', { title: d.title }) });
    } catch (e) {
      setOutcome(failure(e));
    }
    setRestoring(null);
    reload();
  };

  if (error !== null && !list) {
    return (
      <div class="page">
        <AdminError error={error} onRetry={reload} />
      </div>
    );
  }
  const order = list ? [...list].sort((a, b) => a.position - b.position || a.id - b.id) : [];
  const first = order[0]?.id;
  const last = order[order.length - 1]?.id;
  return (
    <div class="page admin-page">
      <header class="page-header">
        <div>
          <h1>{t('triggers.title')}</h1>
          <p class="muted small page-intro">{t('triggers.intro')}</p>
        </div>
        <Link href="/admin/triggers/new" class="btn btn-primary">
          {t('triggers.new')}
        </Link>
      </header>
      <div class="toolbar">
        <div class="segmented" role="group" aria-label={t('triggers.filter')}>
          {FILTERS.map((f) => (
            <button key={f} type="button" class="btn btn-small" aria-pressed={filter === f} onClick={() => setQuery({ show: f === 'all' ? null : f })}>
              {t(`triggers.filter.${f}`)}
            </button>
          ))}
        </div>
        <div class="search-field" role="search">
          <label for="trigger-search" class="visually-hidden">
            {t('triggers.search')}
          </label>
          <input
            id="trigger-search"
            type="search"
            placeholder={t('triggers.search')}
            value={query}
            onInput={(e) => {
              const v = (e.target as HTMLInputElement).value;
              setQ(v);
              setQuery({ q: v || null });
            }}
          />
        </div>
        <span class="spacer" />
        <span class="muted small" aria-live="polite">
          {chosen.length > 0 ? t('triggers.selected', { count: chosen.length }) : ''}
        </span>
        <button type="button" class="btn btn-small" disabled={busy || !chosen.length} onClick={() => void setActive(true)}>
          {t('triggers.activate')}
        </button>
        <button type="button" class="btn btn-small" disabled={busy || !chosen.length} onClick={() => void setActive(false)}>
          {t('triggers.deactivate')}
        </button>
      </div>
      <Result outcome={outcome} />
      {!list && <Loading />}
      {list && (
        <p class="muted small" aria-live="polite">
          {visible.length === list.length ? t('triggers.count', { count: list.length }) : t('triggers.shown', { shown: visible.length, count: list.length })}
        </p>
      )}
      {list && visible.length === 0 && <p class="empty">{t('triggers.empty')}</p>}
      {visible.length > 0 && (
        <div class="table-wrap">
          <table class="tickets triggers">
            <caption class="visually-hidden">{t('triggers.title')}</caption>
            <thead>
              <tr>
                <th scope="col" class="col-check">
                  <input type="checkbox" aria-label={t('triggers.selectAll')} checked={allSelected(visible, selected)} onChange={() => setSelected(toggleAll(visible, selected))} />
                </th>
                <th scope="col" class="col-pos">{t('triggers.col.position')}</th>
                <th scope="col">{t('triggers.col.title')}</th>
                <th scope="col" class="col-state">{t('triggers.col.status')}</th>
                <th scope="col" class="col-updated">{t('triggers.col.updated')}</th>
                <th scope="col" class="col-row-actions">
                  <span class="visually-hidden">{t('triggers.col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {visible.map((tr) => (
                <tr key={tr.id} class={selected.has(tr.id) ? 'selected' : ''}>
                  <td class="col-check">
                    <input type="checkbox" aria-label={t('triggers.select', { title: tr.title })} checked={selected.has(tr.id)} onChange={() => setSelected(toggle(selected, tr.id))} />
                  </td>
                  <td class="col-pos">{tr.position}</td>
                  <td class="col-subject">
                    <Link href={`/admin/triggers/${tr.id}`}>{tr.title}</Link>
                    {tr.default && <span class="chip">{t('triggers.standard')}</span>}
                    {tr.description && <div class="muted small">{tr.description}</div>}
                  </td>
                  <td class="col-state">
                    <span class={`state-chip ${tr.active ? 'state-active' : 'state-inactive'}`}>{t(tr.active ? 'triggers.active' : 'triggers.inactive')}</span>
                  </td>
                  <td class="col-updated">
                    <Time iso={tr.updated_at} short />
                  </td>
                  <td class="col-row-actions">
                    <div class="row-actions">
                      <button type="button" class="btn btn-small btn-icon" aria-label={t('triggers.moveUp', { title: tr.title })} title={t('triggers.moveUp', { title: tr.title })} disabled={busy || tr.id === first} onClick={() => void move(tr, -1)}>
                        ↑
                      </button>
                      <button type="button" class="btn btn-small btn-icon" aria-label={t('triggers.moveDown', { title: tr.title })} title={t('triggers.moveDown', { title: tr.title })} disabled={busy || tr.id === last} onClick={() => void move(tr, 1)}>
                        ↓
                      </button>
                      <button type="button" class="btn btn-small" aria-label={t('triggers.cloneLabel', { title: tr.title })} disabled={busy} onClick={() => void clone(tr)}>
                        {t('triggers.clone')}
                      </button>
                      <button type="button" class="btn btn-small btn-danger" aria-label={t('triggers.deleteLabel', { title: tr.title })} disabled={busy} onClick={() => setDeleting(tr)}>
                        {t('triggers.delete')}
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {defaults && <DefaultsPanel defaults={defaults} triggers={list ?? []} onRestore={(d) => (d.state === 'changed' ? setRestoring(d) : void restore(d))} />}
      {deleting && (
        <ConfirmDialog title={t('triggers.confirmDeleteTitle')} confirmLabel={t('triggers.delete')} danger onConfirm={() => remove(deleting)} onCancel={() => setDeleting(null)}>
          <p>{t('triggers.confirmDeleteBody', { title: deleting.title })}</p>
          {deleting.default && <p class="muted small">{t('triggers.confirmDeleteDefault')}</p>}
        </ConfirmDialog>
      )}
      {restoring && (
        <ConfirmDialog title={t('defaults.confirmRestoreTitle')} confirmLabel={t('defaults.restore')} onConfirm={() => restore(restoring)} onCancel={() => setRestoring(null)}>
          <p>{t('defaults.confirmRestoreBody', { title: restoring.title })}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function valueText(v: unknown): string {
  if (v === undefined || v === null) return '—';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function DefaultsPanel({ defaults, triggers, onRestore }: { defaults: DefaultTrigger[]; triggers: Trigger[]; onRestore: (d: DefaultTrigger) => void }) {
  return (
    <section class="card defaults" aria-labelledby="defaults-title">
      <h2 id="defaults-title">{t('defaults.title')}</h2>
      <p class="muted small">{t('defaults.intro')}</p>
      <ul class="defaults-list">
        {defaults.map((d) => {
          const bad = d.state !== 'as_shipped';
          return (
            <li key={d.key} class={`default-item default-${d.state}`}>
              <div class="default-head">
                <span class="default-title">{d.id ? <Link href={`/admin/triggers/${d.id}`}>{d.title}</Link> : d.title}</span>
                <span class={`state-chip default-state-${d.state}`}>{tMaybe(`defaults.state.${d.state}`, d.state)}</span>
                {bad && (
                  <button type="button" class="btn btn-small" aria-label={t('defaults.restoreLabel', { title: d.title })} onClick={() => onRestore(d)}>
                    {t('defaults.restore')}
                  </button>
                )}
              </div>
              {d.state === 'changed' &&
                (d.differences?.length ? (
                  <table class="diff">
                    <caption class="small">{t('defaults.difference')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('defaults.field')}</th>
                        <th scope="col">{t('defaults.shipped')}</th>
                        <th scope="col">{t('defaults.current')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.differences.map((x, i) => (
                        <tr key={i}>
                          <th scope="row">{tMaybe(`history.field.${x.field}`, x.field)}</th>
                          <td class="mono old">{valueText(x.shipped)}</td>
                          <td class="mono new">{valueText(x.current)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <Differences d={d} triggers={triggers} />
                ))}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

// Without the API's list of differences: compared with the shipped
// trigger when the API includes it, else a pointer to the history.
function Differences({ d, triggers }: { d: DefaultTrigger; triggers: Trigger[] }) {
  const changes = defaultDifferences(d, triggers.find((x) => x.id === d.id) ?? null);
  if (!changes) return <p class="muted small">{t('defaults.noDifference')}</p>;
  return (
    <div class="default-diff">
      <p class="small muted">{t('defaults.difference')}</p>
      <ul class="changes">
        {changes.map((c, i) => (
          <ChangeView key={i} change={c} />
        ))}
      </ul>
    </div>
  );
}
