// /agent/suspended: suspended mail with cause (words and id), sender,
// subject and time; filter by cause; select rows (or all) and Recover,
// Delete or Delete as spam; each action's result announced.
import { useState } from 'preact/hooks';
import * as api from '../api/endpoints';
import type { SuspendedPage as Data } from '../api/endpoints';
import { t } from '../i18n/i18n';
import { runAction, type Action, type Outcome } from '../lib/bulk';
import { CAUSES, causeText } from '../lib/causes';
import { usePoll } from '../lib/poll';
import { location, setQuery } from '../lib/router';
import { refreshViewCounts } from '../lib/views';
import { ErrorBox, Loading, Pager, Time } from '../ui/common';
import { Link } from '../ui/Link';
import { useTitle } from '../lib/title';

const PER_PAGE = 25;

export function SuspendedPage() {
  const params = new URLSearchParams(location.value.search);
  const cause = params.get('cause') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [tick, setTick] = useState(0);
  useTitle(t('suspended.title'));

  usePoll(
    async (signal) => {
      try {
        const r = await api.getSuspended(page, PER_PAGE, cause);
        if (signal.aborted) return;
        setData(r);
        setError(null);
        const present = new Set(r.suspended_tickets.map((s) => s.id));
        setSelected((sel) => new Set([...sel].filter((id) => present.has(id))));
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    5000,
    [cause, page, tick],
  );

  const rows = data?.suspended_tickets ?? [];
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const toggle = (id: number) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const act = async (action: Action) => {
    const ids = [...selected];
    if (!ids.length) return;
    setBusy(true);
    setOutcome(await runAction(action, ids));
    setBusy(false);
    setSelected(new Set());
    setTick(tick + 1);
    void refreshViewCounts().catch(() => undefined);
  };

  return (
    <div class="page">
      <header class="page-header">
        <h1>{t('suspended.title')}</h1>
        {data?.count !== undefined && <span class="muted page-count">{t('view.count', { count: data.count })}</span>}
      </header>
      <div class="toolbar">
        <label for="cause-filter" class="small">
          {t('suspended.cause')}
        </label>
        <select id="cause-filter" value={cause} onChange={(e) => setQuery({ cause: (e.target as HTMLSelectElement).value || null, page: null })}>
          <option value="">{t('suspended.allCauses')}</option>
          {CAUSES.map(([id, name]) => (
            <option key={name} value={name}>
              {causeText(name)} ({id})
            </option>
          ))}
        </select>
        <span class="spacer" />
        <span class="muted small" aria-live="polite">
          {selected.size > 0 ? t('suspended.selected', { count: selected.size }) : ''}
        </span>
        <button type="button" class="btn btn-small" disabled={busy || !selected.size} onClick={() => void act('recover')}>
          {t('suspended.recover')}
        </button>
        <button type="button" class="btn btn-small" disabled={busy || !selected.size} onClick={() => void act('delete')}>
          {t('suspended.delete')}
        </button>
        <button type="button" class="btn btn-small btn-danger" disabled={busy || !selected.size} onClick={() => void act('spam')}>
          {t('suspended.deleteSpam')}
        </button>
      </div>
      <div role="status" class={`result ${outcome ? (outcome.ok ? 'result-ok' : 'result-bad') : ''}`}>
        {outcome?.text}
        {outcome?.ticketIds.slice(0, 5).map((id) => (
          <>
            {' '}
            <Link key={id} href={`/agent/tickets/${id}`}>
              {t('suspended.openTicket', { id })}
            </Link>
          </>
        ))}
      </div>
      {error !== null && !data && <ErrorBox error={error} />}
      {!data && error === null && <Loading />}
      {data && rows.length === 0 && <p class="empty">{t('suspended.empty')}</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="tickets suspended">
            <caption class="visually-hidden">{t('suspended.title')}</caption>
            <thead>
              <tr>
                <th scope="col" class="col-check">
                  <input type="checkbox" aria-label={t('suspended.selectAll')} checked={allSelected} onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))} />
                </th>
                <th scope="col">{t('suspended.subject')}</th>
                <th scope="col">{t('suspended.sender')}</th>
                <th scope="col">{t('suspended.cause')}</th>
                <th scope="col">{t('suspended.received')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id} class={selected.has(s.id) ? 'selected' : ''}>
                  <td class="col-check">
                    <input type="checkbox" aria-label={t('suspended.select', { subject: s.subject || `#${s.id}` })} checked={selected.has(s.id)} onChange={() => toggle(s.id)} />
                  </td>
                  <td class="col-subject">
                    <Link href={`/agent/suspended/${s.id}`}>{s.subject || `#${s.id}`}</Link>
                  </td>
                  <td>
                    <div>{s.author.name || s.author.email}</div>
                    {s.author.name && <div class="muted small mono">{s.author.email}</div>}
                  </td>
                  <td>
                    <span class="cause">{causeText(s.cause)}</span> <span class="muted small mono">({s.cause_id})</span>
                  </td>
                  <td>
                    <Time iso={s.created_at} short />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && rows.length > 0 && <Pager page={page} perPage={PER_PAGE} count={data.count ?? null} hasNext={!!data.next_page} onPage={(p) => setQuery({ page: p === 1 ? null : p })} />}
    </div>
  );
}
