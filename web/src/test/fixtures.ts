// API answers in the server's shapes, for unit tests and the fixture
// server (e2e/fixture_server.ts) used to look at pages without a backend.
import type { Agent, ApiToken, Audit, Comment, DefaultTrigger, Delivery, Diagnosis, Explanation, Group, GroupMembership, Health, Organization, RecipientAddress, RuleItem, SuspendedTicket, Ticket, Trigger, TriggerRevision, User } from '../api/types';

const at = (minutesAgo: number) => new Date(Date.UTC(2026, 11, 7, 10, 0) - minutesAgo * 60000).toISOString().replace(/\.\d+Z$/, 'Z');

export const users: User[] = [
  { id: 1, name: 'Admin', email: 'admin@support.example', role: 'admin' },
  { id: 2, name: 'Bob Rejected', email: 'reject-bob@customer.example', role: 'end-user', organization_id: 1, undeliverable: true, undeliverable_reason: 'user_unknown: 550 5.1.1 <reject-bob@customer.example>: Recipient address rejected: User unknown' },
  { id: 3, name: '山田 花子', email: 'hanako@example.jp', role: 'end-user', organization_id: 2, undeliverable: false },
  { id: 4, name: 'Carol Client', email: 'carol@customer.example', role: 'end-user', organization_id: 1, undeliverable: false },
  { id: 5, name: 'Aiko Agent', email: 'aiko@support.example', role: 'agent' },
];

export const tickets: Ticket[] = [
  { id: 1, subject: 'Printer is on fire', status: 'open', requester_id: 2, assignee_id: 5, group_id: 1, organization_id: 1, created_at: at(50), updated_at: at(5), tags: ['system_email_notification_failure'], collaborator_ids: [4], via: { channel: 'email' } },
  { id: 2, subject: '請求書の再発行について', status: 'new', requester_id: 3, group_id: 3, organization_id: 2, created_at: at(30), updated_at: at(30), tags: [], via: { channel: 'email' } },
  { id: 3, subject: 'Cannot log in since the update', status: 'pending', requester_id: 4, organization_id: 1, created_at: at(60 * 26), updated_at: at(60 * 25), tags: ['login'], via: { channel: 'email' } },
  { id: 4, subject: 'Refund for order 1042', status: 'solved', requester_id: 2, created_at: at(60 * 50), updated_at: at(60 * 48), tags: [], via: { channel: 'email' } },
];

export const comments: Comment[] = [
  {
    id: 101, type: 'Comment', author_id: 2, public: true, audit_id: 201, created_at: at(50),
    body: 'My printer is on fire. Please help!',
    html_body: '<div><p>My printer is <b>on fire</b>. Please help!</p><p><img src="http://127.0.0.1:9/tracker.png" alt="tracker"></p><p>Smoke: <img src="{origin}/attachments/10/smoke.png" alt="smoke"></p></div>',
    attachments: [
      { id: 9, file_name: 'photo.jpg', content_url: '/attachments/9/photo.jpg', content_type: 'image/jpeg', size: 48213 },
      { id: 10, file_name: 'smoke.png', content_url: '{origin}/attachments/10/smoke.png', content_type: 'image/png', size: 120, inline: true },
    ],
    via: { channel: 'email', source: { from: { address: 'reject-bob@customer.example', name: 'Bob Rejected' }, to: {}, rel: null } },
    metadata: { system: { raw_email_url: '/api/v2/tickets/1/comments/101/raw' } },
    authentication: {
      spf: { result: 'fail', reason: '203.0.113.9 is not allowed by the SPF record of customer.example', domain: 'customer.example' },
      dkim: [{ result: 'none', reason: '', domain: '' }],
      dmarc: { result: 'fail', reason: 'neither SPF nor DKIM aligned with customer.example', from_domain: 'customer.example', policy: 'none' },
      action: 'flag', reason: 'DMARC fail',
    },
  },
  {
    id: 102, type: 'Comment', author_id: 1, public: false, audit_id: 203, created_at: at(10),
    body: 'Called the customer, they are fine. Waiting for the photo.', html_body: '<p>Called the customer, they are fine. Waiting for the photo.</p>',
    attachments: [], via: { channel: 'web' },
  },
];

