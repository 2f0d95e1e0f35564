// Lint rules that protect the architecture: workflows stay deterministic and free of I/O,
// the pure core (models/, planning/, sim/, learning/) and the compute threads that run it never
// reach for Temporal or Pulumi, and decision/
// (below activities and workflows) imports neither them nor any I/O.
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs', 'fs/promises', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'dns', 'stream',
  'worker_threads', 'cluster', 'process', 'readline', 'timers', 'zlib', 'tls', 'dgram', 'v8', 'vm',
];
const nodeImportBan = nodeBuiltins.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', '.kinetic/**', '.tools/**', 'dist/**', 'tools/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeImportBan.map((name) => ({ name, message: 'Workflows must be deterministic: no Node/IO imports; use an activity.' })),
        patterns: [
          { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker'], message: 'Not allowed in the workflow sandbox.' },
          { group: ['@pulumi/*', '../activities/*', '../provisioners/*', '../metrics/*'], message: 'Workflows import activity *types* only.', allowTypeImports: true },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'fetch', message: 'No I/O in workflows.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'Use uuid4() or activity results.' },
      ],
    },
  },
  {
    files: ['decision/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeImportBan.map((name) => ({ name, message: 'decision/ is pure: no Node/IO imports.' })),
        patterns: [
          { group: ['@temporalio/*', '@pulumi/*'], message: 'decision/ is pure: no Temporal or Pulumi here.' },
          { group: ['../activities/*', '../workflows/*', '../store/*', '../metrics/*'], message: 'decision/ sits below activities and workflows and does no I/O.' },
          { group: ['../config/*', '../provisioners/*'], message: 'decision/ uses their types only.', allowTypeImports: true },
        ],
      }],
    },
  },
  {
    files: ['models/**/*.ts', 'planning/**/*.ts', 'sim/**/*.ts', 'learning/**/*.ts', 'compute/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@temporalio/*', '@pulumi/*'], message: 'The core is pure: no Temporal or Pulumi here.' }],
      }],
    },
  },
);
