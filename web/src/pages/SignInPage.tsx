// Sign-in: Email, Password, Sign in. Explains a lockout (429 with
// Retry-After) and a wrong password without saying which field was wrong.
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { formatDuration, t } from '../i18n/i18n';
import { navigate, queryParam, safeNext } from '../lib/router';
import { sessionExpired, signIn } from '../lib/session';
import { errorText, LanguageSelect } from '../ui/common';
import { useTitle } from '../lib/title';

export function SignInPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  useTitle(t('signin.title'));

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await signIn(email.trim(), password);
      navigate(safeNext(queryParam('next')), { replace: true });
    } catch (err) {
      const a = err as ApiError;
      if (a instanceof ApiError && a.status === 401) setError(t('signin.invalid'));
      else if (a instanceof ApiError && a.status === 429) setError(a.retryAfter ? t('signin.locked', { time: formatDuration(a.retryAfter) }) : t('signin.lockedNoTime'));
      else setError(errorText(err));
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="signin">
      <div class="signin-lang">
        <LanguageSelect id="signin-lang" />
      </div>
      <main class="signin-inner">
        <div class="signin-brand" aria-hidden="true">postdesk</div>
        <div class="signin-card">
        <h1>{t('signin.title')}</h1>
        <p class="muted">{t('signin.subtitle')}</p>
        {sessionExpired.value && !error && (
          <p class="notice" role="status">
            {t('signin.expired')}
          </p>
        )}
        <form onSubmit={submit} noValidate>
          <div class="field">
            <label for="signin-email">{t('signin.email')}</label>
            <input id="signin-email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="signin-password">{t('signin.password')}</label>
            <input id="signin-password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
          </div>
          {error && (
            <p class="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="btn btn-primary btn-block" disabled={busy || !email || !password}>
            {busy ? t('signin.working') : t('signin.submit')}
          </button>
        </form>
        <p class="hint muted">{t('signin.hint')}</p>
        </div>
      </main>
    </div>
  );
}
