import { cpSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A copy of the package to run `npm pack` in, for a checkout whose node_modules is a symlink (a
 * git worktree sharing another checkout's): npm pack writes a bundled dependency found through
 * such a link under `../..` paths, so the tarball would lack it. The copy holds the package's
 * files and, as real directories, the bundled dependencies' installed subtree (from the lockfile).
 */
export function stagePackage(root: string, stage: string): void {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[]; bundleDependencies?: string[] };
  mkdirSync(stage, { recursive: true });
  for (const f of ['package.json', 'package-lock.json', ...pkg.files]) cpSync(join(root, f), join(stage, f), { recursive: true });
  const lock = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }> }).packages;
  // Node's resolution over the lockfile's paths: nearest node_modules first, then outwards.
  const find = (name: string, from: string): string | undefined => {
    for (let at = from; ; ) {
      const key = `${at ? `${at}/` : ''}node_modules/${name}`;
      if (lock[key]) return key;
      if (!at) return undefined;
      const i = at.lastIndexOf('/node_modules/');
      at = i >= 0 ? at.slice(0, i) : '';
    }
  };
  const seen = new Set<string>();
  const todo = (pkg.bundleDependencies ?? []).map((n) => `node_modules/${n}`);
  while (todo.length) {
    const key = todo.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const dep of Object.keys({ ...lock[key].dependencies, ...lock[key].optionalDependencies })) {
      const found = find(dep, key);
      if (found) todo.push(found);
    }
  }
  const realModules = realpathSync(join(root, 'node_modules'));
  for (const key of seen) {
    // Nested node_modules are copied with their own keys; skip them here.
    cpSync(join(realModules, key.slice('node_modules/'.length)), join(stage, key), { recursive: true, dereference: true, filter: (src) => !src.slice(join(realModules, key.slice('node_modules/'.length)).length).includes('node_modules') });
  }
}
