import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../config/load';
import { REPO_ROOT } from '../../config/tools';
import type { ServiceView } from '../../observability/dashboard/view-model';
import { startDashboard, type RunningDashboard } from '../../observability/dashboard/start';
import { domAtLoad, screenshotAtLoad } from '../helpers/chromium';
import { waitFor } from '../helpers/prometheus';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { connectTestTemporal, FAST_TIMEOUTS, TestTemporal, withWorker } from '../helpers/temporal';
import { decodePng } from '../sim/png';

/**
 * Real parts: decisions through the dev server and a worker, the dashboard over the stores they
 * wrote and Temporal visibility, the page rendered by headless Chromium, live updates read from
 * /events by a plain HTTP client.
 */

/** Where the links point: any Web UI address; the page only builds URLs from it. */
const WEB_UI = 'http://temporal-ui.example';
const OUT_DIR = join(REPO_ROOT, '.kinetic/test-output/dashboard');
let t: TestTemporal;
let dashboard: RunningDashboard | undefined;

beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => {
  await dashboard?.close();
  await t?.close();
});

/** The section of one service in the dumped DOM. */
function sectionOf(dom: string, service: string): string {
  const start = dom.indexOf(`data-service="${service}"`);
  expect(start, `no section for ${service}`).toBeGreaterThan(-1);
  const next = dom.indexOf('<section', start);
  return dom.slice(start, next < 0 ? undefined : next);
}

const markersIn = (section: string) => [...section.matchAll(/data-marker="([^"]+)" data-outcome="([^"]+)"/g)].map((m) => [m[1], m[2]]);

/** Reads `event: service` messages from /events until one satisfies `wanted`. */
async function nextServiceEvent(url: string, wanted: (v: ServiceView) => boolean, trigger: () => Promise<void>): Promise<ServiceView> {
  const ac = new AbortController();
  const res = await fetch(`${url}events`, { signal: ac.signal });
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let triggered = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('/events closed');
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(message)?.[1];
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (event === 'hello' && !triggered) {
          triggered = true;
          await trigger();
        }
        if (event === 'service' && data && wanted(JSON.parse(data))) return JSON.parse(data);
      }
    }
  } finally {
    ac.abort();
  }
}

