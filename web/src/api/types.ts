// The JSON shapes the workspace reads from /api/v2 (Zendesk Support API
// shapes plus postdesk's own fields). Only the fields the UI uses.

export type Status = 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';

export interface User {
  id: number;
  name: string;
  email: string;
  role: string;
  organization_id?: number | null;
  undeliverable?: boolean;
  undeliverable_reason?: string | null;
}

export interface SessionInfo {
  user: Pick<User, 'id' | 'name' | 'email' | 'role'>;
  csrf_token: string;
  idle_timeout_seconds?: number;
}

export interface Via {
  channel: string;
  source?: { from?: Record<string, unknown>; to?: Record<string, unknown>; rel?: string | null };
}

export interface Ticket {
  id: number;
  subject: string;
  description?: string;
  status: Status;
  priority?: string | null;
  type?: string | null;
  requester_id: number;
  assignee_id?: number | null;
  group_id?: number | null;
  organization_id?: number | null;
  collaborator_ids?: number[];
  email_cc_ids?: number[];
  tags?: string[];
  custom_fields?: CustomFieldValue[];
  created_at: string;
  updated_at: string;
  via?: Via;
  recipient?: string;
  result_type?: string;
}

// A custom field's value on a ticket: a checkbox true/false, others a string or null.
export interface CustomFieldValue {
  id: number;
  value: string | boolean | null;
}

export interface FieldOption {
  id?: number;
  name: string;
  value: string;
  default?: boolean;
}

// System types: subject, description, status, tickettype, priority, group, assignee.
export type CustomFieldType = 'text' | 'textarea' | 'tagger' | 'checkbox' | 'date' | 'integer' | 'decimal';

export interface TicketField {
  id: number;
  type: string;
  title: string;
  description: string;
  position: number;
  active: boolean;
  required: boolean;
  removable: boolean; // false: a system field
  tag: string | null;
  custom_field_options?: FieldOption[];
}

export interface Attachment {
  id: number | null;
  file_name: string;
  content_url: string;
  content_type: string;
  size: number;
  inline?: boolean;
}

export interface AuthMethod {
  result: string;
  reason?: string;
  domain?: string;
  detail?: string;
  selector?: string;
  policy?: string;
  explanation?: string;
}

export interface Authentication {
  spf?: AuthMethod;
  dkim?: AuthMethod[];
  dmarc?: AuthMethod & { from_domain?: string };
  arc?: AuthMethod;
  action?: string; // accept | flag | suspend | reject
  reason?: string;
  from_agent?: boolean;
}

export interface Comment {
  id: number;
  type: string;
  author_id: number;
  body: string;
  html_body: string;
  plain_body?: string;
  public: boolean;
  attachments: Attachment[];
  audit_id?: number;
  via?: Via;
  created_at: string;
  metadata?: { system?: { raw_email_url?: string } };
  authentication?: Authentication | null;
}

export interface DeliveryHistory {
  state: string;
  created_at: string;
  smtp_code?: number;
  status?: string;
  detail?: string;
  remote_host?: string;
}

export interface DeliveryRecipient {
  id: number;
  address: string;
  user_id: number | null;
  state: string; // queued | sending | sent | deferred | failed | bounced
  attempts: number;
  smtp_code: number | null;
  status: string | null;
  reply: string | null;
  reason: string | null;
  remote_host: string | null;
  updated_at: string;
  next_attempt_at?: string;
  history: DeliveryHistory[];
}

export interface Delivery {
  id: number;
  message_id: string;
  subject: string;
  audit_id: number | null;
  trigger: { id: number; title: string } | null;
  created_at: string;
  recipients: DeliveryRecipient[];
}

export interface AuditEvent {
  type: string;
  [key: string]: unknown;
}

export interface Audit {
  id: number;
  ticket_id: number;
  created_at: string;
  author_id: number;
  via?: Via;
  metadata?: { system?: Record<string, unknown>; custom?: unknown; [key: string]: unknown };
  events: AuditEvent[];
}

