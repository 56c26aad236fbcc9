// A ticket list table: ID, subject (a link), requester, status, updated.
// Sortable columns are header buttons with aria-sort on the header cell.
import type { SortBy, SortOrder } from '../api/endpoints';
import type { Ticket } from '../api/types';
import { t } from '../i18n/i18n';
import { userName } from '../lib/users';
import { StatusBadge, Time } from './common';
import { Link } from './Link';
import type { MessageKey } from '../i18n/en';

interface Sort {
  by: SortBy;
  order: SortOrder;
  onSort: (by: SortBy) => void;
}

function Header({ label, column, sort }: { label: MessageKey; column: SortBy; sort?: Sort }) {
  if (!sort) return <th scope="col">{t(label)}</th>;
  const active = sort.by === column;
  return (
    <th scope="col" aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" class="sort" onClick={() => sort.onSort(column)} aria-label={t('list.sortBy', { column: t(label) })}>
        {t(label)}
        <span class="sort-mark" aria-hidden="true">
          {active ? (sort.order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

export function TicketTable({ tickets, sort, caption }: { tickets: Ticket[]; sort?: Sort; caption: string }) {
  return (
    <div class="table-wrap">
      <table class="tickets">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" class="col-id">
              {t('list.id')}
            </th>
            <Header label="list.subject" column="subject" sort={sort} />
            <Header label="list.requester" column="requester" sort={sort} />
            <Header label="list.status" column="status" sort={sort} />
            <Header label="list.updated" column="updated_at" sort={sort} />
          </tr>
        </thead>
        <tbody>
          {tickets.map((ticket) => (
            <tr key={ticket.id}>
              <td class="col-id muted">#{ticket.id}</td>
              <td class="col-subject">
                <Link href={`/agent/tickets/${ticket.id}`}>{ticket.subject || `#${ticket.id}`}</Link>
              </td>
              <td class="col-requester">{userName(ticket.requester_id, `#${ticket.requester_id}`)}</td>
              <td class="col-status">
                <StatusBadge status={ticket.status} />
              </td>
              <td class="col-updated">
                <Time iso={ticket.updated_at} short />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
