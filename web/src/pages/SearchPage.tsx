// /agent/search?q=: ticket search results (Zendesk query syntax).
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api/endpoints';
import type { SearchPage as Result } from '../api/endpoints';
import { t } from '../i18n/i18n';
import { location, setQuery } from '../lib/router';
import { primeUsers, requestUsers } from '../lib/users';
import { ErrorBox, Loading, Pager } from '../ui/common';
import { TicketTable } from '../ui/TicketTable';
import { useTitle } from '../lib/title';

const PER_PAGE = 25;

export function SearchPage() {
  const params = new URLSearchParams(location.value.search);
  const q = (params.get('q') ?? '').trim();
  const page = Math.max(1, Number(params.get('page')) || 1);
  useTitle(q ? t('search.results', { query: q }) : t('search.title'));
  const [data, setData] = useState<Result | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!q) return;
    let live = true;
    setData(null);
    setError(null);
    api
      .search(q, page, PER_PAGE)
      .then((r) => {
        if (!live) return;
        primeUsers(r.users);
        requestUsers(r.results.map((x) => x.requester_id));
        setData(r);
      })
      .catch((e) => live && setError(e));
    return () => {
      live = false;
    };
  }, [q, page]);

  const tickets = (data?.results ?? []).filter((r) => !r.result_type || r.result_type === 'ticket');
  return (
    <div class="page">
      <header class="page-header">
        <h1>{q ? t('search.results', { query: q }) : t('search.title')}</h1>
        {data && <span class="muted page-count">{t('search.count', { count: data.count })}</span>}
      </header>
      {!q && <p class="muted">{t('search.prompt')}</p>}
      {error !== null && <ErrorBox error={error} />}
      {q && !data && error === null && <Loading />}
      {data && tickets.length === 0 && <p class="empty">{t('search.empty', { query: q })}</p>}
      {data && tickets.length > 0 && (
        <>
          <TicketTable tickets={tickets} caption={t('search.results', { query: q })} />
          <Pager page={page} perPage={PER_PAGE} count={data.count} hasNext={!!data.next_page} onPage={(p) => setQuery({ page: p === 1 ? null : p })} />
        </>
      )}
    </div>
  );
}
