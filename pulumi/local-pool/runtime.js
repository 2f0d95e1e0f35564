'use strict';
/**
 * Runtime of the LocalPool / LocalLoadBalancer dynamic providers.
 *
 * This file runs inside the `pulumi-resource-pulumi-nodejs` plugin process (a separate node
 * process started by the Pulumi engine), where the serialized provider methods of
 * `./index.ts` load it with `require(<absolute path of this file>)`. It must therefore be plain
 * CommonJS that depends on Node builtins only, and it must not rely on module state across calls
 * (the engine may start a fresh plugin process for every operation).
 *
 * A member is a real detached OS process (own process group, stdio to a log file, unref'd) so it
 * outlives the plugin process. Identity is (pid, procStart) where procStart is the start time in
 * clock ticks from /proc/<pid>/stat (field 22), so a recycled pid is never mistaken for a member.
 */
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- process table ---------------------------------------------------------------------------

/** Parses /proc/<pid>/stat: `{ state, ppid, pgid, startTime }` or undefined if the pid is gone. */
function procStat(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), rest[1] field 4 (ppid), rest[2] field 5 (pgrp), rest[19] field 22 (starttime)
  return { state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]), startTime: rest[19] };
}

/** True when `pid` runs and (if given) started at `procStart`; zombies count as dead. */
function isAlive(pid, procStart) {
  const st = procStat(pid);
  if (!st) return false;
  if (st.state === 'Z' || st.state === 'X' || st.state === 'x') return false;
  if (procStart !== undefined && procStart !== null && procStart !== '' && String(procStart) !== st.startTime) return false;
  return true;
}

function signal(pid, procStart, sig) {
  if (!isAlive(pid, procStart)) return false;
  // Members run in their own process group (detached): signal the group so wrappers die too.
  const st = procStat(pid);
  try {
    if (st && st.pgid === pid) process.kill(-pid, sig);
    else process.kill(pid, sig);
    return true;
  } catch {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

/** Stops processes gracefully: SIGTERM, then SIGKILL for those still alive after `graceMs`. */
async function stopProcesses(procs, graceMs) {
  const live = procs.filter((p) => signal(p.pid, p.procStart, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && live.some((p) => isAlive(p.pid, p.procStart))) await sleep(50);
  const killed = [];
  for (const p of live) {
    if (signal(p.pid, p.procStart, 'SIGKILL')) killed.push(p.pid);
  }
  const hardDeadline = Date.now() + 5_000;
  while (Date.now() < hardDeadline && live.some((p) => isAlive(p.pid, p.procStart))) await sleep(25);
  return { terminated: live.length, killed };
}

// ---- ports and spawning ----------------------------------------------------------------------

function portFree(port, host) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function tcpReady(port, host, timeoutMs) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function tail(file, bytes = 2000) {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - bytes)).toString('utf8');
  } catch {
    return '';
  }
}

function resolveCommand(command) {
  const [exe, ...args] = command;
  return { exe: exe === 'node' ? process.execPath : exe, args };
}

/**
 * Starts one detached process and waits until it accepts TCP connections on `port`.
 * Resolves to the member record; rejects (after killing it) if it exits or is not ready in time.
 */
async function startProcess({ id, command, env, port, host, cwd, logFile, startTimeoutMs, labels }) {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const { exe, args } = resolveCommand(command);
  const childEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    ...env,
    ...labels,
    PORT: String(port),
    HOST: host,
  };
  let child;
  try {
    fs.writeSync(out, `${new Date().toISOString()} [kinetic] starting ${id}: ${[exe, ...args].join(' ')} (port ${port})\n`);
    child = spawn(exe, args, { cwd, env: childEnv, detached: true, stdio: ['ignore', out, out] });
  } finally {
    fs.closeSync(out);
  }
  let exited = null;
  let spawnError = null;
  child.on('exit', (code, sig) => {
    exited = { code, sig };
  });
  child.on('error', (err) => {
    spawnError = err;
  });
  child.unref();
  const pid = child.pid;
  const startedAt = new Date().toISOString();
  // Read the kernel start time right away: it pins the identity of this pid.
  let st = pid ? procStat(pid) : undefined;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`member ${id}: spawn failed: ${spawnError.message}`);
    if (exited || !pid) {
      throw new Error(`member ${id} exited during start-up (${JSON.stringify(exited)}); log tail:\n${tail(logFile)}`);
    }
    if (!st) st = procStat(pid);
    if (await tcpReady(port, host, 500)) break;
    if (Date.now() > deadline) {
      if (pid) await stopProcesses([{ pid, procStart: st && st.startTime }], 500);
      throw new Error(`member ${id} did not listen on ${host}:${port} within ${startTimeoutMs} ms; log tail:\n${tail(logFile)}`);
    }
    await sleep(40);
  }
  return { id, pid, procStart: st ? st.startTime : '', port, host, startedAt, logFile };
}

