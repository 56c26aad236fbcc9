// The views list with counts (Zendesk's left column); a horizontal strip
// on narrow screens.
import { VIEW_KEYS } from '../api/endpoints';
import type { MessageKey } from '../i18n/en';
import { t } from '../i18n/i18n';
import type { Route } from '../lib/router';
import { viewCounts } from '../lib/views';
import { Link } from './Link';

export function NavBar({ route }: { route: Route }) {
  const counts = viewCounts.value;
  const items = [
    ...VIEW_KEYS.map((key) => ({ key, href: `/agent/views/${key}`, current: route.name === 'view' && route.key === key })),
    { key: 'suspended', href: '/agent/suspended', current: route.name === 'suspended' || route.name === 'suspendedItem' },
  ];
  return (
    <nav class="nav" aria-label={t('nav.label')}>
      <h2 class="nav-title">{t('nav.label')}</h2>
      <ul>
        {items.map((item) => (
          <li key={item.key}>
            <Link href={item.href} aria-current={item.current ? 'page' : undefined} class={`nav-item${(item.key === 'delivery_failures' || item.key === 'suspended') && (counts[item.key] ?? 0) > 0 ? ' nav-item-attention' : ''}`}>
              <span class="nav-label">{t(`view.${item.key}` as MessageKey)}</span>
              <span class="nav-count">
                {counts[item.key] ?? ''}
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
