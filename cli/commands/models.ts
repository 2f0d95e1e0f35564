import { loadConfig } from '../../config/load';
import { createModelStore } from '../../store/model-store';
import { CliCommand, UserError } from '../command';
import { CONFIG_FLAG, parseFlags, requireFlag } from '../args';
import { table } from '../explain';
import { authorizeCliAction } from '../authorize';

export const command: CliCommand = {
  name: 'models',
  summary: 'model versions and ensemble weights: list, show, promote, rollback, weights',
  usage: `Usage: kinetic models list SERVICE [--model NAME] [--json]
       kinetic models show SERVICE VERSION [--json]
       kinetic models promote SERVICE VERSION [--token-file FILE] [--reason TEXT]
       kinetic models rollback SERVICE MODEL [--token-file FILE]
       kinetic models weights SERVICE [--json]

Versions are written by the retrain workflow with their lineage (data window, parameters, holdout
scores, code version). A version serves when it is its model's champion; \`promote\` and
\`rollback\` change that by hand, recorded with who did it: with auth in oidc mode they need role
admin, checked here against your token (\`kinetic login\`, or --token-file; a refusal exits 1 with
PermissionDenied and is written to the audit log); with auth: { mode: unverified } pass --as USER.
\`weights\` shows the ensemble weights history written by the reweight workflow.`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { ...CONFIG_FLAG, model: { type: 'string' }, as: { type: 'string' }, 'token-file': { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
      'models',
    );
    const [sub, service, arg] = positionals;
    const cfg = loadConfig(values.config as string | undefined);
    const store = createModelStore(cfg.modelStore, cfg.stateRoot);
    const svc = requireFlag(service, 'SERVICE', 'models');
    /** Who changes the champion: --as in unverified mode (required, as before), else the verified token's identity with role admin. */
    const actor = async (action: 'models.promote' | 'models.rollback', command: string): Promise<string> => {
      if (cfg.auth?.mode === 'unverified') return requireFlag(values.as as string | undefined, '--as', command);
      const ok = await authorizeCliAction(action, cfg, { service: svc, as: values.as as string | undefined, tokenFile: values['token-file'] as string | undefined, command });
      return ok.identity;
    };
    switch (sub) {
      case 'list': {
        const versions = await store.list(svc, values.model as string | undefined);
        if (values.json) {
          console.log(JSON.stringify(versions.map(({ artifact: _a, ...v }) => v)));
          return 0;
        }
        console.log(
          table(
            ['VERSION', 'MODEL', 'STATUS', 'HOLDOUT MASE', 'CHAMPION MASE', 'WINDOW', 'CREATED'],
            versions.map((v) => [
              v.id,
              v.model,
              v.status,
              fmt(v.lineage.scores.holdoutMase),
              fmt(v.lineage.scores.championHoldoutMase),
              `${v.lineage.dataWindow.points} pts to ${v.lineage.dataWindow.end}`,
              v.createdAt,
            ]),
          ),
        );
        return 0;
      }
      case 'show': {
        const v = await store.get(svc, requireFlag(arg, 'VERSION', 'models show'));
        if (!v) throw new UserError(`no version ${arg} of ${svc}; see \`kinetic models list ${svc}\``);
        if (values.json) console.log(JSON.stringify(v));
        else {
          const { artifact, ...rest } = v;
          console.log(JSON.stringify({ ...rest, artifact: { model: artifact.model, version: artifact.version } }, null, 2));
        }
        return 0;
      }
      case 'promote': {
        const version = requireFlag(arg, 'VERSION', 'models promote');
        const who = await actor('models.promote', 'models promote');
        const v = await store.promote(svc, version, `cli:${who}`, (values.reason as string | undefined) ?? 'promoted by hand');
        console.log(`${v.id} is now the ${v.model} champion of ${svc}`);
        return 0;
      }
      case 'rollback': {
        const model = requireFlag(arg, 'MODEL', 'models rollback');
        const who = await actor('models.rollback', 'models rollback');
        const v = await store.rollback(svc, model, `cli:${who}`);
        console.log(`${v.id} is the ${v.model} champion of ${svc} again`);
        return 0;
      }
      case 'weights': {
        const history = await store.weights(svc);
        if (values.json) console.log(JSON.stringify(history));
        else if (history.length === 0) console.log(`no weights yet for ${svc}: the loop uses equal weights until the first reweight`);
        else
          console.log(
            table(
              ['VERSION', 'CREATED', 'OBSERVATIONS', 'WEIGHTS', 'SOURCE'],
              history.map((h) => [String(h.version), h.createdAt, String(h.observations), Object.entries(h.weights).map(([m, w]) => `${m}=${w.toFixed(3)}`).join(' '), h.source]),
            ),
          );
        return 0;
      }
      default:
        throw new UserError(`kinetic models: unknown sub-command "${sub ?? ''}"; see \`kinetic models --help\``);
    }
  },
};

function fmt(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : '-';
}