describe('kinetic dashboard in headless Chromium', () => {
  it('shows series, a band, one marker per decision with its outcome and the pending approval, and pushes a new decision over /events', async () => {
    const sb = createSandbox();
    // dashlive: demand 55 at 10 per instance → 6 instances from 2 (committed), then nothing to do.
    // dashwait: the same jump needs a person (auto-approve only up to 1 instance).
    sb.writeConfig(
      {
        dashlive: serviceConfig(sb.csv('dashlive', flat(55))),
        dashwait: serviceConfig(sb.csv('dashwait', flat(55)), { approval: { autoApprove: { maxStepChange: 1 }, approvers: ['alice@example.com'], timeout: '5m' } }),
      },
      { schedules: { applyOnWorkerStart: false } },
    );
    await withWorker(t, { configPath: sb.configPath }, async () => {
      const ids: Record<string, string> = {};
      let committedHistory = '';
      for (const expected of ['committed', 'no-change']) {
        const d = await t.kinetic.startDecision('dashlive', { timeouts: FAST_TIMEOUTS });
        expect((await t.kinetic.waitForDecision(d.decisionId)).outcome).toBe(expected);
        ids[expected] = d.decisionId;
        if (expected === 'committed') committedHistory = `${WEB_UI}/namespaces/default/workflows/${encodeURIComponent(d.workflowId)}/${d.runId}/history`;
      }
      const waiting = await t.kinetic.startDecision('dashwait', { timeouts: FAST_TIMEOUTS });

      dashboard = await startDashboard({ cfg: loadConfig(sb.configPath), client: t.client, taskQueue: t.taskQueue, webUiUrl: WEB_UI, port: 0, refreshSeconds: 1, historyHours: 2 });
      const api = async (service: string) => (await (await fetch(`${dashboard!.url}api/service/${service}`)).json()) as ServiceView;
      await waitFor('the waiting decision in visibility', async () => (await api('dashwait')).pending.length === 1, 30_000);

      // The JSON view model: what the page draws.
      const live = await api('dashlive');
      expect(live.observed.length).toBe(30);
      expect(live.observed.every(([, v]) => v === 55)).toBe(true);
      expect(live.markers.map((m) => [m.id, m.outcome])).toEqual([[ids.committed, 'committed'], [ids['no-change'], 'no-change']]);
      expect(live.planned.map((p) => p[1])).toEqual([6, 6]);
      expect(live.ready.map((p) => p[1])).toEqual([6, 6]);
      expect(live.forecast!.p50.length).toBeGreaterThan(0);
      expect(live.budget.map((b) => b.level)).toEqual(['service']);
      expect(live.problems).toEqual([]);
      const notFound = await fetch(`${dashboard.url}api/service/nosuch`);
      expect(notFound.status).toBe(404);
      expect(((await notFound.json()) as { error: string }).error).toContain('no service "nosuch" in kinetic.yaml; configured services: dashlive, dashwait');

      // The page as a browser renders it.
      const dom = await domAtLoad(dashboard.url);
      expect(dom).toContain('data-drawn="true"');
      const liveSection = sectionOf(dom, 'dashlive');
      expect(liveSection).toMatch(/data-series="observed" data-points="30"/);
      expect(liveSection).toMatch(/data-series="p50"/);
      expect(liveSection).toMatch(/<polygon points="[^"]+" [^>]*data-band="p10-p90"/);
      expect(liveSection).toMatch(/data-series="planned"/);
      expect(liveSection).toMatch(/data-series="ready"/);
      expect(markersIn(liveSection)).toEqual([[ids.committed, 'committed'], [ids['no-change'], 'no-change']]);
      expect(liveSection).toContain(`kinetic explain ${ids.committed}`);
      expect(liveSection).toContain(`<a href="${committedHistory}" target="_blank" data-marker="${ids.committed}"`);
      const waitSection = sectionOf(dom, 'dashwait');
      expect(waitSection).toContain(`data-pending="${waiting.decisionId}"`);
      expect(waitSection).toContain(`kinetic approve ${waiting.decisionId} --as &lt;you&gt;`);
      expect(markersIn(waitSection)).toEqual([[waiting.decisionId, 'awaiting-approval']]);
      for (const w of [1, 5, 15, 60]) expect(liveSection).toContain(`data-window="${w}"`);

      // The picture while the approval waits.
      mkdirSync(OUT_DIR, { recursive: true });
      const png = join(OUT_DIR, 'dashboard.png');
      await screenshotAtLoad(dashboard.url, png);
      console.log(`dashboard screenshot: ${png}`);
      const img = decodePng(readFileSync(png));
      let green = 0;
      for (let y = 0; y < img.height; y += 1) {
        for (let x = 0; x < img.width; x += 1) {
          const [r, g, b] = img.pixel(x, y);
          if (Math.abs(r - 42) + Math.abs(g - 157) + Math.abs(b - 58) < 40) green++;
        }
      }
      expect(green).toBeGreaterThan(50); // the committed marker, the ready-capacity line, the legend

      // Live: a new decision reaches a listener on /events, then the page.
      let dryRun = '';
      const pushed = await nextServiceEvent(
        dashboard.url,
        (v) => v.service === 'dashlive' && v.markers.some((m) => m.id === dryRun && m.outcome === 'dry-run'),
        async () => {
          const d = await t.kinetic.startDecision('dashlive', { timeouts: FAST_TIMEOUTS, dryRun: true, targetOverride: 8 });
          dryRun = d.decisionId;
          expect((await t.kinetic.waitForDecision(d.decisionId)).outcome).toBe('dry-run');
        },
      );
      expect(pushed.planned.map((p) => p[1])).toEqual([6, 6, 8]);
      expect(markersIn(sectionOf(await domAtLoad(dashboard.url), 'dashlive'))).toEqual([[ids.committed, 'committed'], [ids['no-change'], 'no-change'], [dryRun, 'dry-run']]);

      // Answered: the approval leaves the page.
      await t.kinetic.reject(waiting.decisionId, 'alice@example.com', 'not now');
      expect((await t.kinetic.waitForDecision(waiting.decisionId)).outcome).toBe('approval-rejected');
      await waitFor('the approval gone from visibility', async () => (await api('dashwait')).pending.length === 0, 30_000);
    });
  });

  it('kinetic dashboard --json prints { url } once listening, serves the view model, and stops on SIGTERM; a bad port is refused by name', async () => {
    const sb = createSandbox();
    sb.writeConfig({ dashcli: serviceConfig(sb.csv('dashcli', flat(40))) }, { schedules: { applyOnWorkerStart: false } });
    const env = { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' };
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/kinetic.js'), 'dashboard', '--config', sb.configPath, '--port', '0', '--json'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
        });
        void exited.then((code) => reject(new Error(`kinetic dashboard exited with ${code}: ${stderr}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const body = (await (await fetch(`${url}api/services`)).json()) as { services: ServiceView[] };
      expect(body.services.map((v) => [v.service, v.observed.length, v.problems])).toEqual([['dashcli', 30, []]]);
      expect((await fetch(`${url}nowhere`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);

    const bad = spawn(process.execPath, [join(REPO_ROOT, 'bin/kinetic.js'), 'dashboard', '--config', sb.configPath, '--port', '70000'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let badErr = '';
    bad.stderr!.on('data', (d: Buffer) => (badErr += d.toString()));
    expect(await new Promise((resolve) => bad.once('exit', resolve))).toBe(2);
    expect(badErr).toContain('--port must be a TCP port 0–65535 (0 = any free port), got "70000"');
  });
});
