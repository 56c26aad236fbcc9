import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { canOpen, forbiddenDescription, isAdmin } from './roles';
import { matchRoute } from './router';

describe('roles', () => {
  it('lets admins open the admin pages and agents only the workspace', () => {
    const admin = { role: 'admin' };
    const agent = { role: 'agent' };
    for (const path of ['/admin/triggers', '/admin/triggers/3', '/admin/triggers/new', '/admin/agents', '/admin/doctor', '/admin/email', '/admin/settings', '/admin/groups', '/admin/groups/2', '/admin/organizations', '/admin/organizations/new', '/admin/organizations/1', '/admin']) {
      expect(canOpen(matchRoute(path), admin), path).toBe(true);
      expect(canOpen(matchRoute(path), agent), path).toBe(false);
      expect(canOpen(matchRoute(path), null), path).toBe(false);
    }
    for (const path of ['/agent/views/all_open', '/agent/tickets/1', '/agent/suspended']) expect(canOpen(matchRoute(path), agent)).toBe(true);
    expect(isAdmin(admin)).toBe(true);
    expect(isAdmin(agent)).toBe(false);
    expect(isAdmin({ role: 'end-user' })).toBe(false);
    expect(isAdmin(undefined)).toBe(false);
  });

  it("takes the API's words from a 403, but not from a CSRF failure", () => {
    expect(forbiddenDescription(new ApiError(403, 'Forbidden', 'only admins can manage triggers'))).toBe('only admins can manage triggers');
    expect(forbiddenDescription(new ApiError(403, 'Forbidden', ''))).toBe('Forbidden');
    expect(forbiddenDescription(new ApiError(403, 'InvalidCsrfToken', 'bad token'))).toBeNull();
    expect(forbiddenDescription(new ApiError(404, 'RecordNotFound', 'x'))).toBeNull();
    expect(forbiddenDescription(new Error('x'))).toBeNull();
  });
});
