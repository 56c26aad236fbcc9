// Audits (GET /tickets/{id}/audits) as the events log shows them: each
// event typed, the trigger behind it found, and per update the triggers
// that fired with what each did. Pure, so it is unit-tested.
import type { Audit, AuditEvent } from '../api/types';

export interface TriggerRef {
  id: number | null;
  title: string;
}

export type EventItem =
  | { kind: 'create'; field: string; value: unknown }
  | { kind: 'change'; field: string; value: unknown; previous: unknown; trigger: TriggerRef | null }
  | { kind: 'comment'; id: number | null; isPublic: boolean; body: string }
  | {
      kind: 'notification';
      subject: string;
      body: string;
      recipients: number[];
      messageId: string | null;
      error: string | null;
      trigger: TriggerRef | null;
    }
  | {
      kind: 'delivery';
      recipient: string;
      state: string;
      previous: string | null;
      smtpCode: number | null;
      status: string | null;
      reply: string | null;
      reason: string | null;
      host: string | null;
      attempts: number | null;
      nextAttemptAt: string | null;
      messageId: string | null;
      outboundId: number | null;
      trigger: TriggerRef | null;
    }
  | { kind: 'other'; type: string; fields: [string, string][] };

export interface FiredTrigger {
  trigger: TriggerRef;
  did: EventItem[];
}

export interface AuditView {
  id: number;
  createdAt: string;
  authorId: number;
  channel: string;
  items: EventItem[];
  fired: FiredTrigger[];
  flags: string[];
  warnings: string[];
  spam: { score: number; decision: string } | null;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

// The trigger named by an event's via: Zendesk's rule via
// ({source:{from:{id,title}, rel:"trigger"}}) or ours on deliveries
// ({id, title, source:{rel:"trigger"}}).
export function triggerOf(event: AuditEvent): TriggerRef | null {
  const via = obj(event.via);
  if (!via) return null;
  const source = obj(via.source);
  const from = obj(source?.from);
  if (from && (from.title !== undefined || from.id !== undefined) && (source?.rel === 'trigger' || via.channel === 'rule')) {
    return { id: num(from.id), title: str(from.title) };
  }
  if (source?.rel === 'trigger' && (via.title !== undefined || via.id !== undefined)) return { id: num(via.id), title: str(via.title) };
  return null;
}

export function toItem(e: AuditEvent): EventItem {
  switch (e.type) {
    case 'Create':
      return { kind: 'create', field: str(e.field_name), value: e.value };
    case 'Change':
      return { kind: 'change', field: str(e.field_name), value: e.value, previous: e.previous_value, trigger: triggerOf(e) };
    case 'Comment':
      return { kind: 'comment', id: num(e.id), isPublic: e.public !== false, body: str(e.body) };
    case 'Notification':
      return {
        kind: 'notification',
        subject: str(e.subject),
        body: str(e.body),
        recipients: Array.isArray(e.recipients) ? e.recipients.filter((x): x is number => typeof x === 'number') : [],
        messageId: e.message_id ? str(e.message_id) : null,
        error: e.error ? str(e.error) : null,
        trigger: triggerOf(e),
      };
    case 'EmailDelivery':
      return {
        kind: 'delivery',
        recipient: str(e.recipient),
        state: str(e.state),
        previous: e.previous_state ? str(e.previous_state) : null,
        smtpCode: num(e.smtp_code),
        status: e.status ? str(e.status) : null,
        reply: e.reply ? str(e.reply) : null,
        reason: e.reason ? str(e.reason) : null,
        host: e.remote_host ? str(e.remote_host) : null,
        attempts: num(e.attempts),
        nextAttemptAt: e.next_attempt_at ? str(e.next_attempt_at) : null,
        messageId: e.message_id ? str(e.message_id) : null,
        outboundId: num(e.outbound_message_id),
        trigger: triggerOf(e),
      };
    default: {
      const fields: [string, string][] = [];
      for (const [k, v] of Object.entries(e)) {
        if (k === 'type') continue;
        fields.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
      }
      return { kind: 'other', type: str(e.type) || '?', fields };
    }
  }
}

export function viewAudit(a: Audit): AuditView {
  const items = (Array.isArray(a.events) ? a.events : []).map(toItem);
  const fired: FiredTrigger[] = [];
  for (const item of items) {
    if (item.kind !== 'change' && item.kind !== 'notification') continue;
    if (!item.trigger) continue;
    const key = item.trigger;
    let entry = fired.find((f) => (key.id !== null ? f.trigger.id === key.id : f.trigger.title === key.title));
    if (!entry) {
      entry = { trigger: key, did: [] };
      fired.push(entry);
    }
    entry.did.push(item);
  }
  const meta = obj(a.metadata) ?? {};
  const flags = Array.isArray(meta.flags) ? meta.flags.map(str) : [];
  const warnings = Array.isArray(meta.trigger_warnings) ? meta.trigger_warnings.map((w) => (typeof w === 'string' ? w : JSON.stringify(w))) : [];
  const spamMeta = obj(meta.spam);
  const spam = spamMeta && typeof spamMeta.score === 'number' ? { score: spamMeta.score, decision: str(spamMeta.decision) } : null;
  return { id: a.id, createdAt: a.created_at, authorId: a.author_id, channel: a.via?.channel ?? '', items, fired, flags, warnings, spam };
}

// Values of Change/Create events as text (arrays joined; null as empty).
export function valueText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '';
  if (Array.isArray(v)) return v.map((x) => valueText(x)).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
