// Signed-in layout: top bar, the views navigation, and the page. Polls the
// view counts every 5 s; the health bar polls its own.
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n/i18n';
import { location, type Route } from '../lib/router';
import { usePoll } from '../lib/poll';
import { refreshViewCounts } from '../lib/views';
import { TopBar } from './TopBar';
import { NavBar } from './NavBar';
import { ViewPage } from '../pages/ViewPage';
import { SuspendedPage } from '../pages/SuspendedPage';
import { SuspendedItemPage } from '../pages/SuspendedItemPage';
import { TicketPage } from '../pages/TicketPage';
import { EventsPage } from '../pages/EventsPage';
import { SearchPage } from '../pages/SearchPage';
import { MacrosPage } from '../pages/MacrosPage';
import { ViewsPage } from '../pages/ViewsPage';
import { ViewEditPage } from '../pages/ViewEditPage';
import { MacroPage } from '../pages/MacroPage';
import { TriggersPage } from '../pages/admin/TriggersPage';
import { TriggerPage } from '../pages/admin/TriggerPage';
import { AgentsPage } from '../pages/admin/AgentsPage';
import { DoctorPage } from '../pages/admin/DoctorPage';
import { EmailPage } from '../pages/admin/EmailPage';
import { SettingsPage } from '../pages/admin/SettingsPage';
import { GroupsPage } from '../pages/admin/GroupsPage';
import { TicketFieldsPage } from '../pages/admin/TicketFieldsPage';
import { GroupPage } from '../pages/admin/GroupPage';
import { OrganizationsPage } from '../pages/admin/OrganizationsPage';
import { OrganizationPage } from '../pages/admin/OrganizationPage';
import { HealthBanner } from './HealthBanner';
import { canOpen } from '../lib/roles';
import { session } from '../lib/session';
import { AdminOnly } from './admin';

function Page({ route }: { route: Route }) {
  if (!canOpen(route, session.value?.user)) return <AdminOnly />;
  switch (route.name) {
    case 'view':
      return <ViewPage key={route.key} viewKey={route.key} />;
    case 'suspended':
      return <SuspendedPage />;
    case 'suspendedItem':
      return <SuspendedItemPage key={route.id} id={route.id} />;
    case 'ticket':
      return <TicketPage key={route.id} id={route.id} />;
    case 'events':
      return <EventsPage key={route.id} id={route.id} />;
    case 'search':
      return <SearchPage />;
    case 'viewsManage':
      return <ViewsPage />;
    case 'viewEdit':
      return <ViewEditPage key={route.id ?? 'new'} id={route.id} />;
    case 'macros':
      return <MacrosPage />;
    case 'macro':
      return <MacroPage key={route.id ?? 'new'} id={route.id} />;
    case 'adminTriggers':
      return <TriggersPage />;
    case 'adminTrigger':
      return <TriggerPage key={route.id ?? 'new'} id={route.id} />;
    case 'adminAgents':
      return <AgentsPage />;
    case 'adminDoctor':
      return <DoctorPage />;
    case 'adminEmail':
      return <EmailPage />;
    case 'adminSettings':
      return <SettingsPage />;
    case 'adminGroups':
      return <GroupsPage />;
    case 'adminTicketFields':
      return <TicketFieldsPage />;
    case 'adminGroup':
      return <GroupPage key={route.id} id={route.id} />;
    case 'adminOrganizations':
      return <OrganizationsPage />;
    case 'adminOrganization':
      return <OrganizationPage key={route.id ?? 'new'} id={route.id} />;
    default:
      return (
        <div class="page">
          <h1>{t('app.notFound')}</h1>
        </div>
      );
  }
}

export function Workspace({ route }: { route: Route }) {
  usePoll(() => refreshViewCounts(), 5000, []);
  // A new page moves focus to it, as a full page load would (paging and
  // sorting change only the query and keep focus where it is).
  const path = location.value.path;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const active = document.activeElement;
    if (!active || active === document.body || !document.getElementById('main')?.contains(active)) document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);
  return (
    <div class="workspace">
      <a class="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <TopBar />
      <HealthBanner />
      <div class="workspace-body">
        <NavBar route={route} />
        <main id="main" class="main" tabIndex={-1}>
          <Page route={route} />
        </main>
      </div>
    </div>
  );
}
