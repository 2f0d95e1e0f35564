import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { toolPath } from '../../config/tools';
import { freePort } from './prometheus';

/** A real local-kms process (built from Go modules by the toolchain) on a free port, with its own data dir. */
export interface LocalKms {
  endpoint: string;
  region: string;
  client(): KMSClient;
  createKey(): Promise<string>;
  stop(): Promise<void>;
}

/** local-kms checks no signature; the SDK still needs some credentials to sign with. */
export const LOCAL_KMS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocalKms(): Promise<LocalKms> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kinetic-kms-'));
  const region = 'us-east-1';
  const child: ChildProcess = spawn(toolPath('local-kms'), [], {
    env: { ...process.env, PORT: String(port), KMS_DATA_PATH: join(dir, 'data'), KMS_SEED_PATH: join(dir, 'no-seed.yaml'), KMS_REGION: region },
    stdio: 'ignore',
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 30_000;
  const answers = () =>
    new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
  while (!(await answers())) {
    if (exited) throw new Error(`local-kms (${toolPath('local-kms')}) exited during start-up`);
    if (Date.now() > deadline) throw new Error('local-kms did not listen within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = () => new KMSClient({ region, endpoint, credentials: LOCAL_KMS_CREDENTIALS });
  return {
    endpoint,
    region,
    client,
    async createKey() {
      const out = await client().send(new CreateKeyCommand({ Description: 'kinetic test', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' }));
      return out.KeyMetadata!.KeyId!;
    },
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    },
  };
}
