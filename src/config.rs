use crate::cache::LastRepair;
use crate::iss::IssuerState;
use crate::repair::Repairer;

/// The default [`RepairMetadataLayer::max_body_bytes`](crate::RepairMetadataLayer::max_body_bytes): 64 KiB.
///
/// Real discovery documents are 0.3 to 8 KiB (the largest sample in this
/// crate's tests, Keycloak's, is 6 KiB), so this leaves eight times
/// headroom while bounding what one request can make the layer hold to
/// about twice this (the document and its repaired copy).
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// Settings shared by every clone of the service.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) repairer: Repairer,
    pub(crate) max_body_bytes: usize,
    pub(crate) respect_no_transform: bool,
    /// Appended to the upstream's entity tag on a repaired document; it
    /// names the rule set, so changing the rules changes the validators.
    pub(crate) etag_suffix: String,
    /// The last document repaired and its outcome, shared by every clone.
    pub(crate) last: LastRepair,
    /// The `iss` repair, when it is on.
    pub(crate) iss: Option<IssuerState>,
}

impl Config {
    pub(crate) fn new(repairer: Repairer) -> Self {
        let mut config = Self {
            repairer,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            respect_no_transform: true,
            etag_suffix: String::new(),
            last: LastRepair::default(),
            iss: None,
        };
        config.refresh_suffix();
        config
    }

    pub(crate) fn refresh_suffix(&mut self) {
        // FNV-1a over the rule set: stable across builds and platforms.
        let mut hash: u32 = 0x811c_9dc5;
        let mut eat = |bytes: &[u8]| {
            for &b in bytes.iter().chain(&[0xff]) {
                hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
            }
        };
        for rule in self.repairer.rule_list() {
            eat(rule.field().as_bytes());
            eat(rule.value().as_bytes());
            eat(format!("{:?}", rule.absent()).as_bytes());
        }
        eat(format!("{:?}", self.repairer.placement_in_force()).as_bytes());
        if let Some(iss) = &self.iss {
            // The advertisement is part of the repaired bytes; a configured
            // issuer is part of what they promise.
            eat(b"iss");
            eat(iss.issuer().as_configured().unwrap_or("").as_bytes());
        }
        self.etag_suffix = format!("-omr{hash:08x}");
    }
}
