import { describe, expect, it } from 'vitest';
import type { Trigger } from '../api/types';
import { triggerRevisions, triggers } from '../test/fixtures';
import {
  activeUpdates, allSelected, bodyOf, defaultDifferences, checkDraft, cloneBody, draftOf, filterTriggers, fold, locate, moveUpdates, newAction, newCondition, operatorsFor,
  ruleText, sortRevisions, toggle, toggleAll, triggerChanges, unknownPlaceholders, visibleSelection,
} from './triggers';

describe('trigger list', () => {
  it('filters by state and title, in position order', () => {
    const shuffled = [...triggers].reverse();
    expect(filterTriggers(shuffled, 'all', '').map((t) => t.id)).toEqual([1, 2, 3, 4, 5]);
    expect(filterTriggers(shuffled, 'inactive', '').map((t) => t.id)).toEqual([3]);
    expect(filterTriggers(shuffled, 'active', 'notify requester').map((t) => t.id)).toEqual([1, 2]);
    expect(filterTriggers(shuffled, 'all', '  NOTIFY   requester ').map((t) => t.id)).toEqual([1, 2, 3]);
  });

  it('finds Japanese titles and folds full-width letters', () => {
    const ja: Trigger = { ...triggers[0], id: 9, title: 'リクエスタへの通知（コメントの更新）' };
    expect(filterTriggers([ja], 'all', 'リクエスタへの通知').map((t) => t.id)).toEqual([9]);
    expect(fold('ＮＯＴＩＦＹ')).toBe('notify');
    expect(filterTriggers(triggers, 'all', 'ｎｏｔｉｆｙ ａｓｓｉｇｎｅｅ').map((t) => t.id)).toEqual([4]);
  });

  it('selects rows, all visible rows, and never hidden ones', () => {
    const visible = filterTriggers(triggers, 'all', 'notify requester');
    let sel = toggle(new Set(), 3);
    expect([...sel]).toEqual([3]);
    sel = toggle(sel, 3);
    expect(sel.size).toBe(0);
    sel = toggleAll(visible, new Set([5]));
    expect([...sel].sort()).toEqual([1, 2, 3]);
    expect(allSelected(visible, sel)).toBe(true);
    expect(toggleAll(visible, sel).size).toBe(0);
    expect(visibleSelection(filterTriggers(triggers, 'inactive', ''), new Set([1, 3, 5]))).toEqual([3]);
    expect(allSelected([], new Set())).toBe(false);
  });

  it('activates only what changes', () => {
    expect(activeUpdates(triggers, [1, 3], true)).toEqual([{ id: 3, active: true }]);
    expect(activeUpdates(triggers, [1, 3], false)).toEqual([{ id: 1, active: false }]);
    expect(activeUpdates(triggers, [3], false)).toEqual([]);
  });

  it('moves by swapping neighbours and renumbers only what changes', () => {
    expect(moveUpdates(triggers, 3, -1)).toEqual([{ id: 3, position: 2 }, { id: 2, position: 3 }]);
    expect(moveUpdates(triggers, 1, -1)).toEqual([]);
    expect(moveUpdates(triggers, 5, 1)).toEqual([]);
    // Gaps and ties in the stored positions become 1..n.
    const gappy = triggers.slice(0, 3).map((t, i) => ({ ...t, position: [10, 10, 30][i] }));
    expect(moveUpdates(gappy, 3, -1)).toEqual([{ id: 1, position: 1 }, { id: 3, position: 2 }, { id: 2, position: 3 }]);
  });

  it('clones as an inactive copy without the default key', () => {
    const c = cloneBody(triggers[0], 'Copy of X');
    expect(c.title).toBe('Copy of X');
    expect(c.active).toBe(false);
    expect(c).not.toHaveProperty('default_key');
    expect(c.conditions).toEqual(triggers[0].conditions);
    (c.actions[0].value as string[])[1] = 'changed';
    expect((triggers[0].actions[0].value as string[])[1]).not.toBe('changed');
  });
});

