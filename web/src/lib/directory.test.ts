import { describe, expect, it } from 'vitest';
import type { Agent, Group, GroupMembership, Organization } from '../api/types';
import { agentsToAdd, domainsText, fieldProblem, groupChoices, isDomainName, memberCounts, membersOf, orgChanges, orgDirty, orgDraftOf, orgFieldOf, parseDomains, sortedByName } from './directory';

const group = (id: number, name: string, extra: Partial<Group> = {}): Group => ({ id, name, description: '', default: false, deleted: false, ...extra });
const member = (id: number, user_id: number, group_id: number, isDefault = false): GroupMembership => ({ id, user_id, group_id, default: isDefault });
const agent = (id: number, name: string, extra: Partial<Agent> = {}): Agent => ({ id, name, email: `${name.toLowerCase() || 'x'}@desk.example`, role: 'agent', suspended: false, ...extra });
const org = (extra: Partial<Organization> = {}): Organization => ({ id: 1, name: 'Acme', details: 'Gold plan', notes: '', domain_names: ['acme.example'], group_id: 2, ...extra });

describe('domain names as typed', () => {
  it('splits on commas, semicolons, spaces and new lines, and the Japanese commas', () => {
    expect(parseDomains('a.example, b.example;c.example  d.example\ne.example、f.example，g.example')).toEqual({
      domains: ['a.example', 'b.example', 'c.example', 'd.example', 'e.example', 'f.example', 'g.example'],
      bad: [],
    });
  });
  it('lower-cases, drops a leading @ and a trailing dot, and keeps each domain once in order', () => {
    expect(parseDomains(' @Acme.Example,acme.example. , B.example,acme.example ').domains).toEqual(['acme.example', 'b.example']);
  });
  it('nothing typed is no domains', () => {
    expect(parseDomains('')).toEqual({ domains: [], bad: [] });
    expect(parseDomains(' ,, ; ')).toEqual({ domains: [], bad: [] });
  });
  it('names what is not a domain, as typed, once', () => {
    expect(parseDomains('acme.example, localhost, bob@acme.example, a_b.example, localhost')).toEqual({ domains: ['acme.example'], bad: ['localhost', 'bob@acme.example', 'a_b.example'] });
  });
  it('follows the API’s rule: a dot, letters, digits, hyphens, non-ASCII letters, at most 253', () => {
    expect(isDomainName('mail.example.co.jp')).toBe(true);
    expect(isDomainName('xn--r8jz45g.jp')).toBe(true);
    expect(isDomainName('例え.jp')).toBe(true);
    expect(isDomainName('example')).toBe(false);
    expect(isDomainName('exa mple.com')).toBe(false);
    expect(isDomainName('')).toBe(false);
    expect(isDomainName(`${'a'.repeat(250)}.com`)).toBe(false);
  });
  it('writes the array back as the field shows it', () => {
    expect(domainsText(['a.example', 'b.example'])).toBe('a.example, b.example');
    expect(parseDomains(domainsText(['a.example', 'b.example'])).domains).toEqual(['a.example', 'b.example']);
  });
});

describe('groups and members', () => {
  const agents = [agent(1, 'Zoe', { role: 'admin' }), agent(2, 'Aiko'), agent(3, 'Old', { suspended: true }), agent(4, '', { email: 'mika@desk.example' }), { ...agent(5, 'Bob'), role: 'end-user' }];
  const memberships = [member(10, 1, 7, true), member(11, 9, 7), member(12, 2, 8)];

  it('counts members per group', () => {
    expect(memberCounts(memberships)).toEqual(new Map([[7, 2], [8, 1]]));
    expect(memberCounts([]).size).toBe(0);
  });
  it('lists a group’s members by name, an agent not listed by id', () => {
    const list = membersOf(memberships.filter((m) => m.group_id === 7), agents);
    expect(list.map((m) => [m.membership.id, m.agent?.name ?? null])).toEqual([[11, null], [10, 'Zoe']]);
  });
  it('offers the active agents and admins not in the group yet, by name (or email)', () => {
    expect(agentsToAdd(agents, memberships.filter((m) => m.group_id === 7)).map((a) => a.id)).toEqual([2, 4]);
    expect(agentsToAdd(agents, []).map((a) => a.id)).toEqual([2, 4, 1]);
  });
  it('the Group select lists the groups by name, and the ticket’s own even when deleted', () => {
    const groups = [group(1, 'Support'), group(2, 'Billing'), group(3, 'Gone', { deleted: true })];
    expect(groupChoices(groups, 1)).toEqual([{ id: 2, name: 'Billing' }, { id: 1, name: 'Support' }]);
    expect(groupChoices(groups, null)).toEqual([{ id: 2, name: 'Billing' }, { id: 1, name: 'Support' }]);
    expect(groupChoices(groups, 3)).toEqual([{ id: 2, name: 'Billing' }, { id: 1, name: 'Support' }, { id: 3, name: 'Gone' }]);
    expect(groupChoices(groups, 99)).toEqual([{ id: 2, name: 'Billing' }, { id: 1, name: 'Support' }, { id: 99, name: null }]);
  });
  it('sorts by name without changing the list', () => {
    const list = [group(1, 'b'), group(2, 'a')];
    expect(sortedByName(list).map((g) => g.id)).toEqual([2, 1]);
    expect(list.map((g) => g.id)).toEqual([1, 2]);
  });
});

