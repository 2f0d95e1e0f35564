import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { ModelStoreConfig } from '../config/schema';
import type { ModelStore, ModelVersion, PromotionEvent, ServiceIndex, VersionStatus } from './model-store';
import { byAge, checkVersionId, rollbackTarget } from './model-store-file';
import { addWeightsVersion, type NewWeightsVersion, type WeightsFile, type WeightsVersion } from './weights-store';

/**
 * Model versions in an S3-compatible bucket: `<prefix><service>/versions/<id>.json` (one JSON
 * object per version), `<prefix><service>/index.json` (champions + promotion history) and
 * `<prefix><service>/weights.json` (the ensemble weight versions, changed like the index).
 *
 * Concurrency: the index is changed read-modify-write with `If-Match: <etag>` (or
 * `If-None-Match: *` when it does not exist yet) and retried on 412/409, so two promotions from
 * different processes never lose an update; `put` creates with `If-None-Match: *`, which also
 * makes it idempotent. Servers that ignore these headers (older S3-compatible ones such as
 * s3rver) are detected with a probe object; then writes of one store location are serialised
 * inside this process and each index write is read back and retried if another writer replaced
 * it — safe for one worker process, best effort across processes (stated in the README).
 *
 * The index is the truth about who is champion: a version read back is shown as champion only
 * if the index says so (its stored status is updated after the index, and may lag after a crash).
 */

export type S3ModelStoreConfig = Extract<ModelStoreConfig, { type: 's3' }>;

export interface S3ModelStoreOptions {
  /** A ready client (tests); otherwise one is built from the config and the default AWS credential chain. */
  client?: S3Client;
  /** Explicit credentials instead of the default chain (env, profile, instance role). */
  credentials?: S3ClientConfig['credentials'];
  /** auto: probe the server; require: refuse servers without conditional writes; off: never send them. */
  conditionalWrites?: 'auto' | 'require' | 'off';
  /**
   * Flexible checksums. Since early 2025 the SDK adds CRC32 checksums (x-amz-checksum-*, and an
   * aws-chunked trailer for streamed bodies) to every PutObject by default; AWS S3 understands them,
   * but several S3-compatible servers (older MinIO and Ceph RGW, R2, OCI/COS/OSS) reject them
   * (XAmzContentSHA256Mismatch, "aws-chunked encoding is not supported"). Default: WHEN_REQUIRED
   * when `endpoint` is set (not AWS), the SDK default (WHEN_SUPPORTED) otherwise;
   * AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION, when set, win over the default.
   */
  checksums?: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  /** ListObjectsV2 page size (S3's maximum is 1000; tests use small pages to cover pagination). */
  pageSize?: number;
  /** SDK attempts per request (network errors, 5xx); default 3. */
  maxAttempts?: number;
  /** Read-modify-write attempts of one index change under contention; default 30. */
  maxConflictRetries?: number;
}

/** A model-store failure that names the kinetic.yaml field to fix. */
export class ModelStoreConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ModelStoreConfigError';
  }
}

type WriteCondition = { ifMatch: string } | { ifNoneMatch: '*' } | undefined;
interface Stored<T> {
  body: T;
  etag?: string;
}

/** Per store location (bucket + prefix + service) in this process, when the server has no conditional writes. */
const localQueues = new Map<string, Promise<unknown>>();

