import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * A real S3-compatible server for tests: s3rver (filesystem-backed, speaks the S3 REST API, checks
 * SigV4 signatures with the key pair S3RVER/S3RVER) on 127.0.0.1 and a free port.
 *
 * s3rver 3.7 differs from AWS S3 in ways that would make tests flaky or wrong, so a middleware in
 * front of its router fixes them:
 * - it answers a PUT before the object file is fully written and streams GETs from the file being
 *   overwritten: requests to one key are serialised, a PUT returns once the file is complete and
 *   a GET body is buffered before the next request to that key runs (S3 PUTs are atomic);
 * - its ListObjectsV2 continuation tokens use DES, which OpenSSL 3 no longer offers (InternalError),
 *   and with a delimiter it misses prefixes more than one level deep: ListObjectsV2 is answered
 *   here from the store's key list, with S3's paging rules (and `LastModified`, which AWS always
 *   sends and the Pulumi CLI's S3 driver requires);
 * - it ignores If-Match / If-None-Match on PUT. With `conditionalWrites: true` they are checked
 *   against the current ETag and answered 412 PreconditionFailed as AWS S3 does; without it the
 *   store's fallback for servers without conditional writes runs.
 */

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  directory: string;
  close(): Promise<void>;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  type: string;
  body: unknown;
  get(header: string): string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverStore {
  getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
  getResourcePath(bucket: string, key: string, resource: string): string;
  listObjects(bucket: string, opts: { prefix: string }): Promise<{ objects: Array<{ key: string; size: number; lastModifiedDate: Date; metadata: { etag: string } }> }>;
}
interface S3rverInstance {
  middleware: Middleware[];
  store: S3rverStore;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;

// s3rver ships no type declarations; the interfaces above type what the tests use.
const S3rver = createRequire(join(process.cwd(), 'package.json'))('s3rver') as S3rverClass;

export async function startS3Server(opts: { bucket?: string; conditionalWrites?: boolean } = {}): Promise<S3TestServer> {
  const bucket = opts.bucket ?? 'kinetic-models';
  const directory = mkdtempSync(join(tmpdir(), 'kinetic-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  server.middleware.unshift(likeS3(server.store, opts.conditionalWrites ?? false));
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    directory,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function likeS3(store: S3rverStore, conditionalWrites: boolean): Middleware {
  const queues = new Map<string, Promise<unknown>>();
  const serialised = (id: string, fn: () => Promise<void>) => {
    const done = (queues.get(id) ?? Promise.resolve()).then(fn, fn);
    queues.set(
      id,
      done.catch(() => undefined),
    );
    return done;
  };
  return async (ctx, next) => {
    const [bucket, ...rest] = ctx.path.slice(1).split('/');
    const key = rest.map(decodeURIComponent).join('/');
    if (!key) {
      if (ctx.method === 'GET' && ctx.query['list-type'] === '2') return listObjectsV2(ctx, store, bucket, next);
      return next();
    }
    await serialised(`${bucket}/${key}`, async () => {
      if (ctx.method === 'PUT') {
        if (conditionalWrites && !(await preconditionsHold(ctx, store, bucket, key))) return;
        await next();
        if (ctx.status === 200) await fileComplete(store.getResourcePath(bucket, key, 'object'), Number(ctx.get('content-length')));
        return;
      }
      await next();
      if (ctx.body && typeof (ctx.body as Readable).pipe === 'function') ctx.body = await buffer(ctx.body as Readable);
    });
  };
}

async function preconditionsHold(ctx: KoaContext, store: S3rverStore, bucket: string, key: string): Promise<boolean> {
  const ifMatch = ctx.get('if-match');
  const ifNoneMatch = ctx.get('if-none-match');
  if (!ifMatch && !ifNoneMatch) return true;
  const etag = await store.getMetadata(bucket, key).then(
    (m) => m.etag,
    () => undefined,
  );
  if ((ifNoneMatch === '*' && etag) || (ifMatch && ifMatch !== etag)) {
    ctx.status = 412;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>${ifMatch ? 'If-Match' : 'If-None-Match'}</Condition></Error>`;
    return false;
  }
  return true;
}

/** ListObjectsV2 with prefix, delimiter, max-keys and an opaque continuation token (the last key returned). */
async function listObjectsV2(ctx: KoaContext, store: S3rverStore, bucket: string, next: () => Promise<void>): Promise<void> {
  const prefix = ctx.query.prefix ?? '';
  const delimiter = ctx.query.delimiter ?? '';
  const maxKeys = Math.min(1000, Number(ctx.query['max-keys'] ?? 1000));
  const token = ctx.query['continuation-token'];
  const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (ctx.query['start-after'] ?? '');
  let listed;
  try {
    listed = await store.listObjects(bucket, { prefix });
  } catch {
    return next(); // let s3rver answer (NoSuchBucket and friends)
  }
  const entries: Array<{ key: string; size?: number; etag?: string; modified?: Date; isPrefix: boolean }> = [];
  const seen = new Set<string>();
  for (const o of [...listed.objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const cut = delimiter ? o.key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const p = o.key.slice(0, cut + delimiter.length);
      if (!seen.has(p)) entries.push({ key: p, isPrefix: true });
      seen.add(p);
    } else entries.push({ key: o.key, size: o.size, etag: o.metadata.etag, modified: o.lastModifiedDate, isPrefix: false });
  }
  const remaining = entries.filter((e) => e.key > after);
  const page = remaining.slice(0, maxKeys);
  const truncated = remaining.length > page.length;
  const x = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Name>${x(bucket)}</Name><Prefix>${x(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>`,
    delimiter ? `<Delimiter>${x(delimiter)}</Delimiter>` : '',
    `<IsTruncated>${truncated}</IsTruncated>`,
    truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1].key).toString('base64url')}</NextContinuationToken>` : '',
    ...page.map((e) =>
      e.isPrefix ? `<CommonPrefixes><Prefix>${x(e.key)}</Prefix></CommonPrefixes>` : `<Contents><Key>${x(e.key)}</Key><LastModified>${(e.modified ?? new Date(0)).toISOString()}</LastModified><ETag>${x(e.etag ?? '')}</ETag><Size>${e.size ?? 0}</Size></Contents>`,
    ),
    '</ListBucketResult>',
  ].join('');
}

async function fileComplete(file: string, size: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      if (!Number.isFinite(size) || statSync(file).size >= size) return;
    } catch {
      /* not created yet */
    }
    if (Date.now() > deadline) throw new Error(`s3rver did not finish writing ${file} within 5 s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function buffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}
