// The web config as it is on disk now: re-read when the file changes (checked
// by a stat per request and per connection, as the toolkit reads it per
// request). A version that does not parse is logged and the last good one
// keeps serving, so a typo cannot lock Prometheus out or open the exporter up.
import type { Logger } from 'pino';
import { ConfigError } from './config-error.js';
import { fileSignature } from './file-signature.js';
import type { SecretSink } from './secrets.js';
import { loadWebConfigFile, readWebConfigFile, webConfigSecrets, type WebConfig } from './web-config.js';

export class WebConfigWatch {
  private web: WebConfig;
  private signature: string;

  /** Loads the file and checks the TLS files it names; throws ConfigError when they do not load. */
  constructor(
    readonly file: string,
    private readonly logger: Logger,
    private readonly secrets?: SecretSink,
  ) {
    this.signature = fileSignature(file);
    this.web = loadWebConfigFile(file);
    this.remember(this.web);
  }

  /** The web config last loaded, without looking at the file. */
  get last(): WebConfig {
    return this.web;
  }

  /** The web config now: re-read when the file changed since the last look. */
  current(): WebConfig {
    const now = fileSignature(this.file);
    if (now === this.signature) return this.web;
    // Taken before the read: a write racing the read changes it again and is read next time.
    this.signature = now;
    try {
      const next = readWebConfigFile(this.file);
      this.remember(next);
      if ((next.tls === undefined) !== (this.web.tls === undefined)) {
        throw new ConfigError([
          `${this.file}: tls_server_config was ${next.tls ? 'added' : 'removed'}; switching TLS on or off needs a restart of the exporter`,
        ]);
      }
      this.web = next;
      this.logger.info({ web_config: this.file, tls: next.tls !== undefined, basic_auth_users: next.users.size }, 'web config reloaded');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.logger.error({ web_config: this.file, problems: err.problems }, 'web config not reloaded: it is invalid; the previous one keeps serving');
    }
    return this.web;
  }

  private remember(web: WebConfig): void {
    for (const value of webConfigSecrets(web)) this.secrets?.add(value);
  }
}
