import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/load';
import { clientCredentialsLogin, deviceLogin } from '../../auth/login';
import { tokenCachePath, writeCachedToken } from '../../auth/token-cache';
import { CliCommand, UserError } from '../command';
import { CONFIG_FLAG, parseFlags } from '../args';

export const command: CliCommand = {
  name: 'login',
  summary: "get a token from your OpenID provider for approve / reject / resolve / decide",
  usage: `Usage: kinetic login [--client-id ID] [--scope S] [--resource URI] [--json] [--config FILE]
       kinetic login --client-id ID --client-secret-file FILE [--scope S] [--resource URI]   (automation)

Signs in at auth.issuer and caches the token in ~/.kinetic/token.json (KINETIC_TOKEN_CACHE
overrides), readable by you only (mode 0600); \`kinetic approve|reject|resolve|decide\` send it.
A person: the device flow — the command prints a URL and a code, you confirm them in a browser,
it polls until you did (client auth.login.clientId, or --client-id). Automation: client
credentials — --client-id with --client-secret-file FILE or KINETIC_CLIENT_SECRET in the
environment. The token sent is the access token when it is a JWT, else the ID token; the worker
checks its issuer, audience (auth.audience), expiry and signature. --json prints
{ file, issuer, clientId, grant, kind, expiresAt } (never the token).`,
  async run(argv) {
    const { values } = parseFlags(
      argv,
      {
        ...CONFIG_FLAG,
        'client-id': { type: 'string' },
        'client-secret-file': { type: 'string' },
        scope: { type: 'string' },
        resource: { type: 'string' },
        json: { type: 'boolean' },
      },
      'login',
    );
    const cfg = loadConfig(values.config as string | undefined);
    const auth = cfg.auth;
    if (!auth || auth.mode !== 'oidc' || !auth.issuer) {
      throw new UserError(`kinetic login: ${cfg.file} has no auth in oidc mode (auth.issuer, auth.audience); with auth: { mode: unverified } use --as instead`);
    }
    let secret: string | undefined;
    if (values['client-secret-file']) {
      try {
        secret = readFileSync(values['client-secret-file'] as string, 'utf8').trim();
      } catch (e) {
        throw new UserError(`kinetic login: --client-secret-file: ${(e as Error).message}`);
      }
    } else if (process.env.KINETIC_CLIENT_SECRET) secret = process.env.KINETIC_CLIENT_SECRET;
    const clientId = (values['client-id'] as string | undefined) ?? auth.login.clientId;
    if (!clientId) throw new UserError('kinetic login: no client: pass --client-id, or set auth.login.clientId in kinetic.yaml');
    const base = { issuer: auth.issuer, clientId, scope: (values.scope as string | undefined) ?? auth.login.scope, resource: (values.resource as string | undefined) ?? auth.login.resource };
    const token = secret
      ? await clientCredentialsLogin({ ...base, clientSecret: secret })
      : await deviceLogin({
          ...base,
          timeoutSeconds: auth.login.deviceTimeout,
          prompt: (p) => {
            const out = values.json ? console.error : console.log;
            out(`To sign in, open ${p.verificationUri} and enter the code ${p.userCode}`);
            if (p.verificationUriComplete) out(`(or open ${p.verificationUriComplete})`);
            out(`Waiting for you to confirm (up to ${Math.min(p.expiresIn, auth.login.deviceTimeout)}s)…`);
          },
        });
    const file = writeCachedToken(token, tokenCachePath());
    if (values.json) {
      const { token: _secret, ...shown } = token;
      console.log(JSON.stringify({ file, ...shown }));
    } else {
      console.log(`signed in at ${token.issuer} (${token.grant === 'device_code' ? 'device flow' : 'client credentials'}); token cached in ${file} until ${new Date(token.expiresAt * 1000).toISOString()}`);
    }
    return 0;
  },
};
