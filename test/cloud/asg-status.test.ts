/**
 * ASG verification against recorded DescribeAutoScalingGroups responses (awsQuery XML) served over
 * HTTP to a real AutoScalingClient: paging, Pending and Unhealthy instances, throttling, missing groups.
 */
import * as path from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityTarget, describeGroups, waitForInService } from '../../cloud/aws/asg-status';
import { fromFile, startRecordedServer, TEST_CREDENTIALS, type ReceivedRequest, type RecordedResponse, type RecordedServer } from '../helpers/aws-recorded-server';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'aws', 'autoscaling');
const fixture = (name: string, status?: number) => fromFile(path.join(FIXTURES, name), status);
const PAGE_2_TOKEN = 'eyJwYWdlIjoyLCJncm91cCI6ImtpbmV0aWMtd2ViLWdwdSJ9';
const BOTH = ['kinetic-web-cpu', 'kinetic-web-gpu'];

/** One scenario per test: the route reads the current handler. */
let handler: (req: ReceivedRequest) => RecordedResponse = () => ({ status: 500, body: 'no scenario' });
let server: RecordedServer;

function client(maxAttempts?: number): AutoScalingClient {
  return new AutoScalingClient({ region: 'us-east-1', endpoint: server.endpoint, credentials: TEST_CREDENTIALS, maxAttempts });
}

/** Page 1 (`first`) or page 2 by NextToken, as the real API pages. */
function paged(first: string): (req: ReceivedRequest) => RecordedResponse {
  return (req) => (req.params.NextToken === PAGE_2_TOKEN ? fixture('describe-groups-page-2.xml') : fixture(first));
}

beforeAll(async () => {
  server = await startRecordedServer({ DescribeAutoScalingGroups: (req) => handler(req) });
});
afterAll(() => server.close());

describe('describeGroups', () => {
  it('follows NextToken and counts InService+Healthy, Pending and Unhealthy instances per group', async () => {
    handler = paged('describe-groups-converging-page-1.xml');
    const before = server.requests.length;
    const groups = await describeGroups(client(), BOTH);
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[0].params['AutoScalingGroupNames.member.1']).toBe('kinetic-web-cpu');
    expect(sent[0].params['AutoScalingGroupNames.member.2']).toBe('kinetic-web-gpu');
    expect(sent[0].params.NextToken).toBeUndefined();
    expect(sent[1].params.NextToken).toBe(PAGE_2_TOKEN);
    expect(sent[1].params['AutoScalingGroupNames.member.2']).toBe('kinetic-web-gpu');

    expect(Object.keys(groups).sort()).toEqual(BOTH);
    const cpu = groups['kinetic-web-cpu'];
    expect(cpu).toMatchObject({ desired: 9, minSize: 0, maxSize: 20, inService: 7, pending: 1, unhealthy: 1, other: 0 });
    expect(cpu.byInstanceType).toEqual({ 'm7i.large': 4, 'm6i.large': 2, 'm6a.large': 1 });
    // OnDemandBaseCapacity 6, 0 % above: 6 on-demand (committed + on-demand tiers), 3 spot.
    expect(cpu.capacityTarget).toEqual({ onDemand: 6, spot: 3 });
    expect(cpu.notReady).toEqual(['i-0c1a000000000008 m6a.large Pending/Healthy', 'i-0c1a000000000009 m6i.large InService/Unhealthy']);
    expect(groups['kinetic-web-gpu']).toMatchObject({ desired: 2, inService: 2, pending: 0, byInstanceType: { 'g5.xlarge': 1, 'g6.xlarge': 1 } });
  });

  it('leaves out groups the API does not know and sends nothing for no names', async () => {
    handler = () => fixture('describe-groups-empty.xml');
    expect(await describeGroups(client(), ['kinetic-web-gone'])).toEqual({});
    const before = server.requests.length;
    expect(await describeGroups(client(), [])).toEqual({});
    expect(server.requests.length).toBe(before);
  });

  it('rides out a throttled call through the SDK retry', async () => {
    let calls = 0;
    handler = (req) => (calls++ === 0 ? fixture('throttling.xml', 400) : paged('describe-groups-ready-page-1.xml')(req));
    const groups = await describeGroups(client(3), BOTH);
    expect(calls).toBe(3); // throttled, page 1, page 2
    expect(groups['kinetic-web-cpu'].inService).toBe(9);
  });
});

