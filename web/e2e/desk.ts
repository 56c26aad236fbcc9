// A real `postdesk serve` for the browser tests, with its peers on
// loopback: the aiosmtpd sink (sink.py) as relay, a closed port as DNS,
// and a small HTTP server that counts every request (remote images and
// beacons must never reach it). Also a bare SMTP client for raw mail.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DOMAIN = 'support.example';
export const SUPPORT = `support@${DOMAIN}`;

async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface SinkMessage {
  rcpt: string;
  raw: string;
}

export class MailSink {
  private proc!: ChildProcess;
  port = 0;
  constructor(readonly dir: string) {}

  async start(): Promise<this> {
    this.proc = spawn('/usr/bin/python3', [resolve(process.cwd(), 'e2e/sink.py'), this.dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.port = await new Promise<number>((ok, fail) => {
      this.proc.stdout!.once('data', (d: Buffer) => ok(Number(d.toString().trim())));
      this.proc.once('exit', (code) => fail(new Error(`sink exited ${code}`)));
    });
    return this;
  }

  messages(): SinkMessage[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .map((f) => ({ rcpt: readFileSync(join(this.dir, f.replace(/\.eml$/, '.rcpt')), 'utf8'), raw: readFileSync(join(this.dir, f), 'latin1') }));
  }

  stop(): void {
    this.proc?.stdin?.end();
  }
}

// nsd on loopback serving e2e/dns_server.py's zone (support.example and customer
// domains); stopped by closing its stdin.
export class DnsServer {
  private proc!: ChildProcess;
  port = 0;
  async start(): Promise<this> {
    this.proc = spawn('/usr/bin/python3', [resolve(process.cwd(), 'e2e/dns_server.py'), tempDir('postdesk-dns-')], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.port = await new Promise<number>((ok, fail) => {
      this.proc.stdout!.once('data', (d: Buffer) => ok(Number(d.toString().trim())));
      this.proc.once('exit', (code) => fail(new Error(`dns_server.py exited ${code}`)));
    });
    return this;
  }
  stop(): void {
    this.proc?.stdin?.end();
  }
}

export class CountingServer {
  hits: string[] = [];
  private server!: Server;
  port = 0;
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.hits.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'image/gif', 'Access-Control-Allow-Origin': '*' });
      res.end(Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }
  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

export class Desk {
  private proc!: ChildProcess;
  readonly data: string;
  http = 0;
  smtp = 0;
  token = '';
  password = '';
  constructor(readonly bin: string, readonly extra: string[] = []) {
    this.data = mkdtempSync(join(tmpdir(), 'postdesk-e2e-'));
  }

  get url(): string {
    return `http://127.0.0.1:${this.http}`;
  }

  // DNS goes to `dnsPort` (a DnsServer's) or, without one, to a closed port.
  async start(relayPort: number, dnsPort?: number): Promise<this> {
    if (!existsSync(this.bin)) throw new Error(`no postdesk binary at ${this.bin}: build it (make build) or set POSTDESK_BIN`);
    const dns = dnsPort ?? (await closedPort());
    this.proc = spawn(
      this.bin,
      ['serve', '--data', this.data, '--http', '127.0.0.1:0', '--smtp', '127.0.0.1:0', '--domain', DOMAIN, '--relay', `127.0.0.1:${relayPort}`, '--dns', `127.0.0.1:${dns}`, '--retry-first-delay', '1', ...this.extra],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    this.proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.length > 100_000) log = log.slice(-50_000);
    });
    const ports = join(this.data, 'ports.json');
    await waitFor('ports.json', () => {
      if (this.proc.exitCode !== null) throw new Error(`postdesk serve exited ${this.proc.exitCode}: ${log}`);
      return existsSync(ports);
    });
    const p = JSON.parse(readFileSync(ports, 'utf8')) as { http: number; smtp: number };
    this.http = p.http;
    this.smtp = p.smtp;
    this.token = readFileSync(join(this.data, 'admin-token'), 'utf8').trim();
    this.password = await waitFor('admin-password', () => existsSync(join(this.data, 'admin-password')) && readFileSync(join(this.data, 'admin-password'), 'utf8').trim());
    return this;
  }