export interface SpamVerdict {
  score: number;
  decision: string;
  trained?: boolean;
  spam_tokens?: { token: string; p: number }[];
  ham_tokens?: { token: string; p: number }[];
}

export interface SuspendedTicket {
  id: number;
  author: { id: number | null; name: string; email: string };
  subject: string;
  content: string;
  cause: string;
  cause_id: number;
  message_id?: string;
  ticket_id: number | null;
  recipient: string;
  created_at: string;
  attachments: Attachment[];
  evidence?: Record<string, unknown>;
  spam?: SpamVerdict | null;
}

export interface Explanation {
  suspended_ticket_id: number;
  cause: string;
  cause_id: number;
  cause_description: string | null;
  reason: string | null;
  evidence: Record<string, unknown>;
  author: { id: number | null; name: string; email: string };
  subject: string;
  recipient: string;
  ticket_id: number | null;
  received_at: string;
  spam: SpamVerdict | null;
  spam_now: SpamVerdict | null;
  authentication: Authentication | null;
  attachments: Attachment[];
  raw_message: { available: boolean; url?: string; purge_at?: string };
}

// A view in the navigation (GET /views/compact): a standard one still under
// its standard title shows the workspace's own translation of it.
export interface NavView {
  id: number;
  title: string;
  default_key: string | null;
  standard_title: boolean;
  count: number;
}

export interface View {
  id: number;
  title: string;
  active: boolean;
  position: number;
  description: string | null;
  conditions: { all: RuleItem[]; any: RuleItem[] };
  execution: { columns: { id: string; title: string }[]; sort_by: string; sort_order: 'asc' | 'desc' };
  restriction: Restriction;
  default: boolean;
  default_key: string | null;
  standard_title: boolean;
  created_at?: string;
  updated_at?: string;
}

export interface Paged {
  count: number;
  next_page: string | null;
  previous_page: string | null;
}

// ---- admin: triggers (Zendesk's trigger JSON), revisions, defaults

export interface RuleItem {
  field: string;
  operator?: string;
  value: unknown; // string | null for conditions; string or [recipient, subject, body] for actions
}

export interface Trigger {
  id: number;
  title: string;
  raw_title?: string;
  active: boolean;
  position: number;
  description: string | null;
  conditions: { all: RuleItem[]; any: RuleItem[] };
  actions: RuleItem[];
  default?: boolean;
  default_key?: string;
  created_at?: string;
  updated_at?: string;
}

export type RevisionAction = 'create' | 'update' | 'activate' | 'deactivate' | 'reorder' | 'delete' | 'restore';

export interface TriggerRevision {
  id: number;
  author_id: number | null;
  author_name: string | null;
  action: RevisionAction | string;
  before: Trigger | null;
  after: Trigger | null;
  created_at: string;
}

// state: as_shipped | active | inactive (as shipped but switched) | changed | missing
export interface DefaultDifference {
  field: string;
  shipped?: unknown;
  current?: unknown;
}

export interface DefaultTrigger {
  key: string;
  title: string;
  state: string;
  id: number | null;
  active?: boolean;
  // The difference from the shipped definition, when the API gives it.
  differences?: DefaultDifference[];
  // A changed default: the shipped trigger and the stored one.
  shipped?: Trigger;
  current?: Trigger;
}

// ---- admin: doctor

export type Level = 'ok' | 'warning' | 'problem';

export interface Finding {
  step: string;
  title: string;
  level: Level;
  evidence: string;
  fix: string | null;
  temporary?: boolean;
  details?: Record<string, unknown> | null;
}

export interface FixOffer {
  fix: string; // activate_trigger | restore_trigger | resend_forwarding_verification | clear_undeliverable
  step: string;
  summary: string;
  id?: number;
  key?: string;
}

export interface Diagnosis {
  subject: string;
  status: Level;
  exit_status?: number;
  findings: Finding[];
  fixes?: FixOffer[];
}

// ---- admin: agents and API tokens

export interface Agent extends User {
  suspended?: boolean;
  created_at?: string;
  last_login_at?: string | null;
}

