// Who may open what: admins see the Admin section (triggers, agents, the
// doctor page) and may apply the doctor's fixes; agents may not. The API
// enforces the same split (403); the UI only hides what would fail.
import { ApiError } from '../api/client';
import { ADMIN_ROUTES, type Route } from './router';

export type Role = 'admin' | 'agent';

export function isAdmin(user: { role?: string } | null | undefined): boolean {
  return user?.role === 'admin';
}

export function canOpen(route: Route, user: { role?: string } | null | undefined): boolean {
  return !ADMIN_ROUTES.has(route.name) || isAdmin(user);
}

// The API's words for a 403 (`{"error":"Forbidden","description":...}`),
// or null when `e` is not one.
export function forbiddenDescription(e: unknown): string | null {
  if (!(e instanceof ApiError) || e.status !== 403 || e.code === 'InvalidCsrfToken') return null;
  return e.description || e.code || 'Forbidden';
}
