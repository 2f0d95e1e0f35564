import { dirname } from 'node:path';
import { loadConfig } from '../../config/load';
import { EncryptionCodec } from '../../encryption/codec';
import { createCodecServer } from '../../encryption/codec-server';
import { keyProviderFor } from '../../encryption/from-config';
import { readTokens } from '../../encryption/tokens';
import { CliCommand, UserError } from '../command';
import { CONFIG_FLAG, intFlag, parseFlags } from '../args';

export const command: CliCommand = {
  name: 'codec-server',
  summary: 'serve /encode and /decode so the Temporal Web UI can show encrypted decision histories',
  usage: `Usage: kinetic codec-server [--config kinetic.yaml] [--host H] [--port N]

Serves Temporal's remote codec protocol (POST /encode, POST /decode) with the keys of
kinetic.yaml's encryption block. Every call needs a token from encryption.codecServer.tokens:
API callers send "Authorization: Bearer <token>"; the Web UI (which sends no header of its own)
calls /ui/<token>/decode from an origin listed in encryption.codecServer.uiOrigins (CORS).
Anything else gets 401 (no or wrong token) or 403 (origin not allowed). Host and port default
to encryption.codecServer.host/port (127.0.0.1:8089). SIGINT/SIGTERM stop it.`,
  async run(argv) {
    const { values } = parseFlags(argv, { ...CONFIG_FLAG, host: { type: 'string' }, port: { type: 'string' } }, 'codec-server');
    const cfg = loadConfig(values.config as string | undefined);
    const server = cfg.encryption?.codecServer;
    if (!cfg.encryption || !server) {
      throw new UserError(`kinetic codec-server: ${cfg.file} has no encryption.codecServer block; add encryption: { keys: { file: … }, codecServer: { tokens: { env: KINETIC_CODEC_TOKENS } } } (README "Encrypted histories")`);
    }
    const baseDir = dirname(cfg.file);
    const tokens = readTokens(server.tokens, baseDir);
    const codec = new EncryptionCodec(keyProviderFor(cfg.encryption, baseDir));
    const host = (values.host as string | undefined) ?? server.host;
    const port = intFlag(values.port as string | undefined, '--port', 'codec-server', 1) ?? server.port;
    const http = createCodecServer({
      codec,
      tokens,
      uiOrigins: server.uiOrigins,
      onRefused: (why, req) => console.error(`refused ${req.method} ${req.url?.replace(/^\/ui\/[^/]+/, '/ui/<token>')} from ${req.headers.origin ?? req.socket.remoteAddress}: ${why}`),
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', (e) => reject(new UserError(`kinetic codec-server: cannot listen on ${host}:${port}: ${e.message}; pass --port or set encryption.codecServer.port`)));
      http.listen(port, host, () => resolve());
    });
    console.log(`codec server on http://${host}:${port} (POST /encode, /decode; UI origins: ${server.uiOrigins.join(', ')})`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        http.close(() => resolve());
        http.closeAllConnections(); // the UI's browser keeps connections alive
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
