// Client-side routes over the history API. The server answers index.html
// for /, /agent/... and /admin/..., so every route here is a real URL.
import { signal } from '@preact/signals';

export type Route =
  | { name: 'signin' }
  | { name: 'home' }
  | { name: 'view'; key: string }
  | { name: 'suspended' }
  | { name: 'suspendedItem'; id: number }
  | { name: 'ticket'; id: number }
  | { name: 'events'; id: number }
  | { name: 'search' }
  | { name: 'viewsManage' }
  | { name: 'viewEdit'; id: number | null } // null: a new view
  | { name: 'macros' }
  | { name: 'macro'; id: number | null } // null: a new macro
  | { name: 'adminTriggers' }
  | { name: 'adminTrigger'; id: number | null } // null: a new trigger
  | { name: 'adminAgents' }
  | { name: 'adminDoctor' }
  | { name: 'adminEmail' }
  | { name: 'adminSettings' }
  | { name: 'adminGroups' }
  | { name: 'adminTicketFields' }
  | { name: 'adminGroup'; id: number }
  | { name: 'adminOrganizations' }
  | { name: 'adminOrganization'; id: number | null } // null: a new organization
  | { name: 'notFound' };

// Routes only admins may open (the API answers agents 403 there).
export const ADMIN_ROUTES: ReadonlySet<Route['name']> = new Set([
  'adminTriggers', 'adminTrigger', 'adminAgents', 'adminDoctor', 'adminEmail', 'adminSettings', 'adminGroups', 'adminGroup', 'adminTicketFields', 'adminOrganizations', 'adminOrganization',
]);

export interface Location {
  path: string;
  search: string;
}

function current(): Location {
  return { path: window.location.pathname, search: window.location.search };
}

export const location = signal<Location>(current());

window.addEventListener('popstate', () => {
  location.value = current();
});

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  location.value = current();
  if (!options.replace && !navigator.userAgent.includes('jsdom')) window.scrollTo(0, 0);
}

// Replace the query of the current URL (list paging and sorting).
export function setQuery(params: Record<string, string | number | null>): void {
  const q = new URLSearchParams(location.value.search);
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  navigate(location.value.path + (s ? `?${s}` : ''), { replace: true });
}

const id = (s: string) => (/^[1-9]\d{0,15}$/.test(s) ? Number(s) : null);

export function matchRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/') return { name: 'signin' };
  if (p === '/agent' || p === '/agent/views') return { name: 'home' };
  if (p === '/agent/views/manage') return { name: 'viewsManage' };
  if (p === '/agent/views/new') return { name: 'viewEdit', id: null };
  let m = /^\/agent\/views\/(\d+)\/edit$/.exec(p);
  if (m && id(m[1])) return { name: 'viewEdit', id: id(m[1])! };
  m = /^\/agent\/views\/([a-z_]+|[1-9]\d{0,15})$/.exec(p);
  if (m) return { name: 'view', key: m[1] };
  if (p === '/agent/suspended') return { name: 'suspended' };
  m = /^\/agent\/suspended\/(\d+)$/.exec(p);
  if (m && id(m[1])) return { name: 'suspendedItem', id: id(m[1])! };
  m = /^\/agent\/tickets\/(\d+)(\/events)?$/.exec(p);
  if (m && id(m[1])) return m[2] ? { name: 'events', id: id(m[1])! } : { name: 'ticket', id: id(m[1])! };
  if (p === '/agent/search') return { name: 'search' };
  if (p === '/agent/macros') return { name: 'macros' };
  if (p === '/agent/macros/new') return { name: 'macro', id: null };
  m = /^\/agent\/macros\/(\d+)$/.exec(p);
  if (m && id(m[1])) return { name: 'macro', id: id(m[1])! };
  if (p === '/admin' || p === '/admin/triggers') return { name: 'adminTriggers' };
  if (p === '/admin/triggers/new') return { name: 'adminTrigger', id: null };
  m = /^\/admin\/triggers\/(\d+)$/.exec(p);
  if (m && id(m[1])) return { name: 'adminTrigger', id: id(m[1])! };
  if (p === '/admin/agents') return { name: 'adminAgents' };
  if (p === '/admin/doctor') return { name: 'adminDoctor' };
  if (p === '/admin/email') return { name: 'adminEmail' };
  if (p === '/admin/settings') return { name: 'adminSettings' };
  if (p === '/admin/groups') return { name: 'adminGroups' };
  if (p === '/admin/ticket-fields') return { name: 'adminTicketFields' };
  m = /^\/admin\/groups\/(\d+)$/.exec(p);
  if (m && id(m[1])) return { name: 'adminGroup', id: id(m[1])! };
  if (p === '/admin/organizations') return { name: 'adminOrganizations' };
  if (p === '/admin/organizations/new') return { name: 'adminOrganization', id: null };
  m = /^\/admin\/organizations\/(\d+)$/.exec(p);
  if (m && id(m[1])) return { name: 'adminOrganization', id: id(m[1])! };
  return { name: 'notFound' };
}

// Where to go after signing in: only our own agent pages, never another
// origin (`//evil`, `/\evil`) or a scheme.
export function safeNext(next: string | null): string {
  const fallback = '/agent/views/all_open';
  if (!next) return fallback;
  if (!/^\/(agent|admin)(\/|$)/.test(next) || /^\/[\\/]/.test(next) || /[\u0000-\u001f\\]/.test(next)) return fallback;
  return next;
}

export function queryParam(name: string): string | null {
  return new URLSearchParams(location.value.search).get(name);
}
