//! `oauth_metadata_repair_asgi._native`: the library's plain rules
//! ([`oauth_metadata_repair::plain`]) for the Python ASGI middleware in
//! `python/oauth_metadata_repair_asgi/`. Glue only: Python values in, the
//! library's functions called, Python values out. No rule lives here.

use oauth_metadata_repair::plain::{self, Core, Headers, Redirect, RequestPlan};
use oauth_metadata_repair::repair::{Placement, Rule};
use oauth_metadata_repair::{
    is_clean_path, DiscoveryPaths, Issuer, Or, RepairMetadataLayer, StandardPaths,
    DEFAULT_MAX_BODY_BYTES,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyList, PyTuple};
use std::sync::Arc;

/// The extra exact paths, each clean (checked by [`Rules::new`]).
#[derive(Debug, Clone)]
struct ExtraPaths(Arc<[String]>);

impl DiscoveryPaths for ExtraPaths {
    fn is_discovery(&self, path: &str) -> bool {
        self.0.iter().any(|p| p == path)
    }
}

type Paths = Or<StandardPaths, ExtraPaths>;

/// One middleware's settings and rules.
#[pyclass(frozen, module = "oauth_metadata_repair_asgi._native")]
#[derive(Debug)]
struct Rules {
    core: Core<Paths>,
}

/// What `Rules.plan_request` decided; handed back to `check_response`.
#[pyclass(frozen, module = "oauth_metadata_repair_asgi._native")]
#[derive(Debug)]
struct Plan {
    plan: RequestPlan,
}

#[pymethods]
impl Plan {
    /// The client asked with HEAD: the application is asked with GET.
    #[getter]
    fn head(&self) -> bool {
        self.plan.head()
    }
}

/// The proxy's `--rule` names.
fn rule(name: &str) -> PyResult<Rule> {
    match name {
        "revocation" => Ok(Rule::revocation_endpoint_none()),
        "introspection" => Ok(Rule::introspection_endpoint_none()),
        "s256" => Ok(Rule::code_challenge_s256()),
        _ => Err(PyValueError::new_err(format!(
            "unknown rule {name:?} (known: revocation, introspection, s256)"
        ))),
    }
}

/// The `iss` option, as the proxy's: learned (`True`, the default), off
/// (`False`, `--no-iss`) or a configured issuer (`--iss-issuer`).
#[derive(Debug, FromPyObject)]
enum IssOption {
    Flag(bool),
    Issuer(String),
}

/// ASGI header pairs (an iterable of two-item iterables of bytes) as
/// [`Headers`].
fn headers_in(obj: &Bound<'_, PyAny>) -> PyResult<Headers> {
    let mut out = Headers::new();
    for item in obj.try_iter()? {
        let item = item?;
        let mut pair = item.try_iter()?;
        let (Some(name), Some(value), None) = (pair.next(), pair.next(), pair.next()) else {
            return Err(PyTypeError::new_err("a header is a [name, value] pair"));
        };
        let name: PyBackedBytes = name?.extract()?;
        let value: PyBackedBytes = value?.extract()?;
        out.push((name.to_vec(), value.to_vec()));
    }
    Ok(out)
}

/// [`Headers`] as a list of `(bytes, bytes)` tuples, ASGI's shape.
fn headers_out<'py>(py: Python<'py>, headers: &Headers) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for (name, value) in headers {
        let pair = PyTuple::new(py, [PyBytes::new(py, name), PyBytes::new(py, value)])?;
        list.append(pair)?;
    }
    Ok(list)
}