export const deliveries: Delivery[] = [
  {
    id: 501, message_id: '<n1@support.example>', subject: '[Request received] Printer is on fire', audit_id: 201,
    trigger: { id: 7, title: 'Notify requester and CCs of received request' }, created_at: at(50),
    recipients: [
      {
        id: 601, address: 'reject-bob@customer.example', user_id: 2, state: 'failed', attempts: 1, smtp_code: 550, status: '5.1.1',
        reply: '550 5.1.1 <reject-bob@customer.example>: Recipient address rejected: User unknown', reason: 'user_unknown', remote_host: '127.0.0.1',
        updated_at: at(49), history: [
          { state: 'queued', created_at: at(50), detail: 'queued by trigger "Notify requester and CCs of received request"' },
          { state: 'failed', created_at: at(49), smtp_code: 550, status: '5.1.1', detail: '550 5.1.1 <reject-bob@customer.example>: Recipient address rejected: User unknown', remote_host: '127.0.0.1' },
        ],
      },
      { id: 602, address: 'carol@customer.example', user_id: 4, state: 'sent', attempts: 1, smtp_code: 250, status: '2.0.0', reply: '250 2.0.0 Ok: queued', reason: null, remote_host: '127.0.0.1', updated_at: at(49), history: [] },
    ],
  },
  {
    id: 502, message_id: '<n2@support.example>', subject: 'Ticket #1 is waiting', audit_id: 299, trigger: { id: 9, title: 'Remind the requester' }, created_at: at(4),
    recipients: [
      { id: 603, address: 'defer-dan@customer.example', user_id: null, state: 'deferred', attempts: 2, smtp_code: 451, status: '4.3.0', reply: '451 4.3.0 Temporary lookup failure, try again', reason: null, remote_host: '127.0.0.1', updated_at: at(3), next_attempt_at: at(-2), history: [] },
    ],
  },
];

export const audits: Audit[] = [
  {
    id: 201, ticket_id: 1, created_at: at(50), author_id: 2, via: { channel: 'email' },
    metadata: { system: {}, custom: {}, flags: ['spoofing_warning'], spam: { score: 0.12, decision: 'ham' } },
    events: [
      { type: 'Create', field_name: 'subject', value: 'Printer is on fire' },
      { type: 'Create', field_name: 'status', value: 'new' },
      { type: 'Comment', id: 101, author_id: 2, body: 'My printer is on fire. Please help!', public: true },
      { type: 'Change', field_name: 'status', value: 'open', previous_value: 'new', via: { channel: 'rule', source: { from: { id: 7, title: 'Notify requester and CCs of received request' }, rel: 'trigger' } } },
      { type: 'Notification', subject: '[Request received] Printer is on fire', body: 'Your request (1) has been received.', recipients: [2, 4], message_id: '<n1@support.example>', via: { channel: 'rule', source: { from: { id: 7, title: 'Notify requester and CCs of received request' }, rel: 'trigger' } } },
    ],
  },
  {
    id: 202, ticket_id: 1, created_at: at(49), author_id: -1, via: { channel: 'system' }, metadata: { system: { delivery: true } },
    events: [
      { type: 'EmailDelivery', recipient: 'reject-bob@customer.example', state: 'failed', previous_state: 'sending', outbound_message_id: 501, message_id: '<n1@support.example>', attempts: 1, smtp_code: 550, status: '5.1.1', reply: '550 5.1.1 <reject-bob@customer.example>: Recipient address rejected: User unknown', reason: 'user_unknown', remote_host: '127.0.0.1', via: { source: { rel: 'trigger' }, id: 7, title: 'Notify requester and CCs of received request' } },
    ],
  },
  {
    id: 203, ticket_id: 1, created_at: at(10), author_id: 1, via: { channel: 'web' }, metadata: { system: {} },
    events: [
      { type: 'Comment', id: 102, author_id: 1, body: 'Called the customer, they are fine. Waiting for the photo.', public: false },
      { type: 'Change', field_name: 'tags', value: ['system_email_notification_failure', 'vip'], previous_value: ['system_email_notification_failure'] },
    ],
  },
];

