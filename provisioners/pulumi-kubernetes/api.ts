/**
 * A small Kubernetes API client over node:https with the kubeconfig's credentials: what the
 * provisioner reads (workloads, HPAs, pods) never goes through Pulumi state, so manual edits and
 * HPA activity are seen. Errors name the request and the API server's message.
 */
import * as https from 'node:https';
import { ProvisionError } from '../errors';
import type { ClusterAccess } from './kubeconfig';

export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export class KubeApi {
  private readonly agent: https.Agent;

  constructor(readonly access: ClusterAccess) {
    this.agent = new https.Agent({ ca: access.ca, cert: access.cert, key: access.key, rejectUnauthorized: !access.insecure });
  }

  request<T>(method: string, path: string, body?: unknown, contentType = 'application/json', signal?: AbortSignal): Promise<T> {
    const url = new URL(this.access.server + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          signal,
          timeout: 30_000,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': contentType, 'content-length': payload.length } : {}),
            ...(this.access.token ? { authorization: `Bearer ${this.access.token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve((text ? JSON.parse(text) : undefined) as T);
            let message = text;
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? text;
            } catch {
              /* not JSON */
            }
            reject(new KubeApiError(`${method} ${path}: ${status} ${message}`, status));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer from ${this.access.server} in 30 s`)));
      req.on('error', (err) => reject(err));
      if (payload) req.write(payload);
      req.end();
    });
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, undefined, undefined, signal);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A 404 becomes a non-retryable error that names the missing object and the config field. */
export async function getRequired<T>(api: KubeApi, path: string, what: string, field: string): Promise<T> {
  try {
    return await api.get<T>(path);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) {
      throw new ProvisionError(`${field}: ${what} does not exist in the cluster (${api.access.server}, context ${api.access.context}); create it or fix ${field}`, false);
    }
    throw err;
  }
}
