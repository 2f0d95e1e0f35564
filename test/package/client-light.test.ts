import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/tools';
import { HEAVY_PACKAGES, packagesLoadedBy } from '../helpers/import-graph';

describe('kinetic/client import graph', () => {
  it('loads the Temporal client and nothing of Pulumi, tfjs, danfojs, the AWS SDK or the worker', async () => {
    const loaded = await packagesLoadedBy(join(REPO_ROOT, 'client', 'index.ts'), { cwd: REPO_ROOT, tsx: true });
    expect(loaded).toContain('@temporalio/client');
    expect(loaded.filter((p) => HEAVY_PACKAGES.some((h) => h.test(p)))).toEqual([]);
  });
});
