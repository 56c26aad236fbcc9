// A ticket list table: by default ID, subject (a link), requester, status,
// updated; a view chooses its own columns.
// Sortable columns are header buttons with aria-sort on the header cell.
import type { SortBy, SortOrder } from '../api/endpoints';
import type { Ticket } from '../api/types';
import { t, tMaybe } from '../i18n/i18n';
import { userName } from '../lib/users';
import { StatusBadge, Time } from './common';
import { Link } from './Link';
import type { MessageKey } from '../i18n/en';

interface Sort {
  by: SortBy | null; // null: an order the table has no column for
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

// The columns shown by default (search, and a view without its own).
export const DEFAULT_COLUMNS = ['id', 'subject', 'requester', 'status', 'updated'];

// Columns a header button can sort by, with their API names.
export const SORTABLE: Record<string, SortBy> = { subject: 'subject', requester: 'requester', status: 'status', updated: 'updated_at' };

export interface Names {
  group: (id: number) => string;
  organization: (id: number) => string;
}

function Cell({ column, ticket, linkId, names }: { column: string; ticket: Ticket; linkId: boolean; names?: Names }) {
  const none = <span class="muted">—</span>;
  switch (column) {
    case 'id':
      return <td class="col-id muted">{linkId ? <Link href={`/agent/tickets/${ticket.id}`}>#{ticket.id}</Link> : `#${ticket.id}`}</td>;
    case 'subject':
      return (
        <td class="col-subject">
          <Link href={`/agent/tickets/${ticket.id}`}>{ticket.subject || `#${ticket.id}`}</Link>
        </td>
      );
    case 'requester':
      return <td class="col-requester">{userName(ticket.requester_id, `#${ticket.requester_id}`)}</td>;
    case 'assignee':
      return <td class="col-requester">{ticket.assignee_id ? userName(ticket.assignee_id, `#${ticket.assignee_id}`) : none}</td>;
    case 'group':
      return <td>{ticket.group_id ? (names?.group(ticket.group_id) ?? `#${ticket.group_id}`) : none}</td>;
    case 'organization':
      return <td>{ticket.organization_id ? (names?.organization(ticket.organization_id) ?? `#${ticket.organization_id}`) : none}</td>;
    case 'status':
      return (
        <td class="col-status">
          <StatusBadge status={ticket.status} />
        </td>
      );
    case 'priority':
      return <td>{ticket.priority ? tMaybe(`value.priority.${ticket.priority}`, ticket.priority) : none}</td>;
    case 'type':
      return <td>{ticket.type ? tMaybe(`value.type.${ticket.type}`, ticket.type) : none}</td>;
    case 'created':
      return (
        <td class="col-updated">
          <Time iso={ticket.created_at} short />
        </td>
      );
    case 'updated':
      return (
        <td class="col-updated">
          <Time iso={ticket.updated_at} short />
        </td>
      );
    case 'tags':
      return <td class="small">{(ticket.tags ?? []).join(' ') || none}</td>;
    default:
      return <td />;
  }
}

export function TicketTable({ tickets, sort, caption, columns = DEFAULT_COLUMNS, names }: { tickets: Ticket[]; sort?: Sort; caption: string; columns?: string[]; names?: Names }) {
  // Without a subject column the id links to the ticket.
  const linkId = !columns.includes('subject');
  return (
    <div class="table-wrap">
      <table class="tickets">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) =>
              SORTABLE[c] ? (
                <Header key={c} label={`column.${c}` as MessageKey} column={SORTABLE[c]} sort={sort} />
              ) : (
                <th key={c} scope="col" class={c === 'id' ? 'col-id' : undefined}>
                  {t(`column.${c}` as MessageKey)}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {tickets.map((ticket) => (
            <tr key={ticket.id}>
              {columns.map((c) => (
                <Cell key={c} column={c} ticket={ticket} linkId={linkId} names={names} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
