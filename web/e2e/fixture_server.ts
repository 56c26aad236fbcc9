// A stand-in for postdesk serve that answers the workspace's API routes
// from src/test/fixtures.ts, so pages can be looked at (and screenshotted)
// without a backend. Sign in with any email and the password "secret".
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as fx from '../src/test/fixtures';
import { serveStatic } from './static';

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
}

export async function startFixtureServer(dist: string): Promise<FixtureServer> {
  let signedIn = false;
  const session = { user: { id: 1, name: 'Admin', email: 'admin@support.example', role: 'admin' }, csrf_token: 'fixture-csrf', idle_timeout_seconds: 3600 };
  const suspended = [...fx.suspended];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\.json$/, '');
    if (!path.startsWith('/api/')) {
      if (!serveStatic(dist, path, res)) json(res, 404, { error: 'NotFound' });
      return;
    }
    if (path === '/api/v2/session') {
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)) || '{}');
        if (body.password !== 'secret') return json(res, 401, { error: 'InvalidCredentials', description: 'wrong' });
        signedIn = true;
        return json(res, 200, { session });
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
    if (path === '/api/v2/views') return json(res, 200, { views: fx.viewCounts.map((v) => (v.key === 'suspended' ? { ...v, count: suspended.length } : v)) });
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
        await readBody(req);
        return json(res, 200, { ticket });
      }
      return json(res, 200, { ticket });
    }
    if ((m = /^\/api\/v2\/tickets\/(\d+)\/comments$/.exec(path))) return json(res, 200, { comments: m[1] === '1' ? fx.comments : [], count: 2, next_page: null, previous_page: null });
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
  return { url: `http://127.0.0.1:${port}`, server, close: () => new Promise((r) => server.close(() => r())) };
}