  async api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const r = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, json: (text ? JSON.parse(text) : null) as T };
  }

  async stop(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await waitFor('serve to stop', () => this.proc.exitCode !== null || this.proc.signalCode !== null, 15_000).catch(() => this.proc.kill('SIGKILL'));
    }
    rmSync(this.data, { recursive: true, force: true });
  }

  // One message over SMTP, bytes as given (CRLF line ends expected).
  async sendRaw(from: string, to: string, message: Buffer | string): Promise<string> {
    return smtpSend(this.smtp, from, [to], typeof message === 'string' ? Buffer.from(message, 'utf8') : message);
  }

  async sendMail(opts: { from: string; fromName?: string; subject: string; text?: string; html?: string; messageId?: string; headers?: Record<string, string> }): Promise<string> {
    const id = opts.messageId ?? `<${Date.now()}.${Math.random().toString(36).slice(2)}@customer.example>`;
    const subject = /^[\x20-\x7e]*$/.test(opts.subject) ? opts.subject : `=?UTF-8?B?${Buffer.from(opts.subject).toString('base64')}?=`;
    const name = opts.fromName === undefined ? '' : /^[\x20-\x7e]*$/.test(opts.fromName) ? `"${opts.fromName.replace(/["\\]/g, '\\$&')}" ` : `=?UTF-8?B?${Buffer.from(opts.fromName).toString('base64')}?= `;
    const head = [
      `From: ${name}<${opts.from}>`,
      `To: ${SUPPORT}`,
      `Subject: ${subject}`,
      `Message-ID: ${id}`,
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
      'MIME-Version: 1.0',
      ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ];
    let body: string;
    if (opts.html !== undefined) {
      const b = 'b-' + Math.random().toString(36).slice(2);
      head.push(`Content-Type: multipart/alternative; boundary="${b}"`);
      body = [
        `--${b}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', Buffer.from(opts.text ?? 'see the HTML part').toString('base64'),
        `--${b}`, 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64', '', (Buffer.from(opts.html).toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
        `--${b}--`, '',
      ].join('\r\n');
    } else {
      head.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit');
      body = opts.text ?? '';
    }
    await this.sendRaw(opts.from, SUPPORT, head.join('\r\n') + '\r\n\r\n' + body.replace(/\r?\n/g, '\r\n') + '\r\n');
    return id;
  }
}

// Bare SMTP: EHLO, MAIL, RCPT, DATA (dot-stuffed). Resolves with the
// final reply; rejects on a 4xx/5xx.
export function smtpSend(port: number, from: string, rcpts: string[], data: Buffer): Promise<string> {
  return new Promise((ok, fail) => {
    const socket = connect(port, '127.0.0.1');
    const steps: (() => void)[] = [];
    let buffer = '';
    const send = (s: string | Buffer) => socket.write(s);
    steps.push(() => send('EHLO client.customer.example\r\n'));
    steps.push(() => send(`MAIL FROM:<${from}>\r\n`));
    for (const r of rcpts) steps.push(() => send(`RCPT TO:<${r}>\r\n`));
    steps.push(() => send('DATA\r\n'));
    steps.push(() => {
      const lines = data.toString('latin1').split('\r\n').map((l) => (l.startsWith('.') ? '.' + l : l));
      send(Buffer.from(lines.join('\r\n').replace(/(\r\n)?$/, '\r\n') + '.\r\n', 'latin1'));
    });
    steps.push(() => send('QUIT\r\n'));
    let step = 0;
    let last = '';
    socket.setTimeout(20_000, () => {
      socket.destroy();
      fail(new Error('SMTP timeout'));
    });
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      for (;;) {
        const i = buffer.indexOf('\r\n');
        if (i < 0) break;
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (/^\d{3}-/.test(line)) continue;
        const code = Number(line.slice(0, 3));
        if (code >= 400 && step < steps.length) {
          socket.destroy();
          return fail(new Error(`SMTP refused: ${line}`));
        }
        last = line;
        if (step < steps.length) steps[step++]();
        else {
          socket.end();
          return ok(last);
        }
      }
    });
    socket.on('error', fail);
    socket.on('close', () => ok(last));
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
