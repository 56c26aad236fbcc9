// One typed function per API route the workspace calls.
import { del, get, post, put, query, request } from './client';
import type {
  Agent, ApiToken, Audit, Comment, DefaultTrigger, Delivery, DkimKey, Diagnosis, Explanation, FixOffer, Group, GroupMembership, Health, Macro, MacroApplied, Organization, Paged, RecipientAddress, SessionInfo, SuspendedTicket, Ticket, Trigger,
  RuleItem, TriggerRevision, User, NavView, View,
  DeskSettings, EmailLists, SettingKey, SettingsAnswer, CustomFieldValue, TicketField,
} from './types';

export type SortBy = 'requester' | 'subject' | 'status' | 'updated_at';
export type SortOrder = 'asc' | 'desc';

const enc = encodeURIComponent;

export const signIn = (email: string, password: string) =>
  post<{ session: SessionInfo }>('/api/v2/session', { email, password });
export const getSession = () => get<{ session: SessionInfo }>('/api/v2/session');
export const signOut = () => del<null>('/api/v2/session');

// Views: the navigation's (active ones with counts, and the suspended
// queue's count) in one request; a view by id or standard key.
export const getNavViews = () => get<{ views: NavView[]; suspended_count: number }>('/api/v2/views/compact');
export const getView = (key: string | number) => get<{ view: View }>(`/api/v2/views/${enc(String(key))}`);
export const getAllViews = () => every<View>('/api/v2/views', 'views');
export type ViewBody = Partial<Pick<View, 'title' | 'active' | 'restriction'>> & {
  all?: RuleItem[];
  any?: RuleItem[];
  output?: { columns: string[]; sort_by: string; sort_order: 'asc' | 'desc' };
};
export const createView = (view: ViewBody) => post<{ view: View }>('/api/v2/views', { view });
export const updateView = (id: number, view: ViewBody) => put<{ view: View }>(`/api/v2/views/${id}`, { view });
export const deleteView = (id: number) => del<null>(`/api/v2/views/${id}`);

export type TicketPage = Paged & { tickets: Ticket[]; users?: User[] };
// Without a sort, the view's own.
export const getViewTickets = (key: string, page: number, perPage: number, sortBy: SortBy | null, sortOrder: SortOrder | null) =>
  get<TicketPage>(`/api/v2/views/${enc(key)}/tickets${query({ page, per_page: perPage, sort_by: sortBy, sort_order: sortOrder })}`);

export type SearchPage = Paged & { results: Ticket[]; users?: User[] };
export const search = (q: string, page: number, perPage: number) =>
  get<SearchPage>(`/api/v2/search${query({ query: q, page, per_page: perPage })}`);

export const getTicket = (id: number) => get<{ ticket: Ticket }>(`/api/v2/tickets/${id}`);
export const getComments = (id: number) => get<{ comments: Comment[] } & Paged>(`/api/v2/tickets/${id}/comments`);
export const getAudits = (id: number) => get<{ audits: Audit[] } & Paged>(`/api/v2/tickets/${id}/audits`);
export const getDeliveries = (id: number) => get<{ deliveries: Delivery[] }>(`/api/v2/tickets/${id}/deliveries`);
export const getRequested = (userId: number) =>
  get<{ tickets: Ticket[]; count: number }>(`/api/v2/users/${userId}/tickets/requested`);
export const getOutboundRaw = (id: number) => request<string>('GET', `/api/v2/outbound_messages/${id}/raw`, { as: 'text' });

export interface TicketUpdate {
  status?: string;
  comment?: { body: string; public: boolean; uploads?: string[] };
  email_ccs?: { user_email: string; action: 'put' | 'delete' }[];
  group_id?: number | null;
  assignee_id?: number | null;
  priority?: string | null;
  type?: string | null;
  subject?: string;
  tags?: string[];
  custom_fields?: CustomFieldValue[];
}
export const updateTicket = (id: number, ticket: TicketUpdate) => put<{ ticket: Ticket }>(`/api/v2/tickets/${id}`, { ticket });

