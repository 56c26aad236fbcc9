import { describe, expect, it } from 'vitest';
import type { SettingsAnswer } from '../api/types';
import { changesOf, draftFieldsOf, draftOf, isDirty, listsChanged, numberOf, problemOf } from './settings';

const config = { desk_name: 'Support', inbound_authentication: 'flag', reject_on_dmarc_reject: false, spam_suspend_at: 0.9, spam_refuse_at: 0.99, suspended_retention_days: 14 };
const answer: SettingsAnswer = { settings: { ...config, language: 'en' }, config, changed: [] };

describe('settings model', () => {
  it('starts unchanged, and sends only what differs', () => {
    const d = draftOf(answer);
    expect(changesOf(d, answer)).toEqual({ changes: {}, invalid: [] });
    expect(isDirty(d, answer)).toBe(false);
    const edited = { ...d, desk_name: 'Acme', language: 'ja', spam_suspend_at: '0.90', suspended_retention_days: '0' };
    expect(changesOf(edited, answer).changes).toEqual({ desk_name: 'Acme', language: 'ja', suspended_retention_days: 0 });
  });

  it('maps "never refuse" to null and back to a number', () => {
    const d = { ...draftOf(answer), never_refuse: true };
    expect(changesOf(d, answer).changes).toEqual({ spam_refuse_at: null });
    const never: SettingsAnswer = { ...answer, settings: { ...answer.settings, spam_refuse_at: null } };
    const back = draftOf(never);
    expect(back.never_refuse).toBe(true);
    expect(back.spam_refuse_at).toBe('0.99'); // the config's, offered when unticked
    expect(changesOf({ ...back, never_refuse: false }, never).changes).toEqual({ spam_refuse_at: 0.99 });
    expect(draftFieldsOf(never, 'spam_refuse_at')).toEqual({ never_refuse: true, spam_refuse_at: '0.99' });
    expect(draftFieldsOf(answer, 'desk_name')).toEqual({ desk_name: 'Support' });
  });

  it('names number fields that hold no number', () => {
    expect(numberOf(' 0.5 ')).toBe(0.5);
    expect(numberOf('')).toBeNull();
    expect(numberOf('abc')).toBeNull();
    const d = { ...draftOf(answer), spam_suspend_at: '', suspended_retention_days: 'x' };
    expect(changesOf(d, answer).invalid).toEqual(['spam_suspend_at', 'suspended_retention_days']);
    expect(changesOf({ ...d, never_refuse: true, spam_refuse_at: '' }, answer).invalid).not.toContain('spam_refuse_at');
    expect(isDirty(d, answer)).toBe(true);
  });

  it('finds the field a 422 names', () => {
    expect(problemOf('settings.spam_suspend_at: must be a number above 0 and at most 1', 'settings')).toEqual({ key: 'spam_suspend_at', message: 'must be a number above 0 and at most 1' });
    expect(problemOf('email_lists.blocklist: "@example.com" is not an address or a domain', 'email_lists')).toEqual({ key: 'blocklist', message: '"@example.com" is not an address or a domain' });
    expect(problemOf('reset: nope is not a setting', 'settings')).toBeNull();
    expect(problemOf('email_lists.blocklist: x', 'settings')).toBeNull();
  });

  it('compares the lists as typed', () => {
    expect(listsChanged({ allowlist: 'a.example', blocklist: '' }, { allowlist: 'a.example', blocklist: '' })).toBe(false);
    expect(listsChanged({ allowlist: 'a.example ', blocklist: '' }, { allowlist: 'a.example', blocklist: '' })).toBe(true);
  });
});
