import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that answers AWS SDK clients with recorded response bodies, so tests run the
 * real SDK (signing, serialisation, retries, parsing) over real HTTP without an AWS account.
 *
 * Requests are routed by operation:
 * - query protocol (EC2, Auto Scaling, …): the `Action` of the form-encoded body (or the query
 *   string of a GET), e.g. "DescribeSpotPriceHistory";
 * - JSON protocol (Pricing, …): the `X-Amz-Target` header, e.g. "AWSPriceListService.GetProducts".
 *
 * A route is a response, a list of responses served in turn (pages), or a function of the request
 * (pick a page by NextToken, a body by region, …). Every request is recorded for assertions. An
 * unrouted operation or an exhausted list answers 501 with a message naming it, so a test fails
 * with a clear reason instead of a hang. Listens on 127.0.0.1:0 (a free port).
 */

export interface RecordedResponse {
  /** Default 200. */
  status?: number;
  /** Default: text/xml for a body starting with "<", else application/x-amz-json-1.1. */
  contentType?: string;
  headers?: Record<string, string>;
  body: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The routing key: the query-protocol Action or the JSON-protocol X-Amz-Target ('' if neither). */
  operation: string;
  /** Signing region from the SigV4 Authorization header (the client's region), if signed. */
  region?: string;
  body: string;
  /** Form/query parameters (query protocol), e.g. { Action, Version, 'InstanceType.1', NextToken }. */
  params: Record<string, string>;
  /** Parsed body (JSON protocol). */
  json?: unknown;
}

export type Route = RecordedResponse | RecordedResponse[] | ((req: ReceivedRequest) => RecordedResponse);

export interface RecordedServer {
  /** e.g. http://127.0.0.1:41234 — pass as the SDK client's `endpoint`. */
  endpoint: string;
  /** Every request received, in order. */
  requests: ReceivedRequest[];
  /** Requests of one operation. */
  requestsFor(operation: string): ReceivedRequest[];
  close(): Promise<void>;
}

/** Static credentials for clients pointed at the server (it does not check signatures). */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDRECORDEDSERVER', secretAccessKey: 'recorded-server-secret' };

export async function startRecordedServer(routes: Record<string, Route>): Promise<RecordedServer> {
  const requests: ReceivedRequest[] = [];
  const served = new Map<string, number>();

  const respond = (req: ReceivedRequest): RecordedResponse => {
    const route = routes[req.operation];
    if (route === undefined) {
      return { status: 501, body: `recorded server: no route for operation "${req.operation}" (routes: ${Object.keys(routes).join(', ') || 'none'})` };
    }
    if (typeof route === 'function') return route(req);
    if (!Array.isArray(route)) return route;
    const i = served.get(req.operation) ?? 0;
    served.set(req.operation, i + 1);
    if (i >= route.length) {
      return { status: 501, body: `recorded server: ${req.operation} was called ${i + 1} times but only ${route.length} responses are recorded` };
    }
    return route[i];
  };

  const server = createServer((httpReq: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    httpReq.on('data', (c: Buffer) => chunks.push(c));
    httpReq.on('end', () => {
      let reply: RecordedResponse;
      try {
        const req = describeRequest(httpReq, Buffer.concat(chunks).toString('utf8'));
        requests.push(req);
        reply = respond(req);
      } catch (e) {
        reply = { status: 500, body: `recorded server: ${(e as Error).message}` };
      }
      const contentType = reply.contentType ?? (reply.body.trimStart().startsWith('<') ? 'text/xml' : 'application/x-amz-json-1.1');
      res.writeHead(reply.status ?? 200, { 'content-type': contentType, 'x-amzn-requestid': `recorded-${requests.length}`, ...reply.headers });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    requestsFor: (operation) => requests.filter((r) => r.operation === operation),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function describeRequest(httpReq: IncomingMessage, body: string): ReceivedRequest {
  const url = new URL(httpReq.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(httpReq.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;

  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  let json: unknown;
  const contentType = headers['content-type'] ?? '';
  if (contentType.includes('application/x-www-form-urlencoded')) Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
  else if (contentType.includes('json') && body) json = JSON.parse(body);

  const operation = headers['x-amz-target'] ?? params.Action ?? '';
  // SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/ec2/aws4_request, …"
  const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(headers.authorization ?? '')?.[1];
  return { method: httpReq.method ?? 'GET', path: url.pathname, headers, operation, region, body, params, json };
}

/** A recorded body read from a fixture file, e.g. `{ DescribeSpotPriceHistory: fromFile(join(dir, 'page-1.xml')) }`. */
export function fromFile(path: string, status = 200): RecordedResponse {
  return { status, body: readFileSync(path, 'utf8') };
}
