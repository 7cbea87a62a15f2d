//! The proxy's repair flags ([`RepairFlags`], one struct that both take),
//! and what `check`'s preview needs of them: the proxy's layer, one layer
//! per rule, and the settings its explanations use.

use super::Stop;
pub use crate::repair_flags::{Layer, Paths, RepairFlags};
use oauth_metadata_repair::iss::SUPPORTED_MEMBER;
use oauth_metadata_repair::repair::Repairer;
use oauth_metadata_repair::{DiscoveryPaths, StandardPaths};

/// The repair the flags describe, checked: the proxy's layer, one layer per
/// rule (to show each insertion alone), and the settings the preview
/// explains its verdicts with.
#[derive(Debug, Clone)]
pub struct Repair {
    /// Every rule, as the proxy runs it.
    pub layer: Layer,
    /// Each rule alone, and the iss advertisement alone, with every other
    /// setting the same: the member each one changes and its layer.
    pub singles: Vec<(String, Layer)>,
    /// The same rules as a bare repairer, for why a document is left alone.
    pub repairer: Repairer,
    /// The paths the layer matches.
    pub paths: Paths,
    /// `--max-body-bytes`.
    pub max_body_bytes: usize,
    /// `--repair-no-transform`.
    pub repair_no_transform: bool,
}

impl RepairFlags {
    /// The layer, built with the calls the proxy makes for the same flags,
    /// and the rest of [`Repair`].
    ///
    /// # Errors
    ///
    /// [`Stop`] for a `--path` that the proxy refuses too, with its message.
    pub fn repair(&self) -> Result<Repair, Stop> {
        let extra = self.extra_paths().map_err(Stop)?;
        let base = self.base_layer();
        let mut singles: Vec<(String, Layer)> = self
            .rule_list()
            .into_iter()
            .map(|r| {
                let one = base.clone().rules([r.clone()]).also_paths(extra.clone());
                (r.field().to_owned(), one)
            })
            .collect();
        if let Some(issuer) = self.issuer() {
            let one = base.clone().rules([]).iss(issuer).also_paths(extra.clone());
            singles.push((SUPPORTED_MEMBER.to_owned(), one));
        }
        Ok(Repair {
            layer: self.layer().map_err(Stop)?,
            singles,
            repairer: Repairer::new()
                .rules(self.rule_list())
                .placement(self.placement())
                .skip_signed_metadata(self.skip_signed_metadata)
                .advertise_iss(!self.no_iss),
            paths: StandardPaths.or(extra),
            max_body_bytes: self.max_body_bytes,
            repair_no_transform: self.repair_no_transform,
        })
    }
}
