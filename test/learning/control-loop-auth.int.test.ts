/**
 * Least privilege on the control loop (issue 14): stop / pause / interval go through the
 * authenticated Update `loopControl`; the worker verifies the token against a real OpenID
 * provider and needs role operator. Plain signals are ignored with auth in oidc mode.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAuditLog } from '../../store/audit';
import { controlLoop, type LoopControlRequest, loopControlUpdate, loopStatusQuery, loopWorkflowId, stopLoopSignal } from '../../workflows/control-loop';
import { startOidcProvider, type TestOidc } from '../helpers/oidc';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

let t: TestTemporal;
let idp: TestOidc;
beforeAll(async () => {
  t = await connectTestTemporal();
  idp = await startOidcProvider({
    carol: { email: 'carol@example.com', groups: ['oncall'] },
    victor: { email: 'victor@example.com', groups: ['staff'] },
  });
});
afterAll(async () => {
  await idp?.close();
  await t?.close();
});

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('control loop controls need role operator', () => {
  it('a viewer and an anonymous caller are refused (PermissionDenied, audited); signals are ignored; an operator pauses, sets the interval and stops', async () => {
    const sb = createSandbox();
    sb.writeConfig(
      { authloop: serviceConfig(sb.csv('authloop', flat(15, 40)), { learning: { models: ['naive', 'seasonalNaive', 'ewma'], loop: { mode: 'forecast-only' } } }) },
      { auth: { issuer: idp.issuer, audience: idp.audience, groupsClaim: 'groups', roles: { operator: ['group:oncall'] } } },
    );
    const workflowId = `${loopWorkflowId('authloop')}-${t.taskQueue}`;
    const { final, denials } = await withWorker(t, { configPath: sb.configPath }, async () => {
      const h = await t.client.workflow.start(controlLoop, {
        workflowId,
        taskQueue: t.taskQueue,
        args: [{ service: 'authloop', intervalSeconds: 3600, observeTimeoutSeconds: 20, decisionTimeouts: FAST_TIMEOUTS }],
      });
      await until('first iteration', async () => (await h.query(loopStatusQuery)).iteration >= 1);
      expect((await h.query(loopStatusQuery)).authMode).toBe('oidc');

      const denied = async (req: LoopControlRequest) => {
        const err = await h.executeUpdate(loopControlUpdate, { args: [req] }).catch((e) => e);
        expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
        expect(err.cause).toBeInstanceOf(ApplicationFailure);
        expect(err.cause.type).toBe('PermissionDenied');
        return err.cause.message as string;
      };
      const denials = [
        await denied({ action: 'stop', token: await idp.tokenFor('victor') }),
        await denied({ action: 'pause' }),
      ];
      // The identity-less signal does nothing in oidc mode, and says so in the loop's events.
      await h.signal(stopLoopSignal);
      await until('ignored signal noted', async () => (await h.query(loopStatusQuery)).recent.some((e) => /stopLoop signal ignored/.test(e.reason)));
      expect((await h.query(loopStatusQuery)).stopRequested).toBe(false);

      const carol = await idp.tokenFor('carol');
      expect((await h.executeUpdate(loopControlUpdate, { args: [{ action: 'pause', token: carol }] })).paused).toBe(true);
      expect((await h.executeUpdate(loopControlUpdate, { args: [{ action: 'interval', seconds: 120, token: carol }] })).intervalSeconds).toBe(120);
      await h.executeUpdate(loopControlUpdate, { args: [{ action: 'stop', token: carol }] });
      return { final: await h.result(), denials };
    });
    expect(denials[0]).toBe('PermissionDenied: loop.stop needs role operator; victor@example.com (viewer)');
    expect(denials[1]).toMatch(/^PermissionDenied: loop.pause needs role operator; a caller without a verified token: no token/);
    expect(final).toMatchObject({ stopRequested: true, paused: true, intervalSeconds: 120 });
    const audit = (await new FileAuditLog(sb.stateRoot).forService('authloop')).filter((r) => r.outcome === 'permission-denied');
    expect(audit.map((r) => [r.access?.action, r.access?.needed, r.access?.identity])).toEqual([
      ['loop.stop', 'operator', 'victor@example.com'],
      ['loop.pause', 'operator', undefined],
    ]);
  });
});
