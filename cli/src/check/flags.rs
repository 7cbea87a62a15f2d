//! The proxy's repair flags, taken by `check` with the same names, values,
//! environment twins and help text (a test compares them with the proxy's),
//! and the layer they configure, built as the proxy builds it.
// The doc comments below are the --help text, shown as written.
#![allow(clippy::doc_markdown)]

use super::Stop;
use crate::proxy::args::ExtraRule;
use clap::Args as ClapArgs;
use oauth_metadata_repair::repair::{Placement, Repairer, Rule};
use oauth_metadata_repair::{
    is_clean_path, DiscoveryPaths, Or, RepairMetadataLayer, StandardPaths,
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
}

/// The `--path` values, matched exactly (each is clean, checked first).
#[derive(Debug, Clone)]
pub struct ExtraPaths(Arc<[String]>);

impl DiscoveryPaths for ExtraPaths {
    fn is_discovery(&self, path: &str) -> bool {
        self.0.iter().any(|p| p == path)
    }
}

/// What the layer matches: the standard placements and `--path`.
pub type Paths = Or<StandardPaths, ExtraPaths>;

/// The layer as the proxy configures it.
pub type Layer = RepairMetadataLayer<Paths>;

/// The repair the flags describe, checked: the proxy's layer, one layer per
/// rule (to show each insertion alone), and the settings the preview
/// explains its verdicts with.
#[derive(Debug, Clone)]
pub struct Repair {
    /// Every rule, as the proxy runs it.
    pub layer: Layer,
    /// Each rule alone, with every other setting the same.
    pub singles: Vec<(Rule, Layer)>,
    /// The same rules as a bare repairer, for why a document is left alone.
    pub repairer: Repairer,
    /// The paths the layer matches.
    pub paths: Paths,
    /// `--max-body-bytes`.
    pub max_body_bytes: usize,
    /// `--repair-no-transform`.
    pub repair_no_transform: bool,
}

fn rule(extra: ExtraRule) -> Rule {
    match extra {
        ExtraRule::Revocation => Rule::revocation_endpoint_none(),
        ExtraRule::Introspection => Rule::introspection_endpoint_none(),
        ExtraRule::S256 => Rule::code_challenge_s256(),
    }
}

impl RepairFlags {
    fn placement(&self) -> Placement {
        if self.prepend {
            Placement::Prepend
        } else {
            Placement::Append
        }
    }

    /// The default rule and then each `--rule`, in the proxy's order.
    #[must_use]
    pub fn rule_list(&self) -> Vec<Rule> {
        let extra = self.rules.iter().map(|&r| rule(r));
        std::iter::once(Rule::token_endpoint_none())
            .chain(extra)
            .collect()
    }

    /// The layer, built with the calls the proxy makes for the same flags,
    /// and the rest of [`Repair`].
    ///
    /// # Errors
    ///
    /// [`Stop`] for a `--path` that the proxy refuses too, with its message.
    pub fn repair(&self) -> Result<Repair, Stop> {
        if let Some(p) = self.paths.iter().find(|p| !p.starts_with('/')) {
            return Err(Stop(format!("--path {p:?}: a path starts with /")));
        }
        if let Some(p) = self.paths.iter().find(|p| !is_clean_path(p)) {
            return Err(Stop(format!(
                "--path {p:?}: not a clean path (no empty, . or .. segments, no encoded / or \\)"
            )));
        }
        let extra = ExtraPaths(self.paths.clone().into());
        let mut base = RepairMetadataLayer::new()
            .max_body_bytes(self.max_body_bytes)
            .repair_no_transform(self.repair_no_transform)
            .skip_signed_metadata(self.skip_signed_metadata);
        if self.prepend {
            base = base.placement(Placement::Prepend);
        }
        let mut layer = base.clone();
        for &r in &self.rules {
            layer = layer.rule(rule(r));
        }
        let singles = self
            .rule_list()
            .into_iter()
            .map(|r| {
                let one = base.clone().rules([r.clone()]).also_paths(extra.clone());
                (r, one)
            })
            .collect();
        Ok(Repair {
            layer: layer.also_paths(extra.clone()),
            singles,
            repairer: Repairer::new()
                .rules(self.rule_list())
                .placement(self.placement())
                .skip_signed_metadata(self.skip_signed_metadata),
            paths: StandardPaths.or(extra),
            max_body_bytes: self.max_body_bytes,
            repair_no_transform: self.repair_no_transform,
        })
    }
}
