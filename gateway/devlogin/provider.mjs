// A local OpenID provider (npm oidc-provider) for development: the "local dev
// login" of `make demo` (engine/devnet/demo.py) and the gateway's login tests.
// Not for production: real deployments use GitHub, Google or their own OpenID
// provider (gateway/auth_config.example.yaml).
//
//   node gateway/devlogin/provider.mjs <port> <redirect_uri> [client_id] [client_secret]
//
// One confidential client with PKCE required, the gateway's redirect URI, and the
// development interactions (a login form, then a consent form). The account's
// email is "<login>@example.test" (verified) and its preferred_username the login.
//
// Environment (optional):
//   ARBX_DEVLOGIN_CLIENT_SECRET  the client secret when not given as an argument
//   ARBX_DEVLOGIN_ACCOUNTS       JSON {"<login>": "<password>", ...}: only these logins,
//                                with these passwords, may sign in; unset: any login
//                                and any password (the tests)
// Prints "listening <issuer>" when ready.
import Provider from 'oidc-provider';
import * as querystring from 'node:querystring';

const [port, redirectUri, clientId = 'arbx-gateway',
  clientSecret = process.env.ARBX_DEVLOGIN_CLIENT_SECRET || 'test-client-secret'] =
  process.argv.slice(2);
if (!port || !redirectUri) {
  console.error('usage: provider.mjs <port> <redirect_uri> [client_id] [client_secret]');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const accounts = process.env.ARBX_DEVLOGIN_ACCOUNTS
  ? JSON.parse(process.env.ARBX_DEVLOGIN_ACCOUNTS) : null;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@example.test`, email_verified: true,
                 name: `User ${id}`, preferred_username: id };
      },
    };
  },
  cookies: { keys: ['arbx-devlogin-cookie-key'] },
});
provider.proxy = false;

if (accounts) {
  // The development login form accepts any login: check the password here, before
  // oidc-provider's own handler (which then reads the body parsed below).
  provider.use(async (ctx, next) => {
    const uid = ctx.method === 'POST' && ctx.path.match(/^\/interaction\/([^/]+)$/);
    if (!uid || !ctx.is('application/x-www-form-urlencoded')) {
      return next();
    }
    const chunks = [];
    for await (const chunk of ctx.req) {
      chunks.push(chunk);
      if (chunks.reduce((n, c) => n + c.length, 0) > 56 * 1024) ctx.throw(413);
    }
    const raw = Buffer.concat(chunks).toString();
    const form = querystring.parse(raw);
    if (form.prompt === 'login') {
      const login = String(form.login || '');
      if (!Object.hasOwn(accounts, login) || accounts[login] !== String(form.password || '')) {
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = '<!DOCTYPE html><html><body style="font-family: sans-serif">'
          + '<p>Wrong login or password.</p>'
          + `<p><a href="/interaction/${encodeURIComponent(uid[1])}">Try again</a></p>`
          + '</body></html>';
        return undefined;
      }
    }
    ctx.req.body = raw;
    return next();
  });
}

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();  // keep-alive connections would hold close() open
  });
}
