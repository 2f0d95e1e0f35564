/**
 * The dashboard's HTTP adapter: the page (its script and first data inlined so it draws without a
 * second round trip), the script alone, the view model as JSON, and `/events` (server-sent events: a
 * `service` event with the new panel whenever a service's data changed).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { UnknownDashboardService } from './sources';
import type { ServiceView } from './view-model';

/** What the server needs from the stores (DashboardSources, or anything with the same two reads). */
export interface DashboardData {
  all(now?: number): Promise<ServiceView[]>;
  one(service: string, now?: number): Promise<ServiceView>;
}

export interface DashboardServerOptions {
  data: DashboardData;
  /** How often the stores are read again while a browser listens on /events. */
  refreshMs: number;
  title?: string;
}

const PAGE_DIR = join(__dirname, 'page');

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Changes that are only the clock moving (now, approval ages) do not count as new data. */
function fingerprint(v: ServiceView): string {
  return JSON.stringify({ ...v, now: 0, pending: v.pending.map((p) => ({ ...p, ageSeconds: 0 })) });
}

export function createDashboardServer(o: DashboardServerOptions): Server & { refreshNow(): Promise<void> } {
  const html = readFileSync(join(PAGE_DIR, 'index.html'), 'utf8');
  const script = readFileSync(join(PAGE_DIR, 'dashboard.js'), 'utf8');
  const listeners = new Set<ServerResponse>();
  const last = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

  async function refresh(): Promise<void> {
    const views = await o.data.all();
    for (const v of views) {
      const f = fingerprint(v);
      if (last.get(v.service) === f) continue;
      last.set(v.service, f);
      for (const res of listeners) res.write(`event: service\ndata: ${JSON.stringify(v)}\n\n`);
    }
  }
  /** One refresh at a time; a failed read is reported to listeners and retried next tick. */
  function refreshNow(): Promise<void> {
    refreshing ??= refresh()
      .catch((e: Error) => {
        for (const res of listeners) res.write(`event: problem\ndata: ${JSON.stringify({ message: e.message })}\n\n`);
      })
      .finally(() => (refreshing = undefined));
    return refreshing;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    if (req.method !== 'GET') return json(res, 405, { error: `${req.method} is not served; the dashboard is read-only (GET only)` });
    if (path === '/' || path === '/index.html') {
      const views = await o.data.all();
      for (const v of views) last.set(v.service, fingerprint(v));
      // `<` escaped so no value can close the script element.
      const initial = JSON.stringify({ generatedAt: Date.now(), services: views }).replace(/</g, '\\u003c');
      // The script is inlined too: one request to first paint. Function replacers: `$` in data stays as is.
      const page = html.replace('__TITLE__', () => escapeHtml(o.title ?? 'Kinetic')).replace('__INITIAL__', () => initial).replace('__SCRIPT__', () => script);
      return send(res, 200, 'text/html; charset=utf-8', page);
    }
    if (path === '/dashboard.js') return send(res, 200, 'text/javascript; charset=utf-8', script);
    if (path === '/api/services') return json(res, 200, { generatedAt: Date.now(), services: await o.data.all() });
    const one = /^\/api\/service\/([^/]+)$/.exec(path);
    if (one) {
      try {
        return json(res, 200, await o.data.one(decodeURIComponent(one[1])));
      } catch (e) {
        if (e instanceof UnknownDashboardService) return json(res, 404, { error: `/api/service/<name>: ${e.message}` });
        throw e;
      }
    }
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`retry: ${o.refreshMs}\nevent: hello\ndata: {}\n\n`);
      listeners.add(res);
      req.on('close', () => {
        listeners.delete(res);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      });
      timer ??= setInterval(() => void refreshNow(), o.refreshMs);
      return;
    }
    json(res, 404, { error: `no page ${path}; try /, /api/services, /api/service/<name> or /events` });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((e: Error) => {
      if (!res.headersSent) json(res, 500, { error: e.message });
      else res.end();
    });
  });
  server.on('close', () => clearInterval(timer));
  return Object.assign(server, { refreshNow });
}
