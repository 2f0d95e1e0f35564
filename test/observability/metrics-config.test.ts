import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load';
import { createSandbox, serviceConfig } from '../helpers/sandbox';

describe('observability config', () => {
  it('takes a metrics port and host', () => {
    const sb = createSandbox();
    const cfg = loadConfig(sb.writeConfig({ web: serviceConfig('x.csv') }, { observability: { metricsPort: 9464, metricsHost: '127.0.0.1' } }));
    expect(cfg.observability).toEqual({ metricsPort: 9464, metricsHost: '127.0.0.1' });
  });

  it('names a bad port and what a good one looks like', () => {
    const sb = createSandbox();
    sb.writeConfig({ web: serviceConfig('x.csv') }, { observability: { metricsPort: 70000 } });
    expect(() => loadConfig(sb.configPath)).toThrow(/observability\.metricsPort.*a TCP port 1–65535, e\.g\. 9464/);
  });
});