export const getUser = (id: number) => get<{ user: User }>(`/api/v2/users/${id}`);
export const markDeliverable = (id: number) => put<{ user: User }>(`/api/v2/users/${id}`, { user: { undeliverable: false } });

export const upload = (file: File) =>
  request<{ upload: { token: string; attachment?: unknown } }>('POST', `/api/v2/uploads${query({ filename: file.name })}`, {
    body: file,
    contentType: file.type || 'application/octet-stream',
  });

// Zendesk's route to drop an upload that will not be used.
export const deleteUpload = (token: string) => del<null>(`/api/v2/uploads/${enc(token)}`);

export type SuspendedPage = Paged & { suspended_tickets: SuspendedTicket[] };
export const getSuspended = (page: number, perPage: number, cause: string) =>
  get<SuspendedPage>(`/api/v2/suspended_tickets${query({ page, per_page: perPage, cause, sort_by: 'created_at', sort_order: 'desc' })}`);
export const explainSuspended = (id: number) => get<{ explanation: Explanation }>(`/api/v2/suspended_tickets/${id}/explain`);
export const getSuspendedItem = (id: number) => get<{ suspended_ticket: SuspendedTicket }>(`/api/v2/suspended_tickets/${id}`);
export const recoverSuspended = (id: number) => put<{ ticket: Ticket[] }>(`/api/v2/suspended_tickets/${id}/recover`);
export const recoverMany = (ids: number[]) => put<{ tickets: Ticket[] }>(`/api/v2/suspended_tickets/recover_many${query({ ids: ids.join(',') })}`);
export const deleteSuspended = (id: number, spam: boolean) => del<null>(`/api/v2/suspended_tickets/${id}${spam ? '?spam=true' : ''}`);
export const deleteMany = (ids: number[], spam: boolean) =>
  del<null>(`/api/v2/suspended_tickets/destroy_many${query({ ids: ids.join(','), spam: spam ? 'true' : undefined })}`);

// ---- admin (403 for agents)

export type TriggerBody = Partial<Omit<Trigger, 'id'>>;
export const getTriggers = () => get<{ triggers: Trigger[]; count: number }>('/api/v2/triggers');
export const searchTriggers = (q: string) => get<{ triggers: Trigger[]; count: number }>(`/api/v2/triggers/search${query({ query: q })}`);
export const getTrigger = (id: number) => get<{ trigger: Trigger }>(`/api/v2/triggers/${id}`);
export const createTrigger = (trigger: TriggerBody) => post<{ trigger: Trigger; warnings?: string[] }>('/api/v2/triggers', { trigger });
export const saveTrigger = (id: number, trigger: TriggerBody) => put<{ trigger: Trigger; warnings?: string[] }>(`/api/v2/triggers/${id}`, { trigger });
export const deleteTrigger = (id: number) => del<null>(`/api/v2/triggers/${id}`);
export const updateManyTriggers = (triggers: { id: number; active?: boolean; position?: number }[]) =>
  put<{ triggers: { id: number; active: boolean; position: number }[] }>('/api/v2/triggers/update_many', { triggers });
export const getTriggerDefaults = () => get<{ defaults: DefaultTrigger[] }>('/api/v2/triggers/defaults');
export const restoreDefault = (key: string) => post<{ trigger: Trigger }>(`/api/v2/triggers/defaults/${enc(key)}/restore`);
export const getTriggerRevisions = (id: number) => get<{ trigger_revisions: TriggerRevision[] }>(`/api/v2/triggers/${id}/revisions`);

export const doctorTicket = (id: number) => get<Diagnosis>(`/api/v2/doctor/ticket/${id}`);
export const doctorSender = (email: string) => get<Diagnosis>(`/api/v2/doctor/sender/${enc(email)}`);
export const doctorAddress = (address: string) => get<Diagnosis>(`/api/v2/doctor/address/${enc(address)}`);
export const doctorDomain = (domain: string) => get<Diagnosis>(`/api/v2/doctor/domain/${enc(domain)}`);
export const applyFix = (fix: FixOffer, subject: string) => post<{ result: string }>('/api/v2/doctor/fixes', { fix, subject });