export interface ApiToken {
  id: number;
  description: string;
  user_id: number;
  created_at: string;
  last_used_at: string | null;
  token?: string; // only in the answer to create
}

// ---- groups, their memberships, and organizations (Zendesk's shapes;
// anyone signed in reads them, admins change them)

export interface Group {
  id: number;
  name: string;
  description: string;
  default: boolean; // the desk's default group
  deleted: boolean;
  created_at?: string;
  updated_at?: string;
}

export interface GroupMembership {
  id: number;
  user_id: number;
  group_id: number;
  default: boolean; // the agent's default group
}

export interface Organization {
  id: number;
  name: string;
  details: string;
  notes: string;
  domain_names: string[];
  group_id: number | null;
  shared_tickets?: boolean;
  shared_comments?: boolean;
  external_id?: string | null;
  created_at?: string;
  updated_at?: string;
}

// ---- admin: support addresses (GET /api/v2/recipient_addresses)

export type CheckStatus = 'unknown' | 'waiting' | 'verified' | 'failed';

export interface AddressCheck {
  status: CheckStatus | string;
  reason: string;
  fix: string | null;
  checked_at?: string;
  level?: Level;
}

// One of the desk's DKIM keys (GET /api/v2/dkim_keys); no private half.
export interface DkimKey {
  domain: string;
  selector: string;
  algorithm: string; // rsa | ed25519
  enabled: boolean;
  record: { name: string; type: 'TXT'; value: string; zone_line: string };
}

export interface RecipientAddress {
  id: number;
  name: string;
  email: string;
  default: boolean;
  forwarding_status: CheckStatus | string;
  spf_status: CheckStatus | string;
  cname_status: CheckStatus | string; // DKIM
  domain_verification_status: CheckStatus | string; // DMARC
  dns_results?: string;
  created_at?: string;
  updated_at?: string;
  checks?: Partial<Record<'forwarding' | 'spf' | 'cname' | 'domain_verification', AddressCheck>>;
}

// ---- admin: desk settings (GET/PUT /api/v2/settings) and the
// allowlist and blocklist (GET/PUT /api/v2/email_lists)

export type InboundAuthentication = 'off' | 'flag' | 'suspend';

export interface DeskSettings {
  desk_name: string;
  inbound_authentication: InboundAuthentication | string;
  reject_on_dmarc_reject: boolean;
  spam_suspend_at: number;
  spam_refuse_at: number | null; // null: never refused at SMTP
  suspended_retention_days: number; // 0: kept forever
}

export type SettingKey = keyof DeskSettings;

export interface SettingsAnswer {
  settings: DeskSettings & { language: string };
  config: DeskSettings; // the config file's (or flags') values
  changed: string[]; // keys saved from the API, which win over the config
  // Saved keys that no longer apply (the config's value is in force), with why.
  problems?: Record<string, string>;
}

export interface EmailLists {
  allowlist: string; // space-separated entries
  blocklist: string;
}

// ---- health (GET /api/v2/health, every signed-in agent)

export type HealthKey = 'outbound_backlog' | 'failed_forwarding' | 'dns_checks' | 'delivery_failures';

export interface HealthItem {
  key: HealthKey | string;
  level: Level;
  count: number;
  deferred?: number;
  oldest_at?: string | null;
  addresses?: string[];
}

export interface Health {
  status: Level;
  checked_at: string;
  items: HealthItem[];
}

// Who may use a macro: everyone (null), one agent, or some groups' agents.
export type Restriction = null | { type: 'User'; id: number } | { type: 'Group'; id?: number; ids: number[] };

export interface Macro {
  id: number;
  title: string;
  active: boolean;
  position: number;
  description: string | null;
  actions: { field: string; value: string }[];
  restriction: Restriction;
  created_at?: string;
  updated_at?: string;
}

// GET /tickets/{id}/macros/{id}/apply: the ticket as it would be.
export interface MacroApplied {
  ticket: Ticket & { comment?: { body: string; html_body?: string; public: boolean } };
  changes: { field_name: string; previous_value: string; value: string }[];
  warnings: string[];
}