export const rawEmail = 'From: Support <support@support.example>\r\nTo: Bob Rejected <reject-bob@customer.example>\r\nSubject: [Request received] Printer is on fire\r\nMessage-ID: <n1@support.example>\r\nIn-Reply-To: <c1@customer.example>\r\nReferences: <c1@customer.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour request (1) has been received.\r\n';

export const suspended: SuspendedTicket[] = [
  {
    id: 31, author: { id: null, name: 'Spammer', email: 'spammer@spam.example' }, subject: 'Cheap watches!!!', content: 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X',
    cause: 'spam', cause_id: 0, ticket_id: null, recipient: 'support@support.example', created_at: at(20), attachments: [],
    spam: { score: 1, decision: 'spam', spam_tokens: [{ token: 'gtube', p: 0.99 }], ham_tokens: [] },
  },
  {
    id: 32, author: { id: null, name: 'Mail Delivery System', email: 'mailer-daemon@relay.example' }, subject: 'Undelivered Mail Returned to Sender', content: 'This is the mail system at host relay.example.',
    cause: 'system_user', cause_id: 9, ticket_id: null, recipient: 'support@support.example', created_at: at(90), attachments: [{ id: null, file_name: 'details.txt', content_url: '/api/v2/suspended_tickets/32/attachments/1/details.txt', content_type: 'text/plain', size: 311 }],
  },
];

export const explanation: Explanation = {
  suspended_ticket_id: 31, cause: 'spam', cause_id: 0, cause_description: 'The message matched the GTUBE test pattern.', reason: 'GTUBE test string in the body',
  evidence: { reason: 'GTUBE test string in the body', rule: 'gtube', other_causes: ['spam'] },
  author: { id: null, name: 'Spammer', email: 'spammer@spam.example' }, subject: 'Cheap watches!!!', recipient: 'support@support.example', ticket_id: null,
  received_at: at(20),
  spam: { score: 0.9731, decision: 'spam', spam_tokens: [{ token: 'watches', p: 0.97 }, { token: 'cheap', p: 0.95 }], ham_tokens: [{ token: 'support', p: 0.21 }] },
  spam_now: null,
  authentication: { spf: { result: 'pass', domain: 'spam.example' }, dkim: [], dmarc: { result: 'none', reason: 'no DMARC record', from_domain: 'spam.example' }, action: 'accept' },
  attachments: [], raw_message: { available: true, url: '/api/v2/suspended_tickets/31/raw', purge_at: at(-60 * 24 * 14) },
};

// The standard views as GET /views/compact lists them (ids 1..5).
export const navViews = [
  { key: 'my_open', title: 'Your open tickets', count: 0 },
  { key: 'unassigned', title: 'Unassigned tickets', count: 3 },
  { key: 'all_open', title: 'All open tickets', count: 3 },
  { key: 'recently_solved', title: 'Recently solved tickets', count: 1 },
  { key: 'delivery_failures', title: 'Delivery failures', count: 1 },
].map((v, i) => ({ id: i + 1, title: v.title, default_key: v.key, standard_title: true, count: v.count }));

// ---- admin

const notify = (to: string, subject: string, body: string): RuleItem[] => [{ field: 'notification_user', value: [to, subject, body] }];
const trig = (id: number, title: string, active: boolean, all: RuleItem[], actions: RuleItem[], key?: string, description: string | null = null): Trigger => ({
  id, title, raw_title: title, active, position: id, description, conditions: { all, any: [] }, actions, default: !!key, ...(key ? { default_key: key } : {}), created_at: at(60 * 24 * 30), updated_at: at(60 * 24 * 30),
});