export const getAgents = () => get<{ users: Agent[] }>('/api/v2/users?role[]=agent&role[]=admin');
export const createAgent = (user: { name: string; email: string; role: string }) => post<{ user: Agent }>('/api/v2/users', { user });
export const updateAgent = (id: number, user: { role?: string; suspended?: boolean }) => put<{ user: Agent }>(`/api/v2/users/${id}`, { user });
export const setPassword = (id: number, password: string) => put<null>(`/api/v2/users/${id}/password`, { password });
export const getApiTokens = () => get<{ api_tokens: ApiToken[] }>('/api/v2/api_tokens');
export const createApiToken = (description: string, userId: number) =>
  post<{ api_token: ApiToken & { token: string } }>('/api/v2/api_tokens', { api_token: { description, user_id: userId } });
export const revokeApiToken = (id: number) => del<null>(`/api/v2/api_tokens/${id}`);

export const getRecipientAddresses = () => get<{ recipient_addresses: RecipientAddress[]; count?: number }>('/api/v2/recipient_addresses?per_page=100');
export const getRecipientAddress = (id: number) => get<{ recipient_address: RecipientAddress }>(`/api/v2/recipient_addresses/${id}`);
export const createRecipientAddress = (email: string, name: string) =>
  post<{ recipient_address: RecipientAddress }>('/api/v2/recipient_addresses', { recipient_address: { email, name } });
export const verifyRecipientAddress = (id: number, type: 'forwarding' | 'dns') =>
  put<{ recipient_address: RecipientAddress }>(`/api/v2/recipient_addresses/${id}/verify`, { type });
export const deleteRecipientAddress = (id: number) => del<null>(`/api/v2/recipient_addresses/${id}`);

// The desk's settings: `settings` sets keys, `reset` puts keys back to the config file's value.
export const getSettings = () => get<SettingsAnswer>('/api/v2/settings');
export const saveSettings = (settings: Partial<DeskSettings & { language: string }>) => put<SettingsAnswer>('/api/v2/settings', { settings });
export const resetSettings = (reset: SettingKey[]) => put<SettingsAnswer>('/api/v2/settings', { reset });
export const getEmailLists = () => get<{ email_lists: EmailLists }>('/api/v2/email_lists');
export const saveEmailLists = (lists: EmailLists) => put<{ email_lists: EmailLists }>('/api/v2/email_lists', { email_lists: lists });

export const getDkimKeys = () => get<{ dkim_keys: DkimKey[] }>('/api/v2/dkim_keys');
export const createDkimKey = (domain: string, algorithm: 'rsa' | 'ed25519', replace: boolean) =>
  post<{ dkim_key: DkimKey }>('/api/v2/dkim_keys', { dkim_key: { domain, algorithm, replace } });
export const enableDkimKey = (domain: string, selector: string, force: boolean) =>
  put<{ dkim_key: DkimKey }>(`/api/v2/dkim_keys/${enc(domain)}/${enc(selector)}/enable`, { force });
export const disableDkimKey = (domain: string, selector: string) => put<{ dkim_key: DkimKey }>(`/api/v2/dkim_keys/${enc(domain)}/${enc(selector)}/disable`);

// Every item of a list the API pages (100 a page), following next_page;
// at most `maxPages` pages.
async function every<T>(path: string, key: string, maxPages = 50): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const r = await get<Paged & Record<string, unknown>>(`${path}${path.includes('?') ? '&' : '?'}page=${page}&per_page=100`);
    const items = (r[key] as T[] | undefined) ?? [];
    out.push(...items);
    if (!r.next_page || items.length === 0) break;
  }
  return out;
}

