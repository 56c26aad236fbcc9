// Drives the node-zendesk client (pinned in web/package.json) against a
// running postdesk: each step is one client call, recorded as
// {ok, value} or {ok: false, error}. Run by tests/test_zendesk_client.py,
// which checks the answers; this script only records them.
//
// Usage: node calls.mjs ENDPOINT EMAIL TOKEN  (ENDPOINT: http://127.0.0.1:PORT/api/v2)
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../web/package.json'));
const zendesk = require('node-zendesk');

const [endpointUri, username, token] = process.argv.slice(2);
const client = zendesk.createClient({ username, token, endpointUri });

const results = {};
// Runs one call; `value` keeps what the test needs (the client's answer is
// big: ids and a few fields are enough).
async function step(name, call, keep = (v) => v) {
  try {
    const out = await call();
    results[name] = { ok: true, value: keep(out) };
    return out;
  } catch (e) {
    results[name] = { ok: false, error: String(e && e.message ? e.message : e) };
    return undefined;
  }
}
const ids = (list) => (Array.isArray(list) ? list.map((x) => x.id) : list);
const result = (r) => (r && 'result' in r ? r.result : r);
// A single record the client leaves under its root key ({macro: {...}}).
const record = (r, key) => (result(r) && key in result(r) ? result(r)[key] : result(r));

// --- users ---
const me = await step('users.me', () => client.users.me(), (r) => result(r));
const bob = await step(
  'users.create',
  () => client.users.create({ user: { name: 'Bob Customer', email: 'bob@customer.example' } }),
  (r) => result(r),
);
const bobId = bob && result(bob).id;
await step('users.show', () => client.users.show(bobId), (r) => result(r).email);
await step('users.list', () => client.users.list(), ids);
await step('users.search', () => client.users.search({ query: 'customer.example' }), ids);
await step('users.search.email', () => client.users.search({ query: 'email:bob@customer.example' }), ids);
await step('users.showMany', () => client.users.showMany([bobId, result(me).id]), (r) => ids(result(r)));

// --- tickets ---
const created = await step(
  'tickets.create',
  () =>
    client.tickets.create({
      ticket: {
        subject: 'Printer on fire',
        comment: { body: 'It is on fire.' },
        requester_id: bobId,
        tags: ['printer', 'fire'],
      },
    }),
  (r) => result(r),
);
const ticketId = created && result(created).id;
const second = await step(
  'tickets.create.second',
  () =>
    client.tickets.create({
      ticket: {
        subject: 'Toner',
        comment: { body: 'Low toner.' },
        requester_id: bobId,
        tags: ['printer'],
        collaborator_ids: [result(me).id],
      },
    }),
  (r) => result(r).id,
);
await step('tickets.list', () => client.tickets.list(), ids);
await step('tickets.show', () => client.tickets.show(ticketId), (r) => result(r).subject);
await step(
  'tickets.update',
  () => client.tickets.update(ticketId, { ticket: { status: 'open', assignee_id: result(me).id } }),
  (r) => ({ status: result(r).status, assignee_id: result(r).assignee_id }),
);
await step('tickets.showMany', () => client.tickets.showMany([ticketId, second && result(second).id]), (r) => ids(result(r)));
await step('tickets.listByUserRequested', () => client.tickets.listByUserRequested(bobId), ids);
await step('tickets.listAssigned', () => client.tickets.listAssigned(result(me).id), ids);
await step('tickets.listByUserCCD', () => client.tickets.listByUserCCD(result(me).id), ids);
await step('tickets.listByUserCCD.none', () => client.tickets.listByUserCCD(bobId), ids);
await step('tickets.getComments', () => client.tickets.getComments(ticketId), (l) => l.map((c) => c.body));
await step('tickets.exportAudit', () => client.tickets.exportAudit(ticketId), ids);
await step('search.query', () => client.search.query('type:ticket printer'), (r) => ids(result(r)));
await step('tags.list', () => client.tags.list(), (l) => l);

// --- admin lists ---
await step('triggers.list', () => client.triggers.list(), (l) => l.length);
await step('suspendedtickets.list', () => client.suspendedtickets.list(), (l) => l.length);

