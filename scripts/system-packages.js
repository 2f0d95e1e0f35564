/**
 * The system programs the tests run for real: Prometheus (metrics tests), headless Chromium (the
 * Web UI, dashboard and report tests), the PostgreSQL server (audit log and stores) and etcd (the
 * Kubernetes control plane of the Kubernetes tests). Found the
 * way the tests find them (PROMETHEUS_BIN, CHROMIUM, KINETIC_PG_BIN, PATH, Debian's places); when
 * some are missing they are installed from the Debian archive if this runs as root with apt-get,
 * otherwise the script stops at once with the exact command to run.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function onPath(names) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

const postgresDirs = () => {
  try {
    return fs.readdirSync('/usr/lib/postgresql').map((v) => path.join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    return [];
  }
};

/** Debian package → { env: the override variable, found(): path or undefined }. */
const PACKAGES = {
  prometheus: { env: 'PROMETHEUS_BIN', found: () => onPath(['prometheus']) },
  chromium: {
    env: 'CHROMIUM',
    found: () => ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => fs.existsSync(p)) || onPath(['chromium', 'chromium-browser', 'google-chrome']),
  },
  // etcd for the Kubernetes control plane the Kubernetes tests start (Debian's etcd-server ships /usr/bin/etcd).
  'etcd-server': { env: 'KINETIC_ETCD_BIN', found: () => onPath(['etcd']) },
  postgresql: {
    env: 'KINETIC_PG_BIN',
    found: () => postgresDirs().find((d) => fs.existsSync(path.join(d, 'initdb'))) || (onPath(['initdb']) && path.dirname(onPath(['initdb']))),
  },
};

/** Returns the names of the packages found; installs or stops (via `fail`) for the rest. */
function ensureSystemPackages({ log, fail }) {
  const missing = [];
  for (const [pkg, { env, found }] of Object.entries(PACKAGES)) {
    const set = process.env[env];
    if (set) {
      if (!fs.existsSync(set)) fail(`${env}=${set} does not exist; point it at the ${pkg} program, or unset it to use Debian's ${pkg} package`);
    } else if (!found()) missing.push(pkg);
  }
  if (missing.length === 0) return Object.keys(PACKAGES);
  const aptGet = onPath(['apt-get']);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!aptGet || !root || process.env.KINETIC_NO_APT === '1') {
    const how = !aptGet
      ? `run the equivalent of \`${command}\` with your package manager`
      : `run: sudo sh -c '${command}'`;
    fail(`the tests need ${missing.join(', ')} (not found); ${how}, or name the programs with ${missing.map((m) => PACKAGES[m].env).join(' / ')}`);
  }
  log(`installing ${missing.join(' ')} from the Debian archive (${command})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
    const res = spawnSync(aptGet, args, { stdio: 'inherit', env });
    if (res.status !== 0) fail(`apt-get ${args[0]} failed (exit ${res.status}); run \`${command}\` yourself and see its output`);
  }
  const still = missing.filter((pkg) => !PACKAGES[pkg].found());
  if (still.length) fail(`installed ${missing.join(' ')}, but ${still.join(', ')} still cannot be found; set ${still.map((m) => PACKAGES[m].env).join(' / ')}`);
  return Object.keys(PACKAGES);
}

module.exports = { ensureSystemPackages };
