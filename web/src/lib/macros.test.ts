import { describe, expect, it } from 'vitest';
import type { MacroApplied, Ticket } from '../api/types';
import { changesToUpdate, macroBodyOf, macroChanges, macroDraftOf, mergeReply } from './macros';

const ticket = { id: 7, subject: 'Printer', status: 'open', tags: ['a'] } as unknown as Ticket;

describe('macros in the reply box', () => {
  it('lists field changes and a new subject', () => {
    const applied = {
      ticket: { ...ticket, subject: '[Urgent] Printer' },
      changes: [
        { field_name: 'priority', previous_value: '', value: 'urgent' },
        { field_name: 'tags', previous_value: 'a', value: 'a vip' },
      ],
      warnings: [],
    } as unknown as MacroApplied;
    expect(macroChanges(applied, ticket)).toEqual([
      { field: 'priority', value: 'urgent' },
      { field: 'tags', value: 'a vip' },
      { field: 'subject', value: '[Urgent] Printer' },
    ]);
  });

  it('turns changes into update fields, none meaning null', () => {
    expect(
      changesToUpdate([
        { field: 'priority', value: 'high' },
        { field: 'type', value: '' },
        { field: 'assignee_id', value: '12' },
        { field: 'group_id', value: '' },
        { field: 'tags', value: 'x  y' },
        { field: 'subject', value: 'S' },
        { field: 'status', value: 'solved' },
      ]),
    ).toEqual({ priority: 'high', type: null, assignee_id: 12, group_id: null, tags: ['x', 'y'], subject: 'S' });
  });

  it('sends the custom fields a macro sets', () => {
    expect(
      changesToUpdate([
        { field: 'custom_fields_7', value: 'hardware' },
        { field: 'custom_fields_8', value: '' },
      ]),
    ).toEqual({ custom_fields: [{ id: 7, value: 'hardware' }, { id: 8, value: null }] });
  });

  it('puts the macro text after what the agent wrote', () => {
    expect(mergeReply('', 'Hi')).toBe('Hi');
    expect(mergeReply('  ', 'Hi')).toBe('Hi');
    expect(mergeReply('Thanks.\n', 'Hi')).toBe('Thanks.\n\nHi');
    expect(mergeReply('Thanks.', '')).toBe('Thanks.');
  });
});

describe('the macro editor', () => {
  it('round-trips a macro through the form, keeping what it has no field for', () => {
    const macro = {
      id: 3, title: 'Escalate', active: true, position: 0, description: null,
      restriction: { type: 'Group' as const, id: 4, ids: [4] },
      actions: [
        { field: 'comment_value', value: 'Hi {{ticket.requester.first_name}}' },
        { field: 'comment_mode_is_public', value: 'false' },
        { field: 'priority', value: 'urgent' },
        { field: 'group_id', value: '' },
        { field: 'set_tags', value: 'a b' },
      ],
    };
    const d = macroDraftOf(macro);
    expect(d).toMatchObject({ mode: 'internal', priority: 'urgent', group: 'none', access: 'groups', groupIds: [4] });
    const { body, problem } = macroBodyOf(d, 9);
    expect(problem).toBeNull();
    expect(body.actions).toEqual([
      { field: 'comment_value', value: 'Hi {{ticket.requester.first_name}}' },
      { field: 'comment_mode_is_public', value: 'false' },
      { field: 'priority', value: 'urgent' },
      { field: 'group_id', value: '' },
      { field: 'set_tags', value: 'a b' },
    ]);
    expect(body.restriction).toEqual({ type: 'Group', ids: [4] });
  });

  it('names what is missing', () => {
    const d = macroDraftOf(null);
    expect(macroBodyOf(d, 9).problem).toBe('needTitle');
    expect(macroBodyOf({ ...d, title: 'x' }, 9).problem).toBe('needAction');
    expect(macroBodyOf({ ...d, title: 'x', status: 'solved', access: 'groups' }, 9).problem).toBe('needGroups');
    expect(macroBodyOf({ ...d, title: 'x', status: 'solved', access: 'personal' }, 9).body.restriction).toEqual({ type: 'User', id: 9 });
  });
});

describe('the macro editor keeps what it does not show', () => {
  it("keeps another agent's ownership and an HTML reply's mode", () => {
    const macro = {
      id: 3, title: 'Ann’s', active: true, position: 0, description: null,
      restriction: { type: 'User' as const, id: 7 },
      actions: [{ field: 'comment_value_html', value: '<p>Hi</p>' }, { field: 'comment_mode_is_public', value: 'false' }],
    };
    const { body } = macroBodyOf({ ...macroDraftOf(macro), title: 'Ann’s, fixed' }, 1);
    expect(body.restriction).toEqual({ type: 'User', id: 7 });
    expect(body.actions).toEqual([
      { field: 'comment_mode_is_public', value: 'false' },
      { field: 'comment_value_html', value: '<p>Hi</p>' },
    ]);
  });
});
