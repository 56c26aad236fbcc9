// The signed-in agent (a signal) and the sign-in / sign-out flows. A 401
// from any API call sends the agent back to sign-in, keeping the page to
// return to in ?next=.
import { signal } from '@preact/signals';
import { setCsrfToken, setUnauthorizedHandler } from '../api/client';
import * as api from '../api/endpoints';
import type { SessionInfo } from '../api/types';
import { location, navigate } from './router';

// undefined: not known yet; null: signed out.
export const session = signal<SessionInfo | null | undefined>(undefined);
export const sessionExpired = signal(false);

function adopt(info: SessionInfo | null): void {
  setCsrfToken(info?.csrf_token ?? '');
  session.value = info;
}

export function signInPath(): string {
  const here = location.value.path + location.value.search;
  return here.startsWith('/agent') || here.startsWith('/admin') ? `/?next=${encodeURIComponent(here)}` : '/';
}

setUnauthorizedHandler(() => {
  if (session.value) sessionExpired.value = true;
  adopt(null);
  if (location.value.path !== '/') navigate(signInPath(), { replace: true });
});

export async function loadSession(): Promise<void> {
  try {
    const r = await api.getSession();
    adopt(r.session);
  } catch {
    adopt(null);
  }
}

export async function signIn(email: string, password: string): Promise<void> {
  const r = await api.signIn(email, password);
  sessionExpired.value = false;
  adopt(r.session);
}

export async function signOut(): Promise<void> {
  try {
    await api.signOut();
  } finally {
    adopt(null);
    navigate('/');
  }
}