export class S3ModelStore implements ModelStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private readonly where: string;
  private conditional?: Promise<boolean>;

  constructor(
    private readonly config: S3ModelStoreConfig,
    private readonly opts: S3ModelStoreOptions = {},
  ) {
    this.bucket = config.bucket;
    this.prefix = config.prefix === '' || config.prefix.endsWith('/') ? config.prefix : `${config.prefix}/`;
    this.where = config.endpoint ? `${config.endpoint} (bucket "${config.bucket}")` : `AWS S3 bucket "${config.bucket}" in ${config.region}`;
    this.client = opts.client ?? new S3Client(clientConfig(config, opts));
  }

  private versionKey(service: string, id: string) {
    return `${this.prefix}${checkVersionId(service)}/versions/${checkVersionId(id)}.json`;
  }
  private indexKey(service: string) {
    return `${this.prefix}${checkVersionId(service)}/index.json`;
  }
  private weightsKey(service: string) {
    return `${this.prefix}${checkVersionId(service)}/weights.json`;
  }

  async put(v: ModelVersion): Promise<boolean> {
    const key = this.versionKey(v.service, v.id);
    if (await this.hasConditionalWrites()) return (await this.putJson(key, v, { ifNoneMatch: '*' })) === 'ok';
    return this.serialised(v.service, async () => {
      if (await this.getJson<ModelVersion>(key)) return false;
      await this.putJson(key, v, undefined);
      return true;
    });
  }

  async get(service: string, id: string): Promise<ModelVersion | undefined> {
    const [v, ix] = await Promise.all([this.getJson<ModelVersion>(this.versionKey(service, id)), this.readIndex(service)]);
    return v && withIndexStatus(v.body, ix.body);
  }

  async list(service: string, model?: string): Promise<ModelVersion[]> {
    const keys = (await this.listKeys(`${this.prefix}${checkVersionId(service)}/versions/`)).filter((k) => k.endsWith('.json'));
    const ix = (await this.readIndex(service)).body;
    const out: ModelVersion[] = [];
    // A few GETs at a time: enough to hide latency without opening hundreds of sockets.
    for (let i = 0; i < keys.length; i += 8) {
      const batch = await Promise.all(keys.slice(i, i + 8).map((k) => this.getJson<ModelVersion>(k)));
      for (const v of batch) if (v && (!model || v.body.model === model)) out.push(withIndexStatus(v.body, ix));
    }
    return out.sort(byAge);
  }

  async services(): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.send('list services', this.prefix, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, Delimiter: '/', ContinuationToken: token, MaxKeys: this.opts.pageSize })),
      );
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix.slice(this.prefix.length).replace(/\/$/, ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }

  async champions(service: string): Promise<Record<string, string>> {
    return (await this.readIndex(service)).body.champions;
  }

  async champion(service: string, model: string): Promise<ModelVersion | undefined> {
    const id = (await this.champions(service))[model];
    return id ? this.get(service, id) : undefined;
  }

  async promotions(service: string): Promise<PromotionEvent[]> {
    return (await this.readIndex(service)).body.promotions;
  }

  async promote(service: string, id: string, by: string, reason: string): Promise<ModelVersion> {
    const found = await this.getJson<ModelVersion>(this.versionKey(service, id));
    if (!found) throw new Error(`no model version ${id} for ${service}; see \`kinetic models list ${service}\``);
    const v = found.body;
    let previous: string | undefined;
    const changed = await this.updateIndex(service, (ix) => {
      previous = ix.champions[v.model];
      if (previous === id) return false;
      ix.champions[v.model] = id;
      ix.promotions.push({ at: new Date().toISOString(), model: v.model, from: previous, to: id, by, reason });
      return true;
    });
    // Statuses follow the index (reads reconcile them with it, so a crash here loses nothing).
    if (changed && previous) await this.setStatus(service, previous, 'retired');
    return this.setStatus(service, id, 'champion', changed ? reason : undefined);
  }

  async reject(service: string, id: string, reason: string): Promise<ModelVersion> {
    return this.setStatus(service, id, 'rejected', reason);
  }

  async rollback(service: string, model: string, by: string): Promise<ModelVersion> {
    const { current, target } = rollbackTarget(service, model, (await this.readIndex(service)).body);
    return this.promote(service, target, by, `rollback from ${current}`);
  }

  async weights(service: string): Promise<WeightsVersion[]> {
    return (await this.getJson<WeightsFile>(this.weightsKey(service)))?.body.versions ?? [];
  }

  async appendWeights(v: NewWeightsVersion): Promise<WeightsVersion> {
    let out: WeightsVersion | undefined;
    await this.updateDoc<WeightsFile>(v.service, this.weightsKey(v.service), { versions: [] }, (data) => {
      const r = addWeightsVersion(data, v);
      out = r.version;
      return r.added;
    });
    return out!;
  }

  /**
   * Whether the server honours If-Match / If-None-Match on PUT: a second create of the probe
   * object must fail with 412. Asked once per store instance.
   */
  hasConditionalWrites(): Promise<boolean> {
    const mode = this.opts.conditionalWrites ?? 'auto';
    if (mode === 'off') return Promise.resolve(false);
    this.conditional ??= (async () => {
      const key = `${this.prefix}.conditional-write-probe`;
      await this.putJson(key, { probe: true }, { ifNoneMatch: '*' }).catch(ignoreNotImplemented);
      const second = await this.putJson(key, { probe: true }, { ifNoneMatch: '*' }).catch(ignoreNotImplemented);
      await this.send('delete probe', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
      const supported = second === 'conflict';
      if (!supported && mode === 'require') {
        throw new ModelStoreConfigError('modelStore.endpoint', `${this.where} ignores conditional writes (If-None-Match); use a server that supports them (AWS S3, MinIO ≥ 2024) or allow the in-process fallback`);
      }
      return supported;
    })();
    // A failed probe (bucket missing, server down) is asked again next time.
    this.conditional.catch(() => (this.conditional = undefined));
    return this.conditional;
  }

  private async readIndex(service: string): Promise<Stored<ServiceIndex>> {
    return (await this.getJson<ServiceIndex>(this.indexKey(service))) ?? { body: { champions: {}, promotions: [] } };
  }

  /** Read-modify-write of the index; `change` returns false when there is nothing to write. */
  private updateIndex(service: string, change: (ix: ServiceIndex) => boolean): Promise<boolean> {
    return this.updateDoc<ServiceIndex>(service, this.indexKey(service), { champions: {}, promotions: [] }, change);
  }

  /** Read-modify-write of one JSON object of a service (index, weights) that several writers change. */
  private async updateDoc<T>(service: string, key: string, empty: T, change: (doc: T) => boolean): Promise<boolean> {
    const conditional = await this.hasConditionalWrites();
    const read = async (): Promise<Stored<T>> => (await this.getJson<T>(key)) ?? { body: structuredClone(empty) };
    const attempt = async (): Promise<boolean | 'retry'> => {
      const current = await read();
      const ix = structuredClone(current.body);
      if (!change(ix)) return false;
      if (conditional) {
        const cond: WriteCondition = current.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' };
        return (await this.putJson(key, ix, cond)) === 'ok' ? true : 'retry';
      }
      await this.putJson(key, ix, undefined);
      // Without conditions, check that no other process replaced the object in between.
      return JSON.stringify((await read()).body) === JSON.stringify(ix) ? true : 'retry';
    };
    const run = async () => {
      const tries = this.opts.maxConflictRetries ?? 30;
      for (let i = 0; i < tries; i++) {
        const r = await attempt();
        if (r !== 'retry') return r;
        await new Promise((res) => setTimeout(res, 10 + Math.random() * 20 * Math.min(i + 1, 10)));
      }
      throw new Error(`model store ${this.where}: ${key} kept changing under ${tries} attempts; try again`);
    };
    return conditional ? run() : this.serialised(service, run);
  }

  private async setStatus(service: string, id: string, status: VersionStatus, verdict?: string): Promise<ModelVersion> {
    const key = this.versionKey(service, id);
    const conditional = await this.hasConditionalWrites();
    const write = async (): Promise<ModelVersion> => {
      for (let i = 0; ; i++) {
        const found = await this.getJson<ModelVersion>(key);
        if (!found) throw new Error(`no model version ${id} for ${service}; see \`kinetic models list ${service}\``);
        const next: ModelVersion = { ...found.body, status, verdict: verdict ?? found.body.verdict };
        const cond: WriteCondition = conditional && found.etag ? { ifMatch: found.etag } : undefined;
        if ((await this.putJson(key, next, cond)) === 'ok') return withIndexStatus(next, (await this.readIndex(service)).body);
        if (i >= (this.opts.maxConflictRetries ?? 30)) throw new Error(`model store ${this.where}: ${key} kept changing; try again`);
      }
    };
    return conditional ? write() : this.serialised(service, write);
  }

  private async getJson<T>(key: string): Promise<Stored<T> | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await res.Body!.transformToString();
      try {
        return { body: JSON.parse(text) as T, etag: res.ETag };
      } catch (e) {
        throw new Error(`model store ${this.where}: ${key} is not valid JSON (${(e as Error).message}); restore it from a backup or delete it`);
      }
    } catch (e) {
      if (isStatus(e, 404) && errorName(e) !== 'NoSuchBucket') return undefined;
      throw this.explain(e, 'read', key);
    }
  }

  private async putJson(key: string, value: unknown, cond: WriteCondition): Promise<'ok' | 'conflict'> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(value, null, 2),
          ContentType: 'application/json',
          IfMatch: cond && 'ifMatch' in cond ? cond.ifMatch : undefined,
          IfNoneMatch: cond && 'ifNoneMatch' in cond ? cond.ifNoneMatch : undefined,
        }),
      );
      return 'ok';
    } catch (e) {
      // 412: the condition failed; 409: a concurrent conditional write won the race (AWS).
      if (cond && (isStatus(e, 412) || isStatus(e, 409))) return 'conflict';
      throw this.explain(e, 'write', key);
    }
  }

  private async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.send('list', prefix, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.opts.pageSize })),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async send<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.explain(e, what, key);
    }
  }

  /** Runs `fn` after every earlier serialised write of this service's location in this process. */
  private serialised<T>(service: string, fn: () => Promise<T>): Promise<T> {
    const id = `${this.config.endpoint ?? this.config.region}|${this.bucket}|${this.prefix}${service}`;
    const prev = localQueues.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    localQueues.set(
      id,
      next.catch(() => undefined),
    );
    return next;
  }

  /** Turns SDK and network errors into messages that name the kinetic.yaml field to fix. */
  private explain(e: unknown, what: string, key: string): Error {
    if (e instanceof ModelStoreConfigError) return e;
    const name = errorName(e);
    const code = (e as NodeJS.ErrnoException)?.code ?? '';
    const message = (e as Error)?.message ?? String(e);
    if (name === 'NoSuchBucket') {
      return new ModelStoreConfigError('modelStore.bucket', `bucket "${this.bucket}" does not exist at ${this.where}; create it or fix modelStore.bucket in kinetic.yaml`);
    }
    if (['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'ExpiredToken', 'InvalidToken'].includes(name) || isStatus(e, 403)) {
      return new ModelStoreConfigError(
        'modelStore.bucket',
        `access denied (${name}) to ${what} s3://${this.bucket}/${key} at ${this.where}; check the AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the instance role) and that they may read and write modelStore.bucket under modelStore.prefix "${this.prefix}"`,
      );
    }
    if (name === 'CredentialsProviderError') {
      return new ModelStoreConfigError('modelStore', `no AWS credentials found for ${this.where}: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE (${message})`);
    }
    if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code) || name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|getaddrinfo/.test(message)) {
      const field = this.config.endpoint ? 'modelStore.endpoint' : 'modelStore.region';
      return new ModelStoreConfigError(field, `cannot reach ${this.config.endpoint ?? `AWS S3 in ${this.config.region}`} (${code || name}: ${message}); fix ${field} in kinetic.yaml or start the server`);
    }
    return new Error(`model store ${this.where}: ${what} ${key} failed (${name}: ${message})`);
  }
}

