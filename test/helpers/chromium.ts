import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INSTALL_HINT = 'headless Chromium is required: apt-get update && apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)';

export function chromiumPath(): string {
  const found = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

/**
 * Loads a page in a fresh headless Chromium and lets it run its scripts and fetches for `budgetMs`
 * of virtual time (undefined: until the load event, in real time); `--dump-dom` returns the
 * rendered DOM, `--screenshot=FILE` writes a PNG.
 */
async function chromium(url: string, mode: string[], budgetMs: number | undefined): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'kinetic-chromium-'));
  const { stdout } = await run(
    chromiumPath(),
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
      `--user-data-dir=${profile}`, '--window-size=1400,1600', ...(budgetMs === undefined ? [] : [`--virtual-time-budget=${budgetMs}`]), ...mode, url,
    ],
    { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

export const renderedDom = (url: string, budgetMs = 15_000) => chromium(url, ['--dump-dom'], budgetMs);
export const screenshot = (url: string, file: string, budgetMs = 15_000) => chromium(url, [`--screenshot=${file}`], budgetMs);
/** The DOM and a PNG as they stand at the load event (pages that keep a stream open, e.g. server-sent events, never let virtual time run out). */
export const domAtLoad = (url: string) => chromium(url, ['--dump-dom'], undefined);
export const screenshotAtLoad = (url: string, file: string) => chromium(url, [`--screenshot=${file}`], undefined);
