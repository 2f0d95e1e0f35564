/** OpenID Connect discovery: the provider's endpoints from `<issuer>/.well-known/openid-configuration`. */

export interface ProviderMetadata {
  issuer: string;
  jwks_uri?: string;
  token_endpoint?: string;
  device_authorization_endpoint?: string;
}

const cache = new Map<string, { at: number; meta: ProviderMetadata }>();
const TTL_MS = 10 * 60_000;

export async function discover(issuer: string, timeoutMs = 5000): Promise<ProviderMetadata> {
  const hit = cache.get(issuer);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.meta;
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new Error(`cannot read the OpenID provider's discovery document ${url}: ${(e as Error).message}; check auth.issuer`);
  }
  if (!res.ok) throw new Error(`the OpenID provider's discovery document ${url} answered HTTP ${res.status}; check auth.issuer`);
  const meta = (await res.json()) as ProviderMetadata;
  cache.set(issuer, { at: Date.now(), meta });
  return meta;
}
