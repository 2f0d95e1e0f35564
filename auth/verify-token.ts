/**
 * Verifies an OpenID Connect JWT (ID or access token) with jose: the signature against the
 * issuer's JWKS fetched over HTTP, then `iss`, `aud`, `exp`, `nbf` with the configured clock skew.
 * Returns who the token names, or why it is refused; throws only when the keys cannot be read
 * (the caller retries that).
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { TokenVerdict } from '../decision/approval-attempts';
import { rolesOf, type AuthSettings } from '../decision/roles';
import { discover } from './discovery';

type KeySet = ReturnType<typeof createRemoteJWKSet>;
/** One key set per JWKS URL for the life of the process (jose caches and refreshes the keys). */
const keySets = new Map<string, KeySet>();

async function keySetOf(auth: AuthSettings): Promise<KeySet> {
  const uri = auth.jwksUri ?? (await discover(auth.issuer!)).jwks_uri;
  if (!uri) throw new Error(`the OpenID provider ${auth.issuer} lists no jwks_uri; set auth.jwksUri`);
  let set = keySets.get(uri);
  if (!set) {
    set = createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    keySets.set(uri, set);
  }
  return set;
}

/** A claim read as a list of strings (groups come as an array, or a space/comma separated string). */
function listClaim(payload: JWTPayload, name: string | undefined): string[] {
  if (!name) return [];
  const v = payload[name];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  return [];
}

export async function verifyToken(token: string, auth: AuthSettings): Promise<TokenVerdict> {
  if (auth.mode !== 'oidc' || !auth.issuer || !auth.audience) {
    return { ok: false, reason: 'auth-not-configured', message: 'tokens are verified only with auth in oidc mode (auth.issuer and auth.audience set)' };
  }
  if (typeof token !== 'string' || token.split('.').length !== 3) {
    return { ok: false, reason: 'invalid-token', message: 'the token is not a JWT (three base64url parts); run `kinetic login` for a fresh one' };
  }
  const keys = await keySetOf(auth);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: auth.issuer,
      audience: auth.audience,
      clockTolerance: auth.clockSkewSeconds,
      requiredClaims: ['exp'],
    }));
  } catch (e) {
    return refusal(e, auth);
  }
  const identity = payload[auth.identityClaim];
  if (typeof identity !== 'string' || identity === '') {
    return { ok: false, reason: 'no-identity-claim', message: `the token has no "${auth.identityClaim}" claim (auth.identityClaim); ask the provider to include it, or use identityClaim: sub` };
  }
  const groups = listClaim(payload, auth.groupsClaim);
  return { ok: true, principal: { identity, groups, roles: rolesOf(auth, identity, groups, payload as Record<string, unknown>) } };
}

/** A jose failure as a refusal reason; key-set outages are rethrown (retryable). */
function refusal(e: unknown, auth: AuthSettings): TokenVerdict {
  if (e instanceof errors.JWTExpired) return { ok: false, reason: 'expired', message: `the token expired (exp ${e.payload.exp ? new Date(e.payload.exp * 1000).toISOString() : '?'}, clock skew ${auth.clockSkewSeconds}s); run \`kinetic login\` again` };
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return { ok: false, reason: 'wrong-audience', message: `the token is for audience ${JSON.stringify(e.payload.aud)}, not ${JSON.stringify(auth.audience)} (auth.audience)` };
    if (e.claim === 'iss') return { ok: false, reason: 'wrong-issuer', message: `the token was issued by ${JSON.stringify(e.payload.iss)}, not ${auth.issuer} (auth.issuer)` };
    if (e.claim === 'nbf') return { ok: false, reason: 'not-yet-valid', message: `the token is not valid yet (nbf ${e.payload.nbf}, clock skew ${auth.clockSkewSeconds}s)` };
    return { ok: false, reason: 'invalid-token', message: `the token's "${e.claim}" claim is invalid: ${e.reason}` };
  }
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey) {
    return { ok: false, reason: 'bad-signature', message: `the token's signature does not verify with ${auth.issuer}'s keys (forged, or signed by another provider)` };
  }
  // Key-set outages (unreachable, timeout, bad answer) are not the token's fault: the caller retries.
  const keyOutage = e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid || (e as Error).message?.includes('JSON Web Key Set');
  if (e instanceof errors.JOSEError && !keyOutage) {
    return { ok: false, reason: 'invalid-token', message: `the token is not valid: ${(e as Error).message}` };
  }
  throw e;
}
