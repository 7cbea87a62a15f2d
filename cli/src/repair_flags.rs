//! The flags that decide what is repaired, shared by the proxy and `check`
//! (so `check` previews exactly what the proxy with the same flags serves),
//! and the layer they configure.
// The doc comments below are the --help text, shown as written.
#![allow(clippy::doc_markdown)]

use clap::{Args as ClapArgs, ValueEnum};
use oauth_metadata_repair::repair::{Placement, Rule};
use oauth_metadata_repair::{
    is_clean_path, DiscoveryPaths, Issuer, Or, RepairMetadataLayer, StandardPaths,
};
use std::sync::Arc;

/// The flags that decide what the proxy repairs.
#[derive(Debug, Clone, ClapArgs)]
pub struct RepairFlags {
    /// Largest discovery document buffered for repair; a larger one passes
    /// through unchanged.
    #[arg(long, env = "OMR_MAX_BODY_BYTES", value_name = "N", default_value_t = oauth_metadata_repair::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Extra repairs besides "none" in token_endpoint_auth_methods_supported
    /// (repeat or separate with commas). s256 advertises PKCE S256: only for
    /// a server that verifies it.
    #[arg(
        long = "rule",
        env = "OMR_RULES",
        value_name = "RULE",
        value_delimiter = ','
    )]
    pub rules: Vec<ExtraRule>,

    /// Put "none" first in the list instead of last, for clients that pick
    /// the first method.
    #[arg(long, env = "OMR_PREPEND")]
    pub prepend: bool,

    /// Another path that serves a discovery document, besides the standard
    /// RFC 8414 and OpenID placements (repeat or separate with commas).
    #[arg(
        long = "path",
        env = "OMR_PATHS",
        value_name = "PATH",
        value_delimiter = ','
    )]
    pub paths: Vec<String>,

    /// Repair documents marked Cache-Control: no-transform too (by default
    /// they pass through, as RFC 9110 asks of intermediaries).
    #[arg(long, env = "OMR_REPAIR_NO_TRANSFORM")]
    pub repair_no_transform: bool,

    /// Leave documents that carry signed_metadata alone.
    #[arg(long, env = "OMR_SKIP_SIGNED_METADATA")]
    pub skip_signed_metadata: bool,

    /// Do not add iss to authorization responses, nor
    /// authorization_response_iss_parameter_supported to the metadata
    /// (RFC 9207; by default both are added, with the issuer of the
    /// upstream's own metadata).
    #[arg(long, env = "OMR_NO_ISS")]
    pub no_iss: bool,

    /// The issuer to send as iss, exactly as the metadata's issuer spells
    /// it, for an upstream whose metadata is not at the root paths; by
    /// default it is learned from that metadata.
    #[arg(
        long,
        env = "OMR_ISS_ISSUER",
        value_name = "URL",
        conflicts_with = "no_iss"
    )]
    pub iss_issuer: Option<String>,
}

/// The optional repairs, by their command-line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExtraRule {
    /// "none" in revocation_endpoint_auth_methods_supported.
    Revocation,
    /// "none" in introspection_endpoint_auth_methods_supported.
    Introspection,
    /// "S256" in code_challenge_methods_supported.
    S256,
}

impl ExtraRule {
    /// The library's rule of that name.
    #[must_use]
    pub fn rule(self) -> Rule {
        match self {
            Self::Revocation => Rule::revocation_endpoint_none(),
            Self::Introspection => Rule::introspection_endpoint_none(),
            Self::S256 => Rule::code_challenge_s256(),
        }
    }
}

/// The `--path` values, matched exactly (each one clean, checked first, so
/// an exact match is clean too).
#[derive(Debug, Clone)]
pub struct ExtraPaths(Arc<[String]>);

impl DiscoveryPaths for ExtraPaths {
    fn is_discovery(&self, path: &str) -> bool {
        self.0.iter().any(|p| p == path)
    }
}

/// What the layer matches: the standard placements and `--path`.
pub type Paths = Or<StandardPaths, ExtraPaths>;

/// The layer the flags configure.
pub type Layer = RepairMetadataLayer<Paths>;

impl RepairFlags {
    /// `--prepend` as the library's placement.
    #[must_use]
    pub fn placement(&self) -> Placement {
        if self.prepend {
            Placement::Prepend
        } else {
            Placement::Append
        }
    }

    /// The default rule and then each `--rule`, in order.
    #[must_use]
    pub fn rule_list(&self) -> Vec<Rule> {
        std::iter::once(Rule::token_endpoint_none())
            .chain(self.rules.iter().map(|r| r.rule()))
            .collect()
    }

    /// The `--path` values, checked: each starts with `/` and is clean.
    ///
    /// # Errors
    ///
    /// One line naming the first value refused.
    pub fn extra_paths(&self) -> Result<ExtraPaths, String> {
        if let Some(p) = self.paths.iter().find(|p| !p.starts_with('/')) {
            return Err(format!("--path {p:?}: a path starts with /"));
        }
        if let Some(p) = self.paths.iter().find(|p| !is_clean_path(p)) {
            return Err(format!(
                "--path {p:?}: not a clean path (no empty, . or .. segments, no encoded / or \\)"
            ));
        }
        Ok(ExtraPaths(self.paths.clone().into()))
    }

    /// The layer with every setting but the extra rules, paths and iss.
    #[must_use]
    pub fn base_layer(&self) -> RepairMetadataLayer {
        RepairMetadataLayer::new()
            .max_body_bytes(self.max_body_bytes)
            .repair_no_transform(self.repair_no_transform)
            .skip_signed_metadata(self.skip_signed_metadata)
            .placement(self.placement())
    }

    /// Where the iss repair's issuer comes from; `None` with `--no-iss`.
    #[must_use]
    pub fn issuer(&self) -> Option<Issuer> {
        if self.no_iss {
            return None;
        }
        Some(match &self.iss_issuer {
            Some(url) => Issuer::configured(url.clone()),
            None => Issuer::learned(),
        })
    }

    /// `layer` with the iss repair, unless `--no-iss`.
    #[must_use]
    pub fn with_iss(&self, layer: RepairMetadataLayer) -> RepairMetadataLayer {
        match self.issuer() {
            Some(issuer) => layer.iss(issuer),
            None => layer,
        }
    }

    /// The layer the flags describe: every setting, rule and path.
    ///
    /// # Errors
    ///
    /// A `--path` refused by [`RepairFlags::extra_paths`].
    pub fn layer(&self) -> Result<Layer, String> {
        let extra = self.extra_paths()?;
        let layer = self.with_iss(self.base_layer().rules(self.rule_list()));
        Ok(layer.also_paths(extra))
    }
}