export const triggers: Trigger[] = [
  trig(1, 'Notify requester and CCs of received request', true, [{ field: 'update_type', operator: 'is', value: 'Create' }, { field: 'status', operator: 'is_not', value: 'solved' }], notify('requester_and_ccs', '[Request received] {{ticket.title}}', 'Your request ({{ticket.id}}) has been received.'), 'notify_requester_received_request', 'Tells the requester and CCs that their request became a ticket.'),
  trig(2, 'Notify requester of new proactive ticket', true, [{ field: 'update_type', operator: 'is', value: 'Create' }, { field: 'role', operator: 'is', value: 'agent' }], notify('requester_and_ccs', '{{ticket.title}}', 'This ticket was created on your behalf.'), 'notify_requester_proactive_ticket'),
  { ...trig(3, 'Notify requester and CCs of comment update', false, [{ field: 'update_type', operator: 'is', value: 'Change' }, { field: 'comment_is_public', operator: 'is', value: 'true' }], notify('requester_and_ccs', '[{{ticket.account}}] Re: {{ticket.title}}', 'Your request ({{ticket.id}}) has been updated.'), 'notify_requester_comment_update', 'Sends each public comment to the requester and CCs.'), updated_at: at(30) },
  trig(4, 'Notify assignee of comment update', true, [{ field: 'assignee_id', operator: 'not_changed', value: null }], notify('assignee_id', '[{{ticket.account}}] Re: {{ticket.title}}', 'This ticket (#{{ticket.id}}) has been updated.'), 'notify_assignee_comment_update'),
  trig(5, 'Tag VIP customers', true, [{ field: 'requester_id', operator: 'is', value: '4' }], [{ field: 'current_tags', value: 'vip' }, { field: 'priority', value: 'high' }]),
];

export const triggerDefaults: DefaultTrigger[] = [
  { key: 'notify_requester_received_request', title: 'Notify requester and CCs of received request', state: 'as_shipped', id: 1, active: true },
  { key: 'notify_requester_proactive_ticket', title: 'Notify requester of new proactive ticket', state: 'changed', id: 2, active: true, shipped: { ...triggers[1], conditions: { all: [...triggers[1].conditions.all, { field: 'ticket_is_public', operator: 'is', value: 'public' }], any: [] } }, current: triggers[1] },
  { key: 'notify_requester_comment_update', title: 'Notify requester and CCs of comment update', state: 'inactive', id: 3, active: false },
  { key: 'notify_assignee_comment_update', title: 'Notify assignee of comment update', state: 'as_shipped', id: 4, active: true },
  { key: 'notify_assignee_assignment', title: 'Notify assignee of assignment', state: 'missing', id: null },
];

export const triggerRevisions: TriggerRevision[] = [
  { id: 11, author_id: null, author_name: null, action: 'create', before: null, after: { ...triggers[2], active: true }, created_at: at(60 * 24 * 30) },
  { id: 12, author_id: 1, author_name: 'Admin', action: 'update', before: { ...triggers[2], active: true }, after: { ...triggers[2], active: true, title: 'Notify requester and CCs of comment update', conditions: { all: [...triggers[2].conditions.all], any: [] }, actions: notify('requester_and_ccs', '[{{ticket.account}}] Re: {{ticket.title}}', 'Your request ({{ticket.id}}) has been updated. Reply to this email.') }, created_at: at(60) },
  { id: 13, author_id: 1, author_name: 'Admin', action: 'deactivate', before: { ...triggers[2], active: true }, after: triggers[2], created_at: at(30) },
];

export const ticketDiagnosis: Diagnosis = {
  subject: 'ticket 1',
  status: 'problem',
  exit_status: 1,
  findings: [
    { step: '1.delivery', title: 'Delivery', level: 'problem', evidence: 'reject-bob@customer.example: failed after 1 attempt; the receiving server said 550 5.1.1 <reject-bob@customer.example>: Recipient address rejected: User unknown', fix: 'check the address with the customer; correct it on the user, then reply again', temporary: false },
    { step: '2.trigger', title: 'Notification trigger', level: 'problem', evidence: 'the update at 2026-12-07 09:55 had a public comment; the standard trigger 3 "Notify requester and CCs of comment update" that sends it is inactive', fix: 're-activate it (`--fix`, or PUT /api/v2/triggers/3 with {"trigger":{"active":true}})', temporary: false, details: { state: 'inactive', active: false } },
    { step: '3.forwarding', title: 'Sending support address', level: 'ok', evidence: 'replies go out as support@support.example (on our own domain: no forwarding needed)', fix: null, temporary: false },
    { step: '4.dkim', title: 'DKIM', level: 'warning', evidence: 'support.example has a DKIM key (selector pd1) that is not published', fix: 'publish this record: pd1._domainkey.support.example TXT "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"', temporary: false, details: { name: 'pd1._domainkey.support.example', record_to_publish: 'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' } },
    { step: '5.mx', title: 'Recipient', level: 'warning', evidence: 'customer.example: the MX lookup failed (temperror)', fix: 'run the check again later', temporary: true },
  ],
  fixes: [{ fix: 'activate_trigger', step: '2.trigger', summary: 're-activate trigger 3 "Notify requester and CCs of comment update"', id: 3 }],
};