function clientConfig(config: S3ModelStoreConfig, opts: S3ModelStoreOptions): S3ClientConfig {
  const envSet = process.env.AWS_REQUEST_CHECKSUM_CALCULATION || process.env.AWS_RESPONSE_CHECKSUM_VALIDATION;
  const checksums = opts.checksums ?? (config.endpoint && !envSet ? 'WHEN_REQUIRED' : undefined);
  return {
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: opts.credentials,
    maxAttempts: opts.maxAttempts ?? 3,
    ...(checksums ? { requestChecksumCalculation: checksums, responseChecksumValidation: checksums } : {}),
  };
}

/** The stored status, corrected by the index (the champion of a model is whatever the index names). */
function withIndexStatus(v: ModelVersion, ix: ServiceIndex): ModelVersion {
  const isChampion = ix.champions[v.model] === v.id;
  if (isChampion && v.status !== 'champion') return { ...v, status: 'champion' };
  if (!isChampion && v.status === 'champion') return { ...v, status: 'retired' };
  return v;
}

function errorName(e: unknown): string {
  return (e as { name?: string; Code?: string })?.Code ?? (e as { name?: string })?.name ?? 'Error';
}

function isStatus(e: unknown, status: number): boolean {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === status;
}

/** A server that answers 501 to conditional headers does not support them: treat like "ignored". */
function ignoreNotImplemented(e: unknown): 'ok' {
  if (isStatus(e, 501) || errorName(e) === 'NotImplemented') return 'ok';
  throw e;
}