describe('waitForInService', () => {
  it('polls until every group has its desired InService+Healthy count', async () => {
    let polls = 0;
    handler = (req) => {
      if (!req.params.NextToken) polls++;
      return paged(polls === 1 ? 'describe-groups-converging-page-1.xml' : 'describe-groups-ready-page-1.xml')(req);
    };
    const beats: unknown[] = [];
    const r = await waitForInService(client(), { 'kinetic-web-cpu': 9, 'kinetic-web-gpu': 2 }, { timeoutMs: 5_000, pollMs: 20, heartbeat: (d) => beats.push(d) });
    expect(r).toMatchObject({ ok: true, expected: 11, healthy: 11, reasons: [], polls: 2 });
    expect(beats).toEqual([
      { op: 'verify', healthy: 9, expected: 11, polls: 1 },
      { op: 'verify', healthy: 11, expected: 11, polls: 2 },
    ]);
  });

  it('names each short group, its pending and unhealthy instances, when the deadline passes', async () => {
    handler = paged('describe-groups-converging-page-1.xml');
    const r = await waitForInService(client(), { 'kinetic-web-cpu': 9, 'kinetic-web-gpu': 2, 'kinetic-web-gone': 1 }, { timeoutMs: 150, pollMs: 40 });
    expect(r.ok).toBe(false);
    expect(r.healthy).toBe(9);
    expect(r.expected).toBe(12);
    expect(r.reasons).toEqual([
      'group kinetic-web-cpu: 7/9 InService+Healthy, 1 pending, 1 unhealthy [i-0c1a000000000008 m6a.large Pending/Healthy; i-0c1a000000000009 m6i.large InService/Unhealthy]',
      'group kinetic-web-gone: not found (expected 1 InService)',
    ]);
  });

  it('reports a group whose desired capacity differs from the plan even when its instances are healthy', async () => {
    handler = paged('describe-groups-ready-page-1.xml');
    const r = await waitForInService(client(), { 'kinetic-web-gpu': 3 }, { timeoutMs: 0, pollMs: 10 });
    expect(r.ok).toBe(false);
    expect(r.reasons).toEqual(['group kinetic-web-gpu: 2/3 InService+Healthy, desired capacity is 2']);
  });

  it('reports persistent throttling as the reason', async () => {
    handler = () => fixture('throttling.xml', 400);
    // Each poll is one throttled request (no SDK retry): a slow machine still fits several polls.
    const r = await waitForInService(client(1), { 'kinetic-web-cpu': 9 }, { timeoutMs: 1_000, pollMs: 10 });
    expect(r.ok).toBe(false);
    expect(r.reasons).toEqual(['DescribeAutoScalingGroups failed: Throttling: Rate exceeded']);
    expect(r.polls).toBeGreaterThanOrEqual(2);
  });

  it('stops when the signal aborts', async () => {
    handler = paged('describe-groups-converging-page-1.xml');
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('activity cancelled')), 50);
    await expect(waitForInService(client(), { 'kinetic-web-cpu': 9 }, { timeoutMs: 10_000, pollMs: 20, signal: ac.signal })).rejects.toThrow('activity cancelled');
  });
});

describe('capacityTarget', () => {
  it('splits desired capacity as EC2 Auto Scaling does (on-demand above base rounded up)', () => {
    expect(capacityTarget(9, { OnDemandBaseCapacity: 6, OnDemandPercentageAboveBaseCapacity: 0 })).toEqual({ onDemand: 6, spot: 3 });
    expect(capacityTarget(5, { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 30 })).toEqual({ onDemand: 3, spot: 2 });
    expect(capacityTarget(2, { OnDemandBaseCapacity: 6 })).toEqual({ onDemand: 2, spot: 0 });
    expect(capacityTarget(4, {})).toEqual({ onDemand: 4, spot: 0 }); // API default: 100 % on-demand
    expect(capacityTarget(4, undefined)).toBeUndefined();
  });
});