export const domainDiagnosis: Diagnosis = {
  subject: 'domain customer.example',
  status: 'problem',
  exit_status: 1,
  findings: [
    { step: 'spf.record', title: 'SPF record', level: 'ok', evidence: 'one SPF record at customer.example: "v=spf1 mx -all"', fix: null },
    { step: 'spf.include', title: 'SPF includes us', level: 'problem', evidence: 'the SPF record does not include _spf.support.example', fix: 'publish this record: customer.example TXT "v=spf1 mx include:_spf.support.example -all"', details: { record_to_publish: 'v=spf1 mx include:_spf.support.example -all' } },
    { step: 'dmarc.record', title: 'DMARC record', level: 'warning', evidence: 'no DMARC record at _dmarc.customer.example', fix: 'publish this record: _dmarc.customer.example TXT "v=DMARC1; p=none"', details: { record_to_publish: 'v=DMARC1; p=none' } },
  ],
  fixes: [],
};

export const senderDiagnosis: Diagnosis = {
  subject: 'sender reject-bob@customer.example',
  status: 'warning',
  exit_status: 0,
  findings: [
    { step: '1.addresses', title: 'Addresses written to', level: 'ok', evidence: 'wrote to support@support.example (ours)', fix: null },
    { step: '2.suspended', title: 'Suspended mail', level: 'warning', evidence: '1 message suspended: Detected as spam (GTUBE test string in the body)', fix: 'recover it from Suspended tickets if it is not spam' },
  ],
  fixes: [],
};

export const agents: Agent[] = [
  { id: 1, name: 'Admin', email: 'admin@support.example', role: 'admin', suspended: false },
  { id: 5, name: 'Aiko Agent', email: 'aiko@support.example', role: 'agent', suspended: false },
  { id: 6, name: 'Old Timer', email: 'old@support.example', role: 'agent', suspended: true },
];

// Groups (Support is the desk's default), who is in them, and the
// customers' organizations.
export const groups: Group[] = [
  { id: 1, name: 'Support', description: 'First line: every new ticket starts here', default: true, deleted: false, created_at: at(60 * 24 * 60), updated_at: at(60 * 24 * 60) },
  { id: 2, name: 'Billing', description: 'Invoices, refunds and payment questions', default: false, deleted: false, created_at: at(60 * 24 * 30), updated_at: at(60 * 24 * 30) },
  { id: 3, name: '日本語サポート', description: '日本のお客様からのお問い合わせ', default: false, deleted: false, created_at: at(60 * 24 * 20), updated_at: at(60 * 24 * 20) },
];

export const groupMemberships: GroupMembership[] = [
  { id: 1, user_id: 1, group_id: 1, default: true },
  { id: 2, user_id: 5, group_id: 1, default: true },
  { id: 3, user_id: 1, group_id: 2, default: false },
  { id: 4, user_id: 5, group_id: 3, default: false },
];

export const organizations: Organization[] = [
  { id: 1, name: 'Customer Example Inc.', details: 'Enterprise plan since 2024', notes: 'Ask for the purchase order number before any refund.', domain_names: ['customer.example'], group_id: 1, shared_tickets: false, shared_comments: false, external_id: null, created_at: at(60 * 24 * 40), updated_at: at(60 * 24 * 40) },
  { id: 2, name: '山田商事株式会社', details: '東京本社', notes: '', domain_names: ['example.jp', 'yamada.example.jp'], group_id: 3, shared_tickets: false, shared_comments: false, external_id: null, created_at: at(60 * 24 * 10), updated_at: at(60 * 24 * 10) },
];

export const apiTokens: ApiToken[] = [
  { id: 1, description: 'Billing sync', user_id: 1, created_at: at(60 * 24 * 10), last_used_at: at(15) },
  { id: 2, description: 'Old import script', user_id: 5, created_at: at(60 * 24 * 90), last_used_at: null },
];

