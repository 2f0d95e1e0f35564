/**
 * `provisioner.backend` URLs (pure: the config schema validates with it): `file://<dir>` or
 * `s3://bucket/prefix?endpoint=…&s3ForcePathStyle=true&region=…`.
 */
import * as os from 'node:os';
import * as path from 'node:path';

export class BackendUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUrlError';
  }
}

/** Query parameters of `s3://` URLs the CLI's S3 driver (gocloud.dev s3blob, AWS SDK v2) understands and Kinetic reads too. */
export const S3_URL_PARAMS = [
  'endpoint',
  'region',
  's3ForcePathStyle',
  'use_path_style',
  'disable_https',
  'profile',
  'hostname_immutable',
  'request_checksum_calculation',
  'response_checksum_validation',
] as const;

export type BackendSpec =
  | { kind: 'file'; url: string; dir: string }
  | { kind: 's3'; url: string; bucket: string; prefix: string; endpoint?: string; region: string; forcePathStyle: boolean; profile?: string };

const BOOL = /^(true|false|1|0)$/i;

/**
 * Parses and checks a backend URL. `file://` paths may be absolute, `~/…`, or relative to
 * `baseDir`. For an `s3://` URL with a custom `endpoint` (not AWS) and no checksum parameters,
 * `request_checksum_calculation` / `response_checksum_validation=when_required` are added: several
 * S3-compatible servers reject or do not send the AWS SDK's default CRC32 checksums.
 */
export function parseBackendUrl(url: string, baseDir: string): BackendSpec {
  if (url.startsWith('file://')) {
    let p = url.slice('file://'.length).split('?')[0];
    if (!p) throw new BackendUrlError(`backend "${url}": give a directory, e.g. file:///var/lib/kinetic/pulumi`);
    if (p === '~' || p.startsWith('~/')) p = path.join(os.homedir(), p.slice(1));
    const dir = path.resolve(baseDir, p);
    return { kind: 'file', url: `file://${dir}`, dir };
  }
  if (url.startsWith('s3://')) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new BackendUrlError(`backend "${url}" is not a valid URL`);
    }
    const bucket = u.hostname;
    if (!bucket) throw new BackendUrlError(`backend "${url}": name the bucket, s3://<bucket>/<prefix>`);
    for (const k of u.searchParams.keys()) {
      if (!(S3_URL_PARAMS as readonly string[]).includes(k)) {
        throw new BackendUrlError(`backend "${url}": unknown query parameter "${k}" (allowed: ${S3_URL_PARAMS.join(', ')})`);
      }
    }
    const endpoint = u.searchParams.get('endpoint') ?? undefined;
    if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
      throw new BackendUrlError(`backend "${url}": endpoint must be an http:// or https:// URL (got "${endpoint}")`);
    }
    for (const k of ['s3ForcePathStyle', 'use_path_style', 'disable_https', 'hostname_immutable']) {
      const v = u.searchParams.get(k);
      if (v !== null && !BOOL.test(v)) throw new BackendUrlError(`backend "${url}": ${k} must be true or false (got "${v}")`);
    }
    const pathStyle = u.searchParams.get('s3ForcePathStyle') ?? u.searchParams.get('use_path_style') ?? 'false';
    if (endpoint && !u.searchParams.has('request_checksum_calculation') && !u.searchParams.has('response_checksum_validation')) {
      u.searchParams.set('request_checksum_calculation', 'when_required');
      u.searchParams.set('response_checksum_validation', 'when_required');
    }
    const prefix = decodeURIComponent(u.pathname).replace(/^\/+/, '').replace(/\/*$/, '');
    return {
      kind: 's3',
      url: u.toString(),
      bucket,
      prefix: prefix ? `${prefix}/` : '',
      endpoint,
      region: u.searchParams.get('region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: /^(true|1)$/i.test(pathStyle),
      profile: u.searchParams.get('profile') ?? undefined,
    };
  }
  throw new BackendUrlError(`backend "${url}": use file://<directory> or s3://<bucket>/<prefix>?endpoint=…&s3ForcePathStyle=true&region=…`);
}

/** The URL without credentials-like detail, for logs and messages. */
export function describeBackend(spec: BackendSpec): string {
  if (spec.kind === 'file') return spec.url;
  return `s3://${spec.bucket}/${spec.prefix}${spec.endpoint ? ` at ${spec.endpoint}` : ` (AWS S3, ${spec.region})`}`;
}

