// SPF / DKIM / DMARC of an emailed comment, each with the reason when it
// did not pass, and Zendesk's spoofing warning when the desk flagged it.
import type { Authentication } from '../api/types';
import { t, tMaybe } from '../i18n/i18n';
import { isSpoofed, tone, verdicts } from '../lib/auth';
import { WarningIcon } from './icons';

export function AuthBadges({ auth, fromEmail }: { auth: Authentication | null | undefined; fromEmail: string }) {
  const list = verdicts(auth);
  if (!list.length && !isSpoofed(auth)) return null;
  return (
    <div class="auth">
      {isSpoofed(auth) && (
        <p class="spoofing" role="note">
          <WarningIcon />
          <span>
            {fromEmail ? t('auth.spoofing', { email: fromEmail }) : t('auth.spoofingGeneric')}
            {auth?.reason ? ` ${auth.reason}` : ''}
          </span>
        </p>
      )}
      <ul class="auth-list" aria-label={t('auth.title')}>
        {list.map((v) => (
          <li key={v.method} class={`auth-badge auth-${tone(v)}`}>
            <span class="auth-method">{v.method}</span> <span class="auth-result">{tMaybe(`auth.${v.result}`, v.result)}</span>
            {!v.ok && v.reason && <span class="auth-reason">: {v.reason}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
