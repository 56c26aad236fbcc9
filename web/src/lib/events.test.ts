import { describe, expect, it } from 'vitest';
import { audits } from '../test/fixtures';
import { toItem, triggerOf, valueText, viewAudit } from './events';

describe('events', () => {
  it('finds the trigger of a rule change, a notification and a delivery', () => {
    expect(triggerOf({ type: 'Change', via: { channel: 'rule', source: { from: { id: 3, title: 'Auto-reply' }, rel: 'trigger' } } })).toEqual({ id: 3, title: 'Auto-reply' });
    expect(triggerOf({ type: 'EmailDelivery', via: { source: { rel: 'trigger' }, id: 3, title: 'Auto-reply' } })).toEqual({ id: 3, title: 'Auto-reply' });
    expect(triggerOf({ type: 'Change' })).toBeNull();
  });
  it('groups what each fired trigger did, in order', () => {
    const v = viewAudit(audits[0]);
    expect(v.items.map((i) => i.kind)).toEqual(['create', 'create', 'comment', 'change', 'notification']);
    expect(v.fired.map((f) => f.trigger.title)).toEqual(['Notify requester and CCs of received request']);
    expect(v.fired[0].did.map((i) => i.kind)).toEqual(['change', 'notification']);
    expect(v.flags).toEqual(['spoofing_warning']);
  });
  it('reads a delivery event with the remote reply', () => {
    const d = toItem(audits[1].events[0]);
    expect(d).toMatchObject({ kind: 'delivery', state: 'failed', smtpCode: 550, status: '5.1.1', outboundId: 501 });
  });
  it('keeps unknown events readable', () => {
    expect(toItem({ type: 'Tweet', value: { a: 1 } })).toEqual({ kind: 'other', type: 'Tweet', fields: [['value', '{"a":1}']] });
    expect(valueText(['a', 'b'])).toBe('a, b');
    expect(valueText(null)).toBe('');
  });
});
