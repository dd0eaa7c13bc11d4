// A real, certified OpenID provider (panva's oidc-provider) for the single sign-on tests.
// Listens on 127.0.0.1 with an ephemeral port and prints its issuer URL as the first line.
//
// Environment:
//   OIDC_TEST_CLIENTS  JSON list of clients: [{client_id, client_secret, redirect_uris, post_logout_redirect_uris}]
//   OIDC_TEST_ACCOUNTS JSON object: {"<account id>": {"email": "...", "email_verified": true, "name": "..."}}
// The login form is oidc-provider's own (devInteractions): any password, the login is the account id.
// An account id not listed is a person too: "<email>" has that email verified, "unverified:<email>"
// has it unverified (so every test can use addresses of its own).
//
// For the failure tests, POST /__test__/fault with the body "audience", "audience-with-azp", "expired"
// or "none" makes
// the token endpoint answer with an ID token re-signed by this provider's own key, but issued for
// another client (aud) or already expired (exp) — what a misbehaving or attacked provider would send.
import http from 'node:http';

import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

const clients = JSON.parse(process.env.OIDC_TEST_CLIENTS || '[]');
const accounts = JSON.parse(process.env.OIDC_TEST_ACCOUNTS || '{}');

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
const signingKey = await importJWK(jwk, 'RS256');

const server = http.createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({ response_types: ['code'], grant_types: ['authorization_code'], ...c })),
  jwks: { keys: [jwk] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    let account = accounts[id];
    if (!account && id.includes('@')) {
      const unverified = id.startsWith('unverified:');
      account = { email: id.replace(/^unverified:/, ''), email_verified: !unverified, name: 'Test Person' };
    }
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});

let fault = 'none';
provider.use(async (ctx, next) => {
  if (ctx.path === '/__test__/fault' && ctx.method === 'POST') {
    fault = await new Promise((resolve) => {
      let body = '';
      ctx.req.on('data', (chunk) => { body += chunk; });
      ctx.req.on('end', () => resolve(body.trim() || 'none'));
    });
    ctx.body = { fault };
    return;
  }
  await next();
  if (ctx.path === '/token' && fault !== 'none' && ctx.body && ctx.body.id_token) {
    const claims = decodeJwt(ctx.body.id_token);
    const header = decodeProtectedHeader(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    if (fault === 'audience') claims.aud = 'another-client';
    if (fault === 'audience-with-azp') { claims.aud = 'another-client'; claims.azp = ctx.body.id_token ? decodeJwt(ctx.body.id_token).aud : undefined; }
    if (fault === 'expired') { claims.iat = now - 3600; claims.exp = now - 1800; }
    ctx.body = { ...ctx.body, id_token: await new SignJWT(claims).setProtectedHeader(header).sign(signingKey) };
  }
});

server.on('request', provider.callback());
process.stdout.write(`${issuer}\n`);
process.on('SIGTERM', () => { server.close(); process.exit(0); });
