// The Settings page's model: the form's draft (numbers kept as typed),
// the keys the admin changed (only those are sent), and the key a 422
// names ("settings.spam_suspend_at: must be ...").
import type { DeskSettings, EmailLists, SettingKey, SettingsAnswer } from '../api/types';

export const SETTING_KEYS: readonly SettingKey[] = ['desk_name', 'inbound_authentication', 'reject_on_dmarc_reject', 'spam_suspend_at', 'spam_refuse_at', 'suspended_retention_days'];
export const AUTH_MODES = ['off', 'flag', 'suspend'] as const;

// A field of the form: a setting, or the desk's language (not in the config file).
export type FieldKey = SettingKey | 'language';
export type Changes = Partial<DeskSettings & { language: string }>;

export interface Draft {
  desk_name: string;
  language: string;
  inbound_authentication: string;
  reject_on_dmarc_reject: boolean;
  spam_suspend_at: string;
  never_refuse: boolean;
  spam_refuse_at: string; // kept while "never refuse" is ticked
  suspended_retention_days: string;
}

export function draftOf(a: SettingsAnswer): Draft {
  const s = a.settings;
  return {
    desk_name: s.desk_name,
    language: s.language,
    inbound_authentication: s.inbound_authentication,
    reject_on_dmarc_reject: s.reject_on_dmarc_reject,
    spam_suspend_at: String(s.spam_suspend_at),
    never_refuse: s.spam_refuse_at === null,
    spam_refuse_at: String(s.spam_refuse_at ?? a.config.spam_refuse_at ?? 0.99),
    suspended_retention_days: String(s.suspended_retention_days),
  };
}

// The draft's fields for one setting, as the answer has it (after a reset).
export function draftFieldsOf(a: SettingsAnswer, key: SettingKey): Partial<Draft> {
  const d = draftOf(a);
  if (key === 'spam_refuse_at') return { never_refuse: d.never_refuse, spam_refuse_at: d.spam_refuse_at };
  return { [key]: d[key] };
}

// A number as typed, or null when it is none ("", "abc").
export function numberOf(text: string): number | null {
  const v = text.trim();
  if (!v) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

// What to send: the keys whose value differs from the answer. `invalid`
// names the number fields that hold no number (nothing is sent then).
export function changesOf(d: Draft, a: SettingsAnswer): { changes: Changes; invalid: FieldKey[] } {
  const s = a.settings;
  const changes: Changes = {};
  const invalid: FieldKey[] = [];
  if (d.desk_name !== s.desk_name) changes.desk_name = d.desk_name;
  if (d.language !== s.language) changes.language = d.language;
  if (d.inbound_authentication !== s.inbound_authentication) changes.inbound_authentication = d.inbound_authentication;
  if (d.reject_on_dmarc_reject !== s.reject_on_dmarc_reject) changes.reject_on_dmarc_reject = d.reject_on_dmarc_reject;
  const suspendAt = numberOf(d.spam_suspend_at);
  if (suspendAt === null) invalid.push('spam_suspend_at');
  else if (suspendAt !== s.spam_suspend_at) changes.spam_suspend_at = suspendAt;
  if (d.never_refuse) {
    if (s.spam_refuse_at !== null) changes.spam_refuse_at = null;
  } else {
    const refuseAt = numberOf(d.spam_refuse_at);
    if (refuseAt === null) invalid.push('spam_refuse_at');
    else if (refuseAt !== s.spam_refuse_at) changes.spam_refuse_at = refuseAt;
  }
  const days = numberOf(d.suspended_retention_days);
  if (days === null) invalid.push('suspended_retention_days');
  else if (days !== s.suspended_retention_days) changes.suspended_retention_days = days;
  return { changes, invalid };
}

// Unsaved edits: a changed value, or a number field that holds no number.
export function isDirty(d: Draft, a: SettingsAnswer): boolean {
  const { changes, invalid } = changesOf(d, a);
  return invalid.length > 0 || Object.keys(changes).length > 0;
}

export function listsChanged(draft: EmailLists, saved: EmailLists): boolean {
  return draft.allowlist !== saved.allowlist || draft.blocklist !== saved.blocklist;
}

// The field a 422's description names under `root`, and the rest of it:
// "settings.spam_suspend_at: must be ..." → spam_suspend_at, "must be ...".
export function problemOf(description: string, root: 'settings' | 'email_lists'): { key: string; message: string } | null {
  const m = new RegExp(`^${root}\\.([a-z_]+):\\s*([\\s\\S]+)$`).exec(description.trim());
  return m ? { key: m[1], message: m[2] } : null;
}
