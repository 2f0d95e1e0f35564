import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, getService, loadConfig, parseConfig } from '../../config/load';
import { parseDurationSeconds } from '../../config/duration';
import { createSandbox, serviceConfig } from '../helpers/sandbox';

describe('kinetic.yaml validation', () => {
  it('the committed example config is valid', () => {
    const cfg = loadConfig(join(__dirname, '..', '..', 'kinetic.yaml'));
    expect(Object.keys(cfg.services)).toEqual(['checkout']);
    expect(cfg.services.checkout.leadTime).toBe(600);
    expect(cfg.services.checkout.approval.timeout).toBe(1800);
  });

  it('normalises durations and fills defaults', () => {
    const sb = createSandbox();
    const cfg = loadConfig(sb.writeConfig({ web: serviceConfig('x.csv', { cooldown: '2h' }) }));
    const web = getService(cfg, 'web');
    expect(web.cooldown).toBe(7200);
    expect(web.metrics.source === 'csv' && web.metrics.path).toBe(join(sb.dir, 'x.csv'));
    expect(cfg.taskQueue).toBe('kinetic-decisions');
  });

  it('names every bad field with its path and what is allowed', () => {
    const text = `
version: 1
services:
  web:
    metrics: { source: csv, path: a.csv }
    capacityPerInstance: -3
    minInstances: 5
    maxInstances: 2
    targetUtilization: 0
    cooldown: soon
    budget: { monthly: 100 }
    pricing: { hourlyPerInstance: 0.1 }
    approval: { approvers: alice }
`;
    let err: Error | undefined;
    try {
      parseConfig(text, '/etc/kinetic.yaml');
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = err!.message;
    expect(msg).toMatch(/^\/etc\/kinetic\.yaml: invalid configuration/);
    expect(msg).toMatch(/services\.web\.capacityPerInstance: Too small: expected number to be >0/);
    expect(msg).toMatch(/services\.web\.targetUtilization: Too small/);
    expect(msg).toMatch(/services\.web\.cooldown: "soon" is not a duration; write e\.g\. "30s", "5m"/);
    expect(msg).toMatch(/services\.web\.approval\.approvers: Invalid input: expected array/);
  });

  it('reports min > max, unknown keys, bad service names and bad YAML', () => {
    expect(() => parseConfig('version: 1\nservices:\n  web:\n' + '    x: 1\n', 'k.yaml')).toThrow(/services\.web\.x|Unrecognized key/);
    const valid = JSON.stringify(serviceConfig('a.csv'));
    expect(() => parseConfig(`version: 1\nservices: { Web_1: ${valid} }\n`, 'k.yaml')).toThrow(/services\.Web_1: service names use lowercase letters/);
    expect(() => parseConfig('version: 1\nservices: { web: {} }\n', 'k.yaml')).toThrow(/services\.web\.capacityPerInstance: is required \(a number\)/);
    expect(() => parseConfig('version: 1\nservices: {}\n', 'k.yaml')).toThrow(/define at least one service/);
    expect(() => parseConfig('version: [1\n', 'k.yaml')).toThrow(/k\.yaml: not valid YAML/);
    const noAge = JSON.stringify(serviceConfig('a.csv', { approval: { maxPlanAge: '0s' } }));
    expect(() => parseConfig(`version: 1\nservices: { web: ${noAge} }\n`, 'k.yaml')).toThrow(/services\.web\.approval\.maxPlanAge: maxPlanAge must be at least "1s"/);
    const badAge = JSON.stringify(serviceConfig('a.csv', { approval: { maxPlanAge: 'soon' } }));
    expect(() => parseConfig(`version: 1\nservices: { web: ${badAge} }\n`, 'k.yaml')).toThrow(/services\.web\.approval\.maxPlanAge: "soon" is not a duration/);
    expect(() => parseConfig('version: 2\nservices: {}\n', 'k.yaml')).toThrow(/version/);
    const sb = createSandbox();
    writeFileSync(sb.configPath, JSON.stringify({ version: 1, services: { web: serviceConfig('a.csv', { minInstances: 9, maxInstances: 3 }) } }));
    expect(() => loadConfig(sb.configPath)).toThrow(/services\.web\.maxInstances: must be >= minInstances \(9\)/);
  });

  it('a missing file says how to get one; an unknown service lists the known ones', () => {
    expect(() => loadConfig('/nonexistent/kinetic.yaml')).toThrow(/no such file; copy kinetic\.yaml from the repository or pass --config FILE/);
    const sb = createSandbox();
    const cfg = loadConfig(sb.writeConfig({ web: serviceConfig('a.csv'), api: serviceConfig('b.csv') }));
    expect(() => getService(cfg, 'db')).toThrow('unknown service "db"; kinetic.yaml defines: web, api');
  });

  it('parses durations', () => {
    expect(parseDurationSeconds('90s')).toBe(90);
    expect(parseDurationSeconds('1.5h')).toBe(5400);
    expect(parseDurationSeconds(12)).toBe(12);
    expect(() => parseDurationSeconds('-5m')).toThrow(/not a duration/);
    expect(() => parseDurationSeconds(NaN)).toThrow(/non-negative/);
  });
});
