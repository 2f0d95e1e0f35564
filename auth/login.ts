/**
 * Getting a token from the organisation's OpenID provider for the CLI: the device authorization
 * grant (RFC 8628: a person confirms a code in a browser) or client credentials (automation).
 */
import { discover } from './discovery';
import { jwtExpiry, type CachedToken } from './token-cache';

export interface TokenResponse {
  access_token?: string;
  id_token?: string;
  expires_in?: number;
  token_type?: string;
  error?: string;
  error_description?: string;
}

export interface LoginOptions {
  issuer: string;
  clientId: string;
  scope: string;
  resource?: string;
}

const form = (fields: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined)).toString();

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: TokenResponse & Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers }, body, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) };
  } catch {
    throw new Error(`${url} answered HTTP ${res.status} with something that is not JSON: ${text.slice(0, 200)}`);
  }
}

const isJwt = (t: string | undefined): t is string => typeof t === 'string' && t.split('.').length === 3;

/** The token to send (a JWT access token, else the ID token) as the cache keeps it. */
export function cachedFrom(r: TokenResponse, o: LoginOptions, grant: CachedToken['grant']): CachedToken {
  const kind = isJwt(r.access_token) ? 'access' : isJwt(r.id_token) ? 'id' : undefined;
  if (!kind) {
    throw new Error(
      'the provider returned no JWT (its access token is opaque and there is no ID token): ask for scope "openid", or configure the provider to issue JWT access tokens for Kinetic (auth.login.resource)',
    );
  }
  const token = kind === 'access' ? r.access_token! : r.id_token!;
  const expiresAt = jwtExpiry(token) ?? Math.floor(Date.now() / 1000) + (r.expires_in ?? 300);
  return { issuer: o.issuer, clientId: o.clientId, grant, kind, token, expiresAt, obtainedAt: new Date().toISOString() };
}

export async function clientCredentialsLogin(o: LoginOptions & { clientSecret: string }): Promise<CachedToken> {
  const meta = await discover(o.issuer);
  if (!meta.token_endpoint) throw new Error(`${o.issuer} lists no token_endpoint`);
  const basic = Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`).toString('base64');
  const { status, json } = await post(meta.token_endpoint, form({ grant_type: 'client_credentials', scope: o.scope, resource: o.resource }), { authorization: `Basic ${basic}` });
  if (status !== 200) throw new Error(`client credentials refused by ${o.issuer}: ${json.error ?? status}${json.error_description ? ` (${json.error_description})` : ''}`);
  return cachedFrom(json, o, 'client_credentials');
}

export interface DevicePrompt {
  verificationUri: string;
  verificationUriComplete?: string;
  userCode: string;
  expiresIn: number;
}

/** RFC 8628: asks for a user code, shows it (`prompt`), then polls until the person confirmed, refused, or the code expired. */
export async function deviceLogin(o: LoginOptions & { timeoutSeconds: number; prompt: (p: DevicePrompt) => void }): Promise<CachedToken> {
  const meta = await discover(o.issuer);
  if (!meta.device_authorization_endpoint || !meta.token_endpoint) {
    throw new Error(`${o.issuer} does not offer the device flow (no device_authorization_endpoint); use client credentials (--client-id with --client-secret-file)`);
  }
  const start = await post(meta.device_authorization_endpoint, form({ client_id: o.clientId, scope: o.scope, resource: o.resource }));
  if (start.status !== 200) throw new Error(`device authorization refused by ${o.issuer}: ${start.json.error ?? start.status}${start.json.error_description ? ` (${start.json.error_description})` : ''}`);
  const d = start.json as unknown as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete?: string; expires_in: number; interval?: number };
  o.prompt({ verificationUri: d.verification_uri, verificationUriComplete: d.verification_uri_complete, userCode: d.user_code, expiresIn: d.expires_in });
  let interval = (d.interval ?? 5) * 1000;
  const deadline = Date.now() + Math.min(d.expires_in, o.timeoutSeconds) * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, interval));
    const { status, json } = await post(meta.token_endpoint, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: d.device_code, client_id: o.clientId }));
    if (status === 200) return cachedFrom(json, o, 'device_code');
    if (json.error === 'authorization_pending') continue;
    if (json.error === 'slow_down') {
      interval += 5000;
      continue;
    }
    if (json.error === 'access_denied') throw new Error('the sign-in was refused at the provider');
    if (json.error === 'expired_token') break;
    throw new Error(`the provider refused the device code: ${json.error ?? status}${json.error_description ? ` (${json.error_description})` : ''}`);
  }
  throw new Error(`nobody confirmed the code ${d.user_code} in time; run \`kinetic login\` again`);
}