// The server writes html_body's inline images and content_url with its own
// origin; "{origin}" stands for it here (the fixture server fills it in).
export const ORIGIN_PLACEHOLDER = '{origin}';

// A 96×48 PNG: an orange checkerboard (the inline image of comment 101).
export const smokePng = 'iVBORw0KGgoAAAANSUhEUgAAAGAAAAAwCAIAAABhdOiYAAAAc0lEQVR42u3ZMQ0AIAwEQJygAIOowwwqWJBQli70kp8/6W2ftj17mLNGmF97GiBAgAABAgQIECBAgAAlAFU+/qUHECBAgAABAgQIECBAgDKAjFVrHhAgQIAAAQIECBAgQP5i1jwgQIAAAQIECBAgQIAKAF0MMZfD4jXDgQAAAABJRU5ErkJggg==';

export const recipientAddresses: RecipientAddress[] = [
  {
    id: 1, name: 'Support', email: 'support@support.example', default: true,
    forwarding_status: 'verified', spf_status: 'verified', cname_status: 'unknown', domain_verification_status: 'verified',
    created_at: at(60 * 24 * 30), updated_at: at(60),
    checks: {
      forwarding: { status: 'verified', reason: 'on the help desk’s own domain support.example: mail to it reaches us directly, no forwarding is involved', fix: null },
      spf: { status: 'verified', reason: 'support.example: 3 checks passed', fix: null },
      cname: { status: 'unknown', reason: 'dkim: DKIM is not set up for support.example', fix: null },
      domain_verification: { status: 'verified', reason: 'support.example: 2 checks passed', fix: null },
    },
  },
  {
    id: 2, name: 'Customer support', email: 'support@customer.example', default: false,
    forwarding_status: 'failed', spf_status: 'failed', cname_status: 'unknown', domain_verification_status: 'unknown',
    created_at: at(60 * 24 * 2), updated_at: at(90),
    checks: {
      forwarding: { status: 'failed', reason: 'the verification email sent to support@customer.example at 2026-12-07T08:10:00Z was never forwarded back within 600 s', fix: 'set up automatic forwarding of support@customer.example to support@support.example at its mail provider (a server-side forward or redirect that keeps the message as it is), then verify forwarding again' },
      spf: { status: 'failed', reason: 'spf.include: the SPF record does not include _spf.support.example', fix: 'publish this record: customer.example TXT "v=spf1 mx include:_spf.support.example -all"' },
      cname: { status: 'unknown', reason: 'not checked yet', fix: null },
      domain_verification: { status: 'unknown', reason: 'not checked yet', fix: null },
    },
  },
];

export const deskDomainDiagnosis: Diagnosis = {
  subject: 'domain support.example',
  status: 'warning',
  exit_status: 0,
  findings: [
    { step: 'spf.record', title: 'SPF record', level: 'ok', evidence: 'one SPF record at support.example: "v=spf1 ip4:203.0.113.10 -all"', fix: null },
    { step: 'dkim', title: 'DKIM', level: 'warning', evidence: 'DKIM is not set up for support.example: we have no key for it, so our mail from support.example goes out unsigned', fix: 'run `postdesk dkim keygen --domain support.example`, publish the TXT record it prints, then run `postdesk dkim enable --domain support.example` (it checks the record before signing starts)' },
    { step: 'dmarc.record', title: 'DMARC record', level: 'ok', evidence: '_dmarc.support.example: "v=DMARC1; p=quarantine"', fix: null },
    { step: 'mx', title: 'MX', level: 'ok', evidence: 'support.example MX 10 mx.support.example', fix: null },
  ],
  fixes: [],
};

export const health: Health = {
  status: 'problem',
  checked_at: at(0),
  items: [
    { key: 'outbound_backlog', level: 'warning', count: 3, deferred: 2, oldest_at: at(78) },
    { key: 'failed_forwarding', level: 'problem', count: 1, addresses: ['support@customer.example'] },
    { key: 'dns_checks', level: 'warning', count: 1, addresses: ['support@customer.example'] },
    { key: 'delivery_failures', level: 'warning', count: 2 },
  ],
};
