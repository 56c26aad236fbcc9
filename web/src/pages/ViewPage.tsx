// /agent/views/{key or id}: a view's tickets, paged and sortable, polled
// every 5 s so new tickets appear without a reload. Page and sort live in
// the URL; without a sort there, the view's own applies.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import * as api from '../api/endpoints';
import type { SortBy, SortOrder, TicketPage } from '../api/endpoints';
import type { View } from '../api/types';
import { t } from '../i18n/i18n';
import { usePoll } from '../lib/poll';
import { location, setQuery } from '../lib/router';
import { primeUsers, requestUsers } from '../lib/users';
import { ErrorBox, Loading, Pager } from '../ui/common';
import { Link } from '../ui/Link';
import { SORTABLE, TicketTable, type Names } from '../ui/TicketTable';
import { useTitle } from '../lib/title';
import { knownViewLabel, viewLabel } from '../lib/views';

const PER_PAGE = 25;

// A view's columns, led by the ticket id as every list shows it.
const withId = (columns: string[]) => (columns.includes('id') ? columns : ['id', ...columns]);
const SORTS: SortBy[] = ['requester', 'subject', 'status', 'updated_at'];

export function ViewPage({ viewKey }: { viewKey: string }) {
  const params = new URLSearchParams(location.value.search);
  const page = Math.max(1, Number(params.get('page')) || 1);
  const asked = SORTS.includes(params.get('sort_by') as SortBy) ? (params.get('sort_by') as SortBy) : null;
  const askedOrder: SortOrder | null = params.get('sort_order') === 'asc' ? 'asc' : params.get('sort_order') === 'desc' ? 'desc' : null;
  const [data, setData] = useState<TicketPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [view, setView] = useState<View | null>(null);
  const [names, setNames] = useState<Names | undefined>(undefined);
  useEffect(() => {
    let live = true;
    api.getView(viewKey).then(
      async (r) => {
        if (!live) return;
        setView(r.view);
        // Group and organization columns show names.
        const cols = r.view.execution.columns.map((c) => c.id);
        if (!cols.includes('group') && !cols.includes('organization')) return;
        const [groups, orgs] = await Promise.all([api.getGroups().catch(() => []), cols.includes('organization') ? api.getOrganizations().catch(() => []) : Promise.resolve([])]);
        if (!live) return;
        const byId = (list: { id: number; name: string }[]) => new Map(list.map((x) => [x.id, x.name]));
        const g = byId(groups);
        const o = byId(orgs);
        setNames({ group: (id) => g.get(id) ?? `#${id}`, organization: (id) => o.get(id) ?? `#${id}` });
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [viewKey]);
  // The view's own sort until one is chosen (a column the table cannot sort
  // by shows no mark).
  const own = view ? SORTABLE[view.execution.sort_by] ?? null : null;
  const sortBy: SortBy | null = asked ?? own;
  const sortOrder: SortOrder = askedOrder ?? (asked ? (asked === 'updated_at' ? 'desc' : 'asc') : view?.execution.sort_order ?? 'desc');

  usePoll(
    async (signal) => {
      try {
        const r = await api.getViewTickets(viewKey, page, PER_PAGE, asked, asked ? sortOrder : askedOrder);
        if (signal.aborted) return;
        primeUsers(r.users);
        requestUsers(r.tickets.map((x) => x.requester_id));
        setData(r);
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    5000,
    [viewKey, page, asked, askedOrder],
  );

  const title = view ? viewLabel(view) : knownViewLabel(viewKey) ?? '…';
  useTitle(title);
  const onSort = (by: SortBy) => {
    const order: SortOrder = by === sortBy ? (sortOrder === 'asc' ? 'desc' : 'asc') : by === 'updated_at' ? 'desc' : 'asc';
    setQuery({ sort_by: by, sort_order: order, page: null });
  };

  return (
    <div class="page">
      <header class="page-header">
        <h1>{title}</h1>
        {data && <span class="muted page-count">{t('view.count', { count: data.count })}</span>}
      </header>
      {error instanceof ApiError && error.status === 404 && !data ? (
        <p class="empty">
          {t('view.notFound')} <Link href="/agent/views/manage">{t('view.manage')}</Link>
        </p>
      ) : (
        error !== null && !data && <ErrorBox error={error} />
      )}
      {!data && error === null && <Loading />}
      {data && data.tickets.length === 0 && <p class="empty">{t('list.empty')}</p>}
      {data && data.tickets.length > 0 && (
        <>
          <TicketTable tickets={data.tickets} caption={title} sort={{ by: sortBy, order: sortOrder, onSort }} columns={view ? withId(view.execution.columns.map((c) => c.id)) : undefined} names={names} />
          <Pager page={page} perPage={PER_PAGE} count={data.count} hasNext={!!data.next_page} onPage={(p) => setQuery({ page: p === 1 ? null : p })} />
        </>
      )}
      <p class="muted small poll-note">{t('list.refreshed')}</p>
    </div>
  );
}