// Groups and organizations: every agent reads them (the ticket page's
// Group select); writes are admin-only (403 for agents).
export type GroupBody = { name?: string; description?: string };
export type TicketFieldBody = Partial<Pick<TicketField, 'type' | 'title' | 'description' | 'active' | 'required' | 'tag' | 'custom_field_options'>>;
export const getTicketFields = () => get<{ ticket_fields: TicketField[] }>('/api/v2/ticket_fields').then((r) => r.ticket_fields);
export const createTicketField = (ticket_field: TicketFieldBody) => post<{ ticket_field: TicketField }>('/api/v2/ticket_fields', { ticket_field });
export const updateTicketField = (id: number, ticket_field: TicketFieldBody) => put<{ ticket_field: TicketField }>(`/api/v2/ticket_fields/${id}`, { ticket_field });
export const deleteTicketField = (id: number) => del<null>(`/api/v2/ticket_fields/${id}`);

export const getGroups = () => every<Group>('/api/v2/groups', 'groups');
export const getGroup = (id: number) => get<{ group: Group }>(`/api/v2/groups/${id}`);
export const createGroup = (group: GroupBody) => post<{ group: Group }>('/api/v2/groups', { group });
export const updateGroup = (id: number, group: GroupBody) => put<{ group: Group }>(`/api/v2/groups/${id}`, { group });
export const deleteGroup = (id: number) => del<null>(`/api/v2/groups/${id}`);
export const getMemberships = () => every<GroupMembership>('/api/v2/group_memberships', 'group_memberships');
export const getGroupMemberships = (groupId: number) => every<GroupMembership>(`/api/v2/groups/${groupId}/memberships`, 'group_memberships');
export const addMembership = (userId: number, groupId: number) =>
  post<{ group_membership: GroupMembership }>('/api/v2/group_memberships', { group_membership: { user_id: userId, group_id: groupId } });
export const removeMembership = (id: number) => del<null>(`/api/v2/group_memberships/${id}`);

export type OrganizationBody = Partial<Pick<Organization, 'name' | 'details' | 'notes' | 'domain_names' | 'group_id'>>;
export const getOrganizations = () => every<Organization>('/api/v2/organizations', 'organizations');
export const getOrganization = (id: number) => get<{ organization: Organization }>(`/api/v2/organizations/${id}`);
export const createOrganization = (organization: OrganizationBody) => post<{ organization: Organization }>('/api/v2/organizations', { organization });
export const updateOrganization = (id: number, organization: OrganizationBody) => put<{ organization: Organization }>(`/api/v2/organizations/${id}`, { organization });
export const deleteOrganization = (id: number) => del<null>(`/api/v2/organizations/${id}`);
// How many users the organization has (the list's count; one user fetched).
export const countOrganizationUsers = (id: number) => get<{ users: User[] } & Paged>(`/api/v2/organizations/${id}/users?per_page=1`).then((r) => r.count);

// Macros: an agent lists and applies those they may use, and keeps
// personal ones; shared and group macros are written by admins.
export type MacroBody = Partial<Pick<Macro, 'title' | 'active' | 'description' | 'actions' | 'restriction'>>;
export const getMacros = () => every<Macro>('/api/v2/macros', 'macros');
export const getActiveMacros = () => every<Macro>('/api/v2/macros/active', 'macros');
export const getMacro = (id: number) => get<{ macro: Macro }>(`/api/v2/macros/${id}`);
export const createMacro = (macro: MacroBody) => post<{ macro: Macro }>('/api/v2/macros', { macro });
export const updateMacro = (id: number, macro: MacroBody) => put<{ macro: Macro }>(`/api/v2/macros/${id}`, { macro });
export const deleteMacro = (id: number) => del<null>(`/api/v2/macros/${id}`);
export const applyMacro = (ticketId: number, macroId: number) =>
  get<{ result: MacroApplied }>(`/api/v2/tickets/${ticketId}/macros/${macroId}/apply`);

// Every signed-in agent; 404 on a server without the route.
export const getHealth = (signal?: AbortSignal) => get<{ health: Health }>('/api/v2/health', signal);
