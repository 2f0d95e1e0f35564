import { z } from 'zod';
import { durationSchema } from './duration';
import { ROLE_NAMES } from '../decision/roles';

/**
 * `auth:` — who may approve and steer (issue 14). `oidc` (the default mode): every approval and
 * every privileged action carries a JWT from the organisation's OpenID provider, verified by the
 * worker against the issuer's JWKS. `unverified`: today's typed identity, for the embedded demo
 * only (the worker warns at start). Without an `auth:` block nothing privileged is accepted.
 */

/** A role mapping entry: `*` (every verified token), `group:<name>`, `claim:<name>=<value>`, or an identity. */
const ROLE_ENTRY = /^(\*|group:.+|claim:[^=]+=.*|[^:*\s][^\s]*)$/;

const roleEntries = z.array(
  z.string().min(1).regex(ROLE_ENTRY, 'use "*", "group:<name>", "claim:<name>=<value>" or an identity (e.g. alice@example.com)'),
);

export const authSchema = z
  .object({
    mode: z.enum(['oidc', 'unverified']).default('oidc'),
    /** The OpenID provider's issuer URL (the token's `iss`, and where discovery is read). */
    issuer: z.url().optional(),
    /** The token's expected `aud` (the API identifier or the client id the provider puts there). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Where the signing keys are; default: `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
    jwksUri: z.url().optional(),
    /** The claim that names the person: `email` (default) or `sub`. */
    identityClaim: z.enum(['email', 'sub']).default('email'),
    /** The claim listing the person's groups (for `group:<name>` in approvers and roles). */
    groupsClaim: z.string().min(1).optional(),
    /** Tolerated clock difference for `exp`/`nbf`/`iat`. */
    clockSkewSeconds: z.number().int().min(0).max(600).default(60),
    /** Who holds which role; a verified token matching no entry gets `defaultRole`. */
    roles: z
      .object({ viewer: roleEntries.optional(), operator: roleEntries.optional(), approver: roleEntries.optional(), admin: roleEntries.optional() })
      .strict()
      .default({}),
    /** The role of a verified token that no `roles` entry names (`none`: no role at all). */
    defaultRole: z.enum([...ROLE_NAMES, 'none']).default('viewer'),
    /** `kinetic login`: the CLI's client at the provider, and what to ask for. */
    login: z
      .object({
        clientId: z.string().min(1).optional(),
        scope: z.string().min(1).default('openid email profile'),
        /** RFC 8707 resource indicator sent with token requests (providers that issue JWT access tokens per API). */
        resource: z.string().min(1).optional(),
        /** Longest `kinetic login --device` waits for the person to confirm. */
        deviceTimeout: durationSchema.default(600),
      })
      .strict()
      .default({ scope: 'openid email profile', deviceTimeout: 600 }),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.mode === 'unverified') return;
    const fix = 'or set auth: { mode: unverified } for the embedded demo only';
    if (!a.issuer) ctx.addIssue({ code: 'custom', path: ['issuer'], message: `is required in oidc mode: the URL of your OpenID provider (e.g. https://login.example.com/), ${fix}` });
    if (!a.audience) ctx.addIssue({ code: 'custom', path: ['audience'], message: `is required in oidc mode: the "aud" your provider puts in Kinetic's tokens (e.g. kinetic or api://kinetic), ${fix}` });
    for (const role of ROLE_NAMES) {
      a.roles[role]?.forEach((entry, i) => {
        if (entry.startsWith('group:') && !a.groupsClaim) {
          ctx.addIssue({ code: 'custom', path: ['roles', role, i], message: `"${entry}" needs auth.groupsClaim (the claim listing a person's groups, e.g. groups)` });
        }
      });
    }
  });

export type AuthConfig = z.infer<typeof authSchema>;
