// The views list with counts (Zendesk's left column); a horizontal strip
// on narrow screens, scrolled so that the current page's item shows.
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n/i18n';
import { location, type Route } from '../lib/router';
import { navViews, suspendedCount, viewLabel, viewPath } from '../lib/views';
import { isAdmin } from '../lib/roles';
import { session } from '../lib/session';
import { Link } from './Link';

const ADMIN_ITEMS = [
  { key: 'triggers', href: '/admin/triggers', match: (r: Route) => r.name === 'adminTriggers' || r.name === 'adminTrigger' },
  { key: 'email', href: '/admin/email', match: (r: Route) => r.name === 'adminEmail' },
  { key: 'agents', href: '/admin/agents', match: (r: Route) => r.name === 'adminAgents' },
  { key: 'groups', href: '/admin/groups', match: (r: Route) => r.name === 'adminGroups' || r.name === 'adminGroup' },
  { key: 'ticketFields', href: '/admin/ticket-fields', match: (r: Route) => r.name === 'adminTicketFields' },
  { key: 'organizations', href: '/admin/organizations', match: (r: Route) => r.name === 'adminOrganizations' || r.name === 'adminOrganization' },
  { key: 'doctor', href: '/admin/doctor', match: (r: Route) => r.name === 'adminDoctor' },
  { key: 'settings', href: '/admin/settings', match: (r: Route) => r.name === 'adminSettings' },
] as const;

export function NavBar({ route }: { route: Route }) {
  const ref = useRef<HTMLElement>(null);
  const path = location.value.path;
  useEffect(() => {
    const nav = ref.current;
    const item = nav?.querySelector('[aria-current=page]');
    if (!nav || !item || nav.scrollWidth <= nav.clientWidth) return;
    const box = nav.getBoundingClientRect();
    const at = item.getBoundingClientRect();
    if (at.right > box.right) nav.scrollLeft += at.right - box.right + 12;
    else if (at.left < box.left) nav.scrollLeft -= box.left - at.left + 12;
  }, [path]);
  const items: { key: string; label: string; href: string; current: boolean; count: number | null; attention: boolean }[] = [
    ...(navViews.value ?? []).map((v) => ({
      key: `view-${v.id}`,
      label: viewLabel(v),
      href: viewPath(v),
      current: route.name === 'view' && (route.key === v.default_key || route.key === String(v.id)),
      count: v.count,
      attention: v.default_key === 'delivery_failures' && v.count > 0,
    })),
    { key: 'suspended', label: t('view.suspended'), href: '/agent/suspended', current: route.name === 'suspended' || route.name === 'suspendedItem', count: suspendedCount.value, attention: (suspendedCount.value ?? 0) > 0 },
    { key: 'manage-views', label: t('view.manage'), href: '/agent/views/manage', current: route.name === 'viewsManage' || route.name === 'viewEdit', count: null, attention: false },
    { key: 'macros', label: t('view.macros'), href: '/agent/macros', current: route.name === 'macros' || route.name === 'macro', count: null, attention: false },
  ];
  return (
    <nav ref={ref} class="nav" aria-label={t('nav.label')}>
      <h2 class="nav-title">{t('nav.label')}</h2>
      <ul>
        {items.map((item) => (
          <li key={item.key}>
            <Link href={item.href} aria-current={item.current ? 'page' : undefined} class={`nav-item${item.attention ? ' nav-item-attention' : ''}`}>
              <span class="nav-label">{item.label}</span>
              <span class="nav-count">
                {item.count ?? ''}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {isAdmin(session.value?.user) && (
        <>
          <h2 class="nav-title nav-title-admin" id="nav-admin">
            {t('nav.admin')}
          </h2>
          <ul aria-labelledby="nav-admin">
            {ADMIN_ITEMS.map((item) => (
              <li key={item.key}>
                <Link href={item.href} aria-current={item.match(route) ? 'page' : undefined} class="nav-item">
                  <span class="nav-label">{t(`nav.admin.${item.key}`)}</span>
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </nav>
  );
}
