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

describe('observability config: traces and log format', () => {
  it('takes a tracing endpoint and a log format', () => {
    const sb = createSandbox();
    const cfg = loadConfig(sb.writeConfig({ web: serviceConfig('x.csv') }, { observability: { tracing: { endpoint: 'http://collector:4318' }, logFormat: 'text' } }));
    expect(cfg.observability).toEqual({ tracing: { endpoint: 'http://collector:4318' }, logFormat: 'text' });
  });

  it('names a tracing endpoint that is not an http(s) URL and what one looks like', () => {
    const sb = createSandbox();
    sb.writeConfig({ web: serviceConfig('x.csv') }, { observability: { tracing: { endpoint: 'collector:4318' } } });
    expect(() => loadConfig(sb.configPath)).toThrow(/observability\.tracing\.endpoint.*not an http\(s\) URL.*e\.g\. http:\/\/127\.0\.0\.1:4318/);
  });

  it('names a log format it does not know and the two it does', () => {
    const sb = createSandbox();
    sb.writeConfig({ web: serviceConfig('x.csv') }, { observability: { logFormat: 'logfmt' } });
    expect(() => loadConfig(sb.configPath)).toThrow(/observability\.logFormat.*json .*or text/);
  });
});
