import { describe, expect, it } from 'vitest';
import { setLang } from '../i18n/i18n';
import { mayChange, restrictionText } from './restriction';

describe('restrictions of macros and views', () => {
  it('says who may use one', () => {
    setLang('en');
    const groups = [{ id: 4, name: 'Billing', description: '', default: false, deleted: false }];
    expect(restrictionText(null, 1, groups)).toBe('All agents');
    expect(restrictionText({ type: 'User', id: 1 }, 1, groups)).toBe('Only me');
    expect(restrictionText({ type: 'User', id: 2 }, 1, groups)).toBe('Agent #2 only');
    expect(restrictionText({ type: 'Group', ids: [4, 9] }, 1, groups)).toBe('Billing, #9');
  });

  it('lets admins change all and agents their own', () => {
    const agent = { id: 1, role: 'agent' };
    expect(mayChange({ type: 'User', id: 1 }, agent)).toBe(true);
    expect(mayChange({ type: 'User', id: 2 }, agent)).toBe(false);
    expect(mayChange(null, agent)).toBe(false);
    expect(mayChange({ type: 'Group', ids: [4] }, agent)).toBe(false);
    expect(mayChange(null, { id: 3, role: 'admin' })).toBe(true);
  });
});
