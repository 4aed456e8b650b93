// The three ways to authenticate to SparkRTC: AK/SK signing, a static token,
// or a token obtained from IAM with user/password and renewed before expiry.
import { z } from 'zod';
import type { RefreshContext, SourceDeps } from '../../source.js';
import { UpstreamError, type UpstreamApi, type UpstreamResponse } from '../../upstream/api.js';
import { parseAuthorization, signRequest, type SignableRequest } from './auth.js';
import type { HuaweiRtcConfig } from './config.js';
import { HUAWEI_ERRORS } from './errors.js';

/** Adds authentication headers to a request, at the moment it is sent. */
export type Authorizer = (req: SignableRequest) => Record<string, string>;

const TOKEN_LIFETIME_MS = 24 * 3_600_000;
const tokenBody = z.looseObject({ token: z.looseObject({ expires_at: z.string().optional() }).optional() });

interface IamToken {
  value: string;
  expiresAt: number;
}

export class Credentials {
  private readonly iamApi: UpstreamApi | undefined;
  private token: IamToken | undefined;
  private pending: Promise<IamToken> | undefined;

  constructor(
    private readonly cfg: HuaweiRtcConfig,
    private readonly deps: SourceDeps,
  ) {
    if (cfg.auth.iam) {
      // IAM is an account of its own. A token lasts a day: more than a few requests a minute means something is wrong.
      const iamAccount = deps.account({ requests: 5, windowMs: 60_000, concurrency: 1, throttlePauseMinMs: 60_000, throttlePauseMaxMs: 60_000 });
      this.iamApi = iamAccount.api({ name: 'iam_token', vendor: HUAWEI_ERRORS, timeoutMs: cfg.request_timeout });
    }
  }

  async authorizer(ctx: RefreshContext): Promise<Authorizer> {
    const { auth, project_id } = this.cfg;
    if (auth.aksk) {
      const { access_key, secret_key } = auth.aksk;
      return (req) => {
        const headers = signRequest(
          { ...req, headers: { ...req.headers, Host: req.url.host, 'X-Project-Id': project_id } },
          access_key,
          secret_key.reveal(),
          this.deps.clock.now(),
        );
        // The signature, not the whole header: its start (algorithm, access key) is no secret and appears in messages.
        const signed = parseAuthorization(headers.Authorization);
        if (signed) this.deps.secrets.addEphemeral(signed.signature);
        return headers;
      };
    }
    const token = auth.token?.reveal() ?? (await this.iamToken(ctx)).value;
    return (req) => ({ ...req.headers, 'X-Auth-Token': token });
  }

  /** A token can die before its time (password change): drop it after an auth failure. */
  onFailure(err: unknown): void {
    if (err instanceof UpstreamError && err.outcome === 'auth_error') this.token = undefined;
  }

  private iamToken(ctx: RefreshContext): Promise<IamToken> {
    const iam = this.cfg.auth.iam!;
    const now = this.deps.clock.now();
    if (this.token && now < this.token.expiresAt - iam.renew_before) return Promise.resolve(this.token);
    this.pending ??= this.fetchToken(ctx).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetchToken(ctx: RefreshContext): Promise<IamToken> {
    const iam = this.cfg.auth.iam!;
    const issuedAt = this.deps.clock.now();
    const body = JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { domain: { name: iam.domain }, name: iam.user, password: iam.password.reveal() } } },
        scope: { project: { id: this.cfg.project_id } },
      },
    });
    const token = await this.iamApi!.call(
      () => ({
        method: 'POST',
        url: new URL(`${iam.endpoint.replace(/\/$/, '')}/v3/auth/tokens`),
        headers: { 'Content-Type': 'application/json;charset=utf8' },
        body,
      }),
      (res: UpstreamResponse): IamToken => {
        const value = res.headers['x-subject-token'];
        if (!value) throw new Error('IAM answered without an X-Subject-Token header');
        // Known before anything can log it or send it (and so before an API can echo it).
        this.deps.secrets.add(value);
        const expires = Date.parse(tokenBody.parse(JSON.parse(res.body)).token?.expires_at ?? '');
        return { value, expiresAt: Number.isFinite(expires) ? expires : issuedAt + TOKEN_LIFETIME_MS };
      },
      { signal: ctx.signal, priority: ctx.priority },
    );
    this.deps.logger.info({ expires_at: new Date(token.expiresAt).toISOString() }, 'obtained IAM token');
    this.token = token;
    return token;
  }
}
