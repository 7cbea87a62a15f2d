//! The `--login` steps of the catalogue: one entry per step, with the
//! clients each breaks and the message they print.

use super::catalogue::{
    hurt, Entry, CLIENTS_2026, GEMINI_NO_ISS, QWEN_NO_ISS, SEED_MESSAGE, STRICT, SUITE, TS_SDK,
};
use super::kind::Group;

/// The `--login` steps, in report order.
pub const LOGIN: &[Entry] = &[
    Entry {
        id: "login.registration",
        group: Group::Login,
        title: "a native public client registers (token_endpoint_auth_method none, application_type native)",
        spec: "RFC 7591 §2, §3.2.1; MCP authorization 2026-07-28 (SEP-837: application_type native)",
        clients: &[
            hurt("Claude Code", "Dynamic Client Registration rejected (HTTP …): …"),
            hurt(TS_SDK, "Dynamic Client Registration rejected (HTTP …): …"),
        ],
        remedy: "accept registrations with token_endpoint_auth_method none and application_type native, and a loopback redirect URI on any port (RFC 8252 §7.3)",
    },
    Entry {
        id: "login.authorization",
        group: Group::Login,
        title: "the browser step redirects back with a code and the same state",
        spec: "RFC 6749 §4.1.2 and §4.1.2.1; OAuth 2.1 §4.1.2; RFC 8252 §7.3 (loopback redirect, any port)",
        clients: &[
            hurt(STRICT, "the authorization response is refused (state mismatch) or reports the server's error"),
            hurt(TS_SDK, "the callback server reports the error and the login stops"),
        ],
        remedy: "redirect to the registered loopback redirect URI with code and the client's state unchanged",
    },
    Entry {
        id: "login.iss",
        group: Group::Login,
        title: "the authorization response's iss (RFC 9207) is the issuer",
        spec: "RFC 9207 §2 and §2.4; MCP authorization 2026-07-28 (SEP-2468)",
        clients: &[
            hurt(CLIENTS_2026, "reject an authorization response whose iss is absent while the metadata advertises it, or is not the issuer (mix-up defence)"),
            GEMINI_NO_ISS,
            QWEN_NO_ISS,
            hurt(SUITE, "Invalid iss parameter: … (only for an iss that is present and wrong)"),
        ],
        remedy: "send iss equal to the metadata's issuer, byte for byte, on every authorization response (the proxy's iss repair adds it)",
    },
    Entry {
        id: "login.token-exchange",
        group: Group::Login,
        title: "the code is exchanged with client_id and the PKCE verifier, no secret",
        spec: "OAuth 2.1 §4.1.3; RFC 7636 §4.5; RFC 6749 §5.2",
        clients: &[SEED_MESSAGE, hurt("VS Code", "the token request fails with the server's error")],
        remedy: "the server itself must accept public clients at the token endpoint (token_endpoint_auth_method none with PKCE); no rewrite can help",
    },
    Entry {
        id: "login.token-response",
        group: Group::Login,
        title: "the token response is 200 application/json with an access_token",
        spec: "RFC 6749 §5.1; OAuth 2.1 §3.2.3",
        clients: &[
            hurt(TS_SDK, "Token exchange failed: HTTP … (or the zod schema refuses the response)"),
            hurt(SUITE, "Invalid status code: … / Invalid Content-Type: … / Missing access_token"),
            hurt(STRICT, "no access token"),
        ],
        remedy: "answer a good token request with 200, Content-Type: application/json and an access_token member",
    },
    Entry {
        id: "login.token-type",
        group: Group::Login,
        title: "token_type is Bearer",
        spec: "RFC 6749 §5.1 (token_type REQUIRED); RFC 6750 §4",
        clients: &[
            hurt(TS_SDK, "Invalid input: expected string, received undefined (token_type)"),
            hurt("Python SDK", "validation error for OAuthToken: token_type"),
            hurt(SUITE, "Missing token_type"),
        ],
        remedy: "send \"token_type\": \"Bearer\" in the token response",
    },
    Entry {
        id: "login.token-no-store",
        group: Group::Login,
        title: "the token response carries Cache-Control: no-store",
        spec: "RFC 6749 §5.1 (MUST include Cache-Control: no-store); OAuth 2.1 §3.2.3",
        clients: &[
            hurt(SUITE, "Invalid Cache-Control: (missing)"),
            hurt(STRICT, "a cache between client and server may keep the token"),
        ],
        remedy: "send Cache-Control: no-store on every token response",
    },
    Entry {
        id: "login.mcp-request",
        group: Group::Login,
        title: "the MCP endpoint accepts the token (initialize and tools/list)",
        spec: "MCP authorization 2025-11-25 §Token Audience Binding and Validation; RFC 8707 §2; RFC 6750 §3.1",
        clients: &[
            hurt(STRICT, "401 or 403 after a login: the client logs in again and again"),
            hurt(TS_SDK, "Unauthorized after a successful login (a login loop)"),
        ],
        remedy: "issue the token for the resource the client asked for (RFC 8707 resource = the MCP URL) and accept that audience at the MCP endpoint",
    },
    Entry {
        id: "login.discover",
        group: Group::Login,
        title: "server/discover answers with the token (MCP 2026-07-28)",
        spec: "MCP 2026-07-28 server/discover",
        clients: &[hurt(CLIENTS_2026, "cannot discover the server's capabilities")],
        remedy: "answer server/discover when the server speaks MCP 2026-07-28",
    },
];
