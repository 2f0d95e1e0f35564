import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelStore, FileModelStore, S3ModelStore } from '../../store/model-store';
import type { S3ModelStoreConfig, S3ModelStoreOptions } from '../../store/s3-model-store';
import { S3RVER_CREDENTIALS, S3TestServer, startS3Server } from '../helpers/s3-server';
import { modelStoreContract, version } from './model-store-contract';

let prefixes = 0;
const s3Config = (server: S3TestServer, prefix = `t${++prefixes}/`): S3ModelStoreConfig => ({
  type: 's3',
  bucket: server.bucket,
  prefix,
  region: 'us-east-1',
  endpoint: server.endpoint,
  forcePathStyle: true,
});
const s3Options: S3ModelStoreOptions = { credentials: S3RVER_CREDENTIALS, pageSize: 2, maxAttempts: 1 };

describe('file model store', () => {
  modelStoreContract(async () => {
    const root = mkdtempSync(join(tmpdir(), 'kinetic-models-'));
    return { store: new FileModelStore(root), another: () => new FileModelStore(root) };
  });
});

describe('S3 model store, server with conditional writes', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server({ conditionalWrites: true });
  });
  afterAll(() => server.close());

  modelStoreContract(async () => {
    const cfg = s3Config(server);
    // Separate clients: the second store is another process's view of the same bucket.
    const store = new S3ModelStore(cfg, { ...s3Options, conditionalWrites: 'require' });
    return { store, another: () => new S3ModelStore(cfg, { ...s3Options, conditionalWrites: 'require' }) };
  });

  it('detects conditional writes and keeps every object as JSON under the prefix', async () => {
    const cfg = s3Config(server, 'plain-prefix');
    const store = new S3ModelStore(cfg, s3Options);
    expect(await store.hasConditionalWrites()).toBe(true);
    await store.put(version('v1', '2026-01-01'));
    await store.promote('web', 'v1', 'me', 'first');
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const listed = await store.client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'plain-prefix/' }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(['plain-prefix/web/index.json', 'plain-prefix/web/versions/v1.json']);
  });

  it('a promotion that read a stale index gets 412, re-reads and keeps the other promotion', async () => {
    const cfg = s3Config(server);
    const a = new S3ModelStore(cfg, s3Options);
    const b = new S3ModelStore(cfg, s3Options);
    await a.put(version('e1', '2026-01-01', 'ewma'));
    await a.put(version('t1', '2026-01-01', 'ets'));
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const send = a.client.send.bind(a.client);
    const indexWrites: string[] = [];
    let interleaved = false;
    // Right before a's first index write, b promotes another model: a's If-Match is now stale.
    a.client.send = (async (cmd: { input: { Key?: string; IfMatch?: string; IfNoneMatch?: string } }) => {
      if (cmd instanceof PutObjectCommand && cmd.input.Key!.endsWith('/index.json')) {
        if (!interleaved) {
          interleaved = true;
          await b.promote('web', 't1', 'b', 'meanwhile');
        }
        try {
          return await send(cmd as never);
        } catch (e) {
          indexWrites.push((e as Error).name);
          throw e;
        }
      }
      return send(cmd as never);
    }) as typeof a.client.send;
    await a.promote('web', 'e1', 'a', 'first');
    expect(indexWrites).toEqual(['PreconditionFailed']);
    expect(await b.champions('web')).toEqual({ ewma: 'e1', ets: 't1' });
    expect((await b.promotions('web')).map((p) => p.by)).toEqual(['b', 'a']);
  });

  it('createModelStore picks the backend from modelStore and reads credentials from the environment', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
    try {
      const s3 = createModelStore(s3Config(server), '/nonexistent');
      expect(s3).toBeInstanceOf(S3ModelStore);
      expect(await s3.put(version('v1', '2026-01-01'))).toBe(true);
      expect(createModelStore({ type: 'file' }, '/tmp/x')).toBeInstanceOf(FileModelStore);
      expect(createModelStore(undefined, '/tmp/x')).toBeInstanceOf(FileModelStore);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  it('errors name the config field: missing bucket, wrong credentials, unreachable endpoint', async () => {
    const noBucket = new S3ModelStore({ ...s3Config(server), bucket: 'no-such-bucket' }, s3Options);
    await expect(noBucket.put(version('v1', '2026-01-01'))).rejects.toThrow(/^modelStore\.bucket: bucket "no-such-bucket" does not exist/);
    await expect(noBucket.list('web')).rejects.toThrow(/^modelStore\.bucket: bucket "no-such-bucket" does not exist/);

    const denied = new S3ModelStore(s3Config(server), { ...s3Options, credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' } });
    await expect(denied.get('web', 'v1')).rejects.toThrow(/^modelStore\.bucket: access denied \(InvalidAccessKeyId\).*AWS_ACCESS_KEY_ID/);

    const down = new S3ModelStore({ ...s3Config(server), endpoint: 'http://127.0.0.1:1' }, s3Options);
    await expect(down.champions('web')).rejects.toThrow(/^modelStore\.endpoint: cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED/);
  });
});

describe('S3 client settings', () => {
  it('asks for checksums only when required on custom endpoints, and keeps the SDK default for AWS', async () => {
    const custom = new S3ModelStore({ type: 's3', bucket: 'b-1', prefix: 'p/', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
    expect(await custom.client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await custom.client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    const aws = new S3ModelStore({ type: 's3', bucket: 'b-1', prefix: 'p', region: 'eu-west-1', forcePathStyle: false });
    expect(await aws.client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
    expect(aws.prefix).toBe('p/');
    const forced = new S3ModelStore({ type: 's3', bucket: 'b-1', prefix: '', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true }, { checksums: 'WHEN_SUPPORTED' });
    expect(await forced.client.config.requestChecksumCalculation()).toBe('WHEN_SUPPORTED');
  });
});

describe('S3 model store, server that ignores conditional writes (s3rver as shipped)', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(() => server.close());

  // Falls back to serialising writes in this process (both stores of the race share it).
  modelStoreContract(async () => {
    const cfg = s3Config(server);
    return { store: new S3ModelStore(cfg, s3Options), another: () => new S3ModelStore(cfg, s3Options) };
  });

  it('notices that the server ignores If-None-Match, and `require` refuses it', async () => {
    expect(await new S3ModelStore(s3Config(server), s3Options).hasConditionalWrites()).toBe(false);
    const strict = new S3ModelStore(s3Config(server), { ...s3Options, conditionalWrites: 'require' });
    await expect(strict.put(version('v1', '2026-01-01'))).rejects.toThrow(/^modelStore\.endpoint: .* ignores conditional writes/);
  });
});
