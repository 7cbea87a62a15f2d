//! Every finding id, with its section, spec clause, the clients it breaks
//! (and what they print, quoted from their sources) and the remedy.
//!
//! Ids are stable: a new check gets a new id, and an id is never reused
//! for another meaning.

use super::kind::{Group, Hurt};
pub use super::login_catalogue::LOGIN;

/// One kind of finding.
#[derive(Debug)]
pub struct Entry {
    /// The stable id.
    pub id: &'static str,
    /// Its section.
    pub group: Group,
    /// What it checks, in a few words.
    pub title: &'static str,
    /// The specification clause.
    pub spec: &'static str,
    /// Clients it breaks when it is not a PASS.
    pub clients: &'static [Hurt],
    /// What fixes it.
    pub remedy: &'static str,
}

pub(super) const fn hurt(client: &'static str, message: &'static str) -> Hurt {
    Hurt { client, message }
}

/// The MCP TypeScript SDK's `auth()`, which Claude Code, Cursor and
/// mcp-remote run; its messages are theirs.
pub const TS_SDK: &str = "TypeScript SDK clients (Claude Code, Cursor, mcp-remote)";
/// Clients that follow the MCP authorization spec 2025-11-25 to the letter.
pub const STRICT: &str = "strict clients (MCP spec 2025-11-25)";

/// The official MCP conformance suite (`@modelcontextprotocol/conformance`),
/// whose authorization scenarios play a client.
pub const SUITE: &str = "MCP conformance suite";
/// Clients that follow the MCP authorization spec 2026-07-28 (RFC 9207 `iss`).
pub const CLIENTS_2026: &str = "MCP 2026-07-28 clients";
/// What Gemini CLI prints when an authorization response has no `iss`.
pub const GEMINI_NO_ISS: Hurt = hurt(
    "Gemini CLI",
    "OAuth callback rejected: Missing required \"iss\" parameter when an expected issuer is configured. Possible IdP mix-up attack (RFC 9207).",
);
/// Qwen Code, a Gemini CLI fork with the same check.
pub const QWEN_NO_ISS: Hurt = hurt(
    "Qwen Code",
    "OAuth callback rejected: Missing required \"iss\" parameter when an expected issuer is configured. Possible IdP mix-up attack (RFC 9207).",
);
/// The seed's message: the TypeScript SDK after `invalid_client` at the
/// code exchange.
pub const SEED_MESSAGE: Hurt = hurt(
    TS_SDK,
    "Existing OAuth client information is required when exchanging an authorization code (auth() drops the client on invalid_client and retries with the same code)",
);

/// VS Code's exact `resource` comparison.
pub const VS_CODE_RESOURCE: Hurt = hurt(
    "VS Code",
    "Protected Resource Metadata resource property value \"…\" (length: …) does not match target server url \"…\" (length: …). These MUST match to follow OAuth spec https://datatracker.ietf.org/doc/html/rfc9728#PRConfigurationValidation",
);
/// The SDKs' prefix rule for `resource`.
pub const TS_RESOURCE: Hurt = hurt(
    TS_SDK,
    "Protected resource … does not match expected … (or origin)",
);

/// The Python SDK's prefix rule (the same as the TypeScript SDK's).
pub const PY_RESOURCE: Hurt = hurt(
    "Python SDK",
    "Protected resource … does not match expected …",
);

/// The id used should a check ever name an id missing from [`ENTRIES`].
const UNKNOWN: Entry = Entry {
    id: "internal.unknown",
    group: Group::Discovery,
    title: "unknown finding",
    spec: "",
    clients: &[],
    remedy: "",
};

