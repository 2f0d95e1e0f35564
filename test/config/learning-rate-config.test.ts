import { describe, expect, it } from 'vitest';
import { getService, loadConfig } from '../../config/load';
import { learningSchema } from '../../config/schema';
import { DEFAULT_LEARNING_RATE } from '../../learning/learn-weights';
import { createSandbox, serviceConfig } from '../helpers/sandbox';

describe('learning.learningRate', () => {
  it('accepts a fixed η or auto (AdaHedge), and defaults to the product default', () => {
    const sb = createSandbox();
    const cfg = loadConfig(
      sb.writeConfig({
        fixedrate: serviceConfig('x.csv', { learning: { learningRate: 0.2 } }),
        autorate: serviceConfig('x.csv', { learning: { learningRate: 'auto' } }),
      }),
    );
    expect(getService(cfg, 'fixedrate').learning?.learningRate).toBe(0.2);
    expect(getService(cfg, 'autorate').learning?.learningRate).toBe('auto');
    expect(learningSchema.parse({}).learningRate).toBe(DEFAULT_LEARNING_RATE);
  });

  it('names the field and both allowed forms for anything else', () => {
    for (const bad of ['fast', 0, -1, 'AUTO']) {
      const sb = createSandbox();
      const path = sb.writeConfig({ badrate: serviceConfig('x.csv', { learning: { learningRate: bad } }) });
      expect(() => loadConfig(path)).toThrow(/services\.badrate\.learning\.learningRate: learningRate must be a positive number \(Hedge with that fixed η, e\.g\. 0\.5\) or "auto" \(AdaHedge sets η from the data\)/);
    }
  });
});
