// The active language (a signal: components re-render when it changes),
// t() over the catalogs, and Intl date formatting in the browser's time
// zone. The choice is remembered in localStorage; the first guess comes
// from navigator.languages.
import { signal, effect } from '@preact/signals';
import { en, type MessageKey } from './en';
import { ja } from './ja';

export type Lang = 'en' | 'ja';
export const LANGS: Lang[] = ['en', 'ja'];
const catalogs = { en, ja };
const STORAGE_KEY = 'postdesk.lang';

export function pickLang(stored: string | null, preferred: readonly string[]): Lang {
  if (stored === 'en' || stored === 'ja') return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'ja') return 'ja';
    if (base === 'en') return 'en';
  }
  return 'en';
}

function initialLang(): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // storage disabled: fall back to the browser's languages
  }
  const preferred = typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : [];
  return pickLang(stored, preferred);
}

export const lang = signal<Lang>(initialLang());

effect(() => {
  if (typeof document !== 'undefined') document.documentElement.lang = lang.value;
});

export function setLang(next: Lang): void {
  lang.value = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered; still switched
  }
}

export type Params = Record<string, string | number>;

export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

// A key with a ".one" sibling takes it when params.count is 1 ("1 ticket").
export function t(key: MessageKey, params?: Params): string {
  const catalog = catalogs[lang.value] as Record<string, string>;
  if (params?.count === 1 && catalog[`${key}.one`] !== undefined) {
    return format(catalog[`${key}.one`], params);
  }
  return format(catalogs[lang.value][key] ?? en[key], params);
}

// t() for keys built at run time (status names, causes); `fallback` when
// the catalog has no such key.
export function tMaybe(key: string, fallback: string, params?: Params): string {
  const catalog = catalogs[lang.value] as Record<string, string>;
  const text = catalog[key];
  return text === undefined ? fallback : format(text, params);
}

function locale(): string {
  return lang.value === 'ja' ? 'ja-JP' : 'en-US';
}

export function parseDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

// "Mar 3, 2026, 2:05 PM" / "2026/03/03 14:05"
export function formatDateTime(iso: string | null | undefined, timeZone?: string): string {
  const d = parseDate(iso);
  if (!d) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

// Seconds shown too, for event logs where order within a minute matters.
export function formatPrecise(iso: string | null | undefined, timeZone?: string): string {
  const d = parseDate(iso);
  if (!d) return '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'medium', timeZone }).format(d);
}

// Lists: the time for today, else the date.
export function formatShort(iso: string | null | undefined, now = new Date(), timeZone?: string): string {
  const d = parseDate(iso);
  if (!d) return '';
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  if (day.format(d) === day.format(now)) {
    return new Intl.DateTimeFormat(locale(), { timeStyle: 'short', timeZone }).format(d);
  }
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone }).format(d);
}

// "2 minutes" / "2 分" for a Retry-After in seconds.
export function formatDuration(seconds: number): string {
  const unit = seconds >= 3600 ? 'hour' : seconds >= 60 ? 'minute' : 'second';
  const value = unit === 'hour' ? Math.ceil(seconds / 3600) : unit === 'minute' ? Math.ceil(seconds / 60) : Math.max(1, Math.ceil(seconds));
  return new Intl.NumberFormat(locale(), { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}
