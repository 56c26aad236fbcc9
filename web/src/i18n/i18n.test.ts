import { describe, expect, it } from 'vitest';
import { en } from './en';
import { ja } from './ja';
import { format, formatDuration, formatShort, lang, pickLang, setLang, t, tMaybe } from './i18n';

describe('catalogs', () => {
  it('ja has every key of en, none empty, same parameters', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(ja[key], key).toBeTruthy();
      const params = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join(',');
      expect(params(ja[key]), key).toBe(params(en[key]));
    }
    expect(Object.keys(ja).length).toBe(Object.keys(en).length);
  });
  it('the sign-in form uses the contract words in English', () => {
    expect(en['signin.email']).toBe('Email');
    expect(en['signin.password']).toBe('Password');
    expect(en['signin.submit']).toBe('Sign in');
  });
});

describe('language', () => {
  it('prefers the stored choice, then the browser', () => {
    expect(pickLang('ja', ['en-US'])).toBe('ja');
    expect(pickLang(null, ['ja-JP', 'en'])).toBe('ja');
    expect(pickLang(null, ['fr-FR', 'en-GB'])).toBe('en');
    expect(pickLang('xx', ['de'])).toBe('en');
  });
  it('switches, remembers and sets <html lang>', () => {
    setLang('ja');
    expect(lang.value).toBe('ja');
    expect(localStorage.getItem('postdesk.lang')).toBe('ja');
    expect(document.documentElement.lang).toBe('ja');
    expect(t('status.pending')).toBe('保留中');
    expect(tMaybe('cause.nope', 'nope')).toBe('nope');
    setLang('en');
    expect(t('status.pending')).toBe('Pending');
  });
  it('takes the singular form for a count of one', () => {
    setLang('en');
    expect(t('view.count', { count: 1 })).toBe('1 ticket');
    expect(t('view.count', { count: 2 })).toBe('2 tickets');
    expect(t('view.count', { count: 0 })).toBe('0 tickets');
  });
  it('fills parameters and leaves unknown ones', () => {
    expect(format('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });
  it('formats dates in a given zone and durations', () => {
    setLang('en');
    const now = new Date('2026-03-03T12:00:00Z');
    expect(formatShort('2026-03-03T09:05:00Z', now, 'UTC')).toMatch(/9:05/);
    expect(formatShort('2026-01-02T09:05:00Z', now, 'UTC')).toMatch(/Jan 2, 2026/);
    expect(formatDuration(90)).toBe('2 minutes');
    setLang('ja');
    expect(formatShort('2026-01-02T09:05:00Z', now, 'Asia/Tokyo')).toBe('2026/01/02');
    setLang('en');
  });
});
