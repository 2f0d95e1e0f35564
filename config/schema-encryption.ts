import { z } from 'zod';
import { durationSchema } from './duration';

/**
 * `encryption:` — Temporal payloads encrypted by a codec (README "Encrypted histories").
 * Keys come from a file or an environment variable, or as data keys from AWS KMS (envelope).
 */
const ENV_NAME = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name, e.g. KINETIC_ENCRYPTION_KEYS');

/** Exactly one of a file (relative to kinetic.yaml) or an environment variable. */
const secretSource = (what: string) =>
  z
    .object({ file: z.string().min(1).optional(), env: ENV_NAME.optional() })
    .strict()
    .superRefine((s, ctx) => {
      if (Boolean(s.file) === Boolean(s.env)) ctx.addIssue({ code: 'custom', message: `give exactly one of file (path to the ${what}, mode 600) or env (variable holding them)` });
    });

const kms = z
  .object({
    /** KMS key id, ARN or alias (alias/kinetic-history). */
    keyId: z.string().min(1),
    region: z.string().min(1).optional(),
    /** A KMS-compatible endpoint (local-kms, a VPC endpoint); omit for AWS. */
    endpoint: z.url().optional(),
    /** How long one data key seals new payloads before a fresh one is asked for. */
    dataKeyTtl: durationSchema.default(300),
  })
  .strict();

const ORIGIN = /^https?:\/\/[^/\s]+$/;

const codecServer = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(8089),
    /** Web UI origins allowed to call the codec server from the browser (CORS), e.g. http://127.0.0.1:8233. */
    uiOrigins: z.array(z.string().regex(ORIGIN, 'an origin: scheme://host[:port], no path, e.g. http://127.0.0.1:8233')).default(['http://127.0.0.1:8233', 'http://localhost:8233']),
    /** Bearer tokens callers must present (one per line or comma-separated). */
    tokens: secretSource('bearer tokens'),
  })
  .strict();

export const encryptionSchema = z
  .object({
    /** Static AES-256 keys `id:base64`, newest last: the newest encrypts, all decrypt. */
    keys: secretSource('encryption keys').optional(),
    /** Envelope encryption: KMS data keys encrypt; `keys` (if also set) still decrypt older payloads. */
    kms: kms.optional(),
    /** `kinetic codec-server` for the Temporal Web UI. */
    codecServer: codecServer.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (!e.keys && !e.kms) ctx.addIssue({ code: 'custom', message: 'give keys ({ file } or { env }) or kms ({ keyId }) to encrypt with' });
  });

export type EncryptionConfig = z.infer<typeof encryptionSchema>;
export type CodecServerConfig = NonNullable<EncryptionConfig['codecServer']>;
