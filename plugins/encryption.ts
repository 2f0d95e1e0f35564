/**
 * kineticEncryption: the payload codec (and encrypted failure messages) kinetic.yaml's
 * `encryption:` block asks for, on workers and clients alike. List it before kineticDecisions:
 * the decision plugin picks the workflow bundle that carries the matching failure converter.
 */
import { SimplePlugin } from '@temporalio/plugin';
import { dataConverterFromConfig } from '../encryption/from-config';

export interface KineticEncryptionOptions {
  /** Path of kinetic.yaml; default KINETIC_CONFIG, else ./kinetic.yaml. */
  config?: string;
}

/** Without an `encryption:` block the plugin changes nothing (payloads stay plain JSON). */
export function kineticEncryption(options: KineticEncryptionOptions = {}): SimplePlugin {
  const dataConverter = dataConverterFromConfig(options.config);
  return new SimplePlugin({ name: 'kinetic.encryption', ...(dataConverter ? { dataConverter } : {}) });
}
