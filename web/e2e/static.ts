// Serves the built workspace (dist/) the way postdesk serve does: files
// under /assets/, index.html for /, /agent/... and /admin/..., with the
// app's CSP header. Used by the fixture server; the real server has its
// own copy of these rules.
import { readFileSync, existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { ServerResponse } from 'node:http';

export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; frame-src 'self' about:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = { js: 'text/javascript', css: 'text/css', html: 'text/html; charset=utf-8', svg: 'image/svg+xml', png: 'image/png' };

export function serveStatic(dist: string, path: string, res: ServerResponse): boolean {
  if (path.startsWith('/assets/')) {
    const file = normalize(join(dist, path));
    if (!file.startsWith(dist) || !existsSync(file)) return false;
    res.writeHead(200, { 'Content-Type': TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream', 'Cache-Control': 'public, max-age=31536000, immutable' });
    res.end(readFileSync(file));
    return true;
  }
  if (path === '/' || path.startsWith('/agent') || path.startsWith('/admin')) {
    res.writeHead(200, { 'Content-Type': TYPES.html, 'Content-Security-Policy': APP_CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    res.end(readFileSync(join(dist, 'index.html')));
    return true;
  }
  return false;
}
