import { get } from 'node:http';
import type { CollectedMember } from './collector';

/** The members of a local pool, as its balancer lists them (`GET /lb/members`): pid and port of each process. */
export async function poolMembers(lbUrl: string, service = 'default'): Promise<CollectedMember[]> {
  const body = await new Promise<string>((resolve, reject) => {
    const req = get(`${lbUrl.replace(/\/$/, '')}/lb/members`, { timeout: 3000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${lbUrl}/lb/members answered ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout after 3000 ms')));
    req.on('error', reject);
  });
  const view = JSON.parse(body) as { service?: string; members?: Array<{ id: string; host: string; port: number; pid: number }> };
  return (view.members ?? []).map((m) => ({ id: m.id, pid: m.pid, metricsUrl: `http://${m.host}:${m.port}/metrics`, service: view.service ?? service }));
}
