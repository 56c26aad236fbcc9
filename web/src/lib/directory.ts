// Groups and organizations, the pure parts: domain names as typed (commas
// or spaces) into the API's array and back, member counts, the agents a
// group can still take, the Group select's choices, an organization's
// form (its draft and what changed), and the field a 422 names.
import type { OrganizationBody } from '../api/endpoints';
import type { Agent, Group, GroupMembership, Organization } from '../api/types';

// The API's rule for a domain (src/api/directory_api.cc): letters, digits,
// hyphens and dots, or any non-ASCII letter; at least one dot; at most 253.
export function isDomainName(domain: string): boolean {
  return domain.length > 0 && domain.length <= 253 && domain.includes('.') && /^[a-z0-9.\-\u{80}-\u{10ffff}]+$/iu.test(domain);
}

// Domains as an admin types them, separated by commas (also the Japanese
// 、 and ，), semicolons or spaces: lower-cased, a leading @ and a trailing
// dot dropped, each once. `bad` holds what is not a domain, as typed.
export function parseDomains(text: string): { domains: string[]; bad: string[] } {
  const domains: string[] = [];
  const bad: string[] = [];
  for (const part of text.split(/[\s,;、，]+/u)) {
    if (!part) continue;
    const domain = part.toLowerCase().replace(/^@/, '').replace(/\.$/, '');
    if (!isDomainName(domain)) {
      if (!bad.includes(part)) bad.push(part);
    } else if (!domains.includes(domain)) {
      domains.push(domain);
    }
  }
  return { domains, bad };
}

export function domainsText(domains: readonly string[]): string {
  return domains.join(', ');
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
const agentName = (a: Agent) => a.name || a.email;

// Members per group id (a group with none is absent).
export function memberCounts(memberships: readonly GroupMembership[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const m of memberships) counts.set(m.group_id, (counts.get(m.group_id) ?? 0) + 1);
  return counts;
}

export interface Member {
  membership: GroupMembership;
  agent: Agent | null; // null: not among the agents listed (shown by id)
}

// A group's members by name, each with the agent it is.
export function membersOf(memberships: readonly GroupMembership[], agents: readonly Agent[]): Member[] {
  const byId = new Map(agents.map((a) => [a.id, a]));
  return memberships
    .map((membership) => ({ membership, agent: byId.get(membership.user_id) ?? null }))
    .sort((a, b) => (a.agent ? agentName(a.agent) : `#${a.membership.user_id}`).localeCompare(b.agent ? agentName(b.agent) : `#${b.membership.user_id}`));
}

// The agents a group can take: active agents and admins not in it yet, by name.
export function agentsToAdd(agents: readonly Agent[], memberships: readonly GroupMembership[]): Agent[] {
  const inGroup = new Set(memberships.map((m) => m.user_id));
  return agents
    .filter((a) => !a.suspended && (a.role === 'agent' || a.role === 'admin') && !inGroup.has(a.id))
    .sort((a, b) => agentName(a).localeCompare(agentName(b)));
}

// The Group select's choices, by name: the groups there are, and the
// ticket's own when it is not among them (a deleted group: name null).
export function groupChoices(groups: readonly Group[], current: number | null | undefined): { id: number; name: string | null }[] {
  const live = groups.filter((g) => !g.deleted).sort(byName);
  const out: { id: number; name: string | null }[] = live.map((g) => ({ id: g.id, name: g.name }));
  if (current && !live.some((g) => g.id === current)) out.push({ id: current, name: groups.find((g) => g.id === current)?.name ?? null });
  return out;
}

export function sortedByName<T extends { name: string }>(list: readonly T[]): T[] {
  return [...list].sort(byName);
}

// ---- an organization's form

export interface OrgDraft {
  name: string;
  domains: string; // as typed
  group: string; // a group id, or '' for none
  details: string;
  notes: string;
}

export type OrgField = keyof OrgDraft;

export function orgDraftOf(o: Organization | null): OrgDraft {
  return {
    name: o?.name ?? '',
    domains: domainsText(o?.domain_names ?? []),
    group: o?.group_id ? String(o.group_id) : '',
    details: o?.details ?? '',
    notes: o?.notes ?? '',
  };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

// What to send: every field for a new organization (`saved` null), else
// the fields that differ from it. `problems` names the fields that cannot
// be sent (no name; domains that are not domains).
export function orgChanges(d: OrgDraft, saved: Organization | null): { body: OrganizationBody; problems: Partial<Record<OrgField, { code: 'needName' | 'badDomains'; bad?: string[] }>> } {
  const body: OrganizationBody = {};
  const problems: Partial<Record<OrgField, { code: 'needName' | 'badDomains'; bad?: string[] }>> = {};
  const name = d.name.trim();
  if (!name) problems.name = { code: 'needName' };
  else if (!saved || name !== saved.name) body.name = name;
  const { domains, bad } = parseDomains(d.domains);
  if (bad.length) problems.domains = { code: 'badDomains', bad };
  else if (!saved || !sameList(domains, saved.domain_names)) body.domain_names = domains;
  const group = d.group ? Number(d.group) : null;
  if (!saved || group !== (saved.group_id ?? null)) body.group_id = group;
  if (!saved || d.details !== saved.details) body.details = d.details;
  if (!saved || d.notes !== saved.notes) body.notes = d.notes;
  return { body, problems };
}

// Unsaved edits: a new organization with anything typed, or a change.
export function orgDirty(d: OrgDraft, saved: Organization | null): boolean {
  if (!saved) return Object.values(d).some((v) => v.trim() !== '');
  const { body, problems } = orgChanges(d, saved);
  return Object.keys(body).length > 0 || Object.keys(problems).length > 0;
}

// The field a 422's description names, and the rest of it. The API
// writes both "organization.domain_names: ..." and "group name: ...".
export function fieldProblem(description: string, root: 'group' | 'organization' | 'ticket'): { field: string; message: string } | null {
  const m = new RegExp(`^${root}[. ]([a-z_]+):\\s*([\\s\\S]+)$`).exec(description.trim());
  return m ? { field: m[1], message: m[2] } : null;
}

// The form field for a field the API names.
export function orgFieldOf(apiField: string): OrgField | null {
  switch (apiField) {
    case 'name':
      return 'name';
    case 'domain_names':
      return 'domains';
    case 'group_id':
      return 'group';
    case 'details':
      return 'details';
    case 'notes':
      return 'notes';
    default:
      return null;
  }
}
