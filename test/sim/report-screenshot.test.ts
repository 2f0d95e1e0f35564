import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepFrontier } from '../../sim/frontier';
import { oraclePolicy } from '../../sim/policies/oracle';
import { predictivePolicy } from '../../sim/policies/predictive';
import { reactivePolicy } from '../../sim/policies/reactive';
import { generateProfile } from '../../sim/profiles';
import { renderReport } from '../../sim/report/html';
import { simulate } from '../../sim/simulate';
import { decodePng } from './png';

const INSTALL_HINT = 'headless Chromium is required for the report screenshot test: apt-get update && apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)';

function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

async function buildReport(): Promise<string> {
  const stepSeconds = 300;
  const demand = generateProfile({
    steps: 4 * 288,
    stepSeconds,
    seed: 11,
    userModel: { base: 120, diurnalAmplitude: 0.6 },
    events: [{ start: 3 * 288 + 150, duration: 24, multiplier: 2.5, rampUp: 4, rampDown: 8 }],
    noise: { kind: 'poisson', level: 0.05 },
  });
  const input = { demand, capacity: 25, bootSteps: 2, warmup: 2 * 288, stepSeconds };
  const result = await simulate(input, [reactivePolicy(), predictivePolicy(), oraclePolicy()]);
  const frontier = await sweepFrontier(input, {}, 5);
  return renderReport({ title: 'synthetic campaign', demand, result, frontier, stepSeconds });
}

function countNear(img: ReturnType<typeof decodePng>, rgb: [number, number, number], tolerance = 40): number {
  let n = 0;
  for (let y = 0; y < img.height; y += 1) {
    for (let x = 0; x < img.width; x += 1) {
      const [r, g, b] = img.pixel(x, y);
      if (Math.abs(r - rgb[0]) + Math.abs(g - rgb[1]) + Math.abs(b - rgb[2]) <= tolerance) n++;
    }
  }
  return n;
}

describe('simulate --report', () => {
  it('is a self-contained page (no network, no scripts) with every chart', async () => {
    const html = await buildReport();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html.match(/<svg/g)?.length).toBe(3);
    for (const text of ['Demand, forecast band and ready capacity', 'Zoom:', 'Cost vs SLA frontier', 'under-provisioned step', 'U=0.75', 'q=0.95']) expect(html).toContain(text);
  });

  it('renders in headless Chromium (screenshot shows demand, capacity lines, violations and the frontier)', async () => {
    const chromium = chromiumPath();
    const dir = mkdtempSync(join(tmpdir(), 'kinetic-report-'));
    const page = join(dir, 'report.html');
    const png = join(dir, 'report.png');
    writeFileSync(page, await buildReport());
    execFileSync(
      chromium,
      [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`, `--screenshot=${png}`, '--window-size=1400,1800', `file://${page}`,
      ],
      { timeout: 60_000, stdio: 'ignore' },
    );
    const img = decodePng(readFileSync(png));
    expect([img.width, img.height]).toEqual([1400, 1800]);
    expect(countNear(img, [31, 99, 180])).toBeGreaterThan(300); // predictive capacity + frontier
    expect(countNear(img, [230, 119, 11])).toBeGreaterThan(300); // reactive
    expect(countNear(img, [42, 157, 58])).toBeGreaterThan(100); // oracle
    expect(countNear(img, [208, 2, 27], 30)).toBeGreaterThan(20); // violation ticks
    expect(countNear(img, [17, 17, 17], 30)).toBeGreaterThan(300); // demand line and text
  }, 90_000);
});
