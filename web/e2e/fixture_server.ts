// A stand-in for postdesk serve that answers the workspace's API routes
// from src/test/fixtures.ts, so pages can be looked at (and screenshotted)
// without a backend. Sign in with any email and the password "secret"; an
// email starting with "agent" signs in with the agent role (admin routes
// then answer 403 as the real server does).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fx from '../src/test/fixtures';
import { serveStatic } from './static';
import type { Agent, ApiToken, DefaultTrigger, Group, GroupMembership, Health, Organization, RecipientAddress, Ticket, Trigger, TriggerRevision } from '../src/api/types';

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(body === null ? '' : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface FixtureServer {
  url: string;
  server: Server;
  close: () => Promise<void>;
  // What GET /api/v2/health answers: a health object, or 404 (not deployed).
  setHealth: (h: Health | 404) => void;
  // Requests for attachment bytes (/attachments/...), to prove inline images are fetched by the app.
  attachmentRequests: { path: string; cookie: boolean }[];
}

export async function startFixtureServer(dist: string): Promise<FixtureServer> {
  let signedIn = false;
  const admin = { id: 1, name: 'Admin', email: 'admin@support.example', role: 'admin' };
  const agent = { id: 5, name: 'Aiko Agent', email: 'agent@support.example', role: 'agent' };
  const session = { user: admin, csrf_token: 'fixture-csrf', idle_timeout_seconds: 3600 };
  const suspended = [...fx.suspended];
  const state = admin_state();
  let health: Health | 404 = structuredClone(fx.health);
  let origin = '';
  const attachmentRequests: { path: string; cookie: boolean }[] = [];
  const withOrigin = <T,>(v: T): T => JSON.parse(JSON.stringify(v).split(fx.ORIGIN_PLACEHOLDER).join(origin)) as T;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\.json$/, '');
    if (path.startsWith('/attachments/')) {
      attachmentRequests.push({ path, cookie: Boolean(req.headers.cookie) });
      if (!signedIn) return json(res, 401, { error: 'Unauthorized' });
      if (path === '/attachments/10/smoke.png') {
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Disposition': 'inline; filename="smoke.png"' });
        return res.end(Buffer.from(fx.smokePng, 'base64'));
      }
      return json(res, 404, { error: 'RecordNotFound' });
    }
    if (!path.startsWith('/api/')) {
      if (!serveStatic(dist, path, res)) json(res, 404, { error: 'NotFound' });
      return;
    }
    if (path === '/api/v2/session') {
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)) || '{}');
        if (body.password !== 'secret') return json(res, 401, { error: 'InvalidCredentials', description: 'wrong' });
        signedIn = true;
        session.user = String(body.email ?? '').startsWith('agent') ? agent : admin;
        return json(res, 200, { session }, { 'Set-Cookie': 'postdesk_session=fixture; Path=/; HttpOnly; SameSite=Strict' });
      }
      if (req.method === 'DELETE') {
        signedIn = false;
        return json(res, 204, null);
      }
      return signedIn ? json(res, 200, { session }) : json(res, 401, { error: 'Unauthorized' });
    }
    if (!signedIn) return json(res, 401, { error: 'Unauthorized' });
    if (req.method !== 'GET' && req.headers['x-csrf-token'] !== session.csrf_token) return json(res, 403, { error: 'InvalidCsrfToken' });
    let m: RegExpExecArray | null;
    if (path === '/api/v2/health') return health === 404 ? json(res, 404, { error: 'NotFound', description: 'no such route' }) : json(res, 200, { health });
    if (await adminRoutes(req, res, path, url, session.user.role === 'admin', state)) return;
    if (path === '/api/v2/views/compact') return json(res, 200, { views: fx.navViews, suspended_count: suspended.length });
    if ((m = /^\/api\/v2\/views\/(\w+)$/.exec(path))) {
      const v = fx.navViews.find((x) => x.default_key === m![1] || String(x.id) === m![1]);
      if (!v) return json(res, 404, { error: 'RecordNotFound', description: 'Not found' });
      const execution = { columns: [{ id: 'status', title: 'Status' }, { id: 'subject', title: 'Subject' }], sort_by: 'updated', sort_order: 'desc' };
      return json(res, 200, { view: { ...v, active: true, position: v.id, description: null, conditions: { all: [], any: [] }, execution, restriction: null, default: true } });
    }
    if ((m = /^\/api\/v2\/views\/(\w+)\/tickets$/.exec(path))) {
      const list = m[1] === 'recently_solved' ? fx.tickets.filter((x) => x.status === 'solved') : m[1] === 'delivery_failures' ? fx.tickets.slice(0, 1) : fx.tickets.filter((x) => x.status !== 'solved');
      return json(res, 200, { tickets: list, users: fx.users, count: list.length, next_page: null, previous_page: null });
    }
    if (path === '/api/v2/search') {
      const q = url.searchParams.get('query') ?? '';
      const list = fx.tickets.filter((x) => x.subject.includes(q) || q.includes('status:'));
      return json(res, 200, { results: list.map((x) => ({ ...x, result_type: 'ticket' })), users: fx.users, count: list.length, next_page: null, previous_page: null });
    }
    if ((m = /^\/api\/v2\/tickets\/(\d+)$/.exec(path))) {
      const ticket = fx.tickets.find((x) => x.id === Number(m![1]));
      if (!ticket) return json(res, 404, { error: 'RecordNotFound', description: 'Not found' });
      if (req.method === 'PUT') {
        const b = JSON.parse((await readBody(req)) || '{}') as { ticket?: { group_id?: unknown } };
        const bad = b.ticket && 'group_id' in b.ticket ? setTicketGroup(state, ticket, b.ticket.group_id) : null;
        if (bad) return json(res, 422, { error: 'RecordInvalid', description: bad });
        return json(res, 200, { ticket });
      }
      return json(res, 200, { ticket });
    }
    if ((m = /^\/api\/v2\/tickets\/(\d+)\/comments$/.exec(path))) return json(res, 200, { comments: m[1] === '1' ? withOrigin(fx.comments) : [], count: 2, next_page: null, previous_page: null });
    if ((m = /^\/api\/v2\/tickets\/(\d+)\/audits$/.exec(path))) return json(res, 200, { audits: m[1] === '1' ? fx.audits : [], count: 3, next_page: null, previous_page: null });
    if ((m = /^\/api\/v2\/tickets\/(\d+)\/deliveries$/.exec(path))) return json(res, 200, { deliveries: m[1] === '1' ? fx.deliveries : [], count: 2 });
    if ((m = /^\/api\/v2\/users\/(\d+)\/tickets\/requested$/.exec(path))) {
      const list = fx.tickets.filter((x) => x.requester_id === Number(m![1]));
      return json(res, 200, { tickets: list, count: list.length });
    }
    if ((m = /^\/api\/v2\/users\/(\d+)$/.exec(path))) {
      const user = fx.users.find((u) => u.id === Number(m![1]));
      if (!user) return json(res, 404, { error: 'RecordNotFound' });
      if (req.method === 'PUT') {
        await readBody(req);
        user.undeliverable = false;
        user.undeliverable_reason = null;
      }
      return json(res, 200, { user });
    }
    if ((m = /^\/api\/v2\/outbound_messages\/(\d+)\/raw$/.exec(path))) {
      res.writeHead(200, { 'Content-Type': 'message/rfc822' });
      return res.end(fx.rawEmail);
    }
    if (path === '/api/v2/uploads') {
      await readBody(req);
      return json(res, 201, { upload: { token: 'tok-' + Date.now(), attachment: {} } });
    }
    if (path === '/api/v2/suspended_tickets') {
      const cause = url.searchParams.get('cause');
      const list = cause ? suspended.filter((s) => s.cause === cause) : suspended;
      return json(res, 200, { suspended_tickets: list, count: list.length, next_page: null, previous_page: null });
    }
    if ((m = /^\/api\/v2\/suspended_tickets\/(\d+)\/explain$/.exec(path))) {
      const s = suspended.find((x) => x.id === Number(m![1]));
      if (!s) return json(res, 404, { error: 'RecordNotFound' });
      return json(res, 200, { explanation: { ...fx.explanation, suspended_ticket_id: s.id, subject: s.subject, cause: s.cause, cause_id: s.cause_id, author: s.author, attachments: s.attachments } });
    }
    if ((m = /^\/api\/v2\/suspended_tickets\/(\d+)\/recover$/.exec(path))) {
      const i = suspended.findIndex((x) => x.id === Number(m![1]));
      if (i < 0) return json(res, 404, { error: 'RecordNotFound' });
      suspended.splice(i, 1);
      return json(res, 200, { ticket: [{ ...fx.tickets[0], id: 77 }] });
    }
    if ((m = /^\/api\/v2\/suspended_tickets\/(\d+)$/.exec(path))) {
      const i = suspended.findIndex((x) => x.id === Number(m![1]));
      if (i < 0) return json(res, 404, { error: 'RecordNotFound' });
      if (req.method === 'DELETE') {
        suspended.splice(i, 1);
        return json(res, 204, null);
      }
      return json(res, 200, { suspended_ticket: suspended[i] });
    }
    return json(res, 404, { error: 'NotFound', description: `no fixture for ${req.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    server,
    close: () => new Promise((r) => server.close(() => r())),
    setHealth: (h) => {
      health = h;
    },
    attachmentRequests,
  };
}

// ---- admin routes, with state so actions show their effect

interface AdminState {
  triggers: Trigger[];
  defaults: DefaultTrigger[];
  revisions: Map<number, TriggerRevision[]>;
  agents: Agent[];
  tokens: ApiToken[];
  addresses: RecipientAddress[];
  dkimKeys: unknown[];
  groups: Group[];
  memberships: GroupMembership[];
  organizations: Organization[];
  nextId: number;
}

function admin_state(): AdminState {
  return {
    triggers: structuredClone(fx.triggers),
    defaults: structuredClone(fx.triggerDefaults),
    revisions: new Map([[3, structuredClone(fx.triggerRevisions)]]),
    agents: structuredClone(fx.agents),
    tokens: structuredClone(fx.apiTokens),
    addresses: structuredClone(fx.recipientAddresses),
    dkimKeys: [],
    groups: structuredClone(fx.groups),
    memberships: structuredClone(fx.groupMemberships),
    organizations: structuredClone(fx.organizations),
    nextId: 100,
  };
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function revise(state: AdminState, id: number, action: string, before: Trigger | null, after: Trigger | null) {
  const list = state.revisions.get(id) ?? [];
  list.push({ id: state.nextId++, author_id: 1, author_name: 'Admin', action, before: before && structuredClone(before), after: after && structuredClone(after), created_at: now() });
  state.revisions.set(id, list);
}

// The fixture server's stand-in for the API's trigger checks: enough to
// show a 422 in the form (a title "invalid" is refused as the API would
// refuse an unknown field).
function invalidTrigger(body: Partial<Trigger>): string | null {
  if (body.title && /invalid/i.test(body.title)) return 'conditions.all[0]: unknown field "no_such_field"';
  return null;
}

// PUT /api/v2/tickets/{id} with group_id, as the API checks it: the group
// must exist, and an assignee in groups must be in it; none with an
// assignee puts the ticket in the assignee's default group.
function setTicketGroup(state: AdminState, ticket: Ticket, value: unknown): string | null {
  let group: number | null = null;
  if (value !== null && value !== undefined) {
    group = Number(value);
    if (!state.groups.some((g) => g.id === group && !g.deleted)) return `ticket.group_id: ${JSON.stringify(value)} is not a group`;
  }
  if (ticket.assignee_id) {
    const mine = state.memberships.filter((m) => m.user_id === ticket.assignee_id);
    if (group === null) group = mine.find((m) => m.default)?.group_id ?? null;
    else if (mine.length && !mine.some((m) => m.group_id === group)) return `ticket.assignee_id: agent ${ticket.assignee_id} is not a member of group ${group}`;
  }
  ticket.group_id = group;
  ticket.updated_at = now();
  return null;
}

// The API's rule for an organization's domain names (a 422 otherwise).
function organizationProblem(state: AdminState, b: Partial<Organization>, self: number | null): string | null {
  if (b.name !== undefined && !String(b.name).trim()) return 'organization.name: required';
  if (b.name !== undefined && state.organizations.some((o) => o.id !== self && o.name.toLowerCase() === String(b.name).trim().toLowerCase())) return `organization name: '${String(b.name).trim()}' is already taken`;
  for (const d of b.domain_names ?? []) {
    if (!/^[^\s@]+\.[^\s@]+$/.test(d)) return `organization.domain_names: '${d}' is not a domain name`;
    const other = state.organizations.find((o) => o.id !== self && o.domain_names.includes(d));
    if (other) return `organization domain_names: ${d} already belongs to organization ${other.id}`;
  }
  if (b.group_id !== undefined && b.group_id !== null && !state.groups.some((g) => g.id === b.group_id && !g.deleted)) return `organization.group_id: ${b.group_id} is not a group`;
  return null;
}

// Groups, memberships and organizations: everyone signed in reads them, admins change them.
async function directoryRoutes(req: IncomingMessage, res: ServerResponse, path: string, isAdmin: boolean, state: AdminState): Promise<boolean> {
  if (!/^\/api\/v2\/(groups|group_memberships|organizations)(\/|$)/.test(path)) return false;
  if (req.method !== 'GET' && !isAdmin) {
    json(res, 403, { error: 'Forbidden', description: 'only admins can manage groups and organizations' });
    return true;
  }
  const body = async () => JSON.parse((await readBody(req)) || '{}');
  const paged = (key: string, list: unknown[]) => json(res, 200, { [key]: list, count: list.length, next_page: null, previous_page: null });
  const live = () => state.groups.filter((g) => !g.deleted);
  let m: RegExpExecArray | null;
  if (path === '/api/v2/groups' && req.method === 'GET') {
    paged('groups', live());
    return true;
  }
  if (path === '/api/v2/groups' && req.method === 'POST') {
    const b = ((await body()).group ?? {}) as Partial<Group>;
    const name = String(b.name ?? '').trim();
    if (!name) json(res, 422, { error: 'RecordInvalid', description: 'group name: must not be empty' });
    else if (live().some((g) => g.name === name)) json(res, 422, { error: 'RecordInvalid', description: `group name: '${name}' is already taken` });
    else {
      const g: Group = { id: state.nextId++, name, description: String(b.description ?? ''), default: false, deleted: false, created_at: now(), updated_at: now() };
      state.groups.push(g);
      json(res, 201, { group: g });
    }
    return true;
  }
  if ((m = /^\/api\/v2\/groups\/(\d+)(\/memberships)?$/.exec(path))) {
    const g = state.groups.find((x) => x.id === Number(m![1]));
    if (!g) {
      json(res, 404, { error: 'RecordNotFound', description: `group ${m[1]}: not found` });
      return true;
    }
    if (m[2]) {
      paged('group_memberships', state.memberships.filter((x) => x.group_id === g.id));
      return true;
    }
    if (req.method === 'PUT') {
      const b = ((await body()).group ?? {}) as Partial<Group>;
      const name = b.name === undefined ? g.name : String(b.name).trim();
      if (!name) json(res, 422, { error: 'RecordInvalid', description: 'group name: must not be empty' });
      else if (live().some((x) => x.id !== g.id && x.name === name)) json(res, 422, { error: 'RecordInvalid', description: `group name: '${name}' is already taken` });
      else {
        Object.assign(g, { name, description: b.description ?? g.description, updated_at: now() });
        json(res, 200, { group: g });
      }
      return true;
    }
    if (req.method === 'DELETE') {
      g.deleted = true;
      g.default = false;
      state.memberships = state.memberships.filter((x) => x.group_id !== g.id);
      json(res, 204, null);
      return true;
    }
    json(res, 200, { group: g });
    return true;
  }
  if (path === '/api/v2/group_memberships' && req.method === 'GET') {
    paged('group_memberships', state.memberships);
    return true;
  }
  if (path === '/api/v2/group_memberships' && req.method === 'POST') {
    const b = ((await body()).group_membership ?? {}) as Partial<GroupMembership>;
    const agent = state.agents.find((a) => a.id === b.user_id);
    const g = live().find((x) => x.id === b.group_id);
    if (!g) json(res, 422, { error: 'RecordInvalid', description: `group_membership: group ${b.group_id}: not found` });
    else if (!agent) json(res, 422, { error: 'RecordInvalid', description: `user ${b.user_id} is not an agent: only agents are in groups` });
    else if (state.memberships.some((x) => x.user_id === agent.id && x.group_id === g.id)) json(res, 422, { error: 'RecordInvalid', description: `user ${agent.id} is already in group ${g.id}` });
    else {
      const first = !state.memberships.some((x) => x.user_id === agent.id);
      const ms: GroupMembership = { id: state.nextId++, user_id: agent.id, group_id: g.id, default: first };
      state.memberships.push(ms);
      json(res, 201, { group_membership: ms });
    }
    return true;
  }
  if ((m = /^\/api\/v2\/group_memberships\/(\d+)$/.exec(path)) && req.method === 'DELETE') {
    const i = state.memberships.findIndex((x) => x.id === Number(m![1]));
    if (i >= 0) state.memberships.splice(i, 1);
    json(res, i >= 0 ? 204 : 404, i >= 0 ? null : { error: 'RecordNotFound' });
    return true;
  }
  if (path === '/api/v2/organizations' && req.method === 'GET') {
    paged('organizations', state.organizations);
    return true;
  }
  if (path === '/api/v2/organizations' && req.method === 'POST') {
    const b = ((await body()).organization ?? {}) as Partial<Organization>;
    const bad = organizationProblem(state, { ...b, name: b.name ?? '' }, null);
    if (bad) json(res, 422, { error: 'RecordInvalid', description: bad });
    else {
      const o: Organization = { id: state.nextId++, name: String(b.name).trim(), details: b.details ?? '', notes: b.notes ?? '', domain_names: b.domain_names ?? [], group_id: b.group_id ?? null, shared_tickets: false, shared_comments: false, external_id: null, created_at: now(), updated_at: now() };
      state.organizations.push(o);
      json(res, 201, { organization: o });
    }
    return true;
  }
  if ((m = /^\/api\/v2\/organizations\/(\d+)(\/users)?$/.exec(path))) {
    const i = state.organizations.findIndex((x) => x.id === Number(m![1]));
    if (i < 0) {
      json(res, 404, { error: 'RecordNotFound', description: `organization ${m[1]}: not found` });
      return true;
    }
    const o = state.organizations[i];
    if (m[2]) {
      const list = fx.users.filter((u) => u.organization_id === o.id);
      json(res, 200, { users: list.slice(0, 1), count: list.length, next_page: null, previous_page: null });
      return true;
    }
    if (req.method === 'PUT') {
      const b = ((await body()).organization ?? {}) as Partial<Organization>;
      const bad = organizationProblem(state, b, o.id);
      if (bad) json(res, 422, { error: 'RecordInvalid', description: bad });
      else {
        Object.assign(o, b, { id: o.id, updated_at: now() });
        if (b.name !== undefined) o.name = String(b.name).trim();
        json(res, 200, { organization: o });
      }
      return true;
    }
    if (req.method === 'DELETE') {
      state.organizations.splice(i, 1);
      json(res, 204, null);
      return true;
    }
    json(res, 200, { organization: o });
    return true;
  }
  return false;
}

async function adminRoutes(req: IncomingMessage, res: ServerResponse, path: string, url: URL, isAdmin: boolean, state: AdminState): Promise<boolean> {
  if (await directoryRoutes(req, res, path, isAdmin, state)) return true;
  const adminOnly = /^\/api\/v2\/(triggers|api_tokens|doctor\/fixes|recipient_addresses|dkim_keys)/.test(path) || (path === '/api/v2/users' && req.method === 'POST') || (/^\/api\/v2\/users\/\d+\/password$/.test(path)) || (path === '/api/v2/users' && url.searchParams.getAll('role[]').length > 0);
  if (adminOnly && !isAdmin) {
    json(res, 403, { error: 'Forbidden', description: 'only admins can manage triggers, agents and API tokens' });
    return true;
  }
  const body = async () => JSON.parse((await readBody(req)) || '{}');
  let m: RegExpExecArray | null;
  if (path === '/api/v2/triggers' && req.method === 'GET') {
    json(res, 200, { triggers: state.triggers, count: state.triggers.length, next_page: null, previous_page: null });
    return true;
  }
  if (path === '/api/v2/triggers/search') {
    const q = (url.searchParams.get('query') ?? '').toLowerCase();
    const list = state.triggers.filter((x) => x.title.toLowerCase().includes(q));
    json(res, 200, { triggers: list, count: list.length });
    return true;
  }
  if (path === '/api/v2/triggers/defaults') {
    json(res, 200, { defaults: state.defaults });
    return true;
  }
  if ((m = /^\/api\/v2\/triggers\/defaults\/(\w+)\/restore$/.exec(path))) {
    const d = state.defaults.find((x) => x.key === m![1]);
    if (!d) {
      json(res, 404, { error: 'RecordNotFound', description: 'no default trigger is called that' });
      return true;
    }
    let t = state.triggers.find((x) => x.id === d.id);
    const before = t ? structuredClone(t) : null;
    if (!t) {
      t = { id: state.nextId++, title: d.title, active: true, position: state.triggers.length + 1, description: null, conditions: { all: [{ field: 'assignee_id', operator: 'changed', value: null }], any: [] }, actions: [{ field: 'notification_user', value: ['assignee_id', 'Assignment: {{ticket.title}}', 'You have been assigned.'] }], default: true, default_key: d.key, created_at: now(), updated_at: now() };
      state.triggers.push(t);
    }
    d.state = 'as_shipped';
    d.id = t.id;
    delete d.differences;
    delete d.shipped;
    delete d.current;
    revise(state, t.id, 'restore', before, t);
    json(res, 200, { trigger: t });
    return true;
  }
  if (path === '/api/v2/triggers/update_many' && req.method === 'PUT') {
    const b = (await body()) as { triggers: { id: number; active?: boolean; position?: number }[] };
    for (const u of b.triggers) {
      const t = state.triggers.find((x) => x.id === u.id);
      if (!t) {
        json(res, 404, { error: 'RecordNotFound', description: `trigger ${u.id} does not exist` });
        return true;
      }
      const before = structuredClone(t);
      if (u.active !== undefined) t.active = u.active;
      if (u.position !== undefined) t.position = u.position;
      t.updated_at = now();
      revise(state, t.id, u.active !== undefined ? (u.active ? 'activate' : 'deactivate') : 'reorder', before, t);
      const d = state.defaults.find((x) => x.id === t.id);
      if (d && d.state !== 'changed') d.state = t.active ? 'as_shipped' : 'inactive';
    }
    json(res, 200, { triggers: b.triggers });
    return true;
  }
  if (path === '/api/v2/triggers' && req.method === 'POST') {
    const b = ((await body()).trigger ?? {}) as Partial<Trigger>;
    const bad = invalidTrigger(b);
    if (bad) {
      json(res, 422, { error: 'RecordInvalid', description: bad });
      return true;
    }
    const t: Trigger = { id: state.nextId++, title: b.title ?? '', active: b.active ?? true, position: Math.max(0, ...state.triggers.map((x) => x.position)) + 1, description: b.description ?? null, conditions: b.conditions ?? { all: [], any: [] }, actions: b.actions ?? [], default: false, created_at: now(), updated_at: now() };
    state.triggers.push(t);
    revise(state, t.id, 'create', null, t);
    json(res, 201, { trigger: t, warnings: [] });
    return true;
  }
  if ((m = /^\/api\/v2\/triggers\/(\d+)(\/revisions)?$/.exec(path))) {
    const id = Number(m[1]);
    const i = state.triggers.findIndex((x) => x.id === id);
    if (m[2]) {
      json(res, 200, { trigger_revisions: state.revisions.get(id) ?? [] });
      return true;
    }
    if (i < 0) {
      json(res, 404, { error: 'RecordNotFound', description: `trigger ${id} does not exist` });
      return true;
    }
    const t = state.triggers[i];
    if (req.method === 'DELETE') {
      state.triggers.splice(i, 1);
      revise(state, id, 'delete', t, null);
      const d = state.defaults.find((x) => x.id === id);
      if (d) Object.assign(d, { state: 'missing', id: null });
      json(res, 204, null);
      return true;
    }
    if (req.method === 'PUT') {
      const b = ((await body()).trigger ?? {}) as Partial<Trigger>;
      const bad = invalidTrigger(b);
      if (bad) {
        json(res, 422, { error: 'RecordInvalid', description: bad });
        return true;
      }
      const before = structuredClone(t);
      Object.assign(t, b, { id, updated_at: now() });
      revise(state, id, 'update', before, t);
      const warnings = JSON.stringify(t.actions).includes('{{ticket.nope}}') ? ['actions[0]: ticket.nope'] : [];
      json(res, 200, { trigger: t, warnings: warnings.map((w) => `unknown placeholder ${w}`) });
      return true;
    }
    json(res, 200, { trigger: t });
    return true;
  }
  if ((m = /^\/api\/v2\/doctor\/(ticket|sender|address|domain)\/(.+)$/.exec(path))) {
    const kind = m[1];
    const arg = decodeURIComponent(m[2]);
    if (kind === 'ticket') {
      // Ticket 1 follows trigger 3's state; any other ticket always shows the problem and its fix.
      const inactive = arg !== '1' || state.triggers.find((x) => x.id === 3)?.active === false;
      const d = structuredClone(fx.ticketDiagnosis);
      d.subject = `ticket ${arg}`;
      if (!inactive) {
        d.findings[1] = { step: '2.trigger', title: 'Notification trigger', level: 'ok', evidence: 'the standard trigger 3 "Notify requester and CCs of comment update" is active and as shipped', fix: null };
        d.fixes = [];
      }
      json(res, 200, d);
    } else if (kind === 'domain' && arg === 'support.example') {
      json(res, 200, fx.deskDomainDiagnosis);
    } else if (kind === 'sender') {
      json(res, 200, { ...fx.senderDiagnosis, subject: `sender ${arg}` });
    } else {
      json(res, 200, { ...fx.domainDiagnosis, subject: `${kind} ${arg}` });
    }
    return true;
  }
  if (path === '/api/v2/doctor/fixes' && req.method === 'POST') {
    const b = (await body()) as { fix: { fix: string; id?: number }; subject: string };
    const t = state.triggers.find((x) => x.id === b.fix.id);
    if (b.fix.fix !== 'activate_trigger' || !t) {
      json(res, 422, { error: 'InvalidValue', description: 'this fix does not apply' });
      return true;
    }
    const before = structuredClone(t);
    t.active = true;
    revise(state, t.id, 'activate', before, t);
    const d = state.defaults.find((x) => x.id === t.id);
    if (d) d.state = 'as_shipped';
    json(res, 200, { result: `re-activated trigger ${t.id} "${t.title}"` });
    return true;
  }
  if (path === '/api/v2/users' && req.method === 'GET' && url.searchParams.getAll('role[]').length) {
    json(res, 200, { users: state.agents, count: state.agents.length, next_page: null, previous_page: null });
    return true;
  }
  if (path === '/api/v2/users' && req.method === 'POST') {
    const u = (await body()).user as { name: string; email: string; role: string };
    if (state.agents.some((a) => a.email === u.email)) {
      json(res, 422, { error: 'RecordInvalid', description: `email: ${u.email} is already an agent` });
      return true;
    }
    const a: Agent = { id: state.nextId++, name: u.name, email: u.email, role: u.role, suspended: false };
    state.agents.push(a);
    json(res, 201, { user: a });
    return true;
  }
  if ((m = /^\/api\/v2\/users\/(\d+)\/password$/.exec(path))) {
    const b = (await body()) as { password: string };
    if ((b.password ?? '').length < 10) {
      json(res, 422, { error: 'RecordInvalid', description: 'password: must be at least 10 characters' });
      return true;
    }
    json(res, 204, null);
    return true;
  }
  if ((m = /^\/api\/v2\/users\/(\d+)$/.exec(path)) && req.method === 'PUT') {
    const a = state.agents.find((x) => x.id === Number(m![1]));
    if (!a) return false; // the workspace's own PUT (undeliverable) below
    if (!isAdmin) {
      json(res, 403, { error: 'Forbidden', description: 'only admins can manage agents' });
      return true;
    }
    const u = (await body()).user as { role?: string; suspended?: boolean };
    if (u.role) a.role = u.role;
    if (u.suspended !== undefined) a.suspended = u.suspended;
    json(res, 200, { user: a });
    return true;
  }
  if (path === '/api/v2/api_tokens' && req.method === 'GET') {
    json(res, 200, { api_tokens: state.tokens });
    return true;
  }
  if (path === '/api/v2/api_tokens' && req.method === 'POST') {
    const k = (await body()).api_token as { description: string; user_id: number };
    const token: ApiToken = { id: state.nextId++, description: k.description, user_id: k.user_id, created_at: now(), last_used_at: null };
    state.tokens.push(token);
    json(res, 201, { api_token: { ...token, token: 'pdk_fixture_' + token.id + '_0123456789abcdef0123456789abcdef' } });
    return true;
  }
  if ((m = /^\/api\/v2\/api_tokens\/(\d+)$/.exec(path)) && req.method === 'DELETE') {
    const i = state.tokens.findIndex((x) => x.id === Number(m![1]));
    if (i >= 0) state.tokens.splice(i, 1);
    json(res, i >= 0 ? 204 : 404, i >= 0 ? null : { error: 'RecordNotFound' });
    return true;
  }
  // DKIM keys: none until one is generated; Enable is refused (no DNS here).
  if (path === '/api/v2/dkim_keys' && req.method === 'GET') {
    json(res, 200, { dkim_keys: state.dkimKeys });
    return true;
  }
  if (path === '/api/v2/dkim_keys' && req.method === 'POST') {
    const domain = String(((await body()) as { dkim_key?: { domain?: string } })?.dkim_key?.domain ?? '');
    const key = { domain, selector: 'postdesk', algorithm: 'rsa', enabled: false, record: { name: `postdesk._domainkey.${domain}`, type: 'TXT', value: 'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAfixture', zone_line: '' } };
    state.dkimKeys = [key];
    json(res, 201, { dkim_key: key });
    return true;
  }
  if ((m = /^\/api\/v2\/dkim_keys\/([^/]+)\/([^/]+)\/enable$/.exec(path)) && req.method === 'PUT') {
    await body();
    json(res, 409, { error: 'RecordNotPublished', description: `not signing mail from ${decodeURIComponent(m[1])}: no DKIM record at postdesk._domainkey.${decodeURIComponent(m[1])}`, fix: 'publish the TXT record shown here at your DNS host' });
    return true;
  }
  if ((m = /^\/api\/v2\/recipient_addresses(?:\/(\d+))?(\/verify)?$/.exec(path))) {
    const a = m[1] ? state.addresses.find((x) => x.id === Number(m![1])) : undefined;
    if (m[1] && !a) {
      json(res, 404, { error: 'RecordNotFound', description: `recipient address ${m[1]} does not exist` });
      return true;
    }
    if (!m[1] && req.method === 'GET') {
      json(res, 200, { recipient_addresses: state.addresses, count: state.addresses.length, next_page: null, previous_page: null });
      return true;
    }
    if (!m[1] && req.method === 'POST') {
      const b = ((await body()).recipient_address ?? {}) as { email?: string; name?: string };
      const email = String(b.email ?? '').trim().toLowerCase();
      if (state.addresses.some((x) => x.email === email)) {
        json(res, 422, { error: 'RecordInvalid', description: `${email} is already a support address (id ${state.addresses.find((x) => x.email === email)!.id})` });
        return true;
      }
      const own = email.endsWith('@support.example');
      const created: RecipientAddress = {
        id: state.nextId++, name: b.name ?? '', email, default: false,
        forwarding_status: own ? 'verified' : 'unknown', spf_status: 'unknown', cname_status: 'unknown', domain_verification_status: 'unknown',
        created_at: now(), updated_at: now(),
        checks: { forwarding: own ? { status: 'verified', reason: 'on the help desk’s own domain support.example', fix: null } : { status: 'unknown', reason: `forwarding has not been verified yet; mail to ${email} is received, but replies go out as the default address until it is`, fix: `forward all mail of ${email} to support@support.example at its mail provider, then verify forwarding` } },
      };
      state.addresses.push(created);
      json(res, 201, { recipient_address: created });
      return true;
    }
    if (a && m[2] && req.method === 'PUT') {
      const type = String((await body()).type ?? '');
      if (type === 'forwarding') {
        if (a.email.endsWith('@support.example')) {
          json(res, 422, { error: 'RecordInvalid', description: `${a.email} is on the help desk's own domain support.example: mail to it reaches us directly, there is no forwarding to verify` });
          return true;
        }
        a.forwarding_status = 'waiting';
        a.checks = { ...a.checks, forwarding: { status: 'waiting', reason: `verification email queued to ${a.email} at ${now()}; waiting for it to come back by forwarding (gives up after 4 s)`, fix: null } };
        // The fixture plays a mailbox that never forwards: failed after 4 s,
        // except an address starting with "ok" which is forwarded at once.
        const forwarded = a.email.startsWith('ok');
        setTimeout(() => {
          a.forwarding_status = forwarded ? 'verified' : 'failed';
          a.checks = {
            ...a.checks,
            forwarding: forwarded
              ? { status: 'verified', reason: `the verification email came back by forwarding at ${now()}; mail to ${a.email} reaches the help desk, and replies are sent as ${a.email}`, fix: null }
              : { status: 'failed', reason: `the verification email sent to ${a.email} was never forwarded back within 4 s`, fix: `set up automatic forwarding of ${a.email} to support@support.example at its mail provider (a server-side forward or redirect that keeps the message as it is), then verify forwarding again` },
          };
        }, forwarded ? 500 : 4000);
      } else {
        a.spf_status = a.email.endsWith('@support.example') ? 'verified' : 'failed';
        a.domain_verification_status = a.email.endsWith('@support.example') ? 'verified' : 'unknown';
      }
      a.updated_at = now();
      json(res, 200, { recipient_address: a });
      return true;
    }
    if (a && req.method === 'DELETE') {
      if (a.default) {
        json(res, 422, { error: 'RecordInvalid', description: `${a.email} is the default address and cannot be deleted: make another address the default first` });
        return true;
      }
      state.addresses.splice(state.addresses.indexOf(a), 1);
      json(res, 204, null);
      return true;
    }
    json(res, 200, { recipient_address: a });
    return true;
  }
  return false;
}
