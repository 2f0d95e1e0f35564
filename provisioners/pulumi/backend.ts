/**
 * Where the Pulumi provisioners keep stack state (`provisioner.backend`): a DIY backend on a local
 * or shared file system (`file://…`) or in an S3-compatible bucket
 * (`s3://bucket/prefix?endpoint=…&s3ForcePathStyle=true&region=…`).
 *
 * The CLI gets the URL (`PULUMI_BACKEND_URL` and the project's `backend.url`); Kinetic itself reads
 * the same objects to avoid CLI starts and to handle stack locks: the checkpoint
 * (`.pulumi/stacks/<project>/<stack>.json[.gz]`), the update history, and the lock objects
 * (`.pulumi/locks/<org>/<project>/<stack>/<id>.json`). `StateBackend` is that small object API
 * over a directory or a bucket prefix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describeBackend, type BackendSpec } from './backend-url';

export { BackendUrlError, describeBackend, parseBackendUrl, S3_URL_PARAMS, type BackendSpec } from './backend-url';

export interface BackendObject {
  /** Key relative to the backend root, `/`-separated, e.g. `.pulumi/locks/organization/p/s/<id>.json`. */
  key: string;
  /** Last modification (epoch ms) as the storage reports it. */
  modifiedMs: number;
}

/** A directory or a bucket prefix, with the few operations the provisioners need. */
export interface StateBackend {
  readonly spec: BackendSpec;
  /** The URL the CLI gets. */
  readonly url: string;
  /** For messages. */
  readonly description: string;
  /** The directory of a `file://` backend (undefined for S3). */
  readonly dir?: string;
  read(key: string): Promise<Buffer | undefined>;
  /** Objects whose key starts with `prefix`, with their modification time. */
  list(prefix: string): Promise<BackendObject[]>;
  write(key: string, body: string): Promise<void>;
  /** Deletes the object; resolves true if it existed (S3: always true, deletes are idempotent). */
  remove(key: string): Promise<boolean>;
  /** Full address of a key, for messages. */
  where(key: string): string;
}

export function createStateBackend(spec: BackendSpec): StateBackend {
  return spec.kind === 'file' ? fileBackend(spec) : s3Backend(spec);
}

function fileBackend(spec: Extract<BackendSpec, { kind: 'file' }>): StateBackend {
  const abs = (key: string) => path.join(spec.dir, ...key.split('/'));
  return {
    spec,
    url: spec.url,
    description: describeBackend(spec),
    dir: spec.dir,
    async read(key) {
      try {
        return await fs.promises.readFile(abs(key));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async list(prefix) {
      // Walk from the deepest directory named by the prefix.
      const cut = prefix.lastIndexOf('/');
      const start = cut >= 0 ? prefix.slice(0, cut) : '';
      const out: BackendObject[] = [];
      const walk = async (rel: string): Promise<void> => {
        let entries: fs.Dirent[];
        try {
          entries = await fs.promises.readdir(abs(rel), { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          const key = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) {
            if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
          } else if (key.startsWith(prefix)) {
            try {
              out.push({ key, modifiedMs: (await fs.promises.stat(abs(key))).mtimeMs });
            } catch {
              // removed meanwhile
            }
          }
        }
      };
      await walk(start);
      return out.sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async write(key, body) {
      const file = abs(key);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await fs.promises.writeFile(tmp, body);
      await fs.promises.rename(tmp, file);
    },
    async remove(key) {
      try {
        await fs.promises.unlink(abs(key));
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw e;
      }
    },
    where: abs,
  };
}

function s3Backend(spec: Extract<BackendSpec, { kind: 's3' }>): StateBackend {
  const envChecksums = process.env.AWS_REQUEST_CHECKSUM_CALCULATION || process.env.AWS_RESPONSE_CHECKSUM_VALIDATION;
  let client: S3Client | undefined;
  const s3 = () =>
    (client ??= new S3Client({
      region: spec.region,
      endpoint: spec.endpoint,
      forcePathStyle: spec.forcePathStyle,
      maxAttempts: 3,
      ...(spec.profile ? { profile: spec.profile } : {}),
      ...(spec.endpoint && !envChecksums ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
    }));
  const full = (key: string) => `${spec.prefix}${key}`;
  const fail = (what: string, key: string, err: unknown): Error => {
    const e = err as { name?: string; message?: string };
    return new Error(`Pulumi backend ${describeBackend(spec)}: ${what} ${key} failed (${e.name ?? 'Error'}: ${e.message ?? String(err)}); check provisioner.backend and the AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the instance role)`);
  };
  return {
    spec,
    url: spec.url,
    description: describeBackend(spec),
    async read(key) {
      try {
        const r = await s3().send(new GetObjectCommand({ Bucket: spec.bucket, Key: full(key) }));
        return Buffer.from(await r.Body!.transformToByteArray());
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
        throw fail('read', key, err);
      }
    },
    async list(prefix) {
      const out: BackendObject[] = [];
      let token: string | undefined;
      try {
        do {
          const r = await s3().send(new ListObjectsV2Command({ Bucket: spec.bucket, Prefix: full(prefix), ContinuationToken: token }));
          for (const o of r.Contents ?? []) {
            if (o.Key) out.push({ key: o.Key.slice(spec.prefix.length), modifiedMs: o.LastModified?.getTime() ?? 0 });
          }
          token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
      } catch (err) {
        throw fail('list', prefix, err);
      }
      return out;
    },
    async write(key, body) {
      try {
        await s3().send(new PutObjectCommand({ Bucket: spec.bucket, Key: full(key), Body: body, ContentType: 'application/json' }));
      } catch (err) {
        throw fail('write', key, err);
      }
    },
    async remove(key) {
      try {
        await s3().send(new DeleteObjectCommand({ Bucket: spec.bucket, Key: full(key) }));
        return true;
      } catch (err) {
        throw fail('delete', key, err);
      }
    },
    where: (key) => `s3://${spec.bucket}/${full(key)}`,
  };
}