describe('trigger builder', () => {
  it('offers the operators the API allows for each field', () => {
    expect(operatorsFor('tags')).toEqual(['includes', 'not_includes']);
    expect(operatorsFor('status')).toContain('less_than');
    expect(operatorsFor('update_type')).toEqual(['is', 'is_not']);
    expect(newCondition('comment_is_public')).toEqual({ field: 'comment_is_public', operator: 'is', value: 'true' });
    expect(newAction('notification_user')).toEqual({ field: 'notification_user', value: ['requester_and_ccs', '', ''] });
  });

  it('round-trips a trigger through the draft; changed/not_changed send null', () => {
    const d = draftOf(triggers[3]);
    expect(bodyOf(d).conditions.all).toEqual([{ field: 'assignee_id', operator: 'not_changed', value: null }]);
    expect(bodyOf(d).description).toBeNull();
    expect(bodyOf({ ...draftOf(triggers[0]), title: '  T  ' }).title).toBe('T');
  });

  it('checks fields, operators, values and placeholders as the API does', () => {
    const d = draftOf(null);
    expect(checkDraft(d).map((p) => p.code)).toEqual(['titleRequired']);
    const bad = {
      ...d,
      title: 'x',
      all: [{ field: 'nope', operator: 'is', value: '' }, { field: 'current_tags', operator: 'is', value: 'vip' }, { field: 'status', operator: 'is', value: 'gone' }],
      any: [{ field: 'subject_includes_word', operator: 'includes', value: ' ' }],
      actions: [{ field: 'notification_user', value: ['', 'Hi {{ticket.nope}}', '{{ ticket.id }} {{unclosed'] }],
    };
    expect(checkDraft(bad).map((p) => `${p.at} ${p.code} ${p.arg ?? ''}`.trim())).toEqual([
      'conditions.all[0] unknownField nope',
      'conditions.all[1] badOperator is',
      'conditions.all[2] badValue gone',
      'conditions.any[0] valueRequired',
      'actions[0] recipientRequired',
      'actions[0] unknownPlaceholder ticket.nope',
    ]);
    expect(checkDraft(bad).find((p) => p.code === 'unknownPlaceholder')?.warning).toBe(true);
    expect(checkDraft({ ...d, title: 'x', all: [], any: [], actions: [] }).map((p) => p.code)).toEqual(['noConditions', 'noActions']);
    expect(unknownPlaceholders('{{ticket.title}} {{ x }} {{x}} {{ticket.requester.name}}')).toEqual(['x']);
  });

  it('finds the row an API message is about', () => {
    expect(locate('conditions.any[2]: unknown field "x"')).toEqual({ list: 'any', index: 2 });
    expect(locate('actions[0]: unknown action "y"')).toEqual({ list: 'actions', index: 0 });
    expect(locate('title: must not be empty')).toEqual({ list: 'title', index: null });
    expect(locate('a trigger must be a JSON object')).toEqual({ list: null, index: null });
  });
});

describe('revisions', () => {
  it('says what changed, old → new', () => {
    const [create, update, deactivate] = triggerRevisions;
    expect(triggerChanges(deactivate.before, deactivate.after)).toEqual([{ field: 'active', before: true, after: false }]);
    const u = triggerChanges(update.before, update.after);
    expect(u).toEqual([{ field: 'actions', removed: [], added: [], edited: ['notification_user requester_and_ccs “[{{ticket.account}}] Re: {{ticket.title}}”'] }]);
    const c = triggerChanges(create.before, create.after);
    expect(c.map((x) => x.field)).toEqual(['title', 'active', 'position', 'description', 'conditions.all', 'actions']);
    const del = triggerChanges(triggers[4], null);
    expect(del[0]).toEqual({ field: 'title', before: 'Tag VIP customers', after: null });
  });

  it('lists added and removed conditions and a moved trigger', () => {
    const before = triggers[0];
    const after: Trigger = { ...before, position: 4, conditions: { all: [before.conditions.all[0], { field: 'status', operator: 'less_than', value: 'solved' }], any: [{ field: 'current_tags', operator: 'includes', value: 'vip' }] } };
    expect(triggerChanges(before, after)).toEqual([
      { field: 'position', before: 1, after: 4 },
      { field: 'conditions.all', removed: ['status is_not solved'], added: ['status less_than solved'], edited: [] },
      { field: 'conditions.any', removed: [], added: ['current_tags includes vip'], edited: [] },
    ]);
  });

  it('compares a changed standard trigger with the shipped one when the API gives it', () => {
    const current = { ...triggers[1], active: false, conditions: { all: [triggers[1].conditions.all[0]], any: [] } };
    const d = { key: 'notify_requester_proactive_ticket', title: triggers[1].title, state: 'changed', id: 2 };
    expect(defaultDifferences(d, current)).toBeNull();
    expect(defaultDifferences({ ...d, shipped: triggers[1] }, current)).toEqual([{ field: 'conditions.all', removed: ['role is agent'], added: [], edited: [] }]);
  });

  it('renders rules as text and sorts newest first', () => {
    expect(ruleText({ field: 'assignee_id', operator: 'changed', value: null })).toBe('assignee_id changed');
    expect(ruleText({ field: 'group_id', operator: 'is', value: '' })).toBe('group_id is ""');
    expect(sortRevisions(triggerRevisions).map((r) => r.id)).toEqual([13, 12, 11]);
  });
});
