import { timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

/**
 * Temporal's remote codec protocol for the Web UI and `temporal --codec-endpoint`:
 * POST /encode | /decode with `{ payloads: [{ metadata: { k: base64 }, data: base64 }] }`.
 *
 * Every call needs a configured bearer token. API clients send `Authorization: Bearer <token>`.
 * The Temporal Web UI sends no Authorization header unless it runs its own OIDC login (and then
 * it sends that login's token), so a browser on a configured UI origin may put the token in the
 * path instead: POST /ui/<token>/decode — the endpoint the dev server's UI is given.
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  tokens: string[];
  uiOrigins: string[];
  /** Told about every refused call (log line). */
  onRefused?: (why: string, req: IncomingMessage) => void;
}

const MAX_BODY = 16 * 1024 * 1024;
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization, Authorization-Extras';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

function fromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`request body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The route of a request: which operation, and the token it carries (header or /ui/<token>/ path). */
export function routeOf(url: string, authorization: string | undefined): { op?: 'encode' | 'decode'; token?: string; viaPath: boolean } {
  const path = url.split('?')[0];
  const ui = /^\/ui\/([^/]+)\/(encode|decode)$/.exec(path);
  if (ui) return { op: ui[2] as 'encode' | 'decode', token: decodeURIComponent(ui[1]), viaPath: true };
  const plain = /^\/(encode|decode)$/.exec(path);
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return { op: plain ? (plain[1] as 'encode' | 'decode') : undefined, token: bearer?.[1], viaPath: false };
}

export function createCodecServer(opts: CodecServerOptions): Server {
  if (opts.tokens.length === 0) throw new Error('the codec server needs at least one bearer token (encryption.codecServer.tokens)');
  const origins = new Set(opts.uiOrigins);
  return createServer((req, res) => void handle(req, res));

  function cors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    if (!origin || !origins.has(origin)) return false;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
    return true;
  }

  function send(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  function refuse(req: IncomingMessage, res: ServerResponse, status: number, why: string) {
    opts.onRefused?.(why, req);
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    send(res, status, { error: why });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const originOk = cors(req, res);
    if (req.method === 'OPTIONS') {
      // Preflights carry no credentials; only configured UI origins get the go-ahead.
      if (!originOk) return refuse(req, res, 403, `origin ${req.headers.origin ?? '(none)'} is not in encryption.codecServer.uiOrigins`);
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' });
      return res.end();
    }
    const route = routeOf(req.url ?? '/', req.headers.authorization);
    if (!route.op) return refuse(req, res, 404, 'not found: POST /encode or /decode');
    if (req.method !== 'POST') return refuse(req, res, 405, 'use POST');
    if (route.viaPath && !originOk) return refuse(req, res, 403, 'a token in the path is accepted only from a configured UI origin (encryption.codecServer.uiOrigins); other callers send Authorization: Bearer <token>');
    if (!route.token) return refuse(req, res, 401, 'missing Authorization: Bearer <token> (a token from encryption.codecServer.tokens)');
    if (!opts.tokens.some((t) => sameSecret(t, route.token!))) return refuse(req, res, 401, 'token not accepted (not one of encryption.codecServer.tokens)');
    let payloads: Payload[];
    try {
      const body = JSON.parse(await readBody(req)) as { payloads?: JsonPayload[] };
      if (!Array.isArray(body.payloads)) throw new Error('body needs a payloads array');
      payloads = body.payloads.map(fromJson);
    } catch (e) {
      return refuse(req, res, 400, `bad request: ${(e as Error).message}; send {"payloads":[{"metadata":{...base64},"data":"base64"}]}`);
    }
    try {
      const out = route.op === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
      send(res, 200, { payloads: out.map(toJson) });
    } catch (e) {
      send(res, 422, { error: (e as Error).message });
    }
  }
}
