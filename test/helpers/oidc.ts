/**
 * A real OpenID provider for tests: `oidc-provider` (a certified OpenID Connect implementation)
 * served in-process on a free port. Tokens come from its real endpoints — the client credentials
 * grant (one confidential client per test person, whose tokens carry that person's email and
 * groups) and the device flow (public client `kinetic-cli`) — and its signing keys are published
 * at its JWKS endpoint, which the code under test fetches over HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';

export interface TestPerson {
  email: string;
  groups: string[];
  /** Lifetime of this person's client-credentials tokens (default 600 s). */
  ttlSeconds?: number;
}

export interface TestOidc {
  issuer: string;
  /** `aud` of the access tokens for the default resource (what kinetic.yaml's auth.audience names). */
  audience: string;
  /** A resource the provider issues tokens for, whose `aud` is not `audience`. */
  otherResource: string;
  /** The client secret of a person's client (client id = the key of `people`). */
  secretOf(clientId: string): string;
  /** A JWT access token for the person, from the token endpoint (client credentials). */
  tokenFor(clientId: string, resource?: string): Promise<string>;
  /** The public client the CLI's device flow uses. */
  cliClientId: string;
  /** Completes a pending device login as `accountId` (a key of `people`), like a person in a browser. */
  confirmDevice(userCode: string, accountId: string): Promise<void>;
  close(): Promise<void>;
}

export const TEST_AUDIENCE = 'kinetic-api';
const DEFAULT_RESOURCE = 'urn:kinetic:api';
const OTHER_RESOURCE = 'urn:other:api';

export async function startOidcProvider(people: Record<string, TestPerson>): Promise<TestOidc> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const secret = (id: string) => `secret-of-${id}-0123456789abcdef0123456789abcdef`;
  const personOf = (id: string | undefined) => (id ? people[id] : undefined);

  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: [
      ...Object.keys(people).map((id) => ({
        client_id: id,
        client_secret: secret(id),
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      })),
      {
        client_id: 'kinetic-cli',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
        redirect_uris: [],
        response_types: [],
      },
    ],
    findAccount: (_ctx: unknown, id: string) =>
      people[id] ? { accountId: id, claims: () => ({ sub: id, email: people[id].email, groups: people[id].groups }) } : undefined,
    claims: { openid: ['sub'], email: ['email'], groups: ['groups'] },
    scopes: ['openid', 'email', 'groups', 'kinetic'],
    features: {
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => DEFAULT_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'kinetic',
          audience: resource === OTHER_RESOURCE ? 'other-api' : TEST_AUDIENCE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    // The person's claims in every access token: email and groups, as an IdP's API tokens carry them.
    extraTokenClaims: (_ctx: unknown, token: { accountId?: string; clientId?: string }) => {
      const p = personOf(token.accountId) ?? personOf(token.clientId);
      return p ? { email: p.email, groups: p.groups } : undefined;
    },
    ttl: {
      ClientCredentials: (_ctx: unknown, token: { clientId?: string }) => personOf(token.clientId)?.ttlSeconds ?? 600,
      AccessToken: 600,
      IdToken: 600,
      DeviceCode: 600,
      Grant: 600,
      Interaction: 600,
      Session: 600,
    },
    pkce: { required: () => false },
  });
  server.on('request', provider.callback());

  const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
  return {
    issuer,
    audience: TEST_AUDIENCE,
    otherResource: OTHER_RESOURCE,
    cliClientId: 'kinetic-cli',
    secretOf: secret,
    async tokenFor(clientId, resource) {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret(clientId)}`).toString('base64')}` },
        body: form({ grant_type: 'client_credentials', scope: 'kinetic', ...(resource ? { resource } : {}) }),
      });
      const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!body.access_token) throw new Error(`the test provider refused a token for ${clientId}: ${body.error} ${body.error_description ?? ''}`);
      return body.access_token;
    },
    confirmDevice: (userCode, accountId) => confirmDeviceCode(issuer, userCode, accountId),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A token signed by a key the provider never published (a forgery), with whatever claims. */
export async function forgedToken(claims: Record<string, unknown>, opts: { issuer: string; audience: string; expiresIn?: string }): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '10m')
    .sign(privateKey);
}

/**
 * What a person does in the browser for the device flow, over the provider's real pages: enter the
 * user code, confirm, sign in (dev interactions accept any password), consent. Cookies are carried
 * by hand; forms are read for their hidden fields.
 */
async function confirmDeviceCode(issuer: string, userCode: string, accountId: string): Promise<void> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const go = async (url: string, body?: Record<string, string>): Promise<{ url: string; html: string }> => {
    url = new URL(url, issuer).toString();
    for (let hops = 0; hops < 15; hops++) {
      const res = await fetch(url, {
        method: body ? 'POST' : 'GET',
        redirect: 'manual',
        headers: { cookie: cookie(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body: body ? new URLSearchParams(body).toString() : undefined,
      });
      keep(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url).toString();
        body = undefined;
        continue;
      }
      const html = await res.text();
      if (res.status >= 400) throw new Error(`device confirmation: ${url} answered ${res.status}: ${html.slice(0, 300)}`);
      return { url, html };
    }
    throw new Error('device confirmation: too many redirects');
  };
  /** The first form of the page: its action and hidden inputs. */
  const formOf = (page: { url: string; html: string }) => {
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.html);
    if (!form) throw new Error(`device confirmation: no form on ${page.url}: ${page.html.slice(0, 300)}`);
    const fields: Record<string, string> = {};
    for (const m of form[2].matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
      const name = /name="([^"]*)"/.exec(m[0])?.[1];
      const value = /value="([^"]*)"/.exec(m[0])?.[1];
      if (name) fields[name] = value ?? '';
    }
    return { action: new URL(form[1], page.url).toString(), fields };
  };

  let page = await go('/device');
  let f = formOf(page);
  page = await go(f.action, { ...f.fields, user_code: userCode });
  // Confirm the code, sign in, consent: each page is one form; submit until the success page.
  for (let step = 0; step < 6 && !/success|sign-in was successful|you may now close/i.test(page.html); step++) {
    f = formOf(page);
    const extra: Record<string, string> = /name="login"/.test(page.html) ? { login: accountId, password: 'any' } : {};
    if (/name="confirm"/.test(page.html) && !('confirm' in f.fields)) extra.confirm = 'yes';
    page = await go(f.action, { ...f.fields, ...extra });
  }
  if (!/success|you may now close/i.test(page.html)) throw new Error(`device confirmation did not finish: ${page.html.slice(0, 400)}`);
}
