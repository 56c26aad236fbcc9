// Triggers, the pure parts: the list's filter, search and selection, the
// position updates a move makes, the builder's catalog of fields,
// operators and values (the API's rules, src/rules/trigger.cc, mirrored so
// the form can say what is wrong before saving; the API stays the judge),
// placeholders, and what a revision changed.
import type { DefaultTrigger, RuleItem, Trigger, TriggerRevision } from '../api/types';

// ---- list

export type ActiveFilter = 'all' | 'active' | 'inactive';

// Case- and width-insensitive ("ＮＯＴＩＦＹ" finds "Notify"; NFKC folds
// full-width forms), for titles in English or Japanese.
export function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function byPosition(a: Trigger, b: Trigger): number {
  return a.position - b.position || a.id - b.id;
}

export function filterTriggers(list: readonly Trigger[], active: ActiveFilter, query: string): Trigger[] {
  const q = fold(query);
  return list
    .filter((t) => active === 'all' || t.active === (active === 'active'))
    .filter((t) => !q || fold(t.title).includes(q))
    .sort(byPosition);
}

export function toggle(selected: ReadonlySet<number>, id: number): Set<number> {
  const next = new Set(selected);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

export function allSelected(visible: readonly Trigger[], selected: ReadonlySet<number>): boolean {
  return visible.length > 0 && visible.every((t) => selected.has(t.id));
}

// The select-all box: selects every visible row, or clears them when all
// are selected already. Rows hidden by the filter are never selected.
export function toggleAll(visible: readonly Trigger[], selected: ReadonlySet<number>): Set<number> {
  if (allSelected(visible, selected)) return new Set();
  return new Set(visible.map((t) => t.id));
}

// Selected ids that are still visible (a filter change or a reload drops
// the others, so Activate never touches a row the admin cannot see).
export function visibleSelection(visible: readonly Trigger[], selected: ReadonlySet<number>): number[] {
  return visible.filter((t) => selected.has(t.id)).map((t) => t.id);
}

// update_many entries that set `active` for the selected triggers whose
// state differs.
export function activeUpdates(list: readonly Trigger[], ids: readonly number[], active: boolean): { id: number; active: boolean }[] {
  const want = new Set(ids);
  return list.filter((t) => want.has(t.id) && t.active !== active).map((t) => ({ id: t.id, active }));
}

// Moves trigger `id` one place up (-1) or down (+1) in position order and
// returns the update_many entries: positions 1..n for the new order, only
// for the triggers whose position changes. Empty when it cannot move.
export function moveUpdates(list: readonly Trigger[], id: number, dir: -1 | 1): { id: number; position: number }[] {
  const order = [...list].sort(byPosition);
  const i = order.findIndex((t) => t.id === id);
  const j = i + dir;
  if (i < 0 || j < 0 || j >= order.length) return [];
  [order[i], order[j]] = [order[j], order[i]];
  return order.map((t, k) => ({ id: t.id, position: k + 1, was: t.position })).filter((x) => x.position !== x.was).map(({ id: tid, position }) => ({ id: tid, position }));
}

// The body of a copy: same conditions and actions, inactive (a copy of a
// notification would otherwise send every email twice), no default key.
export function cloneBody(t: Trigger, title: string): Omit<Trigger, 'id' | 'position'> {
  return {
    title,
    active: false,
    description: t.description,
    conditions: { all: t.conditions.all.map((c) => ({ ...c })), any: t.conditions.any.map((c) => ({ ...c })) },
    actions: t.actions.map((a) => ({ ...a, value: Array.isArray(a.value) ? [...a.value] : a.value })),
  };
}

// ---- builder catalog

export type Kind = 'update_type' | 'status' | 'priority' | 'type' | 'user' | 'group' | 'organization' | 'via' | 'comment_public' | 'bool' | 'ticket_public' | 'role' | 'words' | 'tags' | 'email' | 'hours'
  // Custom ticket fields (lib/ticketFields): a dropdown, a checkbox, a number or date, text.
  | 'cf_choice' | 'cf_bool' | 'cf_number' | 'cf_text';

export const CONDITION_FIELDS: Record<string, Kind> = {
  update_type: 'update_type',
  status: 'status',
  priority: 'priority',
  type: 'type',
  assignee_id: 'user',
  requester_id: 'user',
  group_id: 'group',
  organization_id: 'organization',
  via_id: 'via',
  current_via_id: 'via',
  comment_is_public: 'comment_public',
  comment_present: 'bool',
  ticket_is_public: 'ticket_public',
  role: 'role',
  subject_includes_word: 'words',
  comment_includes_word: 'words',
  description_includes_word: 'words',
  current_tags: 'tags',
  recipient: 'email',
};

// A view's conditions: what a stored ticket has (no change operators), and
// hours since it was created or updated.
export const VIEW_CONDITION_FIELDS: Record<string, Kind> = {
  status: 'status',
  priority: 'priority',
  type: 'type',
  assignee_id: 'user',
  requester_id: 'user',
  group_id: 'group',
  organization_id: 'organization',
  via_id: 'via',
  current_tags: 'tags',
  NEW: 'hours',
  updated_at: 'hours',
  delivery_failed: 'bool',
};

const CHANGE_OPS = ['changed', 'value', 'value_previous', 'not_changed', 'not_value', 'not_value_previous'];
const IS = ['is', 'is_not'];

export function operatorsFor(kind: Kind): string[] {
  switch (kind) {
    case 'status':
    case 'priority':
      return [...IS, 'less_than', 'greater_than', ...CHANGE_OPS];
    case 'type':
    case 'user':
    case 'group':
    case 'organization':
      return [...IS, ...CHANGE_OPS];
    case 'words':
      return [...IS, 'includes', 'not_includes'];
    case 'tags':
      return ['includes', 'not_includes'];
    case 'hours':
      return ['less_than', 'greater_than', 'is'];
    case 'cf_choice':
    case 'cf_text':
      return [...IS, 'present', 'not_present', ...CHANGE_OPS];
    case 'cf_number':
      return [...IS, 'less_than', 'greater_than', 'present', 'not_present', ...CHANGE_OPS];
    case 'cf_bool':
      return [...IS, ...CHANGE_OPS];
    default:
      return IS;
  }
}

// The operators a view takes: no change operators.
export function viewOperatorsFor(kind: Kind): string[] {
  return operatorsFor(kind).filter((o) => !CHANGE_OPS.includes(o));
}

// Fixed choices for a value, or null for free text (ids, words, addresses).
export function valueChoices(kind: Kind): string[] | null {
  switch (kind) {
    case 'update_type':
      return ['Create', 'Change'];
    case 'status':
      return ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
    case 'priority':
      return ['', 'low', 'normal', 'high', 'urgent'];
    case 'type':
      return ['', 'question', 'incident', 'problem', 'task'];
    case 'via':
      return ['4', '0', '5'];
    case 'comment_public':
      return ['true', 'false', 'not_relevant', 'requester_can_see_comment'];
    case 'bool':
    case 'cf_bool':
      return ['true', 'false'];
    case 'ticket_public':
      return ['public', 'private'];
    case 'role':
      return ['end_user', 'agent', 'admin'];
    default:
      return null;
  }
}

// Operators that take no value (the API stores null).
export const VALUELESS_OPS = new Set(['changed', 'not_changed', 'present', 'not_present']);

export type ActionKind = 'status' | 'priority' | 'type' | 'user' | 'group' | 'tags' | 'notification_user' | 'notification_group';

export const ACTION_FIELDS: Record<string, ActionKind> = {
  status: 'status',
  priority: 'priority',
  type: 'type',
  assignee_id: 'user',
  group_id: 'group',
  set_tags: 'tags',
  current_tags: 'tags',
  remove_tags: 'tags',
  notification_user: 'notification_user',
  notification_group: 'notification_group',
};

export const NOTIFY_USER_TARGETS = ['requester_and_ccs', 'requester_id', 'assignee_id', 'all_agents', 'current_user'];

export function actionChoices(kind: ActionKind): string[] | null {
  switch (kind) {
    case 'status':
      return ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
    case 'priority':
      return ['', 'low', 'normal', 'high', 'urgent'];
    case 'type':
      return ['', 'question', 'incident', 'problem', 'task'];
    default:
      return null;
  }
}

export const isNotification = (field: string) => field === 'notification_user' || field === 'notification_group';

// Placeholders the server knows (src/rules/placeholders.cc).
export const PLACEHOLDERS = [
  'ticket.id', 'ticket.encoded_id', 'ticket.title', 'ticket.description', 'ticket.url', 'ticket.link', 'ticket.status', 'ticket.priority',
  'ticket.ticket_type', 'ticket.via', 'ticket.account', 'ticket.tags', 'ticket.group.name', 'ticket.latest_comment', 'ticket.latest_comment_html',
  'ticket.latest_public_comment', 'ticket.latest_public_comment_html', 'ticket.comments_formatted', 'ticket.public_comments_formatted',
  'ticket.requester.id', 'ticket.requester.name', 'ticket.requester.first_name', 'ticket.requester.last_name', 'ticket.requester.email',
  'ticket.assignee.id', 'ticket.assignee.name', 'ticket.assignee.first_name', 'ticket.assignee.last_name', 'ticket.assignee.email',
  'current_user.id', 'current_user.name', 'current_user.first_name', 'current_user.last_name', 'current_user.email',
];
const KNOWN = new Set(PLACEHOLDERS);

// Names inside {{ }} that the server does not know (an unclosed "{{" is text,
// as the server reads it).
export function unknownPlaceholders(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\{\{(.*?)\}\}/gs)) {
    const name = m[1].trim();
    if (!KNOWN.has(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

// ---- the form's draft and its checks

export interface Draft {
  title: string;
  active: boolean;
  description: string;
  all: RuleItem[];
  any: RuleItem[];
  actions: RuleItem[];
}

export function draftOf(t: Trigger | null): Draft {
  if (!t) return { title: '', active: true, description: '', all: [{ field: 'update_type', operator: 'is', value: 'Create' }], any: [], actions: [{ field: 'notification_user', value: ['requester_and_ccs', '', ''] }] };
  return {
    title: t.title,
    active: t.active,
    description: t.description ?? '',
    all: t.conditions.all.map((c) => ({ ...c })),
    any: t.conditions.any.map((c) => ({ ...c })),
    actions: t.actions.map((a) => ({ ...a, value: Array.isArray(a.value) ? [...a.value] : a.value })),
  };
}

export function bodyOf(d: Draft): Omit<Trigger, 'id' | 'position'> {
  const cond = (c: RuleItem): RuleItem => ({ field: c.field, operator: c.operator, value: VALUELESS_OPS.has(c.operator ?? '') ? null : c.value ?? '' });
  return {
    title: d.title.trim(),
    active: d.active,
    description: d.description.trim() ? d.description : null,
    conditions: { all: d.all.map(cond), any: d.any.map(cond) },
    actions: d.actions.map((a) => ({ field: a.field, value: a.value })),
  };
}

// A blank condition or action for a field, with the first operator and value
// that field takes.
export function newCondition(field = 'status', fields: Record<string, Kind> = CONDITION_FIELDS): RuleItem {
  const kind = fields[field] ?? 'words';
  const choices = valueChoices(kind);
  return { field, operator: operatorsFor(kind)[0], value: choices ? choices[0] : kind === 'hours' ? '24' : '' };
}

export function newAction(field = 'status'): RuleItem {
  if (isNotification(field)) return { field, value: [field === 'notification_user' ? 'requester_and_ccs' : 'group_id', '', ''] };
  const choices = actionChoices(ACTION_FIELDS[field] ?? 'tags');
  return { field, value: choices ? choices[0] : '' };
}

// Problems found before saving, each with where it is ("conditions.all[0]")
// in the API's own style, so they read like its 422 messages. `code` is a
// message key suffix; `arg` fills it.
export interface Problem {
  at: string;
  code: 'titleRequired' | 'noConditions' | 'noActions' | 'unknownField' | 'badOperator' | 'badValue' | 'valueRequired' | 'recipientRequired' | 'unknownPlaceholder';
  arg?: string;
  warning?: boolean;
}

export function checkDraft(d: Draft): Problem[] {
  const out: Problem[] = [];
  if (!d.title.trim()) out.push({ at: 'title', code: 'titleRequired' });
  if (!d.all.length && !d.any.length) out.push({ at: 'conditions', code: 'noConditions' });
  for (const [list, name] of [[d.all, 'conditions.all'], [d.any, 'conditions.any']] as const) {
    list.forEach((c, i) => {
      const at = `${name}[${i}]`;
      if (c.field.startsWith('custom_fields_')) return; // the API checks it against the field
      const kind = CONDITION_FIELDS[c.field];
      if (!kind) return out.push({ at, code: 'unknownField', arg: c.field });
      if (!operatorsFor(kind).includes(c.operator ?? '')) return out.push({ at, code: 'badOperator', arg: c.operator ?? '' });
      if (VALUELESS_OPS.has(c.operator ?? '')) return;
      const v = c.value === null || c.value === undefined ? '' : String(c.value);
      const choices = valueChoices(kind);
      if (choices && !choices.includes(v)) return out.push({ at, code: 'badValue', arg: v });
      if (!choices && !v.trim() && kind !== 'user' && kind !== 'group' && kind !== 'organization') out.push({ at, code: 'valueRequired' });
    });
  }
  if (!d.actions.length) out.push({ at: 'actions', code: 'noActions' });
  d.actions.forEach((a, i) => {
    const at = `actions[${i}]`;
    if (a.field.startsWith('custom_fields_')) return; // the API checks it against the field
    if (!ACTION_FIELDS[a.field]) return out.push({ at, code: 'unknownField', arg: a.field });
    if (isNotification(a.field)) {
      const [to, subject, body] = Array.isArray(a.value) ? (a.value as string[]) : [];
      if (!to) out.push({ at, code: 'recipientRequired' });
      for (const name of [...unknownPlaceholders(subject ?? ''), ...unknownPlaceholders(body ?? '')]) out.push({ at, code: 'unknownPlaceholder', arg: name, warning: true });
      return;
    }
    const choices = actionChoices(ACTION_FIELDS[a.field]);
    const v = typeof a.value === 'string' ? a.value : '';
    if (choices && !choices.includes(v)) out.push({ at, code: 'badValue', arg: v });
  });
  return out;
}

// The row a message is about: "conditions.any[2]: unknown field" → any, 2.
export function locate(message: string): { list: 'all' | 'any' | 'actions' | 'title' | null; index: number | null } {
  const m = /^(conditions\.(all|any)|actions)\[(\d+)\]/.exec(message);
  if (m) return { list: (m[2] as 'all' | 'any' | undefined) ?? 'actions', index: Number(m[3]) };
  if (message.startsWith('title')) return { list: 'title', index: null };
  return { list: null, index: null };
}

// ---- revisions

// One rule as text: "status is_not solved", "notification_user requester_and_ccs “Subject”".
export function ruleText(item: RuleItem): string {
  const parts = [item.field];
  if (item.operator) parts.push(item.operator);
  if (Array.isArray(item.value)) {
    const [to, subject] = item.value as unknown[];
    parts.push(String(to ?? ''));
    if (subject) parts.push(`“${String(subject)}”`);
    // the body is long; a changed body still differs in the JSON compared below
  } else if (item.value !== null && item.value !== undefined) {
    parts.push(item.value === '' ? '""' : String(item.value));
  }
  return parts.join(' ');
}

const same = (a: RuleItem, b: RuleItem) => JSON.stringify(a) === JSON.stringify(b);

export type Change =
  | { field: 'title' | 'active' | 'position' | 'description'; before: string | boolean | number | null; after: string | boolean | number | null }
  | { field: 'conditions.all' | 'conditions.any' | 'actions'; removed: string[]; added: string[]; edited: string[] };

// Items in `before` not in `after` and the other way round. A rule whose
// text reads the same on both sides but whose JSON differs (an email body
// changed) is `edited`, not removed and added.
function listChange(field: 'conditions.all' | 'conditions.any' | 'actions', before: RuleItem[], after: RuleItem[]): Change | null {
  const removed = before.filter((b) => !after.some((a) => same(a, b))).map(ruleText);
  const added = after.filter((a) => !before.some((b) => same(a, b))).map(ruleText);
  if (!removed.length && !added.length) return null;
  const edited = added.filter((x) => removed.includes(x));
  return { field, removed: removed.filter((x) => !edited.includes(x)), added: added.filter((x) => !edited.includes(x)), edited };
}

export function triggerChanges(before: Trigger | null, after: Trigger | null): Change[] {
  const b = before;
  const a = after;
  const out: Change[] = [];
  const scalar = (field: 'title' | 'active' | 'position' | 'description') => {
    const x = b ? b[field] ?? null : null;
    const y = a ? a[field] ?? null : null;
    if (x !== y) out.push({ field, before: x, after: y });
  };
  scalar('title');
  scalar('active');
  scalar('position');
  scalar('description');
  const lists: ['conditions.all' | 'conditions.any' | 'actions', RuleItem[], RuleItem[]][] = [
    ['conditions.all', b?.conditions?.all ?? [], a?.conditions?.all ?? []],
    ['conditions.any', b?.conditions?.any ?? [], a?.conditions?.any ?? []],
    ['actions', b?.actions ?? [], a?.actions ?? []],
  ];
  for (const [field, x, y] of lists) {
    const c = listChange(field, x, y);
    if (c) out.push(c);
  }
  return out;
}

// Newest first; ties by id.
export function sortRevisions(list: readonly TriggerRevision[]): TriggerRevision[] {
  return [...list].sort((x, y) => (x.created_at < y.created_at ? 1 : x.created_at > y.created_at ? -1 : y.id - x.id));
}

// How a changed standard trigger differs from the shipped one (title,
// conditions, actions; `active` and position are states, not changes), or
// null when the API did not include the shipped trigger.
export function defaultDifferences(d: DefaultTrigger, current: Trigger | null): Change[] | null {
  const now = d.current ?? current;
  if (!d.shipped || !now) return null;
  return triggerChanges(d.shipped, now).filter((c) => c.field !== 'active' && c.field !== 'position' && c.field !== 'description');
}
