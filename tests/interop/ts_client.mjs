// The official TypeScript SDK as a desktop MCP client uses it: a public
// client (token_endpoint_auth_method "none", PKCE) that logs in with auth(),
// then lists and calls a tool over Streamable HTTP.
//
//   node ts_client.mjs MCP_URL
//
// Prints one JSON line: the registered method, whether a secret was issued,
// whether the login finished and whether the tool call worked.
import { auth } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const REDIRECT = "http://127.0.0.1:9/callback";

class Provider {
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return {
      client_name: "interop ts client",
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      scope: "user",
    };
  }
  clientInformation() { return this.info; }
  saveClientInformation(info) { this.info = info; }
  tokens() { return this.saved; }
  saveTokens(tokens) { this.saved = tokens; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  // The "browser": the server approves at once and redirects with the code.
  async redirectToAuthorization(url) {
    const res = await fetch(url, { redirect: "manual" });
    this.location = res.headers.get("location");
  }
}

const url = new URL(process.argv[2]);
const provider = new Provider();
const result = { method: null, secret: false, login: false, tool: false };
try {
  let step = await auth(provider, { serverUrl: url });
  if (step === "REDIRECT") {
    const code = new URL(provider.location).searchParams.get("code");
    step = await auth(provider, { serverUrl: url, authorizationCode: code });
  }
  result.login = step === "AUTHORIZED" && !!provider.saved;
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  const client = new Client({ name: "interop", version: "1.0.0" });
  await client.connect(transport);
  const tools = await client.listTools();
  const out = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
  const text = (out.content || []).map((c) => c.text || "").join("");
  result.tool = tools.tools.some((t) => t.name === "add") && text.trim() === "5";
  await transport.terminateSession().catch(() => {});
  await client.close();
} catch (e) {
  result.error = String(e).slice(0, 300);
}
if (provider.info) {
  result.method = provider.info.token_endpoint_auth_method ?? null;
  result.secret = !!provider.info.client_secret;
}
console.log(JSON.stringify(result));
process.exit(0);
