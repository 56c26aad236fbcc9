import { describe, expect, it } from 'vitest';
import { comments, deliveries } from '../test/fixtures';
import { isProblem, outboundIds, placeDeliveries, replyText } from './deliveries';

describe('deliveries', () => {
  it('flags failed, deferred and bounced recipients only', () => {
    expect(['failed', 'deferred', 'bounced'].every((state) => isProblem({ state }))).toBe(true);
    expect(['sent', 'queued', 'sending'].some((state) => isProblem({ state }))).toBe(false);
  });
  it('splits the remote reply', () => {
    expect(replyText({ smtp_code: 550, status: '5.1.1', reply: '550 5.1.1 <a@b>: User unknown' })).toBe('<a@b>: User unknown');
    expect(replyText({ smtp_code: null, status: null, reply: null })).toBe('');
  });
  it('places each email under the comment of its audit', () => {
    const p = placeDeliveries(comments, deliveries);
    expect(p.byComment.get(101)?.map((d) => d.id)).toEqual([501]);
    expect(p.unplaced.map((d) => d.id)).toEqual([502]);
    expect(outboundIds(deliveries).get('<n1@support.example>')).toBe(501);
  });
});
