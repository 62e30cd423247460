// A real OpenID provider (npm oidc-provider) for the gateway's login tests.
//
//   node tests/oidc/provider.mjs <port> <redirect_uri> [client_id] [client_secret]
//
// One confidential client with PKCE required, the gateway's redirect URI, and the
// development interactions (a login form that accepts any login; the account's
// email is "<login>@example.test", verified). Prints "listening <issuer>" when ready.
import Provider from 'oidc-provider';

const [port, redirectUri, clientId = 'arbx-gateway', clientSecret = 'test-client-secret'] =
  process.argv.slice(2);
if (!port || !redirectUri) {
  console.error('usage: provider.mjs <port> <redirect_uri> [client_id] [client_secret]');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

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
  cookies: { keys: ['arbx-test-cookie-key'] },
});
provider.proxy = false;

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
