// Ticket fields in the workspace: the custom fields a ticket page shows, a
// value as its control holds it and as the API takes it, the options an
// admin types (one per line, "Name" or "Name = tag"), and what the view
// editor offers for custom fields (their condition kinds, titles and choices).
import type { CustomFieldType, CustomFieldValue, FieldOption, Ticket, TicketField } from '../api/types';
import { tMaybe } from '../i18n/i18n';
import type { Kind } from './triggers';

export const CUSTOM_TYPES: CustomFieldType[] = ['tagger', 'checkbox', 'text', 'textarea', 'integer', 'decimal', 'date'];

const byPosition = (a: TicketField, b: TicketField) => a.position - b.position || a.id - b.id;

// The custom fields agents fill, in the admin's order (system fields are
// the ticket page's own controls).
export function customFields(fields: TicketField[], activeOnly = true): TicketField[] {
  return fields.filter((f) => f.removable && (f.active || !activeOnly)).sort(byPosition);
}

export function fieldValue(ticket: Ticket, id: number): CustomFieldValue['value'] {
  return ticket.custom_fields?.find((f) => f.id === id)?.value ?? null;
}

// What a text, number or date control holds for a value ('' for none).
export function inputOf(value: CustomFieldValue['value']): string {
  return value === null || value === undefined || typeof value === 'boolean' ? '' : value;
}

// The value the API takes for what a control holds: null clears it.
export function valueOf(field: TicketField, input: string | boolean): CustomFieldValue['value'] {
  if (field.type === 'checkbox') return input === true || input === 'true';
  const text = String(input);
  if (text.trim() === '') return null;
  return field.type === 'text' || field.type === 'textarea' ? text : text.trim();
}

// The tag an option gets from its name: lower case, spaces to underscores.
export function tagOf(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s,]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

// "Name" or "Name = tag" per line (a tag is lower case); an option keeps the
// id and the default it had for its tag.
export function parseOptionLines(text: string, known: FieldOption[] = []): FieldOption[] {
  const out: FieldOption[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.lastIndexOf('=');
    const name = (eq > 0 ? line.slice(0, eq) : line).trim();
    const value = eq > 0 ? line.slice(eq + 1).trim().toLowerCase() : tagOf(name);
    const was = known.find((o) => o.value === value);
    out.push(was?.id === undefined ? { name, value } : { id: was.id, name, value, default: was.default ?? false });
  }
  return out;
}

export function optionLines(options: FieldOption[] = []): string {
  return options.map((o) => (o.value === tagOf(o.name) ? o.name : `${o.name} = ${o.value}`)).join('\n');
}

// The seeded titles of the system fields, in both languages: one of them
// shows in the workspace's language; a title an admin chose shows as is.
const SEEDED_TITLES: Record<string, string[]> = {
  subject: ['Subject', '件名'],
  description: ['Description', '説明'],
  status: ['Status', 'ステータス'],
  tickettype: ['Type', 'タイプ'],
  priority: ['Priority', '優先度'],
  group: ['Group', 'グループ'],
  assignee: ['Assignee', '担当者'],
};

export function fieldTitle(field: TicketField): string {
  if (field.removable || !SEEDED_TITLES[field.type]?.includes(field.title)) return field.title;
  return tMaybe(`ticketFields.sys.${field.type}`, field.title);
}

export const customFieldKey = (id: number) => `custom_fields_${id}`;

export function conditionKind(type: string): Kind {
  if (type === 'tagger') return 'cf_choice';
  if (type === 'checkbox') return 'cf_bool';
  if (type === 'integer' || type === 'decimal' || type === 'date') return 'cf_number';
  return 'cf_text';
}

export interface CustomFieldInfo {
  title: string;
  options: { value: string; label: string }[];
}

// The view and trigger editors' entries for custom fields (inactive ones too:
// a saved rule may name them).
export function customConditionFields(fields: TicketField[]): { kinds: Record<string, Kind>; info: Record<string, CustomFieldInfo> } {
  const kinds: Record<string, Kind> = {};
  const info: Record<string, CustomFieldInfo> = {};
  for (const f of customFields(fields, false)) {
    const key = customFieldKey(f.id);
    kinds[key] = conditionKind(f.type);
    info[key] = { title: f.title, options: (f.custom_field_options ?? []).map((o) => ({ value: o.value, label: o.name })) };
  }
  return { kinds, info };
}
