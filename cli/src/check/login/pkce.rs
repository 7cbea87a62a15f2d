//! PKCE (RFC 7636, S256 only) and `state`: fresh random values for each login.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

/// The secrets of one login: never printed, never stored.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// `code_verifier`: 43 characters from 32 random bytes (RFC 7636 §4.1).
    pub verifier: String,
    /// `code_challenge`: BASE64URL(SHA256(verifier)) (RFC 7636 §4.2).
    pub challenge: String,
    /// `state`, from 16 random bytes.
    pub state: String,
}

impl Pkce {
    /// Fresh values from the system's random source.
    ///
    /// # Errors
    ///
    /// When the system has no random source.
    pub fn new() -> Result<Self, String> {
        let rng = SystemRandom::new();
        let mut verifier = [0u8; 32];
        let mut state = [0u8; 16];
        rng.fill(&mut verifier)
            .and_then(|()| rng.fill(&mut state))
            .map_err(|_| "no random source for PKCE".to_owned())?;
        let verifier = URL_SAFE_NO_PAD.encode(verifier);
        Ok(Self {
            challenge: challenge(&verifier),
            verifier,
            state: URL_SAFE_NO_PAD.encode(state),
        })
    }
}

/// The S256 `code_challenge` of `verifier`.
#[must_use]
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::{challenge, Pkce};

    #[test]
    fn the_challenge_is_rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn each_login_gets_its_own_values_of_the_legal_length() {
        let (a, b) = (Pkce::new().unwrap(), Pkce::new().unwrap());
        assert_eq!(a.verifier.len(), 43);
        assert_ne!(a.verifier, b.verifier);
        assert_ne!(a.state, b.state);
        assert_eq!(a.challenge, challenge(&a.verifier));
    }
}
