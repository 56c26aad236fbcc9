// The app shell: waits for the session check, sends signed-out visitors to
// sign-in (with ?next=), and renders the page for the current route.
import { useEffect } from 'preact/hooks';
import { location, matchRoute, navigate, queryParam, safeNext, type Route } from '../lib/router';
import { session, signInPath } from '../lib/session';
import { Loading } from './common';
import { SignInPage } from '../pages/SignInPage';
import { Workspace } from './Workspace';

export function App() {
  const route: Route = matchRoute(location.value.path);
  const s = session.value;
  const redirect =
    s === undefined ? null
    : route.name === 'signin' && s ? safeNext(queryParam('next'))
    : route.name !== 'signin' && !s ? signInPath()
    : route.name === 'home' ? '/agent/views/all_open'
    : null;
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);
  if (s === undefined || redirect) return <Loading />;
  if (route.name === 'signin') return <SignInPage />;
  return <Workspace route={route} />;
}
