// /agent/views/{key}: a paged, sortable ticket list that polls every 5 s,
// so new tickets appear without a reload. Page and sort live in the URL.
import { useState } from 'preact/hooks';
import * as api from '../api/endpoints';
import type { SortBy, SortOrder, TicketPage } from '../api/endpoints';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/i18n';
import { usePoll } from '../lib/poll';
import { location, setQuery } from '../lib/router';
import { primeUsers, requestUsers } from '../lib/users';
import { ErrorBox, Loading, Pager } from '../ui/common';
import { TicketTable } from '../ui/TicketTable';
import { useTitle } from '../lib/title';

const PER_PAGE = 25;
const SORTS: SortBy[] = ['requester', 'subject', 'status', 'updated_at'];

export function ViewPage({ viewKey }: { viewKey: string }) {
  const params = new URLSearchParams(location.value.search);
  const page = Math.max(1, Number(params.get('page')) || 1);
  const sortBy = (SORTS.includes(params.get('sort_by') as SortBy) ? params.get('sort_by') : 'updated_at') as SortBy;
  const sortOrder: SortOrder = params.get('sort_order') === 'asc' ? 'asc' : params.get('sort_order') === 'desc' ? 'desc' : sortBy === 'updated_at' ? 'desc' : 'asc';
  const [data, setData] = useState<TicketPage | null>(null);
  const [error, setError] = useState<unknown>(null);

  usePoll(
    async (signal) => {
      try {
        const r = await api.getViewTickets(viewKey, page, PER_PAGE, sortBy, sortOrder);
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
    [viewKey, page, sortBy, sortOrder],
  );

  const known = (['unassigned', 'my_open', 'all_open', 'recently_solved', 'delivery_failures'] as string[]).includes(viewKey);
  const title = known ? t(`view.${viewKey}` as MessageKey) : viewKey;
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
      {error !== null && !data && <ErrorBox error={error} />}
      {!data && error === null && <Loading />}
      {data && data.tickets.length === 0 && <p class="empty">{t('list.empty')}</p>}
      {data && data.tickets.length > 0 && (
        <>
          <TicketTable tickets={data.tickets} caption={title} sort={{ by: sortBy, order: sortOrder, onSort }} />
          <Pager page={page} perPage={PER_PAGE} count={data.count} hasNext={!!data.next_page} onPage={(p) => setQuery({ page: p === 1 ? null : p })} />
        </>
      )}
      <p class="muted small poll-note">{t('list.refreshed')}</p>
    </div>
  );
}