function writeJsonAtomic(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2));
  fs.renameSync(tmp, file);
}

// ---- LocalPool --------------------------------------------------------------------------------

const POOL_DEFAULTS = {
  healthPath: '/healthz',
  host: '127.0.0.1',
  env: {},
  drainMs: 600,
  graceMs: 5_000,
  startTimeoutMs: 15_000,
  maxPortScan: 200,
};

/** Normalises and validates pool inputs; returns `{ inputs, failures }`. */
function poolCheck(_olds, news) {
  const inputs = { ...POOL_DEFAULTS, ...news, env: { ...(news.env ?? {}) } };
  const failures = [];
  const bad = (property, reason) => failures.push({ property, reason });
  if (typeof inputs.service !== 'string' || !/^[A-Za-z0-9._-]+$/.test(inputs.service)) bad('service', 'must match [A-Za-z0-9._-]+');
  if (typeof inputs.tier !== 'string' || !/^[A-Za-z0-9._-]+$/.test(inputs.tier)) bad('tier', 'must match [A-Za-z0-9._-]+');
  if (!Number.isInteger(inputs.replicas) || inputs.replicas < 0 || inputs.replicas > 500) bad('replicas', 'integer in [0, 500]');
  if (!Array.isArray(inputs.command) || inputs.command.length === 0 || inputs.command.some((a) => typeof a !== 'string')) {
    bad('command', 'non-empty argv array of strings');
  }
  if (!Number.isInteger(inputs.basePort) || inputs.basePort < 1024 || inputs.basePort > 65000) bad('basePort', 'integer in [1024, 65000]');
  if (typeof inputs.stateDir !== 'string' || !path.isAbsolute(inputs.stateDir)) bad('stateDir', 'absolute path');
  if (typeof inputs.healthPath !== 'string' || !inputs.healthPath.startsWith('/')) bad('healthPath', 'must start with /');
  return { inputs, failures };
}