describe('the organization form', () => {
  it('drafts a new organization empty and an existing one as saved', () => {
    expect(orgDraftOf(null)).toEqual({ name: '', domains: '', group: '', details: '', notes: '' });
    expect(orgDraftOf(org({ domain_names: ['a.example', 'b.example'], group_id: null }))).toEqual({ name: 'Acme', domains: 'a.example, b.example', group: '', details: 'Gold plan', notes: '' });
  });
  it('sends every field for a new organization, domains as an array', () => {
    const d = { ...orgDraftOf(null), name: '  Acme  ', domains: 'acme.example acme.co.jp', group: '2' };
    expect(orgChanges(d, null)).toEqual({ body: { name: 'Acme', domain_names: ['acme.example', 'acme.co.jp'], group_id: 2, details: '', notes: '' }, problems: {} });
  });
  it('sends only what changed for an existing one', () => {
    const saved = org();
    expect(orgChanges(orgDraftOf(saved), saved)).toEqual({ body: {}, problems: {} });
    expect(orgChanges({ ...orgDraftOf(saved), domains: 'ACME.example, new.example', group: '' }, saved).body).toEqual({ domain_names: ['acme.example', 'new.example'], group_id: null });
    expect(orgChanges({ ...orgDraftOf(saved), domains: '@acme.example' }, saved).body).toEqual({});
    expect(orgChanges({ ...orgDraftOf(saved), notes: 'VIP' }, saved).body).toEqual({ notes: 'VIP' });
  });
  it('sends nothing without a name or with domains that are not domains, and says which', () => {
    const r = orgChanges({ ...orgDraftOf(null), name: ' ', domains: 'acme.example nope' }, null);
    expect(r.problems).toEqual({ name: { code: 'needName' }, domains: { code: 'badDomains', bad: ['nope'] } });
    expect(r.body.name).toBeUndefined();
    expect(r.body.domain_names).toBeUndefined();
  });
  it('is dirty when something was typed or changed', () => {
    expect(orgDirty(orgDraftOf(null), null)).toBe(false);
    expect(orgDirty({ ...orgDraftOf(null), notes: 'x' }, null)).toBe(true);
    const saved = org();
    expect(orgDirty(orgDraftOf(saved), saved)).toBe(false);
    expect(orgDirty({ ...orgDraftOf(saved), domains: 'acme.example,' }, saved)).toBe(false);
    expect(orgDirty({ ...orgDraftOf(saved), name: 'Acme 2' }, saved)).toBe(true);
  });
});

describe('the field a 422 names', () => {
  it('reads both ways the API writes it', () => {
    expect(fieldProblem("group name: 'Billing' is already taken", 'group')).toEqual({ field: 'name', message: "'Billing' is already taken" });
    expect(fieldProblem("organization.domain_names: 'x' is not a domain name", 'organization')).toEqual({ field: 'domain_names', message: "'x' is not a domain name" });
    expect(fieldProblem('organization domain_names: a.example already belongs to organization 2', 'organization')).toEqual({ field: 'domain_names', message: 'a.example already belongs to organization 2' });
    expect(fieldProblem('ticket.group_id: 9 is not a group', 'ticket')).toEqual({ field: 'group_id', message: '9 is not a group' });
  });
  it('is null for a message about something else', () => {
    expect(fieldProblem('user 4 is not an agent: only agents are in groups', 'group')).toBeNull();
    expect(fieldProblem("organization name: 'x' is already taken", 'group')).toBeNull();
  });
  it('maps the API’s fields to the form’s', () => {
    expect(['name', 'domain_names', 'group_id', 'details', 'notes', 'external_id'].map(orgFieldOf)).toEqual(['name', 'domains', 'group', 'details', 'notes', null]);
  });
});
