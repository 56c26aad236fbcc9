import { afterEach, describe, expect, it } from 'vitest';
import type { Health } from '../api/types';
import { setLang } from '../i18n/i18n';
import { healthLines } from './health';

const health = (items: Health['items'], status: Health['status'] = 'problem'): Health => ({ status, checked_at: '2026-03-03T10:00:00Z', items });

afterEach(() => setLang('en'));

describe('health bar', () => {
  it('says nothing when all is well', () => {
    expect(healthLines(health([{ key: 'outbound_backlog', level: 'ok', count: 0, oldest_at: null }], 'ok'), true)).toEqual([]);
    expect(healthLines(null, true)).toEqual([]);
  });
  it('words each item that is not ok, problems first, with where to look', () => {
    setLang('en');
    const now = new Date();
    const oldest = new Date(now.getTime() - 60_000).toISOString();
    const lines = healthLines(
      health([
        { key: 'outbound_backlog', level: 'warning', count: 3, deferred: 2, oldest_at: oldest },
        { key: 'failed_forwarding', level: 'problem', count: 1, addresses: ['support@customer.example'] },
        { key: 'dns_checks', level: 'warning', count: 1, addresses: ['support@customer.example'] },
        { key: 'delivery_failures', level: 'warning', count: 2 },
        { key: 'delivery_failures_ok', level: 'ok', count: 0 },
      ]),
      true,
      now,
    );
    expect(lines.map((l) => l.text)).toEqual([
      'Forwarding failed for support@customer.example',
      expect.stringMatching(/^3 emails waiting to be delivered, the oldest since \d{1,2}:\d{2}/),
      'DNS checks failing for 1 support address',
      '2 tickets with delivery failures in the last 24 hours',
    ]);
    expect(lines.map((l) => l.href)).toEqual(['/admin/email', '/agent/views/delivery_failures', '/admin/email', '/agent/views/delivery_failures']);
  });
  it('links agents only to what they may open', () => {
    const lines = healthLines(health([{ key: 'failed_forwarding', level: 'problem', count: 4, addresses: ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example'] }]), false);
    expect(lines[0].text).toBe('Forwarding failed for a@x.example, b@x.example and 2 more');
    expect(lines[0].href).toBeNull();
  });
  it('speaks Japanese', () => {
    setLang('ja');
    const lines = healthLines(health([{ key: 'delivery_failures', level: 'warning', count: 2 }], 'warning'), true);
    expect(lines[0].text).toBe('過去 24 時間に配信エラーのあったチケットが 2 件あります');
  });
});