/** Inputs that force a rolling restart of every member when they change. */
function specHash(inputs) {
  const spec = { command: inputs.command, env: inputs.env ?? {}, host: inputs.host, healthPath: inputs.healthPath };
  return crypto.createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

function poolPaths(inputs) {
  return {
    membersFile: path.join(inputs.stateDir, 'members', `${inputs.tier}.json`),
    logDir: path.join(inputs.stateDir, 'logs'),
  };
}

function liveMembers(members) {
  return (members ?? []).filter((m) => isAlive(m.pid, m.procStart));
}

function writeMembership(inputs, members) {
  writeJsonAtomic(poolPaths(inputs).membersFile, {
    service: inputs.service,
    tier: inputs.tier,
    updatedAt: new Date().toISOString(),
    members: members.map((m) => ({ id: m.id, host: m.host, port: m.port, pid: m.pid })),
  });
}

async function startMembers(inputs, count, taken) {
  const { logDir } = poolPaths(inputs);
  const started = [];
  const usedIdx = new Set(taken.map((m) => m.index));
  const usedPorts = new Set(taken.map((m) => m.port));
  let idx = 0;
  try {
    // Starting members one by one keeps port probing race-free; starts are ~100 ms each, and the
    // parallel `waitReady` below overlaps the slow part (the process booting).
    const pending = [];
    while (pending.length < count) {
      if (idx > inputs.maxPortScan) throw new Error(`no free port in [${inputs.basePort}, ${inputs.basePort + idx})`);
      const port = inputs.basePort + idx;
      if (usedIdx.has(idx) || usedPorts.has(port) || !(await portFree(port, inputs.host))) {
        idx++;
        continue;
      }
      const index = idx++;
      const id = `${inputs.tier}-${index}`;
      pending.push(
        startProcess({
          id,
          command: inputs.command,
          env: inputs.env,
          port,
          host: inputs.host,
          cwd: inputs.stateDir,
          logFile: path.join(logDir, `${id}.log`),
          startTimeoutMs: inputs.startTimeoutMs,
          labels: {
            KINETIC_SERVICE: inputs.service,
            KINETIC_TIER: inputs.tier,
            KINETIC_MEMBER: String(index),
            KINETIC_POOL_DIR: inputs.stateDir,
          },
        }).then((m) => {
          const member = { ...m, index };
          started.push(member);
          return member;
        }),
      );
      // Reserve the port right away, even though the process has not bound it yet.
      usedPorts.add(port);
    }
    const results = await Promise.allSettled(pending);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return started.sort((a, b) => a.index - b.index);
  } catch (err) {
    await stopProcesses(started, 1_000);
    throw err;
  }
}

async function drainAndStop(inputs, keep, leaving) {
  if (leaving.length === 0) return { terminated: 0, killed: [] };
  writeMembership(inputs, keep); // drain: the balancer stops routing new requests to `leaving`
  await sleep(inputs.drainMs);
  return stopProcesses(leaving, inputs.graceMs);
}

function poolOutputs(inputs, members, extra = {}) {
  const { membersFile, logDir } = poolPaths(inputs);
  return {
    ...inputs,
    specHash: specHash(inputs),
    membersFile,
    logDir,
    members: members.map((m) => ({ ...m })).sort((a, b) => a.index - b.index),
    liveCount: members.length,
    deadMembers: [],
    ...extra,
  };
}

async function poolCreate(inputs) {
  fs.mkdirSync(inputs.stateDir, { recursive: true });
  const members = await startMembers(inputs, inputs.replicas, []);
  writeMembership(inputs, members);
  return { id: `${inputs.service}/${inputs.tier}`, outs: poolOutputs(inputs, members, { updatedAt: new Date().toISOString() }) };
}

const IDENTITY_KEYS = ['service', 'tier', 'stateDir'];
const SETTING_KEYS = ['replicas', 'command', 'env', 'basePort', 'healthPath', 'host', 'drainMs', 'graceMs', 'startTimeoutMs'];

function poolDiff(_id, olds, news) {
  const replaces = IDENTITY_KEYS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
  const changed = SETTING_KEYS.filter((k) => JSON.stringify(olds[k] ?? POOL_DEFAULTS[k]) !== JSON.stringify(news[k] ?? POOL_DEFAULTS[k]));
  // Drift: members recorded in state that are no longer running (refresh drops them from state;
  // without a refresh they are noticed here) or fewer members than desired.
  const live = liveMembers(olds.members);
  const drift = live.length !== (olds.members ?? []).length || live.length !== news.replicas;
  const changes = replaces.length > 0 || changed.length > 0 || drift;
  return {
    changes,
    replaces,
    deleteBeforeReplace: true,
    stables: ['service', 'tier', 'stateDir'],
  };
}

async function poolUpdate(_id, olds, news) {
  fs.mkdirSync(news.stateDir, { recursive: true });
  const live = liveMembers(olds.members);
  const restart = specHash(news) !== (olds.specHash ?? specHash(olds)) || news.basePort !== olds.basePort;
  if (restart) {
    // Rolling replacement: the new generation is up before the old one is drained.
    const fresh = await startMembers(news, news.replicas, live);
    writeMembership(news, fresh);
    await drainAndStop(news, fresh, live);
    return { outs: poolOutputs(news, fresh, { updatedAt: new Date().toISOString(), lastChange: 'restart' }) };
  }
  let members = live;
  let lastChange = 'none';
  if (live.length < news.replicas) {
    const fresh = await startMembers(news, news.replicas - live.length, live);
    members = [...live, ...fresh];
    writeMembership(news, members);
    lastChange = `scale-out +${fresh.length}`;
  } else if (live.length > news.replicas) {
    // Scale in from the highest slot, so ports stay compact.
    const sorted = [...live].sort((a, b) => a.index - b.index);
    const keep = sorted.slice(0, news.replicas);
    const leaving = sorted.slice(news.replicas);
    await drainAndStop(news, keep, leaving);
    members = keep;
    writeMembership(news, members);
    lastChange = `scale-in -${leaving.length}`;
  } else {
    writeMembership(news, members);
  }
  return { outs: poolOutputs(news, members, { updatedAt: new Date().toISOString(), lastChange }) };
}

async function poolDelete(_id, props) {
  const members = props.members ?? [];
  if (props.stateDir && props.tier) {
    writeMembership(props, []);
    if (liveMembers(members).length > 0) await sleep(props.drainMs ?? POOL_DEFAULTS.drainMs);
  }
  await stopProcesses(members, props.graceMs ?? POOL_DEFAULTS.graceMs);
  try {
    if (props.stateDir && props.tier) fs.rmSync(poolPaths(props).membersFile, { force: true });
  } catch {
    // best effort
  }
}

/** Refresh: keep only the members that still run; the next update starts replacements. */
async function poolRead(id, props) {
  if (!props) return { id, props };
  const all = props.members ?? [];
  const live = liveMembers(all);
  const dead = all.filter((m) => !live.includes(m)).map((m) => m.id);
  if (dead.length > 0 && props.stateDir && props.tier) writeMembership(props, live);
  return {
    id,
    // Only members and counts change, so a refresh without deaths reports no diff.
    props: { ...props, members: live, liveCount: live.length, deadMembers: dead },
  };
}

// ---- LocalLoadBalancer ------------------------------------------------------------------------

const LB_DEFAULTS = { host: '127.0.0.1', healthPath: '/healthz', env: {}, graceMs: 3_000, startTimeoutMs: 10_000 };

function lbCheck(_olds, news) {
  const inputs = { ...LB_DEFAULTS, ...news, env: { ...(news.env ?? {}) } };
  const failures = [];
  if (!Number.isInteger(inputs.port) || inputs.port < 1024) failures.push({ property: 'port', reason: 'integer >= 1024' });
  if (!Array.isArray(inputs.command) || inputs.command.length === 0) failures.push({ property: 'command', reason: 'argv array' });
  if (typeof inputs.membersDir !== 'string' || !path.isAbsolute(inputs.membersDir)) {
    failures.push({ property: 'membersDir', reason: 'absolute path' });
  }
  return { inputs, failures };
}

async function lbStart(inputs) {
  const args = [
    ...inputs.command,
    '--port',
    String(inputs.port),
    '--host',
    inputs.host,
    '--members-dir',
    inputs.membersDir,
    '--health-path',
    inputs.healthPath,
    '--service',
    inputs.service,
  ];
  fs.mkdirSync(inputs.stateDir, { recursive: true });
  const p = await startProcess({
    id: `lb-${inputs.service}`,
    command: args,
    env: inputs.env,
    port: inputs.port,
    host: inputs.host,
    cwd: inputs.stateDir,
    logFile: path.join(inputs.stateDir, 'logs', 'lb.log'),
    startTimeoutMs: inputs.startTimeoutMs,
    labels: { KINETIC_SERVICE: inputs.service, KINETIC_POOL_DIR: inputs.stateDir },
  });
  return { ...inputs, pid: p.pid, procStart: p.procStart, startedAt: p.startedAt, logFile: p.logFile, url: `http://${inputs.host}:${inputs.port}` };
}

async function lbCreate(inputs) {
  const outs = await lbStart(inputs);
  return { id: `lb/${inputs.service}`, outs };
}

function lbDiff(_id, olds, news) {
  const keys = ['port', 'host', 'command', 'membersDir', 'healthPath', 'env', 'service'];
  const changed = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
  const dead = !isAlive(olds.pid, olds.procStart);
  return { changes: changed.length > 0 || dead, replaces: [], stables: ['stateDir'] };
}

async function lbUpdate(_id, olds, news) {
  await stopProcesses([{ pid: olds.pid, procStart: olds.procStart }], olds.graceMs ?? LB_DEFAULTS.graceMs);
  return { outs: await lbStart(news) };
}

async function lbDelete(_id, props) {
  await stopProcesses([{ pid: props.pid, procStart: props.procStart }], props.graceMs ?? LB_DEFAULTS.graceMs);
}

async function lbRead(id, props) {
  if (!props) return { id, props };
  const alive = isAlive(props.pid, props.procStart);
  return { id, props: alive ? props : { ...props, pid: 0, procStart: '' } };
}

module.exports = {
  procStat,
  isAlive,
  stopProcesses,
  pool: { check: poolCheck, diff: poolDiff, create: poolCreate, update: poolUpdate, delete: poolDelete, read: poolRead },
  lb: { check: lbCheck, diff: lbDiff, create: lbCreate, update: lbUpdate, delete: lbDelete, read: lbRead },
  POOL_DEFAULTS,
  LB_DEFAULTS,
};
