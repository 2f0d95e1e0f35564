/**
 * Redaction of secrets from text before it leaves the process: errors (and so workflow histories),
 * decision records, the audit log and logs. Pure and import-free (the workflow bundle may use it).
 * Redacts what a secret looks like, not a list of known secrets: credentials in URLs, bearer and
 * basic tokens, JWTs, secret-looking query or key=value parameters, AWS access keys.
 */

export const REDACTED = '***';

/** Parameter names whose values are secrets (query strings, `key=value`, `key: value`). */
const SECRET_KEYS = [
  'password', 'passwd', 'pwd', 'passphrase', 'secret', 'client_secret', 'token', 'access_token', 'refresh_token', 'id_token',
  'api_key', 'apikey', 'api-key', 'authorization', 'x-amz-signature', 'x-amz-credential', 'x-amz-security-token',
  'aws_secret_access_key', 'aws_session_token', 'secretaccesskey', 'sessiontoken', 'pulumi_config_passphrase',
];

const RULES: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // scheme://user:password@host → scheme://user:***@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:'"]*):([^\s/?#'"]+)@/gi, (_m, scheme, user) => `${scheme}${user}:${REDACTED}@`],
  // JSON Web Tokens (three base64url parts, header and payload JSON objects).
  [/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // Authorization schemes: "Bearer abc…", "Basic dXNlcjpwYXNz" (base64 with a digit, +, / or =).
  [/\b(Bearer)(\s+)[A-Za-z0-9._~+/=-]{6,}/gi, (_m, scheme, space) => `${scheme}${space}${REDACTED}`],
  [/\b(Basic)(\s+)(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}/g, (_m, scheme, space) => `${scheme}${space}${REDACTED}`],
  // key=value and key: value (query strings, env dumps, headers, JSON-ish text).
  [
    new RegExp(`(^|[^A-Za-z0-9_-])(${SECRET_KEYS.map((k) => k.replace(/[-]/g, '\\-')).join('|')})(["']?\\s*[=:]\\s*["']?)([^\\s&#"',;}]+)`, 'gi'),
    (_m, pre, key, sep) => `${pre}${key}${sep}${REDACTED}`,
  ],
  // AWS access key ids (long-term AKIA…, temporary ASIA…).
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
];

/** The text with every secret-looking part replaced by `***`. */
export function redact(text: string): string {
  let out = text;
  for (const [re, to] of RULES) out = out.replace(re, to as string);
  return out;
}

/** A copy of a JSON-like value with every string redacted (records, log metadata). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}

/**
 * Redacts an error's message and stack in place, through its `cause` chain, and returns it: the
 * same object keeps its class and type, so failure mapping and retry rules are unchanged.
 */
export function redactError<E>(err: E): E {
  const seen = new Set<unknown>();
  for (let e = err as unknown as { message?: unknown; stack?: unknown; cause?: unknown } | undefined; e && typeof e === 'object' && !seen.has(e); e = e.cause as typeof e) {
    seen.add(e);
    try {
      if (typeof e.message === 'string') e.message = redact(e.message);
      if (typeof e.stack === 'string') e.stack = redact(e.stack);
    } catch {
      /* a frozen error: leave it (the caller still maps it) */
    }
  }
  return err;
}
