// Macros in the workspace. In the reply box: what a macro's preview (the
// server's answer for this ticket) changes beyond the reply text, as the
// fields of the ticket update the agent will submit, and the reply text
// merged with what the agent already wrote. In the editor: the form's
// draft and the API body it makes.
import type { MacroBody, TicketUpdate } from '../api/endpoints';
import type { Macro, MacroApplied, Restriction, Ticket } from '../api/types';

export interface MacroChange {
  field: string; // status | priority | type | assignee_id | group_id | tags | subject
  value: string; // as the audit shows it: ids as text, tags space-separated, "" for none
}

// The field changes of an applied macro, the subject included when it changes.
export function macroChanges(applied: MacroApplied, ticket: Ticket): MacroChange[] {
  const out: MacroChange[] = applied.changes.map((c) => ({ field: c.field_name, value: c.value }));
  if (applied.ticket.subject !== ticket.subject) out.push({ field: 'subject', value: applied.ticket.subject });
  return out;
}

// The changes as ticket update fields (status is the reply box's own select).
export function changesToUpdate(changes: MacroChange[]): TicketUpdate {
  const update: TicketUpdate = {};
  for (const c of changes) {
    switch (c.field) {
      case 'priority':
        update.priority = c.value || null;
        break;
      case 'type':
        update.type = c.value || null;
        break;
      case 'assignee_id':
        update.assignee_id = c.value ? Number(c.value) : null;
        break;
      case 'group_id':
        update.group_id = c.value ? Number(c.value) : null;
        break;
      case 'tags':
        update.tags = c.value.split(' ').filter(Boolean);
        break;
      case 'subject':
        update.subject = c.value;
        break;
      default:
        // custom_fields_<id>: a checkbox's "true" or "" (cleared) as the API takes them.
        if (c.field.startsWith('custom_fields_')) {
          const id = Number(c.field.slice('custom_fields_'.length));
          update.custom_fields = [...(update.custom_fields ?? []), { id, value: c.value || null }];
        }
    }
  }
  return update;
}

// The macro's reply after what the agent wrote (a blank line between).
export function mergeReply(current: string, macroText: string): string {
  if (!macroText) return current;
  return current.trim() ? `${current.replace(/\s+$/, '')}\n\n${macroText}` : macroText;
}

// The macro editor's form, and the API body it makes. Actions the form has
// no field for (comment_value_html, set_tags, a macro made through the API)
// are kept as they were.
export type MacroAccess = 'shared' | 'personal' | 'groups';
export interface MacroDraft {
  title: string;
  active: boolean;
  comment: string;
  mode: 'public' | 'internal';
  status: string; // '' = no change
  priority: string;
  type: string;
  group: string; // group id, '' = no change, 'none' = take it out of its group
  assignee: string; // user id, 'current_user', '' = no change, 'none' = unassign
  addTags: string;
  removeTags: string;
  subject: string;
  access: MacroAccess;
  owner: number | null; // whose personal macro it is (an admin may edit another agent's)
  groupIds: number[];
  extra: { field: string; value: string }[];
}

const FORM_FIELDS = ['comment_value', 'comment_mode_is_public', 'status', 'priority', 'type', 'group_id', 'assignee_id', 'current_tags', 'remove_tags', 'subject'];

export function macroDraftOf(m: Macro | null): MacroDraft {
  const value = (field: string) => m?.actions.find((a) => a.field === field)?.value;
  const idOrNone = (v: string | undefined) => (v === undefined ? '' : v === '' ? 'none' : v);
  const r = m?.restriction ?? null;
  return {
    title: m?.title ?? '',
    active: m?.active ?? true,
    comment: value('comment_value') ?? '',
    mode: value('comment_mode_is_public') === 'false' ? 'internal' : 'public',
    status: value('status') ?? '',
    priority: value('priority') ?? '',
    type: value('type') ?? '',
    group: idOrNone(value('group_id')),
    assignee: idOrNone(value('assignee_id')),
    addTags: value('current_tags') ?? '',
    removeTags: value('remove_tags') ?? '',
    subject: value('subject') ?? '',
    access: r === null ? 'shared' : r.type === 'User' ? 'personal' : 'groups',
    owner: r && r.type === 'User' ? r.id : null,
    groupIds: r && r.type === 'Group' ? r.ids : [],
    extra: (m?.actions ?? []).filter((a) => !FORM_FIELDS.includes(a.field)),
  };
}

export type MacroProblem = 'needTitle' | 'needAction' | 'needGroups';

export function macroBodyOf(d: MacroDraft, me: number): { body: MacroBody; problem: MacroProblem | null } {
  const actions: { field: string; value: string }[] = [];
  const add = (field: string, value: string) => actions.push({ field, value });
  if (d.comment.trim()) add('comment_value', d.comment);
  // The mode goes with any reply, text or HTML (kept in `extra`).
  if (d.comment.trim() || d.extra.some((a) => a.field === 'comment_value_html')) add('comment_mode_is_public', d.mode === 'public' ? 'true' : 'false');
  if (d.status) add('status', d.status);
  if (d.priority) add('priority', d.priority);
  if (d.type) add('type', d.type);
  if (d.group) add('group_id', d.group === 'none' ? '' : d.group);
  if (d.assignee) add('assignee_id', d.assignee === 'none' ? '' : d.assignee);
  if (d.addTags.trim()) add('current_tags', d.addTags.trim());
  if (d.removeTags.trim()) add('remove_tags', d.removeTags.trim());
  if (d.subject.trim()) add('subject', d.subject.trim());
  actions.push(...d.extra);
  const restriction: Restriction =
    d.access === 'shared' ? null : d.access === 'personal' ? { type: 'User', id: d.owner ?? me } : { type: 'Group', ids: d.groupIds };
  const body: MacroBody = { title: d.title.trim(), active: d.active, actions, restriction };
  const problem: MacroProblem | null = !body.title ? 'needTitle' : actions.length === 0 ? 'needAction' : d.access === 'groups' && d.groupIds.length === 0 ? 'needGroups' : null;
  return { body, problem };
}
