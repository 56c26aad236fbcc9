import { describe, expect, it } from 'vitest';
import type { Ticket, TicketField } from '../api/types';
import { setLang } from '../i18n/i18n';
import { customConditionFields, customFields, fieldTitle, fieldValue, inputOf, optionLines, parseOptionLines, tagOf, valueOf } from './ticketFields';

const field = (over: Partial<TicketField>): TicketField => ({
  id: 1, type: 'text', title: 'F', description: '', position: 1, active: true, required: false, removable: true, tag: null, ...over,
});

describe('ticket fields', () => {
  it('lists the active custom fields in the admin order', () => {
    const fields = [
      field({ id: 3, position: 9 }),
      field({ id: 1, type: 'status', removable: false, position: 0 }),
      field({ id: 2, position: 2 }),
      field({ id: 4, position: 1, active: false }),
    ];
    expect(customFields(fields).map((f) => f.id)).toEqual([2, 3]);
    expect(customFields(fields, false).map((f) => f.id)).toEqual([4, 2, 3]);
  });

  it('shows a system field under its title in the workspace language unless an admin renamed it', () => {
    setLang('ja');
    expect(fieldTitle(field({ type: 'status', title: 'Status', removable: false }))).toBe('ステータス');
    expect(fieldTitle(field({ type: 'status', title: 'State', removable: false }))).toBe('State');
    expect(fieldTitle(field({ type: 'text', title: 'Status' }))).toBe('Status');
    setLang('en');
    expect(fieldTitle(field({ type: 'tickettype', title: 'タイプ', removable: false }))).toBe('Type');
  });

  it('turns what a control holds into what the API takes', () => {
    expect(valueOf(field({ type: 'checkbox' }), true)).toBe(true);
    expect(valueOf(field({ type: 'checkbox' }), 'false')).toBe(false);
    expect(valueOf(field({ type: 'integer' }), ' 12 ')).toBe('12');
    expect(valueOf(field({ type: 'integer' }), '  ')).toBeNull();
    expect(valueOf(field({ type: 'text' }), ' keep spaces ')).toBe(' keep spaces ');
    const ticket = { custom_fields: [{ id: 5, value: 'hw' }, { id: 6, value: false }] } as Ticket;
    expect(fieldValue(ticket, 5)).toBe('hw');
    expect(fieldValue(ticket, 7)).toBeNull();
    expect(inputOf(fieldValue(ticket, 6))).toBe('');
  });

  it('reads options one per line, a tag made from the name unless given', () => {
    expect(tagOf(' Hardware issue, urgent ')).toBe('hardware_issue_urgent');
    const known = [{ id: 40, name: 'Old', value: 'sw', default: true }];
    expect(parseOptionLines('Hardware issue\n\n Software = SW \nCloud = cloud_service\n', known)).toEqual([
      { name: 'Hardware issue', value: 'hardware_issue' },
      { id: 40, name: 'Software', value: 'sw', default: true },
      { name: 'Cloud', value: 'cloud_service' },
    ]);
    expect(optionLines([{ name: 'Hardware issue', value: 'hardware_issue' }, { name: 'Software', value: 'sw' }])).toBe('Hardware issue\nSoftware = sw');
  });

  it('offers custom fields to the rule editors with their titles and options', () => {
    const { kinds, info } = customConditionFields([
      field({ id: 7, type: 'tagger', title: 'Product', custom_field_options: [{ id: 1, name: 'Hardware', value: 'hw' }] }),
      field({ id: 8, type: 'checkbox' }),
      field({ id: 9, type: 'date' }),
      field({ id: 1, type: 'status', removable: false }),
    ]);
    expect(kinds).toEqual({ custom_fields_7: 'cf_choice', custom_fields_8: 'cf_bool', custom_fields_9: 'cf_number' });
    expect(info.custom_fields_7).toEqual({ title: 'Product', options: [{ value: 'hw', label: 'Hardware' }] });
  });
});
