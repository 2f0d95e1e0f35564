import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import { FileAuditLog } from '../../store/audit';
import { bookOf } from '../helpers/budget';
import { kinetic } from '../helpers/cli';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';
import { expectReplays } from '../helpers/replay';

let t: TestTemporal;
let server: Server;
const received: Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown> }> = [];
beforeAll(async () => {
  t = await connectTestTemporal();
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await t?.close();
});

/** A web service whose verification and rollback both fail: compensation fails after a 2 → 6 apply. */
function brokenRollbackSandbox() {
  const sb = createSandbox();
  const company = `ops-${randomUUID().slice(0, 8)}`;
  const webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  sb.writeConfig(
    { needsop: serviceConfig(sb.csv('needsop', flat(55)), { provisioner: { type: 'fault-injecting', initialInstances: 2, failVerify: true, failRollback: true } }) },
    { taskQueue: t.taskQueue, budgets: { company: { name: company, monthly: 1_000_000 }, alerts: { webhook } } },
  );
  return { sb, root: `company:${company}` };
}

async function waitForStage(id: string, stage: string) {
  for (let i = 0; i < 400; i++) {
    const rec = await t.kinetic.getDecision(id);
    if (rec.stage === stage) return rec;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${id} never reached stage ${stage}`);
}

describe('compensation-failed holds the reservation and waits for an operator', () => {
  it('alerts, keeps the reservation, refuses non-approvers, and releases it once the operator fixed the fleet', async () => {
    const { sb, root } = brokenRollbackSandbox();
    await withWorker(t, { configPath: sb.configPath }, async () => {
      const { decisionId } = await t.kinetic.startDecision('needsop', { timeouts: FAST_TIMEOUTS });
      const waiting = await waitForStage(decisionId, 'needs-operator');
      expect(waiting.outcome).toBe('compensation-failed');
      expect(waiting.compensation.map((c) => [c.step, c.ok])).toEqual([['rollback capacity', false], ['hold budget', true]]);
      expect(waiting.budget?.released).toBe(false);
      // The authority still holds the reservation (the decision runs, so its sweep keeps it).
      expect((await bookOf(t, root)).reservations.map((r) => r.decisionId)).toEqual([decisionId]);

      // The error alert reached the webhook once per key.
      for (let i = 0; i < 100 && !received.some((r) => r.body.decisionId === decisionId); i++) await new Promise((r) => setTimeout(r, 100));
      const alert = received.find((r) => r.body.decisionId === decisionId)!;
      expect(alert.headers['idempotency-key']).toBe(`${decisionId}/compensation-failed`);
      expect(alert.body).toMatchObject({ kind: 'kinetic.compensation-failed', severity: 'error', service: 'needsop', idempotencyKey: `${decisionId}/compensation-failed` });
      expect(alert.body.resolveWith).toMatch(new RegExp(`^kinetic resolve ${decisionId} --as`));

      await expect(t.kinetic.resolve(decisionId, 'mallory@example.com')).rejects.toThrow();
      // The operator puts the fleet back by hand, then resolves.
      await new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 2 }).rollback({ service: 'needsop', tiers: { default: 2 }, total: 2 });
      const resolved = await t.kinetic.resolve(decisionId, 'alice@example.com', 'rolled back by hand');
      expect(resolved.resolution).toMatchObject({ by: 'alice@example.com', comment: 'rolled back by hand', budget: 'released', fleet: { total: 2 } });

      const rec = await t.kinetic.waitForDecision(decisionId);
      expect(rec.outcome).toBe('compensation-failed');
      expect(rec.reason).toMatch(/resolved by alice@example.com with the fleet at 2 instances \(not the plan's 6\): reservation released: rolled back by hand/);
      expect(rec.operatorAlert).toMatchObject({ ok: true, detail: 'HTTP 204' });
      const book = await bookOf(t, root);
      expect(book.reservations).toEqual([]);
      expect(book.committed).toEqual({});
      const audit = await new FileAuditLog(sb.stateRoot).all();
      expect(audit.map((r) => [r.outcome, r.resolution?.budget])).toEqual([['compensation-failed', 'released']]);
      // The path with the refused and the accepted resolve Update replays deterministically.
      await expectReplays(t, rec.workflowId, rec.runId);
    });
  });

  it('kinetic resolve --json: a fleet left at the plan commits the held reservation', async () => {
    const { sb, root } = brokenRollbackSandbox();
    await withWorker(t, { configPath: sb.configPath }, async () => {
      const { decisionId } = await t.kinetic.startDecision('needsop', { timeouts: FAST_TIMEOUTS });
      await waitForStage(decisionId, 'needs-operator');
      const refused = await kinetic(['resolve', decisionId, '--as', 'eve@example.com', '--config', sb.configPath]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/"eve@example.com" may not resolve decisions of needsop; approvers: alice@example.com/);
      const out = await kinetic(['resolve', decisionId, '--as', 'alice@example.com', '--json', '--config', sb.configPath]);
      expect(out.code).toBe(0);
      const resolved = JSON.parse(out.stdout.trim()) as { id: string; outcome: string; resolution: unknown };
      expect(resolved).toMatchObject({ id: decisionId, outcome: 'compensation-failed', resolution: { by: 'alice@example.com', budget: 'committed', fleet: { total: 6 } } });
      await t.kinetic.waitForDecision(decisionId);
      const book = await bookOf(t, root);
      expect(book.reservations).toEqual([]);
      expect(Object.keys(book.committed)).toEqual(['needsop']);
    });
  });
});
