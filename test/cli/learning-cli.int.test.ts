import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKineticWorker } from '../../worker';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { kinetic } from '../helpers/cli';
import { connectTestTemporal, TestTemporal } from '../helpers/temporal';

/** `kinetic loop`, `schedules` and `models` through the real binary against the dev server. */

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());


describe('learning commands', () => {
  it('loop start → status → pause → resume → stop; schedules apply/list; models list', async () => {
    const sb = createSandbox();
    writeFileSync(
      sb.configPath,
      stringify({
        version: 1,
        taskQueue: t.taskQueue,
        stateDir: 'state',
        // Typed identities and no roles (auth is tested in test/learning/control-loop-auth.int.test.ts).
        auth: { mode: 'unverified' },
        services: { webloopcli: serviceConfig(sb.csv('webloopcli', flat(55)), { learning: { loop: { mode: 'forecast-only', interval: '1s' } } }) },
      }),
    );
    const worker = await createKineticWorker({ connection: t.nativeConnection, taskQueue: t.taskQueue, workflowBundlePath: inject('workflowBundlePath'), configPath: sb.configPath });
    await worker.runUntil(async () => {
      const c = ['--config', sb.configPath];
      const started = await kinetic(['loop', 'start', 'webloopcli', '--forecast-only', '--interval', '1s', ...c]);
      expect(started.code, started.stderr).toBe(0);
      let status: { iteration?: number; paused?: boolean; mode?: string } = {};
      for (let i = 0; i < 15; i++) {
        const s = await kinetic(['loop', 'status', 'webloopcli', '--json', ...c]);
        if (s.code === 0) status = JSON.parse(s.stdout).loop ?? {};
        if ((status.iteration ?? 0) >= 2) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(status.iteration).toBeGreaterThanOrEqual(2);
      expect(status.mode).toBe('forecast-only');
      expect((await kinetic(['loop', 'pause', 'webloopcli', ...c])).code).toBe(0);
      expect((await kinetic(['loop', 'resume', 'webloopcli', ...c])).code).toBe(0);
      expect((await kinetic(['loop', 'stop', 'webloopcli', ...c])).code).toBe(0);

      const prefix = `cli-${t.taskQueue.slice(5, 13)}-`;
      const applied = await kinetic(['schedules', 'apply', '--prefix', prefix, ...c]);
      expect(applied.code, applied.stderr).toBe(0);
      const listed = await kinetic(['schedules', 'list', '--prefix', prefix, '--json', ...c]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.stringify(JSON.parse(listed.stdout))).toMatch(new RegExp(`${prefix}retrain`));
      for (const kind of ['retrain', 'reweight', 'budget-report', 'fingerprints']) {
        await t.client.schedule.getHandle(`${prefix}${kind}`).delete().catch(() => undefined);
      }
      const models = await kinetic(['models', 'list', 'webloopcli', '--json', ...c]);
      expect(models.code, models.stderr).toBe(0);
      expect(JSON.parse(models.stdout)).toEqual([]);
    });
    // An unknown model version is an error, not an empty answer.
    expect((await kinetic(['models', 'show', 'webloopcli', 'nope', '--config', sb.configPath])).code).not.toBe(0);
  });
});
