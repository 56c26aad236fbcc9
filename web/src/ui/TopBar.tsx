// Top bar: product name, ticket search, language, the signed-in agent and
// Sign out.
import { useState } from 'preact/hooks';
import { t } from '../i18n/i18n';
import { location, navigate, queryParam } from '../lib/router';
import { session, signOut } from '../lib/session';
import { LanguageSelect } from './common';
import { Link } from './Link';

export function TopBar() {
  const onSearchPage = location.value.path === '/agent/search';
  const [q, setQ] = useState(onSearchPage ? queryParam('q') ?? '' : '');
  const user = session.value?.user;
  const submit = (e: Event) => {
    e.preventDefault();
    const query = q.trim();
    if (query) navigate(`/agent/search?q=${encodeURIComponent(query)}`);
  };
  return (
    <header class="topbar">
      <Link href="/agent/views/all_open" class="brand">
        postdesk
      </Link>
      <form class="topbar-search" role="search" onSubmit={submit}>
        <label for="top-search" class="visually-hidden">
          {t('top.search')}
        </label>
        <input id="top-search" type="search" placeholder={t('top.search')} value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        <button type="submit" class="btn btn-small">
          {t('top.searchButton')}
        </button>
      </form>
      <div class="topbar-right">
        <LanguageSelect id="top-lang" />
        {user && (
          <span class="agent" title={user.email}>
            <span class="avatar" aria-hidden="true">
              {(user.name || user.email).slice(0, 1).toUpperCase()}
            </span>
            <span class="agent-name">{t('top.signedInAs', { name: user.name || user.email })}</span>
          </span>
        )}
        <button type="button" class="btn btn-small btn-quiet" onClick={() => void signOut()}>
          {t('top.signout')}
        </button>
      </div>
    </header>
  );
}
