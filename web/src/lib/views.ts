// Views in the workspace. The ones in the left navigation with their
// counts, and the suspended queue's count, refreshed by the workspace's poll and after any action
// that changes them. A standard view under its standard title shows the
// workspace's translation of it; a view's link uses its standard key when it
// has one (/agent/views/unassigned), else its id. Also the view editor's
// draft and the API body it makes.
import { signal } from '@preact/signals';
import * as api from '../api/endpoints';
import type { ViewBody } from '../api/endpoints';
import type { NavView, Restriction, RuleItem, View } from '../api/types';
import type { MessageKey } from '../i18n/en';
import { t, tMaybe } from '../i18n/i18n';

export const navViews = signal<NavView[] | null>(null);
export const suspendedCount = signal<number | null>(null);

export async function refreshViewCounts(): Promise<void> {
  const r = await api.getNavViews();
  navViews.value = r.views;
  suspendedCount.value = r.suspended_count;
}

export function viewLabel(v: { title: string; default_key: string | null; standard_title: boolean }): string {
  return v.standard_title && v.default_key ? tMaybe(`view.${v.default_key}`, v.title) : v.title;
}

export function viewPath(v: { id: number; default_key: string | null }): string {
  return `/agent/views/${v.default_key ?? v.id}`;
}

// The label of the view a page shows by key or id, from the navigation
// when it is there (else null: the page asks the API).
export function knownViewLabel(key: string): string | null {
  const v = (navViews.value ?? []).find((x) => x.default_key === key || String(x.id) === key);
  if (v) return viewLabel(v);
  return ['unassigned', 'my_open', 'all_open', 'recently_solved', 'delivery_failures'].includes(key) ? t(`view.${key}` as MessageKey) : null;
}

// The view editor's form, and the API body it makes.
export const VIEW_COLUMNS = ['id', 'status', 'subject', 'requester', 'assignee', 'group', 'organization', 'priority', 'type', 'created', 'updated', 'tags'];
export const VIEW_SORTS = ['updated', 'created', 'id', 'status', 'subject', 'requester'];

export interface ViewDraft {
  title: string;
  active: boolean;
  all: RuleItem[];
  any: RuleItem[];
  columns: string[];
  sortBy: string;
  sortOrder: 'asc' | 'desc';
  access: 'shared' | 'personal' | 'groups';
  owner: number | null; // whose personal view it is (an admin may edit another agent's)
  groupIds: number[];
}

export function viewDraftOf(v: View | null): ViewDraft {
  const r = v?.restriction ?? null;
  return {
    title: v?.title ?? '',
    active: v?.active ?? true,
    all: v?.conditions.all ?? [{ field: 'status', operator: 'less_than', value: 'solved' }],
    any: v?.conditions.any ?? [],
    columns: v?.execution.columns.map((c) => c.id) ?? ['subject', 'requester', 'status', 'updated'],
    sortBy: v?.execution.sort_by ?? 'updated',
    sortOrder: v?.execution.sort_order ?? 'desc',
    access: r === null ? 'shared' : r.type === 'User' ? 'personal' : 'groups',
    owner: r && r.type === 'User' ? r.id : null,
    groupIds: r && r.type === 'Group' ? r.ids : [],
  };
}

export type ViewProblem = 'needTitle' | 'needCondition' | 'needColumn' | 'needGroups';

export function viewBodyOf(d: ViewDraft, me: number): { body: ViewBody; problem: ViewProblem | null } {
  const restriction: Restriction = d.access === 'shared' ? null : d.access === 'personal' ? { type: 'User', id: d.owner ?? me } : { type: 'Group', ids: d.groupIds };
  const body: ViewBody = {
    title: d.title.trim(),
    active: d.active,
    all: d.all,
    any: d.any,
    output: { columns: VIEW_COLUMNS.filter((c) => d.columns.includes(c)), sort_by: d.sortBy, sort_order: d.sortOrder },
    restriction,
  };
  const problem: ViewProblem | null = !body.title
    ? 'needTitle'
    : d.all.length + d.any.length === 0
      ? 'needCondition'
      : d.columns.length === 0
        ? 'needColumn'
        : d.access === 'groups' && d.groupIds.length === 0
          ? 'needGroups'
          : null;
  return { body, problem };
}
