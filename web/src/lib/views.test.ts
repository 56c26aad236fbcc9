import { describe, expect, it } from 'vitest';
import { setLang } from '../i18n/i18n';
import { knownViewLabel, navViews, viewBodyOf, viewDraftOf, viewLabel, viewPath } from './views';

describe('views in the navigation', () => {
  it('translates a standard view under its standard title, and links by key', () => {
    setLang('ja');
    const std = { id: 2, title: 'Unassigned tickets', default_key: 'unassigned', standard_title: true };
    expect(viewLabel(std)).toBe('未割り当てのチケット');
    expect(viewLabel({ ...std, title: 'Triage', standard_title: false })).toBe('Triage');
    expect(viewPath(std)).toBe('/agent/views/unassigned');
    expect(viewPath({ id: 9, default_key: null })).toBe('/agent/views/9');
    navViews.value = [{ id: 9, title: 'VIP', default_key: null, standard_title: false, count: 1 }];
    expect(knownViewLabel('9')).toBe('VIP');
    expect(knownViewLabel('my_open')).toBe('あなたの未解決チケット');
    expect(knownViewLabel('77')).toBeNull();
    setLang('en');
  });
});

describe('the view editor', () => {
  it('makes the API body with columns in their usual order', () => {
    const d = { ...viewDraftOf(null), title: ' VIP ', columns: ['subject', 'id'], access: 'personal' as const };
    const { body, problem } = viewBodyOf(d, 4);
    expect(problem).toBeNull();
    expect(body).toEqual({
      title: 'VIP',
      active: true,
      all: [{ field: 'status', operator: 'less_than', value: 'solved' }],
      any: [],
      output: { columns: ['id', 'subject'], sort_by: 'updated', sort_order: 'desc' },
      restriction: { type: 'User', id: 4 },
    });
  });

  it('names what is missing', () => {
    const d = { ...viewDraftOf(null), title: 'x' };
    expect(viewBodyOf({ ...d, title: '' }, 1).problem).toBe('needTitle');
    expect(viewBodyOf({ ...d, all: [] }, 1).problem).toBe('needCondition');
    expect(viewBodyOf({ ...d, columns: [] }, 1).problem).toBe('needColumn');
    expect(viewBodyOf({ ...d, access: 'groups' }, 1).problem).toBe('needGroups');
  });
});
