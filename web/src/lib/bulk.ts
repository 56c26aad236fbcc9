// Runs a suspended-ticket action and words its result: recovered tickets,
// deletions, and per-item failures the API reports in a 422.
import { ApiError } from '../api/client';
import * as api from '../api/endpoints';
import { t } from '../i18n/i18n';

export type Action = 'recover' | 'delete' | 'spam';

export interface Outcome {
  ok: boolean;
  text: string;
  ticketIds: number[];
}

function failures(body: unknown): string {
  const b = body as { description?: string; suspended_tickets?: { error_messages?: string[] }[] } | null;
  const msgs = (b?.suspended_tickets ?? []).flatMap((s) => s.error_messages ?? []);
  return msgs.length ? [...new Set(msgs)].join('; ') : b?.description ?? '';
}

export async function runAction(action: Action, ids: number[]): Promise<Outcome> {
  try {
    if (action === 'recover') {
      if (ids.length === 1) {
        const r = await api.recoverSuspended(ids[0]);
        const id = r.ticket?.[0]?.id;
        return { ok: true, text: t('suspended.recovered', { id: id ?? '?' }), ticketIds: id ? [id] : [] };
      }
      const r = await api.recoverMany(ids);
      return { ok: true, text: t('suspended.recoveredMany', { count: r.tickets.length }), ticketIds: r.tickets.map((x) => x.id) };
    }
    const spam = action === 'spam';
    if (ids.length === 1) await api.deleteSuspended(ids[0], spam);
    else await api.deleteMany(ids, spam);
    const key = spam ? (ids.length === 1 ? 'suspended.deletedSpam' : 'suspended.deletedSpamMany') : ids.length === 1 ? 'suspended.deleted' : 'suspended.deletedMany';
    return { ok: true, text: t(key, { count: ids.length }), ticketIds: [] };
  } catch (e) {
    if (e instanceof ApiError && e.status === 422) {
      const b = e.body as { tickets?: { id: number }[]; ticket?: { id: number }[] } | null;
      const done = (b?.tickets ?? []).map((x) => x.id);
      const prefix = done.length ? `${t('suspended.recoveredMany', { count: done.length })} ` : '';
      return { ok: false, text: prefix + t('suspended.failed', { message: failures(e.body) || e.message }), ticketIds: done };
    }
    return { ok: false, text: t('suspended.failed', { message: e instanceof ApiError ? e.description || e.message : String(e) }), ticketIds: [] };
  }
}
