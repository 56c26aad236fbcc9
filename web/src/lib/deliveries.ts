// Reading /tickets/{id}/deliveries for the ticket page: which recipient
// states need the agent's attention, and which email belongs to which
// update (audit) so it shows under the comment that caused it.
import type { Comment, Delivery, DeliveryRecipient } from '../api/types';

export const PROBLEM_STATES = new Set(['failed', 'deferred', 'bounced']);

export function isProblem(r: Pick<DeliveryRecipient, 'state'>): boolean {
  return PROBLEM_STATES.has(r.state);
}

// "550", "5.1.1", "<x>: Recipient address rejected" — the reply split for
// display. The API gives code and enhanced status separately; the text may
// still start with them.
export function replyText(r: Pick<DeliveryRecipient, 'smtp_code' | 'status' | 'reply'>): string {
  let text = (r.reply ?? '').trim();
  if (r.smtp_code && text.startsWith(String(r.smtp_code))) text = text.slice(3).trim();
  if (r.status && text.startsWith(r.status)) text = text.slice(r.status.length).trim();
  return text;
}

export interface Placement {
  byComment: Map<number, Delivery[]>;
  unplaced: Delivery[];
}

// Each email under the comment of the same audit; the rest on their own.
export function placeDeliveries(comments: Comment[], deliveries: Delivery[]): Placement {
  const commentByAudit = new Map<number, number>();
  for (const c of comments) if (c.audit_id) commentByAudit.set(c.audit_id, c.id);
  const byComment = new Map<number, Delivery[]>();
  const unplaced: Delivery[] = [];
  for (const d of deliveries) {
    const commentId = d.audit_id ? commentByAudit.get(d.audit_id) : undefined;
    if (commentId === undefined) {
      unplaced.push(d);
      continue;
    }
    const list = byComment.get(commentId) ?? [];
    list.push(d);
    byComment.set(commentId, list);
  }
  return { byComment, unplaced };
}

// The outbound message id (for /outbound_messages/{id}/raw) by Message-ID.
export function outboundIds(deliveries: Delivery[]): Map<string, number> {
  return new Map(deliveries.map((d) => [d.message_id, d.id]));
}
