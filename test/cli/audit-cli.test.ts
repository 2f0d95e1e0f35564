import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { FileAuditLog } from '../../store/audit';
import { createSandbox, flat, serviceConfig } from '../helpers/sandbox';
import { auditRecord } from '../store/audit-records';

const run = promisify(execFile);

async function kinetic(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'kinetic.js'), ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('kinetic audit verify (file sink)', () => {
  it('passes a whole chain, then names the changed record and exits 1', async () => {
    const sb = createSandbox();
    sb.writeConfig({ web: serviceConfig(sb.csv('web', flat(10))) });
    const log = new FileAuditLog(sb.stateRoot);
    for (const id of ['a', 'b', 'c']) await log.append(auditRecord(id));

    const ok = await kinetic(['audit', 'verify', '--config', sb.configPath]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit log OK: 3 record\(s\) in file .*decisions\.jsonl\nhead: seq 3, hash [0-9a-f]{64}/);
    const json = await kinetic(['audit', 'verify', '--json', '--config', sb.configPath]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, sink: 'file', records: 3, chained: 3, head: { seq: 3 } });

    const lines = readFileSync(log.file, 'utf8').trimEnd().split('\n');
    lines[1] = lines[1].replace('"outcome":"committed"', '"outcome":"no-change"');
    writeFileSync(log.file, lines.join('\n') + '\n');
    const broken = await kinetic(['audit', 'verify', '--config', sb.configPath]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/audit log BROKEN \(tampered\)/);
    expect(broken.stdout).toMatch(/line 2 \(seq 2, decision b\): content does not match its hash/);
    const brokenJson = JSON.parse((await kinetic(['audit', 'verify', '--json', '--config', sb.configPath])).stdout);
    expect(brokenJson).toMatchObject({ ok: false, firstBreak: { kind: 'tampered', where: 'line 2', seq: 2, decisionId: 'b' } });
  }, 60_000);

  it('says what is wrong with the usage or the Postgres settings', async () => {
    const sb = createSandbox();
    expect((await kinetic(['audit', 'check', '--config', sb.writeConfig({ web: serviceConfig(sb.csv('web', flat(10))) })])).code).toBe(2);
    sb.writeConfig({ web: serviceConfig(sb.csv('web', flat(10))) }, { state: { audit: 'postgres', postgres: { urlEnv: 'KINETIC_TEST_UNSET_PG' } } });
    const r = await kinetic(['audit', 'verify', '--config', sb.configPath], { KINETIC_TEST_UNSET_PG: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/state\.postgres\.urlEnv: environment variable KINETIC_TEST_UNSET_PG is not set/);
  }, 60_000);
});