// --- groups and memberships ---
const group = await step('groups.create', () => client.groups.create({ group: { name: 'Billing' } }), (r) => result(r));
const groupId = group && result(group).id;
await step('groups.update', () => client.groups.update(groupId, { group: { description: 'Invoices' } }), (r) => result(r).description);
await step('groups.show', () => client.groups.show(groupId), (r) => result(r).name);
const membership = await step(
  'groupmemberships.create',
  () => client.groupmemberships.create({ group_membership: { user_id: result(me).id, group_id: groupId } }),
  (r) => result(r),
);
await step('groupmemberships.listByGroup', () => client.groupmemberships.listByGroup(groupId), (l) => l.map((m) => m.user_id));
await step('groupmemberships.listByUser', () => client.groupmemberships.listByUser(result(me).id), (l) => l.map((m) => m.group_id));
await step('tickets.update.group', () => client.tickets.update(ticketId, { ticket: { group_id: groupId } }), (r) => result(r).group_id);
for (let i = 0; i < 3; i++) {
  await step(`groups.create.${i}`, () => client.groups.create({ group: { name: `Team ${i}` } }), (r) => result(r).id);
}
await step('groups.list', () => client.groups.list(), (l) => l.map((g) => g.name));
await step('groupmemberships.delete', () => client.groupmemberships.delete(membership && result(membership).id), () => true);
await step('groups.delete', () => client.groups.delete(groupId), () => true);
await step('groups.list.after_delete', () => client.groups.list(), (l) => l.map((g) => g.name));

// --- organizations ---
const org = await step(
  'organizations.create',
  () => client.organizations.create({ organization: { name: 'Customer Inc', domain_names: ['customer.example'] } }),
  (r) => result(r),
);
const orgId = org && result(org).id;
await step('organizations.show', () => client.organizations.show(orgId), (r) => result(r).domain_names);
await step(
  'organizations.update',
  () => client.organizations.update(orgId, { organization: { notes: 'VIP', domain_names: ['customer.example', 'customer.test'] } }),
  (r) => result(r).domain_names,
);
const carol = await step(
  'users.create.in_domain',
  () => client.users.create({ user: { name: 'Carol', email: 'carol@customer.example' } }),
  (r) => result(r),
);
await step(
  'tickets.create.by_member',
  () =>
    client.tickets.create({
      ticket: { subject: 'Invoice', comment: { body: 'Where is it?' }, requester_id: carol && result(carol).id },
    }),
  (r) => result(r).organization_id,
);
await step('organizations.list', () => client.organizations.list(), (l) => l.map((o) => o.name));
await step('organizations.duplicate', () => client.organizations.create({ organization: { name: 'Customer Inc' } }), (r) => result(r));
await step('organizations.delete', () => client.organizations.delete(orgId), () => true);

// --- macros ---
const macro = await step(
  'macros.create',
  () =>
    client.macros.create({
      macro: {
        title: 'Ask for the model',
        actions: [
          { field: 'status', value: 'pending' },
          { field: 'comment_value', value: 'Hi {{ticket.requester.first_name}}, which model is it?' },
        ],
      },
    }),
  (r) => record(r, 'macro'),
);
const macroId = macro && record(macro, 'macro').id;
await step('macros.show', () => client.macros.show(macroId), (r) => record(r, 'macro').title);
await step('macros.update', () => client.macros.update(macroId, { macro: { title: 'Ask for the printer model' } }), (r) => record(r, 'macro').title);
await step('macros.list', () => client.macros.list(), (l) => l.map((m) => m.title));
await step('macros.listActive', () => client.macros.listActive(), (r) => result(r).map((m) => m.title));
await step('macros.search', () => client.macros.search('printer'), (r) => result(r).map((m) => m.title));
await step('macros.apply', () => client.macros.apply(macroId), (r) => record(r, 'result'));
await step('macros.applyTicket', () => client.macros.applyTicket(ticketId, macroId), (r) => record(r, 'result'));
await step('macros.invalid', () => client.macros.create({ macro: { title: 'No actions', actions: [] } }), (r) => result(r));
await step('macros.delete', () => client.macros.delete(macroId), () => true);

