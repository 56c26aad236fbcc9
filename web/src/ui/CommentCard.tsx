// One comment of the conversation: author, time, public reply vs internal
// note, sender authentication, the mail body (inert frame), attachments,
// and the emails this update sent.
import type { Comment, Delivery } from '../api/types';
import { t } from '../i18n/i18n';
import { users } from '../lib/users';
import { formatBytes, Time } from './common';
import { AuthBadges } from './AuthBadges';
import { EmailDeliveries } from './EmailDeliveries';
import { MailFrame } from './MailFrame';
import { LockIcon } from './icons';

function fromOf(c: Comment): { name: string; email: string } {
  const from = (c.via?.source?.from ?? {}) as { address?: string; name?: string };
  const user = users.value.get(c.author_id);
  return {
    name: user?.name || from.name || from.address || (c.author_id > 0 ? t('comment.unknownUser', { id: c.author_id }) : t('comment.system')),
    email: user?.email || from.address || '',
  };
}

export function CommentCard({ comment: c, deliveries }: { comment: Comment; deliveries: Delivery[] }) {
  const from = fromOf(c);
  const kind = c.public ? 'public' : 'internal';
  const via = c.via?.channel;
  return (
    <article class={`comment comment-${kind}`} aria-label={`${c.public ? t('comment.public') : t('comment.internal')}: ${from.name}`}>
      <header class="comment-head">
        <span class="avatar" aria-hidden="true">
          {from.name.slice(0, 1).toUpperCase()}
        </span>
        <div class="comment-who">
          <strong class="comment-author">{from.name}</strong>
          {from.email && <span class="muted small mono"> &lt;{from.email}&gt;</span>}
          <div class="muted small">
            <Time iso={c.created_at} />
            {via && ['email', 'api', 'web'].includes(via) && <> · {t(`comment.via.${via}` as 'comment.via.email')}</>}
          </div>
        </div>
        <span class={`comment-kind kind-${kind}`}>
          {!c.public && <LockIcon />}
          {c.public ? t('comment.public') : t('comment.internal')}
        </span>
      </header>
      {via === 'email' && <AuthBadges auth={c.authentication} fromEmail={from.email} />}
      <MailFrame html={c.html_body || ''} from={from.name} attachments={(c.attachments ?? []).map((a) => a.content_url)} />
      {c.attachments.length > 0 && (
        <ul class="attachments" aria-label={t('comment.attachments')}>
          {c.attachments.map((a, i) => (
            <li key={a.id ?? i}>
              <a href={a.content_url} download={a.file_name} rel="noopener">
                {a.file_name || 'attachment'}
              </a>{' '}
              <span class="muted small">{formatBytes(a.size)}</span>
            </li>
          ))}
        </ul>
      )}
      <EmailDeliveries deliveries={deliveries} />
    </article>
  );
}