/// Every finding but the `--login` steps, in report order.
pub const ENTRIES: &[Entry] = &[
    Entry {
        id: "mcp.challenge",
        group: Group::Mcp,
        title: "an unauthenticated initialize gets 401 with WWW-Authenticate: Bearer",
        spec: "MCP authorization 2025-11-25 §Authorization Server Discovery; RFC 9728 §5.1; RFC 6750 §3",
        clients: &[
            hurt(TS_SDK, "Error POSTing to endpoint: … (no login is started without a 401)"),
            hurt("VS Code", "no login is started without a 401"),
        ],
        remedy: "answer an MCP request without a token with 401 and WWW-Authenticate: Bearer resource_metadata=\"https://…/.well-known/oauth-protected-resource/…\" (the MCP SDKs do this when auth is configured)",
    },
    Entry {
        id: "mcp.resource-metadata-url",
        group: Group::Mcp,
        title: "WWW-Authenticate names an absolute resource_metadata URL",
        spec: "RFC 9728 §5.1; MCP authorization 2025-11-25 §Protected Resource Metadata Discovery Requirements",
        clients: &[
            hurt(TS_SDK, "TypeError: Invalid URL (a relative resource_metadata)"),
            hurt(STRICT, "without resource_metadata clients must guess the well-known URL; a proxy or path prefix then hides it"),
        ],
        remedy: "send WWW-Authenticate: Bearer resource_metadata=\"<absolute URL of the protected-resource metadata>\" on the 401",
    },
    Entry {
        id: "wellknown.json",
        group: Group::Discovery,
        title: "well-known answers are JSON or a clean 4xx (no HTML, no login redirect)",
        spec: "RFC 8414 §3.2; RFC 9728 §3.2 (application/json)",
        clients: &[
            hurt(TS_SDK, "Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON"),
            hurt("VS Code", "Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON"),
            hurt(
                "Python SDK",
                "Invalid protected resource metadata at … (logged; it tries the next URL), or for a 5xx: Protected Resource Metadata request failed: …",
            ),
        ],
        remedy: "serve the document (application/json) or a plain 404 at the well-known paths; exempt /.well-known/ from login redirects and HTML error pages",
    },
    Entry {
        id: "metadata.no-null",
        group: Group::Discovery,
        title: "no member is null (omit a member instead)",
        spec: "RFC 8414 §2 and RFC 9728 §2 (members are omitted, not null)",
        clients: &[
            hurt(TS_SDK, "Invalid input: expected string, received null (the SDK's zod schema rejects the whole document)"),
            hurt("VS Code", "the document is refused as authorization-server metadata"),
        ],
        remedy: "omit members that have no value instead of sending null (no rewrite in this proxy removes them)",
    },
    Entry {
        id: "metadata.content-type",
        group: Group::Discovery,
        title: "metadata is served as application/json",
        spec: "RFC 8414 §3.2; RFC 9728 §3.2 (Content-Type: application/json)",
        clients: &[hurt(SUITE, "Invalid Content-Type: … (authorization-server-metadata FAILURE)")],
        remedy: "serve discovery documents with Content-Type: application/json",
    },
    Entry {
        id: "metadata.no-redirect",
        group: Group::Discovery,
        title: "metadata answers 200 at its well-known URL, without a redirect",
        spec: "RFC 8414 §3.2 and RFC 9728 §3.2 (a successful response MUST use 200 OK)",
        clients: &[
            hurt(SUITE, "All authorization server metadata endpoints returned invalid status code."),
            hurt(STRICT, "clients whose HTTP client does not follow redirects find no metadata"),
        ],
        remedy: "serve the document itself at the well-known URL (a proxy in front sees only the first request)",
    },
    Entry {
        id: "resource.metadata",
        group: Group::Resource,
        title: "protected-resource metadata is served",
        spec: "MCP authorization 2025-11-25 §Authorization Server Discovery (servers MUST implement RFC 9728); RFC 9728 §3",
        clients: &[
            hurt(STRICT, "Resource server does not implement OAuth 2.0 Protected Resource Metadata."),
            hurt(TS_SDK, "falls back to the MCP server's origin as the authorization server (2025-03-26 behaviour): works only when the authorization server lives there"),
        ],
        remedy: "serve RFC 9728 metadata at /.well-known/oauth-protected-resource<path> with resource and authorization_servers (MCP SDKs: set resource_server_url)",
    },
    Entry {
        id: "resource.matches",
        group: Group::Resource,
        title: "resource is the MCP URL",
        spec: "RFC 9728 §3.3 (resource MUST be identical to the URL used); RFC 8707 §2",
        clients: &[VS_CODE_RESOURCE, TS_RESOURCE, PY_RESOURCE],
        remedy: "make resource the exact URL clients connect to (scheme, host, port and path, e.g. https://host/mcp); behind a proxy, configure the public URL",
    },
    Entry {
        id: "resource.authorization-servers",
        group: Group::Resource,
        title: "authorization_servers names an authorization server",
        spec: "RFC 9728 §2; MCP authorization 2025-11-25 (MUST include at least one)",
        clients: &[
            hurt(STRICT, "no authorization server to log in to"),
            hurt(TS_SDK, "falls back to the MCP server's origin as the authorization server"),
        ],
        remedy: "list the authorization server's issuer identifier in authorization_servers",
    },
    Entry {
        id: "server.metadata",
        group: Group::Server,
        title: "authorization-server metadata is reachable from authorization_servers[0]",
        spec: "MCP authorization 2025-11-25 §Authorization Server Metadata Discovery; RFC 8414 §3.1; OpenID Connect Discovery §4",
        clients: &[
            hurt(TS_SDK, "HTTP 404 trying to load well-known OAuth metadata"),
            hurt("VS Code", "Failed to fetch authorization server metadata from all attempted URLs"),
            hurt(STRICT, "no metadata, no login"),
        ],
        remedy: "serve RFC 8414 metadata at /.well-known/oauth-authorization-server<issuer path> (or OpenID discovery) for the issuer named in authorization_servers",
    },
    Entry {
        id: "server.issuer",
        group: Group::Server,
        title: "issuer is identical to the identifier it was fetched for",
        spec: "RFC 8414 §3.3; OpenID Connect Discovery §4.3",
        clients: &[hurt(
            TS_SDK,
            "Issuer mismatch in metadata: expected \"…\", received \"…\"",
        )],
        remedy: "make issuer and authorization_servers[0] the same string, byte for byte (the MCP Python SDK 1.x adds a trailing slash to issuer: list it the same way in authorization_servers, or set issuer_url without a path); no proxy rewrite changes issuer",
    },
    Entry {
        id: "server.endpoints",
        group: Group::Server,
        title: "authorization_endpoint and token_endpoint are absolute URLs",
        spec: "RFC 8414 §2 (authorization_endpoint and token_endpoint REQUIRED for the code grant); OAuth 2.1 §3",
        clients: &[
            hurt(TS_SDK, "Invalid input: expected string, received undefined (the SDK's zod schema rejects the whole document)"),
            hurt("Python SDK", "validation error for OAuthMetadata: Field required"),
            hurt(SUITE, "Response body does not include valid \"token_endpoint\" claim (or \"authorization_endpoint\")"),
            hurt(STRICT, "no endpoint to send the user or the code to"),
        ],
        remedy: "list authorization_endpoint and token_endpoint as absolute https URLs (no rewrite in this proxy adds them)",
    },
    Entry {
        id: "server.token-auth-none",
        group: Group::Server,
        title: "\"none\" is in token_endpoint_auth_methods_supported",
        spec: "RFC 8414 §2 (absent means [\"client_secret_basic\"]); RFC 7591 §2; OAuth 2.1 §2.1 (public clients)",
        clients: &[
            hurt("mcp-remote", "registers as a confidential client (client_secret_post) and stores a client secret"),
            hurt("C# SDK", "takes the first listed method and sends Basic with an empty secret (csharp-sdk#1615)"),
            hurt("ChatGPT", "its client-metadata-document flow uses none only when it is listed"),
            hurt(STRICT, "a public client refuses a server that does not list none"),
        ],
        remedy: "when the server accepts public clients (check --register says so): put this proxy in front (oauth-metadata-repair --listen ADDR --upstream URL) or add the RepairMetadataLayer; --prepend for clients that take the first method; otherwise enable public clients (token_endpoint_auth_method none with PKCE) on the server",
    },
    Entry {
        id: "server.pkce-s256",
        group: Group::Server,
        title: "S256 is in code_challenge_methods_supported",
        spec: "MCP authorization 2025-11-25 §Authorization Code Protection (clients MUST refuse when absent); RFC 7636 §4.2; RFC 8414 §2",
        clients: &[
            hurt(TS_SDK, "Incompatible auth server: does not support code challenge method S256"),
            hurt(STRICT, "refuses to proceed (code_challenge_methods_supported absent or without S256)"),
        ],
        remedy: "advertise [\"S256\"] when the server verifies it (this proxy: --rule s256, only then); otherwise enable PKCE S256 on the server",
    },
    Entry {
        id: "server.response-type-code",
        group: Group::Server,
        title: "code is in response_types_supported",
        spec: "RFC 8414 §2 (response_types_supported REQUIRED); OAuth 2.1 §4.1",
        clients: &[hurt(TS_SDK, "Incompatible auth server: does not support response type code")],
        remedy: "list \"code\" in response_types_supported (and support the authorization code grant)",
    },
    Entry {
        id: "server.registration",
        group: Group::Server,
        title: "a registration endpoint or client ID metadata documents",
        spec: "MCP authorization 2025-11-25 §Client Registration Approaches; RFC 7591; draft-ietf-oauth-client-id-metadata-document",
        clients: &[
            hurt(TS_SDK, "Incompatible auth server: does not support dynamic client registration"),
            hurt("VS Code", "asks the user for a client ID by hand"),
        ],
        remedy: "enable dynamic client registration (registration_endpoint) or client ID metadata documents (client_id_metadata_document_supported: true)",
    },
    Entry {
        id: "server.https",
        group: Group::Server,
        title: "endpoints are https (loopback exempt)",
        spec: "OAuth 2.1 §1.5; MCP authorization 2025-11-25 §Communication Security; RFC 8252 §7.3 (loopback)",
        clients: &[hurt(
            TS_SDK,
            "Refusing to send credentials to non-https token endpoint '…'",
        )],
        remedy: "serve the authorization server over https (behind a TLS proxy, configure its public https URL as issuer)",
    },
    Entry {
        id: "server.iss-parameter",
        group: Group::Server,
        title: "authorization_response_iss_parameter_supported is true (RFC 9207 iss on authorization responses)",
        spec: "RFC 9207 §2.4 and §3; MCP authorization 2026-07-28 (SEP-2468)",
        clients: &[GEMINI_NO_ISS, QWEN_NO_ISS],
        remedy: "send iss=<the metadata's issuer> on every authorization response and advertise authorization_response_iss_parameter_supported: true (the proxy's iss repair does both)",
    },
    Entry {
        id: "probe.registration",
        group: Group::Probe,
        title: "a public client can register",
        spec: "RFC 7591 §2, §3.2.1",
        clients: &[
            hurt("Claude Code", "registers with token_endpoint_auth_method none whatever is advertised: Dynamic Client Registration rejected (HTTP …): …"),
            hurt(TS_SDK, "Dynamic Client Registration rejected (HTTP …): …"),
        ],
        remedy: "accept registrations with token_endpoint_auth_method none (PKCE public clients), and answer them without a client secret",
    },
    Entry {
        id: "probe.client-secret",
        group: Group::Probe,
        title: "registration hands out no client secret where the repair lists \"none\"",
        spec: "RFC 7591 §3.2.1; RFC 8414 §2",
        clients: &[hurt(
            SUITE,
            "its client uses \"none\" whenever it is listed, even when it holds a secret: the token endpoint answers 401 invalid_client",
        )],
        remedy: "let the token endpoint accept the public clients it registers; a server that only takes confidential clients gains nothing from listing \"none\"",
    },
    Entry {
        id: "probe.public-client",
        group: Group::Probe,
        title: "the token endpoint accepts a public client (client_id and PKCE verifier, no secret)",
        spec: "OAuth 2.1 §3.2.1 and §4.1.3; RFC 6749 §5.2 (invalid_grant, invalid_client)",
        clients: &[
            hurt(TS_SDK, "Existing OAuth client information is required when exchanging an authorization code (auth() drops the client on invalid_client and retries with the same code)"),
            hurt("VS Code", "the token request fails with invalid_client"),
        ],
        remedy: "no rewrite can help: the server itself must accept public clients (token_endpoint_auth_method none with PKCE)",
    },
];

/// Every entry: [`ENTRIES`], then the `--login` steps ([`LOGIN`]).
pub fn all() -> impl Iterator<Item = &'static Entry> {
    ENTRIES.iter().chain(LOGIN)
}

/// The entry of `id` (an internal placeholder for an id not listed).
#[must_use]
pub fn entry(id: &str) -> &'static Entry {
    all().find(|e| e.id == id).unwrap_or(&UNKNOWN)
}