#[pymethods]
impl Rules {
    #[new]
    #[pyo3(signature = (*, max_body_bytes = DEFAULT_MAX_BODY_BYTES, rules = Vec::new(), prepend = false, paths = Vec::new(), repair_no_transform = false, skip_signed_metadata = false, iss = IssOption::Flag(true)))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        max_body_bytes: usize,
        rules: Vec<String>,
        prepend: bool,
        paths: Vec<String>,
        repair_no_transform: bool,
        skip_signed_metadata: bool,
        iss: IssOption,
    ) -> PyResult<Self> {
        let mut list = vec![Rule::token_endpoint_none()];
        for name in &rules {
            list.push(rule(name)?);
        }
        if let Some(p) = paths.iter().find(|p| !p.starts_with('/')) {
            return Err(PyValueError::new_err(format!(
                "path {p:?}: a path starts with /"
            )));
        }
        if let Some(p) = paths.iter().find(|p| !is_clean_path(p)) {
            return Err(PyValueError::new_err(format!(
                "path {p:?}: not a clean path (no empty, . or .. segments, no encoded / or \\)"
            )));
        }
        let placement = if prepend {
            Placement::Prepend
        } else {
            Placement::Append
        };
        let mut layer = RepairMetadataLayer::new()
            .max_body_bytes(max_body_bytes)
            .repair_no_transform(repair_no_transform)
            .skip_signed_metadata(skip_signed_metadata)
            .placement(placement)
            .rules(list);
        layer = match iss {
            IssOption::Flag(false) => layer,
            IssOption::Flag(true) => layer.iss(Issuer::learned()),
            IssOption::Issuer(issuer) if !issuer.is_empty() => {
                layer.iss(Issuer::configured(issuer))
            }
            IssOption::Issuer(_) => {
                return Err(PyValueError::new_err("iss: an issuer is not empty"));
            }
        };
        let layer = layer.also_paths(ExtraPaths(paths.into()));
        Ok(Self { core: layer.core() })
    }

    /// The largest body buffered for repair.
    #[getter]
    fn max_body_bytes(&self) -> usize {
        self.core.max_body_bytes()
    }

    /// True when the `iss` repair is on.
    #[getter]
    fn iss(&self) -> bool {
        self.core.iss()
    }

    /// The metadata paths fetched when a redirect needs the issuer.
    #[getter]
    fn metadata_paths(&self) -> Vec<&'static str> {
        self.core.metadata_paths().to_vec()
    }

    /// True when `redirect` may change a response of this status.
    fn may_redirect(&self, status: i64) -> bool {
        u16::try_from(status).is_ok_and(|s| self.core.may_redirect(s))
    }

    /// `None` when the issuer must be learned first (fetch
    /// `metadata_paths` into `learn`), else the headers to send.
    fn redirect<'py>(
        &self,
        py: Python<'py>,
        status: i64,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyList>>> {
        let mut headers = headers_in(headers)?;
        let status = u16::try_from(status).unwrap_or(0);
        match self.core.redirect(status, &mut headers) {
            Redirect::NeedIssuer => Ok(None),
            _ => Ok(Some(headers_out(py, &headers)?)),
        }
    }

    /// Learns from a fetched metadata response; true once the issuer is
    /// known.
    fn learn(&self, status: i64, headers: &Bound<'_, PyAny>, doc: &[u8]) -> PyResult<bool> {
        let headers = headers_in(headers)?;
        let status = u16::try_from(status).unwrap_or(0);
        Ok(self.core.learn(status, &headers, doc))
    }

    /// No metadata path taught the issuer.
    fn metadata_unavailable(&self) {
        self.core.metadata_unavailable();
    }

    /// The suffix of the entity tags of repaired documents.
    #[getter]
    fn etag_suffix(&self) -> &str {
        self.core.etag_suffix()
    }

    /// True for a GET or HEAD on a discovery path.
    fn is_discovery(&self, method: &str, path: &[u8]) -> bool {
        std::str::from_utf8(path).is_ok_and(|p| self.core.is_discovery(method, p))
    }

    /// `None` for a request that passes through (its headers are not even
    /// read), else `(plan, headers for the application)`.
    fn plan_request<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        path: &[u8],
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Option<(Plan, Bound<'py, PyList>)>> {
        if !self.is_discovery(method, path) {
            return Ok(None);
        }
        let path = std::str::from_utf8(path).unwrap_or_default();
        let mut headers = headers_in(headers)?;
        let Some(plan) = self.core.plan_request(method, path, &mut headers) else {
            return Ok(None);
        };
        Ok(Some((Plan { plan }, headers_out(py, &headers)?)))
    }

    /// `(eligible, headers)`: whether the response may be buffered for
    /// repair, and its headers (a 304's `ETag` relabelled).
    fn check_response<'py>(
        &self,
        py: Python<'py>,
        plan: &Plan,
        status: i64,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<(bool, Bound<'py, PyList>)> {
        let mut headers = headers_in(headers)?;
        // A status that is no HTTP status is "not 200": it passes through.
        let status = u16::try_from(status).unwrap_or(0);
        let ok = self
            .core
            .check_response(&plan.plan, status, &mut headers)
            .is_ok();
        Ok((ok, headers_out(py, &headers)?))
    }

    /// `None` when the document is left alone, else `(repaired body,
    /// fixed headers)`.
    fn repair<'py>(
        &self,
        py: Python<'py>,
        doc: &[u8],
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Option<(Bound<'py, PyBytes>, Bound<'py, PyList>)>> {
        let mut headers = headers_in(headers)?;
        match self.core.repair(doc, &mut headers) {
            Ok(body) => Ok(Some((PyBytes::new(py, &body), headers_out(py, &headers)?))),
            Err(_) => Ok(None),
        }
    }
}

/// Trailers of a repaired body without the digests of the old bytes.
#[pyfunction]
fn drop_digests<'py>(py: Python<'py>, headers: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
    let mut headers = headers_in(headers)?;
    plain::drop_digests(&mut headers);
    headers_out(py, &headers)
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Rules>()?;
    m.add_class::<Plan>()?;
    m.add_function(wrap_pyfunction!(drop_digests, m)?)?;
    m.add("DEFAULT_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
