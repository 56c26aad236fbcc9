// Who may use a macro or a view, in words, and whether the signed-in user
// may change it: admins change all; an agent only their personal ones.
import type { Group, Restriction } from '../api/types';
import { t } from '../i18n/i18n';
import { isAdmin } from './roles';

export function restrictionText(r: Restriction, me: number | undefined, groups: readonly Group[]): string {
  if (r === null) return t('macros.access.shared');
  if (r.type === 'User') return r.id === me ? t('macros.access.mine') : t('macros.access.personalOf', { id: r.id });
  return r.ids.map((id) => groups.find((g) => g.id === id)?.name ?? `#${id}`).join(', ');
}

export function mayChange(r: Restriction, user: { id: number; role?: string } | null | undefined): boolean {
  return isAdmin(user) || (r?.type === 'User' && r.id === user?.id);
}
