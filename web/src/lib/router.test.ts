import { describe, expect, it } from 'vitest';
import { location, matchRoute, navigate, safeNext, setQuery } from './router';

describe('matchRoute', () => {
  it('knows the agent pages', () => {
    expect(matchRoute('/')).toEqual({ name: 'signin' });
    expect(matchRoute('/agent/')).toEqual({ name: 'home' });
    expect(matchRoute('/agent/views/all_open')).toEqual({ name: 'view', key: 'all_open' });
    expect(matchRoute('/agent/suspended')).toEqual({ name: 'suspended' });
    expect(matchRoute('/agent/suspended/12')).toEqual({ name: 'suspendedItem', id: 12 });
    expect(matchRoute('/agent/tickets/7')).toEqual({ name: 'ticket', id: 7 });
    expect(matchRoute('/agent/tickets/7/events')).toEqual({ name: 'events', id: 7 });
    expect(matchRoute('/agent/tickets/7/events/')).toEqual({ name: 'events', id: 7 });
    expect(matchRoute('/agent/search')).toEqual({ name: 'search' });
    expect(matchRoute('/agent/tickets/0')).toEqual({ name: 'notFound' });
    expect(matchRoute('/agent/tickets/abc')).toEqual({ name: 'notFound' });
  });
  it('knows the admin pages', () => {
    expect(matchRoute('/admin/triggers')).toEqual({ name: 'adminTriggers' });
    expect(matchRoute('/admin')).toEqual({ name: 'adminTriggers' });
    expect(matchRoute('/admin/triggers/new')).toEqual({ name: 'adminTrigger', id: null });
    expect(matchRoute('/admin/triggers/12/')).toEqual({ name: 'adminTrigger', id: 12 });
    expect(matchRoute('/admin/triggers/0')).toEqual({ name: 'notFound' });
    expect(matchRoute('/admin/agents')).toEqual({ name: 'adminAgents' });
    expect(matchRoute('/admin/doctor')).toEqual({ name: 'adminDoctor' });
    expect(matchRoute('/admin/email')).toEqual({ name: 'adminEmail' });
    expect(matchRoute('/admin/settings')).toEqual({ name: 'adminSettings' });
    expect(matchRoute('/admin/settings/')).toEqual({ name: 'adminSettings' });
    expect(matchRoute('/admin/groups')).toEqual({ name: 'adminGroups' });
    expect(matchRoute('/admin/groups/4/')).toEqual({ name: 'adminGroup', id: 4 });
    expect(matchRoute('/admin/groups/new')).toEqual({ name: 'notFound' });
    expect(matchRoute('/admin/organizations')).toEqual({ name: 'adminOrganizations' });
    expect(matchRoute('/admin/organizations/new')).toEqual({ name: 'adminOrganization', id: null });
    expect(matchRoute('/admin/organizations/9')).toEqual({ name: 'adminOrganization', id: 9 });
    expect(matchRoute('/admin/organizations/0')).toEqual({ name: 'notFound' });
    expect(matchRoute('/admin/nothing')).toEqual({ name: 'notFound' });
  });
});

describe('safeNext', () => {
  it('allows only our own pages', () => {
    expect(safeNext('/agent/tickets/3')).toBe('/agent/tickets/3');
    expect(safeNext('/agent/search?q=x')).toBe('/agent/search?q=x');
    for (const bad of ['//evil.example/agent', '/\\evil.example', 'https://evil.example/agent', 'javascript:alert(1)', '/api/v2/x', null]) {
      expect(safeNext(bad)).toBe('/agent/views/all_open');
    }
  });
});

describe('navigate', () => {
  it('updates the location signal and the query', () => {
    navigate('/agent/views/unassigned');
    expect(location.value.path).toBe('/agent/views/unassigned');
    setQuery({ page: 2, sort_by: 'subject' });
    expect(location.value.search).toBe('?page=2&sort_by=subject');
    setQuery({ page: null });
    expect(location.value.search).toBe('?sort_by=subject');
  });
});