// --- views ---
const view = await step(
  'views.create',
  () =>
    client.views.create({
      view: {
        title: 'Printer tickets',
        all: [{ field: 'current_tags', operator: 'includes', value: 'printer' }],
        output: { columns: ['subject', 'status'], sort_by: 'created_at', sort_order: 'asc' },
      },
    }),
  (r) => record(r, 'view'),
);
const viewId = view && record(view, 'view').id;
await step('views.show', () => client.views.show(viewId), (r) => record(r, 'view').title);
await step('views.update', () => client.views.update(viewId, { view: { title: 'Printer' } }), (r) => record(r, 'view').title);
await step('views.list', () => client.views.list(), (l) => l.map((v) => v.title));
await step('views.listActive', () => client.views.listActive(), (l) => l.map((v) => v.title));
// The client returns these lists as pages: the tickets are in each page.
const pageItems = (pages, key) => pages.flatMap((p) => (p[key] ?? []).map((t) => t.subject));
await step('views.tickets', () => client.views.tickets(viewId), (l) => pageItems(l, 'tickets'));
// execute answers {view, rows, columns}; the client keeps the "view" of each page.
await step('views.execute', () => client.views.execute(viewId, {}), (l) => l.map((p) => p.execution.columns.map((c) => c.id)));
await step('views.showCount', () => client.views.showCount(viewId), (r) => record(r, 'view_count').value);
await step('views.showCounts', () => client.views.showCounts([viewId]), (r) => record(r, 'view_counts').map((c) => c.value));
await step(
  'views.preview',
  () => client.views.preview({ view: { all: [{ field: 'status', operator: 'is', value: 'open' }] } }),
  (l) => pageItems(l, 'rows'),
);
await step('views.invalid', () => client.views.create({ view: { title: 'No conditions' } }), (r) => result(r));
// node-zendesk 6.0.1's views.delete calls itself until the stack overflows
// (a client bug); the base client's delete sends the same request.
const baseDelete = Object.getPrototypeOf(Object.getPrototypeOf(client.views)).delete;
await step('views.delete', () => baseDelete.call(client.views, ['views', viewId]), () => true);


// --- ticket fields ---
await step('ticketfields.list', () => client.ticketfields.list(), (l) => l.map((f) => f.type));
const field = await step(
  'ticketfields.create',
  () =>
    client.ticketfields.create({
      ticket_field: { type: 'tagger', title: 'Product', custom_field_options: [{ name: 'Printer', value: 'printer_product' }] },
    }),
  (r) => record(r, 'ticket_field'),
);
const fieldId = field && record(field, 'ticket_field').id;
await step('ticketfields.show', () => client.ticketfields.show(fieldId), (r) => record(r, 'ticket_field').title);
await step('ticketfields.update', () => client.ticketfields.update(fieldId, { ticket_field: { title: 'Product line' } }), (r) => record(r, 'ticket_field').title);
const option = await step(
  'ticketfields.createOrUpdateOption',
  () => client.ticketfields.createOrUpdateOption(fieldId, { custom_field_option: { name: 'Scanner', value: 'scanner_product' } }),
  (r) => record(r, 'custom_field_option'),
);
await step('ticketfields.listOptions', () => client.ticketfields.listOptions(fieldId), (r) => record(r, 'custom_field_options').map((o) => o.value));
await step(
  'tickets.update.customFields',
  () => client.tickets.update(ticketId, { ticket: { custom_fields: [{ id: fieldId, value: 'scanner_product' }] } }),
  (r) => ({ fields: record(r, 'ticket').custom_fields, tags: record(r, 'ticket').tags }),
);
await step('ticketfields.deleteOption', () => client.ticketfields.deleteOption(fieldId, record(option, 'custom_field_option').id), () => true);
await step('ticketfields.invalid', () => client.ticketfields.create({ ticket_field: { type: 'tagger', title: 'No options' } }), (r) => result(r));
await step('ticketfields.delete', () => client.ticketfields.delete(fieldId), () => true);

process.stdout.write(JSON.stringify(results, null, 1) + '\n');
