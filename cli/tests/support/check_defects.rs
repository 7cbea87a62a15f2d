//! The switches of `check`'s test server: one per defect `check` reports,
//! a few that only the repair preview sees, and their names for the
//! `check_server` example.

/// One switch per defect; the default is a server every client logs in to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Defects {
    /// `initialize` without a token answers 404, not 401.
    pub no_challenge: bool,
    /// `initialize` without a token succeeds: no login is asked for.
    pub no_login: bool,
    /// `resource_metadata` in the challenge is a relative URL.
    pub relative_resource_metadata: bool,
    /// The challenge's protected-resource URL redirects to an HTML login
    /// page (the root placement still serves the document).
    pub login_redirect: bool,
    /// No protected-resource metadata anywhere.
    pub no_resource_metadata: bool,
    /// `resource` is the origin, not the MCP URL (a prefix: VS Code only).
    pub resource_is_origin: bool,
    /// `resource` is another path of the same origin (no prefix: every client).
    pub resource_elsewhere: bool,
    /// `authorization_servers` is empty.
    pub no_authorization_servers: bool,
    /// No authorization-server metadata at any placement.
    pub no_server_metadata: bool,
    /// `issuer` has a trailing slash that the identifier lacks.
    pub issuer_trailing_slash: bool,
    /// `token_endpoint_auth_methods_supported` without "none".
    pub no_none: bool,
    /// `code_challenge_methods_supported` without S256.
    pub no_s256: bool,
    /// `response_types_supported` without code.
    pub no_code: bool,
    /// No registration endpoint and no client ID metadata documents.
    pub no_registration: bool,
    /// A member that is `null`.
    pub null_member: bool,
    /// Endpoints on plain http at a non-loopback host.
    pub plain_http: bool,
    /// No `authorization_response_iss_parameter_supported` and no `iss` on
    /// the redirect (the `mcp` SDK's server).
    pub no_iss_parameter: bool,
    /// The metadata is served as `text/plain`.
    pub text_plain_metadata: bool,
    /// No `token_endpoint` in the metadata.
    pub no_token_endpoint: bool,
    /// No `authorization_endpoint` in the metadata.
    pub no_authorization_endpoint: bool,
    /// Registration answers with a client secret (a confidential client).
    pub registration_secret: bool,
    /// No registration endpoint; client ID metadata documents instead.
    pub cimd_only: bool,
    /// `--login`: the authorization endpoint shows a page and never
    /// redirects back.
    pub never_redirects: bool,
    /// `--login`: the authorization endpoint answers `error=access_denied`.
    pub authorize_error: bool,
    /// `--login`: `iss` is advertised but the redirect has none.
    pub iss_not_sent: bool,
    /// `--login`: the redirect's `iss` is not the issuer.
    pub wrong_iss: bool,
    /// `--login`: the token response has no `token_type`.
    pub no_token_type: bool,
    /// `--login`: the token response has no `Cache-Control: no-store`.
    pub no_no_store: bool,
    /// `--login`: the MCP endpoint refuses the tokens handed out (they are
    /// for another audience).
    pub wrong_audience: bool,
    /// The token endpoint answers `invalid_client` to a public client.
    pub refuses_public_clients: bool,
    /// Registration refuses `token_endpoint_auth_method: "none"`.
    pub refuses_public_registration: bool,
    /// For the preview: the authorization-server metadata redirects to
    /// [`MOVED_METADATA`](super::check_server::MOVED_METADATA), which serves it.
    pub metadata_moved: bool,
    /// For the preview: the metadata is marked `Cache-Control: no-transform`.
    pub no_transform: bool,
    /// For the preview: the metadata carries `signed_metadata`.
    pub signed_metadata: bool,
}

/// Every switch's name, as [`Defects::switch`] takes it.
pub const SWITCHES: &[&str] = &[
    "no_challenge",
    "no_login",
    "relative_resource_metadata",
    "login_redirect",
    "no_resource_metadata",
    "resource_is_origin",
    "resource_elsewhere",
    "no_authorization_servers",
    "no_server_metadata",
    "issuer_trailing_slash",
    "no_none",
    "no_s256",
    "no_code",
    "no_registration",
    "null_member",
    "plain_http",
    "no_iss_parameter",
    "text_plain_metadata",
    "no_token_endpoint",
    "no_authorization_endpoint",
    "registration_secret",
    "cimd_only",
    "never_redirects",
    "authorize_error",
    "iss_not_sent",
    "wrong_iss",
    "no_token_type",
    "no_no_store",
    "wrong_audience",
    "refuses_public_clients",
    "refuses_public_registration",
    "metadata_moved",
    "no_transform",
    "signed_metadata",
];

impl Defects {
    /// Turns on the switch `name`; false for a name that is no switch.
    pub fn switch(&mut self, name: &str) -> bool {
        match name {
            "no_challenge" => self.no_challenge = true,
            "no_login" => self.no_login = true,
            "relative_resource_metadata" => self.relative_resource_metadata = true,
            "login_redirect" => self.login_redirect = true,
            "no_resource_metadata" => self.no_resource_metadata = true,
            "resource_is_origin" => self.resource_is_origin = true,
            "resource_elsewhere" => self.resource_elsewhere = true,
            "no_authorization_servers" => self.no_authorization_servers = true,
            "no_server_metadata" => self.no_server_metadata = true,
            "issuer_trailing_slash" => self.issuer_trailing_slash = true,
            "no_none" => self.no_none = true,
            "no_s256" => self.no_s256 = true,
            "no_code" => self.no_code = true,
            "no_registration" => self.no_registration = true,
            "null_member" => self.null_member = true,
            "plain_http" => self.plain_http = true,
            "no_iss_parameter" => self.no_iss_parameter = true,
            "text_plain_metadata" => self.text_plain_metadata = true,
            "no_token_endpoint" => self.no_token_endpoint = true,
            "no_authorization_endpoint" => self.no_authorization_endpoint = true,
            "registration_secret" => self.registration_secret = true,
            "cimd_only" => self.cimd_only = true,
            "never_redirects" => self.never_redirects = true,
            "authorize_error" => self.authorize_error = true,
            "iss_not_sent" => self.iss_not_sent = true,
            "wrong_iss" => self.wrong_iss = true,
            "no_token_type" => self.no_token_type = true,
            "no_no_store" => self.no_no_store = true,
            "wrong_audience" => self.wrong_audience = true,
            "refuses_public_clients" => self.refuses_public_clients = true,
            "refuses_public_registration" => self.refuses_public_registration = true,
            "metadata_moved" => self.metadata_moved = true,
            "no_transform" => self.no_transform = true,
            "signed_metadata" => self.signed_metadata = true,
            _ => return false,
        }
        true
    }

    /// Only "none" missing: the one defect the proxy repairs.
    pub fn no_none() -> Self {
        Self {
            no_none: true,
            ..Self::default()
        }
    }
}
