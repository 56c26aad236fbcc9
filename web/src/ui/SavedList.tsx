// The table of the rules agents save (macros, views): each one's title (a
// link, with "Inactive" when it is), who may use it, and Edit and Delete for
// those the signed-in user may change. The page keeps the confirmation.
import type { Group, Restriction } from '../api/types';
import { t } from '../i18n/i18n';
import { mayChange, restrictionText } from '../lib/restriction';
import { session } from '../lib/session';
import { Link } from './Link';

interface Saved {
  id: number;
  active: boolean;
  restriction: Restriction;
}

export function SavedList<T extends Saved>({
  items,
  caption,
  groups,
  title,
  href,
  editHref,
  onDelete,
}: {
  items: T[];
  caption: string;
  groups: readonly Group[];
  title: (item: T) => string;
  href: (item: T) => string;
  editHref: (item: T) => string;
  onDelete: (item: T) => void;
}) {
  const me = session.value?.user;
  return (
    <div class="table-wrap">
      <table class="tickets macros">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('macros.col.title')}</th>
            <th scope="col">{t('macros.col.access')}</th>
            <th scope="col" class="col-row-actions">
              <span class="visually-hidden">{t('triggers.col.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id}>
              <td class="col-subject">
                <Link href={href(item)}>{title(item)}</Link>
                {!item.active && <span class="state-chip state-inactive macro-state">{t('macros.inactive')}</span>}
              </td>
              <td>
                <span class="cell-label">{t('macros.col.access')}: </span>
                {restrictionText(item.restriction, me?.id, groups)}
              </td>
              <td class="col-row-actions">
                {mayChange(item.restriction, me) && (
                  <div class="row-actions">
                    <Link href={editHref(item)} class="btn btn-small" aria-label={t('macros.editLabel', { title: title(item) })}>
                      {t('macros.edit')}
                    </Link>
                    <button type="button" class="btn btn-small btn-danger" aria-label={t('macros.deleteLabel', { title: title(item) })} onClick={() => onDelete(item)}>
                      {t('macros.delete')}
                    </button>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
