// The health bar's words: each item of GET /api/v2/health that is not ok,
// as a sentence and where to look (Delivery failures; the email channel
// page for admins).
import type { Health, HealthItem } from '../api/types';
import { formatShort, t } from '../i18n/i18n';

export interface HealthLine {
  key: string;
  level: 'warning' | 'problem';
  text: string;
  href: string | null; // the sentence links there
}

const DELIVERY = '/agent/views/delivery_failures';
const EMAIL = '/admin/email';

// "a, b and 2 more" for a list of addresses.
export function listAddresses(addresses: string[], max = 2): string {
  const shown = addresses.slice(0, max).join(', ');
  const more = addresses.length - max;
  return more > 0 ? t('health.andMore', { list: shown, count: more }) : shown;
}

export function healthLine(item: HealthItem, admin: boolean, now = new Date()): HealthLine | null {
  if (item.level !== 'warning' && item.level !== 'problem') return null;
  const level = item.level;
  const addresses = Array.isArray(item.addresses) ? item.addresses.filter((a) => typeof a === 'string') : [];
  const count = Number.isFinite(item.count) ? item.count : 0;
  const toEmail = { href: admin ? EMAIL : null };
  switch (item.key) {
    case 'outbound_backlog': {
      const n = count > 0 ? count : item.deferred ?? 0;
      const text = item.oldest_at ? t('health.backlogSince', { count: n, time: formatShort(item.oldest_at, now) }) : t('health.backlog', { count: n });
      return { key: item.key, level, text, href: DELIVERY };
    }
    case 'failed_forwarding':
      return { key: item.key, level, text: addresses.length ? t('health.forwardingFailed', { addresses: listAddresses(addresses) }) : t('health.forwardingFailedCount', { count }), ...toEmail };
    case 'dns_checks':
      return { key: item.key, level, text: t('health.dnsFailing', { count: count || addresses.length }), ...toEmail };
    case 'delivery_failures':
      return { key: item.key, level, text: t('health.deliveryFailures', { count }), href: DELIVERY };
    default:
      return { key: item.key, level, text: t('health.other', { key: item.key }), href: null };
  }
}

// Nothing when the desk is well (or the answer is not one we understand).
export function healthLines(health: Health | null | undefined, admin: boolean, now = new Date()): HealthLine[] {
  if (!health || health.status === 'ok' || !Array.isArray(health.items)) return [];
  const lines = health.items.map((i) => healthLine(i, admin, now)).filter((l): l is HealthLine => l !== null);
  // Problems first, in the API's order otherwise.
  return [...lines.filter((l) => l.level === 'problem'), ...lines.filter((l) => l.level === 'warning')];
}
