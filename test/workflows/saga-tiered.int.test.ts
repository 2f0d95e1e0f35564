import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainDecision } from '../../cli/explain';
import { DryRunProvisioner } from '../../provisioners/dry-run';
import type { BudgetBookView } from '../../decision/budget-book';
import { bookOf } from '../helpers/budget';
import { kinetic } from '../helpers/cli';
import { createSandbox, flat, TEST_POOLS, tieredServiceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';

/**
 * The saga with tiered planning: allocation over (compute type, region, pricing) pools, the policy
 * engine (staged scale-in, freeze windows, vertical changes), the budget hierarchy with alerts.
 */
let t: TestTemporal;
let hooks: Server;
const received: Array<{ key: string; threshold: number }> = [];
let hookUrl = '';

beforeAll(async () => {
  t = await connectTestTemporal();
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/alerts`;
});
afterAll(async () => {
  await t?.close();
  hooks?.close();
});

const POOLS = TEST_POOLS;
const tiered = (csv: string, overrides: Record<string, unknown> = {}) =>
  tieredServiceConfig(csv, { budget: { monthly: 100000, project: 'shoptiered' }, ...overrides });

const budgets = (projectMonthly: number, extra: Record<string, unknown> = {}) => ({
  budgets: {
    company: { name: 'acme', monthly: 100000 },
    departments: { platform: { monthly: 50000 } },
    projects: { shoptiered: { monthly: projectMonthly, department: 'platform' } },
    alerts: { webhook: hookUrl },
    ...extra,
  },
});

const decide = (service: string, targetOverride?: number) =>
  t.kinetic.startDecision(service, { timeouts: FAST_TIMEOUTS, targetOverride }).then((s) => t.kinetic.waitForDecision(s.decisionId));

describe('tiered planning in the saga', () => {
  it('allocates across pools and regions, checks every budget level, fires each alert once and explains it all', async () => {
    const sb = createSandbox();
    // Flat 80 req/s, 10 per instance: P50 need 8, +10% buffer floor → 9 instances.
    sb.writeConfig({ shoptiered: tiered(sb.csv('shoptiered', flat(80))) }, budgets(900));
    received.length = 0;
    const report = (extra: string[]) => kinetic(['budget', 'report', ...extra, '--config', sb.configPath, '--task-queue', t.taskQueue]);
    const [first, second, book, reportJson, reportTable] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const one = await decide('shoptiered');
      const two = await decide('shoptiered', 10);
      // The authority delivers alerts after the reservation that fired them: wait until every delivery ended.
      const delivered = await waitForBook((b) => Object.values(b.alerts).every((a) => a.delivery));
      return [one, two, delivered, await report(['--json']), await report([])] as const;
    });

    expect(first.outcome).toBe('committed');
    const plan = first.plan!;
    expect(plan.to).toBe(9);
    expect(plan.allocation?.status).toBe('PENDING');
    const to = (id: string) => plan.tiers[id]?.to ?? 0;
    expect(to('cpu/us-east-1/committed')).toBe(2); // committed capacity first
    expect(to('cpu/eu-west-1/on-demand')).toBeGreaterThanOrEqual(1); // region minimum
    expect(to('cpu/us-east-1/spot')).toBeLessThanOrEqual(Math.floor(0.5 * plan.to));
    expect(Object.values(plan.tiers).reduce((a, x) => a + x.to, 0)).toBe(9);
    // The fleet the provisioner holds is exactly the last plan's tiers.
    const fleet = await new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 0 }).current('shoptiered');
    for (const [id, x] of Object.entries(second.plan!.tiers)) expect(fleet.tiers[id] ?? 0).toBe(x.to);

    const levels = first.budget!.levels!.map((l) => l.id);
    expect(levels).toEqual(['service:shoptiered', 'project:shoptiered', 'department:platform', 'company:acme']);
    expect(first.budget!.chargeback!.path).toEqual(levels);

    // Each threshold fires once: the second (bigger) decision fires only thresholds not yet fired.
    expect(second.outcome).toBe('committed');
    const keys = received.map((a) => a.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.includes('project:shoptiered'))).toEqual(
      [0.8, 0.9, 0.95].filter((th) => second.plan!.hourlyCostAfter * 730.5 >= th * 900).map((th) => `${new Date().toISOString().slice(0, 7)}:project:shoptiered:${th}`),
    );
    const stored = Object.values(book.alerts);
    expect(stored.map((a) => a.key).sort()).toEqual([...keys].sort());
    expect(stored.every((a) => a.delivery?.ok && a.delivery.attempts === 1)).toBe(true);

    const text = explainDecision(first);
    expect(text).toMatch(/need as cpu: 9 instances \(P50 alone 8\.00, buffer \+10%\) — requestsPerSecond binds/);
    expect(text).toMatch(/allocation PENDING, spot share \d+%/);
    expect(text).toMatch(/tier cpu\/us-east-1\/committed: 0 → 2/);
    expect(text).toMatch(/\[ok\] project:shoptiered: project shoptiered: projected/);
    expect(text).toMatch(/chargeback: \+[\d.]+\/h .* to service:shoptiered → project:shoptiered → department:platform → company:acme/);

    expect(reportJson.code, reportJson.stderr).toBe(0);
    const parsed = JSON.parse(reportJson.stdout) as { nodes: Array<{ id: string; committedMonthly: number; alerts: string[] }>; decisions: unknown[] };
    const project = parsed.nodes.find((n) => n.id === 'project:shoptiered')!;
    expect(project.committedMonthly).toBeCloseTo(second.plan!.hourlyCostAfter * 730.5, 6);
    expect(project.alerts.length).toBe(keys.filter((k) => k.includes('project:shoptiered')).length);
    expect(parsed.decisions).toHaveLength(2);
    expect(reportTable.stdout).toMatch(/company:acme/);
    expect(reportTable.stdout).toMatch(/ {2}department:platform/);
  });

  it('sends an over-budget decision to a person when onExceed is require-approval, and releases the reservation on reject', async () => {
    const sb = createSandbox();
    sb.writeConfig({ shoptiered: tiered(sb.csv('shoptiered', flat(80)), { budget: { monthly: 100000, project: 'shoptiered', onExceed: 'require-approval' } }) }, budgets(100));
    const [rec, book] = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('shoptiered', { timeouts: FAST_TIMEOUTS });
      await waitFor(async () => (await t.kinetic.getDecision(s.decisionId)).stage === 'approval');
      const waiting = await t.kinetic.getDecision(s.decisionId);
      expect(waiting.approval?.reasons.join(' ')).toMatch(/budget: .*exceeds project shoptiered/);
      expect((await bookOf(t, 'company:acme')).reservations.map((r) => r.decisionId)).toEqual([s.decisionId]);
      await t.kinetic.reject(s.decisionId, 'alice@example.com', 'over the shoptiered budget');
      return [await t.kinetic.waitForDecision(s.decisionId), await bookOf(t, 'company:acme')] as const;
    });
    expect(rec.outcome).toBe('approval-rejected');
    expect(book.reservations).toEqual([]);
  });

  it('rejects an over-budget scale-out by default but lets a scale-in through', async () => {
    const sb = createSandbox();
    const csv = sb.csv('shoptiered', flat(80));
    sb.writeConfig({ shoptiered: tiered(csv) }, budgets(100000));
    expect((await withWorker(t, { configPath: sb.configPath }, () => decide('shoptiered'))).outcome).toBe('committed');
    // The project's budget is cut below what the fleet already costs.
    sb.writeConfig({ shoptiered: tiered(csv) }, budgets(100));
    const [out, inward] = await withWorker(t, { configPath: sb.configPath }, async () => [await decide('shoptiered', 10), await decide('shoptiered', 4)]);
    expect(out.outcome).toBe('budget-rejected');
    expect(out.reason).toMatch(/exceeds project shoptiered: projected [\d.]+\/month is \d+\.\d% of its budget of 100\.00/);
    expect(inward.outcome).toBe('committed');
    expect(inward.budget!.message).toMatch(/allowed because the change lowers the hourly cost/);
    expect(inward.plan!.to).toBe(4);
  });

  it('stages a large scale-in and waits for the observation period before the next stage', async () => {
    const sb = createSandbox();
    sb.writeConfig({ shoptiered: tiered(sb.csv('shoptiered', flat(80)), { policy: { stagedScaleIn: { stepPercent: 25, minStep: 1, observation: '1h' } } }) }, budgets(100000));
    const [up, stage1, stage2] = await withWorker(t, { configPath: sb.configPath }, async () => [await decide('shoptiered', 10), await decide('shoptiered', 4), await decide('shoptiered', 4)]);
    expect(up.outcome).toBe('committed');
    expect(stage1.outcome).toBe('committed');
    expect(stage1.plan!.to).toBe(7); // 10 − ceil(25% × 10)
    expect(stage1.plan!.staged).toMatchObject({ plannedTo: 4, remaining: 3 });
    expect(stage2.outcome).toBe('policy-rejected');
    expect(stage2.policy!.checks.find((c) => c.rule === 'staged-scale-in')).toMatchObject({ id: 'staged-scale-in', passed: false });
    const fleet = await new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 0 }).current('shoptiered');
    expect(fleet.total).toBe(7);
  });

  it('releases the reservation and restores every tier when verification fails', async () => {
    const sb = createSandbox();
    sb.writeConfig({ shoptiered: tiered(sb.csv('shoptiered', flat(80)), { provisioner: { type: 'fault-injecting', failVerify: true } }) }, budgets(100000));
    const [rec, book] = await withWorker(t, { configPath: sb.configPath }, async () => [await decide('shoptiered'), await bookOf(t, 'company:acme')] as const);
    expect(rec.outcome).toBe('rolled-back');
    expect(book.reservations).toEqual([]);
    expect(book.closed.find((c) => c.decisionId === rec.id)).toMatchObject({ as: 'released' });
    // The company's book holds every test of this file; this decision committed nothing.
    expect(book.committed.shoptiered?.decisionId).not.toBe(rec.id);
    const fleet = await new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 0 }).current('shoptiered');
    expect(fleet.total).toBe(0);
  });

  it('ends as infeasible with the reason when the pools cannot hold the need, and a freeze window blocks scale-outs', async () => {
    const sb = createSandbox();
    const small = POOLS.map((p) => ({ ...p, max: 1 }));
    sb.writeConfig(
      {
        fulltiered: tiered(sb.csv('fulltiered', flat(80)), { pools: small }),
        frozentiered: tiered(sb.csv('frozentiered', flat(80)), { policy: { freezeWindows: [{ id: 'always', cron: '* * * * *', duration: '1h', blocks: 'scale-out', reason: 'change freeze' }] } }),
      },
      budgets(100000),
    );
    const [fulltiered, frozentiered] = await withWorker(t, { configPath: sb.configPath }, async () => [await decide('fulltiered'), await decide('frozentiered')]);
    expect(fulltiered.outcome).toBe('infeasible');
    expect(fulltiered.reason).toMatch(/no allocation fits the pools/);
    expect(frozentiered.outcome).toBe('policy-rejected');
    expect(frozentiered.reason).toMatch(/freeze:always/);
  });

  it('plans a template change as a rolling replacement that needs a person', async () => {
    const sb = createSandbox();
    const templates = [
      { version: 1, computeType: 'cpu', instanceTypes: ['c6i.xlarge', 'c6a.xlarge'] },
      { version: 2, computeType: 'cpu', instanceTypes: ['c7g.xlarge', 'c6g.xlarge'], note: 'Graviton' },
    ];
    const csv = sb.csv('shoptiered', flat(80));
    sb.writeConfig({ shoptiered: tiered(csv, { templates, activeTemplate: 1 }) }, budgets(100000));
    const first = await withWorker(t, { configPath: sb.configPath }, () => decide('shoptiered'));
    expect(first.outcome).toBe('committed');
    expect(first.plan!.templateVersion).toBe(1);
    sb.writeConfig({ shoptiered: tiered(csv, { templates, activeTemplate: 2 }) }, budgets(100000));
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('shoptiered', { timeouts: FAST_TIMEOUTS });
      await waitFor(async () => (await t.kinetic.getDecision(s.decisionId)).stage === 'approval');
      await t.kinetic.approve(s.decisionId, 'alice@example.com');
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('committed');
    expect(rec.plan!.direction).toBe('none');
    expect(rec.plan!.vertical).toMatchObject({ fromVersion: 1, toVersion: 2, rollbackVersion: 1 });
    expect(rec.approval!.reasons.join(' ')).toMatch(/approval:vertical-change: template v1 → v2/);
    expect(explainDecision(rec)).toMatch(/vertical: template v1 → v2 .*rollback template v1/);
  });
});

describe('several forecast metrics', () => {
  it('plans for the dimension that binds: a CPU forecast from its own metrics source', async () => {
    const sb = createSandbox();
    // 20 req/s needs 3 instances of 10 req/s; 40 cores of forecast CPU at 2 cores each need 22.
    sb.writeConfig(
      {
        shoptiered: tiered(sb.csv('shoptiered', flat(20)), {
          computeTypes: { cpu: { capacity: { requestsPerSecond: 10, cpu: 2 }, instanceTypes: ['c6i.xlarge', 'c6a.xlarge', 'c5.xlarge'] } },
          pools: TEST_POOLS.map((p) => ({ ...p, max: 20 })),
          maxStepChange: 30,
          maxInstances: 40,
          approval: { autoApprove: { maxStepChange: 30 }, approvers: ['alice@example.com'], timeout: '30s' },
          dimensionMetrics: { cpu: { source: 'csv', path: sb.csv('shop-cpu', flat(40)), metric: 'cpu_cores', stepSeconds: 60, historyPoints: 100 } },
        }),
      },
      budgets(100000),
    );
    const rec = await withWorker(t, { configPath: sb.configPath }, () => decide('shoptiered'));
    expect(rec.outcome).toBe('committed');
    expect(rec.forecast!.dimensions!.cpu).toMatchObject({ metric: 'cpu_cores', historyPoints: 30 });
    expect(rec.plan!.needs![0]).toMatchObject({ computeType: 'cpu', bindingDimension: 'cpu', needed: 22 });
    expect(rec.plan!.to).toBe(22);
    expect(explainDecision(rec)).toMatch(/cpu \(from cpu_cores, 30 points, planner \(.*\)\): peak P50 40\.00/);
  });
});

describe('rebalancing', () => {
  it('applies a new mix of tiers at the same total (spot share lowered to 0)', async () => {
    const sb = createSandbox();
    const csv = sb.csv('shoptiered', flat(80));
    sb.writeConfig({ shoptiered: tiered(csv) }, budgets(100000));
    const first = await withWorker(t, { configPath: sb.configPath }, () => decide('shoptiered'));
    expect(first.outcome).toBe('committed');
    expect(first.plan!.tiers['cpu/us-east-1/spot'].to).toBeGreaterThan(0);
    sb.writeConfig({ shoptiered: tiered(csv, { allocation: { maxSpotShare: 0, minSpotInstanceTypes: 2, regions: { 'us-east-1': { share: 0.75, min: 1 }, 'eu-west-1': { share: 0.25, min: 1 } } } }) }, budgets(100000));
    const second = await withWorker(t, { configPath: sb.configPath }, () => decide('shoptiered'));
    expect(second.outcome).toBe('committed');
    expect(second.plan!.direction).toBe('none');
    expect(second.plan!.to).toBe(first.plan!.to);
    expect(second.plan!.tiers['cpu/us-east-1/spot']).toEqual({ from: first.plan!.tiers['cpu/us-east-1/spot'].to, to: 0 });
    const fleet = await new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 0 }).current('shoptiered');
    expect(fleet.tiers['cpu/us-east-1/spot']).toBe(0);
  });
});

describe('predicted regional mix', () => {
  it('splits the allocation by the per-region demand forecasts instead of the configured shares', async () => {
    const sb = createSandbox();
    const region = (name: string, level: number) => ({ source: 'csv', path: sb.csv(name, flat(level)), metric: 'requests_per_second', stepSeconds: 60, historyPoints: 100 });
    // Configured 75/25; the regional metrics say 50/50.
    sb.writeConfig({ shoptiered: tiered(sb.csv('shoptiered', flat(80)), { regionMetrics: { 'us-east-1': region('use1', 40), 'eu-west-1': region('euw1', 40) } }) }, budgets(100000));
    const rec = await withWorker(t, { configPath: sb.configPath }, () => decide('shoptiered'));
    expect(rec.outcome).toBe('committed');
    const inRegion = (r: string) => Object.entries(rec.plan!.tiers).filter(([id]) => id.split('/')[1] === r).reduce((a, [, x]) => a + x.to, 0);
    expect(rec.plan!.to).toBe(9);
    expect(Math.abs(inRegion('us-east-1') - inRegion('eu-west-1'))).toBeLessThanOrEqual(1);
    expect(rec.plan!.allocation!.reasons[0]).toMatch(/eu-west-1 50\.0%/);
    expect(explainDecision(rec)).toMatch(/region eu-west-1 \(from requests_per_second, 30 points\): peak P50 40\.00 — sets its share/);
  });
});

describe('vertical scaling rollback', () => {
  it('returns the fleet to the previous template when a template change fails verification', async () => {
    const sb = createSandbox();
    const templates = [
      { version: 1, computeType: 'cpu', instanceTypes: ['c6i.xlarge', 'c6a.xlarge'] },
      { version: 2, computeType: 'cpu', instanceTypes: ['c7g.xlarge', 'c6g.xlarge'] },
    ];
    const csv = sb.csv('shoptiered', flat(80));
    sb.writeConfig({ shoptiered: tiered(csv, { templates, activeTemplate: 1 }) }, budgets(100000));
    expect((await withWorker(t, { configPath: sb.configPath }, () => decide('shoptiered'))).outcome).toBe('committed');
    const fleet = () => new DryRunProvisioner({ stateRoot: sb.stateRoot, initialInstances: 0 }).current('shoptiered');
    expect((await fleet()).templateVersion).toBe(1);

    sb.writeConfig({ shoptiered: tiered(csv, { templates, activeTemplate: 2, provisioner: { type: 'fault-injecting', failVerify: true } }) }, budgets(100000));
    const rec = await withWorker(t, { configPath: sb.configPath }, async () => {
      const s = await t.kinetic.startDecision('shoptiered', { timeouts: FAST_TIMEOUTS });
      await waitFor(async () => (await t.kinetic.getDecision(s.decisionId)).stage === 'approval');
      await t.kinetic.approve(s.decisionId, 'alice@example.com');
      return t.kinetic.waitForDecision(s.decisionId);
    });
    expect(rec.outcome).toBe('rolled-back');
    expect(rec.compensation.map((c) => c.step)).toEqual(['rollback capacity', 'release budget']);
    expect((await fleet()).templateVersion).toBe(1);
  });
});

/** Polls the company's book until `ok` holds, and returns it. */
async function waitForBook(ok: (b: BudgetBookView) => boolean): Promise<BudgetBookView> {
  let book: BudgetBookView | undefined;
  await waitFor(async () => ok((book = await bookOf(t, 'company:acme'))));
  return book!;
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}
