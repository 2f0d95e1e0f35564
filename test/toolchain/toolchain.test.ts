import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';

const SCRIPT = join(REPO_ROOT, 'scripts', 'toolchain.js');

function runToolchain(env: Record<string, string>) {
  return spawnSync(process.execPath, [SCRIPT], {
    env: { PATH: '/nonexistent', HOME: process.env.HOME ?? '/root', ...env },
    encoding: 'utf8',
  });
}

describe('toolchain script', () => {
  it('without Go and without binaries it says exactly what to install', () => {
    const tools = mkdtempSync(join(tmpdir(), 'kinetic-tools-'));
    const r = runToolchain({ KINETIC_TOOLS_DIR: tools, KINETIC_GO: '/nonexistent/go', KINETIC_TOOLS: 'temporal' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no temporal CLI found and no Go toolchain to build it: install Go >= 1\.25/);
    expect(r.stderr).toMatch(/KINETIC_TEMPORAL_BIN/);
  });

  it('uses KINETIC_TEMPORAL_BIN / PATH binaries as they are and records them, quickly', () => {
    const tools = mkdtempSync(join(tmpdir(), 'kinetic-tools-'));
    const bin = join(tools, 'fake-temporal');
    writeFileSync(bin, '#!/bin/sh\necho temporal\n');
    chmodSync(bin, 0o755);
    const t0 = Date.now();
    const r = runToolchain({ KINETIC_TOOLS_DIR: tools, KINETIC_TEMPORAL_BIN: bin, KINETIC_TOOLS: 'temporal', KINETIC_GO: '/nonexistent/go' });
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(JSON.parse(readFileSync(join(tools, 'toolchain.json'), 'utf8'))).toEqual({ temporal: bin });
    const missing = runToolchain({ KINETIC_TOOLS_DIR: tools, KINETIC_TEMPORAL_BIN: '/no/such/temporal', KINETIC_TOOLS: 'temporal' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch('KINETIC_TEMPORAL_BIN=/no/such/temporal does not exist');
  });

  it('names the system packages the tests need and the exact command when it may not install them', () => {
    const tools = mkdtempSync(join(tmpdir(), 'kinetic-tools-'));
    // KINETIC_NO_APT: act as a non-root user would (this suite may run as root, with apt-get).
    const r = runToolchain({ KINETIC_TOOLS_DIR: tools, KINETIC_TOOLS: 'system', KINETIC_NO_APT: '1' });
    expect(r.status).toBe(1);
    // PATH=/nonexistent: prometheus and etcd are never found; chromium and postgresql are where Debian puts them, or listed too.
    expect(r.stderr).toMatch(/the tests need (chromium, )?prometheus(, chromium)?, etcd-server(, postgresql)? \(not found\); run .*apt-get update && apt-get install -y [a-z -]*prometheus[a-z -]* etcd-server/);
    const badEnv = runToolchain({ KINETIC_TOOLS_DIR: tools, KINETIC_TOOLS: 'system', PROMETHEUS_BIN: '/no/such/prometheus' });
    expect(badEnv.status).toBe(1);
    expect(badEnv.stderr).toContain('PROMETHEUS_BIN=/no/such/prometheus does not exist; point it at the prometheus program');
  });

  it('takes the programs named by PROMETHEUS_BIN / CHROMIUM / KINETIC_ETCD_BIN / KINETIC_PG_BIN as present, without apt', () => {
    const tools = mkdtempSync(join(tmpdir(), 'kinetic-tools-'));
    const r = runToolchain({ KINETIC_TOOLS_DIR: tools, KINETIC_TOOLS: 'system', PROMETHEUS_BIN: process.execPath, CHROMIUM: process.execPath, KINETIC_ETCD_BIN: process.execPath, KINETIC_PG_BIN: tools });
    expect(r.stderr).toContain('system packages: prometheus, chromium, etcd-server, postgresql present');
    expect(r.status).toBe(0);
  });
});
