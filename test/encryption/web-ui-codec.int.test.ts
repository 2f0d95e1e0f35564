import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedServer, EmbeddedServer } from '../../cli/embedded-server';
import { KineticClient } from '../../client';
import { loadConfig } from '../../config/load';
import { REPO_ROOT } from '../../config/tools';
import { dataConverterFromConfig, uiCodecEndpointFromConfig } from '../../encryption/from-config';
import { createKineticWorker } from '../../worker';
import { renderedDom, screenshot } from '../helpers/chromium';
import { freePort } from '../helpers/prometheus';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { FAST_TIMEOUTS } from '../helpers/temporal';

const SERVICE = 'enc-ui';
const APPROVER = 'enc-ui-approver@example.com';
const COMMENT = 'ui-visible-comment-5c1d';
const TOKEN_ENV = 'KINETIC_TEST_CODEC_TOKENS';
const OUT = join(REPO_ROOT, '.kinetic', 'test-output', 'encrypted-ui');

const cleanups: Array<() => Promise<unknown> | unknown> = [];
beforeAll(() => {
  // Worker lifecycle INFO lines drown test output (as in test/helpers/temporal.ts).
  Runtime.install({ logger: new DefaultLogger('WARN') });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** `kinetic codec-server` as a real process; resolves once it listens. */
function startCodecServer(configPath: string, token: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'kinetic.js'), 'codec-server', '--config', configPath], {
    env: { ...process.env, [TOKEN_ENV]: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('codec server on')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => reject(new Error(`kinetic codec-server exited (${code}): ${out}`)));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

describe('the Temporal Web UI with kinetic codec-server', () => {
  it('shows a decision readable through the codec endpoint, and encrypted without it', async () => {
    const token = randomBytes(24).toString('hex');
    process.env[TOKEN_ENV] = token;
    const sb = createSandbox();
    const [port, uiPort, codecPort] = [await freePort(), await freePort(), await freePort()];
    writeFileSync(join(sb.dir, 'history.keys'), `ui-2026:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    sb.writeConfig(
      { [SERVICE]: serviceConfig(sb.csv(SERVICE, flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: [APPROVER], timeout: '30s' } }) },
      { encryption: { keys: { file: 'history.keys' }, codecServer: { port: codecPort, uiOrigins: [`http://127.0.0.1:${uiPort}`], tokens: { env: TOKEN_ENV } } } },
    );
    const endpoint = uiCodecEndpointFromConfig(loadConfig(sb.configPath));
    expect(endpoint).toBe(`http://127.0.0.1:${codecPort}/ui/${token}`);

    const dbFile = join(sb.dir, 'dev.sqlite');
    const server: EmbeddedServer = await startEmbeddedServer({ ip: '127.0.0.1', port, uiPort, dbFile, logFile: join(sb.dir, 'server.log'), addressFile: join(sb.dir, 'address'), uiCodecEndpoint: endpoint });
    cleanups.push(() => server.stop());
    const codecServer = await startCodecServer(sb.configPath, token);
    let log = '';
    codecServer.stderr!.on('data', (d: Buffer) => (log += d));
    const codecLog = () => log;
    cleanups.push(() => stopProcess(codecServer));

    // One decision that needed a person, run by a worker and a client with the config's codec.
    const dataConverter = dataConverterFromConfig(sb.configPath);
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const kinetic = new KineticClient(new Client({ connection, namespace: 'default', dataConverter }), `enc-ui-${randomBytes(4).toString('hex')}`);
    const native = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => native.close());
    const worker = await createKineticWorker({ connection: native, taskQueue: kinetic.taskQueue, workflowBundlePath: inject('workflowBundlePath'), configPath: sb.configPath });
    const rec = await worker.runUntil(async () => {
      const s = await kinetic.startDecision(SERVICE, { timeouts: FAST_TIMEOUTS });
      while ((await kinetic.getDecision(s.decisionId).catch(() => undefined))?.stage !== 'approval') await new Promise((r) => setTimeout(r, 100));
      await kinetic.approve(s.decisionId, APPROVER, COMMENT);
      return kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');

    mkdirSync(OUT, { recursive: true });
    // Two pages: the decision (its input and result) and the approval (the Update carrying who and why).
    const history = await kinetic.client.workflow.getHandle(rec.workflowId, rec.runId).fetchHistory();
    const approval = history.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!;
    const decisionPage = `${server.uiUrl}/namespaces/default/workflows/${rec.workflowId}/${rec.runId}/history`;
    const approvalPage = `${decisionPage}/events/${approval.eventId}`;
    const shots: string[] = [];
    /** The page's visible text (code views split JSON into spans), plus a screenshot in the output dir. */
    async function visit(url: string, name: string): Promise<string> {
      const file = join(OUT, `${name}.png`);
      await screenshot(url, file);
      expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
      shots.push(file);
      return (await renderedDom(url)).replace(/<[^>]+>/g, '');
    }

    // With the codec server: the browser decodes through it, and the records read as JSON.
    const decision = await visit(decisionPage, 'decision-with-codec');
    expect(decision).toContain(rec.workflowId); // the page rendered the workflow at all
    expect(decision).toContain(`"decisionId": "${rec.id}"`); // input
    expect(decision).toContain('"stepSeconds": 10');
    expect(decision).toContain(`"workflowId": "${rec.workflowId}"`); // result
    const approved = await visit(approvalPage, 'approval-with-codec');
    expect(approved).toContain(`"identity": "${APPROVER}"`);
    expect(approved).toContain(`"comment": "${COMMENT}"`);
    expect(codecLog()).not.toMatch(/refused/);

    // Without it (stopped): the same pages show only the encrypted payloads.
    await stopProcess(codecServer);
    for (const [url, name] of [[decisionPage, 'decision-without-codec'], [approvalPage, 'approval-without-codec']]) {
      const sealed = await visit(url, name);
      expect(sealed).toContain(rec.workflowId);
      expect(sealed).toMatch(/binary\/encrypted|YmluYXJ5L2VuY3J5cHRlZA/);
      for (const plaintext of [APPROVER, COMMENT, '"decisionId"', '"stepSeconds"', '"identity": "enc']) expect(sealed, `${plaintext} on ${name}`).not.toContain(plaintext);
    }
    console.log(`Web UI screenshots:\n${shots.map((f) => `  ${f}`).join('\n')}`);

    // The dev server's SQLite file (and its write-ahead log) hold the history: no plaintext in them.
    await server.stop();
    const stored = Buffer.concat([dbFile, `${dbFile}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
    expect(stored.includes(rec.workflowId)).toBe(true); // the right file
    for (const plaintext of [APPROVER, COMMENT, 'projectedMonthly', 'decidedBy']) expect(stored.includes(plaintext), plaintext).toBe(false);
  }, 180_000);
});
