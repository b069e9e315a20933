//! The HTTP client AWS calls go through when the configuration asks for more than the SDK's
//! default: a proxy (`httpProxy`, `httpsProxy`, `noProxy`, or the standard environment
//! variables), extra trusted certificates (`customCaBundle`). The proxy and TLS machinery is
//! aws-smithy-http-client's; this module only chooses its settings and checks the inputs first,
//! so a bad bundle is a sentence naming the file rather than a panic inside the connector.
//! `insecure` alone needs a client of its own (see [`insecure_client`]).

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, Connector};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::sync::Arc;

use crate::config::keys::{CFG_CUSTOM_CA_BUNDLE, CFG_HTTP_PROXY, CFG_HTTPS_PROXY, CONFIG};

/// The transport settings of the configuration, already read and checked.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    pub http_proxy: Option<String>,
    pub https_proxy: Option<String>,
    pub no_proxy: Option<String>,
    /// The PEM text of `customCaBundle`, with the path it came from.
    pub ca_bundle: Option<(String, Vec<u8>)>,
}

impl Transport {
    /// Reads the bundle file and checks that it holds at least one certificate.
    pub fn new(
        http_proxy: Option<&str>,
        https_proxy: Option<&str>,
        no_proxy: Option<&str>,
        ca_bundle_path: Option<&str>,
    ) -> Result<Self, String> {
        let ca_bundle = match ca_bundle_path {
            None => None,
            Some(path) => {
                let expanded = expand_home(path);
                let pem = std::fs::read(&expanded).map_err(|e| format!("{CFG_CUSTOM_CA_BUNDLE}: cannot read {expanded}: {e}"))?;
                let certs = CertificateDer::pem_slice_iter(&pem)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("{CFG_CUSTOM_CA_BUNDLE}: {expanded} is not a PEM certificate bundle: {e:?}"))?;
                if certs.is_empty() {
                    return Err(format!("{CFG_CUSTOM_CA_BUNDLE}: {expanded} holds no PEM certificate"));
                }
                Some((expanded, pem))
            }
        };
        Ok(Self {
            http_proxy: http_proxy.map(str::to_string),
            https_proxy: https_proxy.map(str::to_string),
            no_proxy: no_proxy.map(str::to_string),
            ca_bundle,
        })
    }

    /// The proxy for requests to an endpoint of this scheme: the key, else the standard
    /// environment variables, as pulumi-aws reads them.
    fn proxy(&self, https: bool) -> Result<ProxyConfig, String> {
        let (key, configured) = if https {
            (CFG_HTTPS_PROXY, &self.https_proxy)
        } else {
            (CFG_HTTP_PROXY, &self.http_proxy)
        };
        let from_env = || CONFIG.field(key).and_then(|f| f.env_value());
        let Some(url) = configured.clone().or_else(from_env) else {
            return Ok(ProxyConfig::disabled());
        };
        let config = if https {
            ProxyConfig::https(url.as_str())
        } else {
            ProxyConfig::http(url.as_str())
        }
        .map_err(|e| format!("{key}: {url:?} is not a usable proxy URL: {e}"))?;
        Ok(match &self.no_proxy {
            Some(rules) => config.no_proxy(rules),
            None => config,
        })
    }

    /// An HTTP client for endpoints of this scheme, or None for the SDK's default one.
    pub fn http_client(&self, https: bool) -> Result<Option<SharedHttpClient>, String> {
        let proxy = self.proxy(https)?;
        if proxy.is_disabled() && self.ca_bundle.is_none() {
            return Ok(None);
        }
        self.custom_client(proxy).map(Some)
    }

    /// The client with a proxy or a CA bundle. Not inlined, as [`insecure_client`] is not: few
    /// configurations need either, and Configure's code, resident in every process, stays
    /// without them.
    #[inline(never)]
    fn custom_client(&self, proxy: ProxyConfig) -> Result<SharedHttpClient, String> {
        let mut trust = TrustStore::default();
        if let Some((_, pem)) = &self.ca_bundle {
            trust = trust.with_pem_certificate(pem.clone());
        }
        let context = TlsContext::builder()
            .with_trust_store(trust)
            .build()
            .map_err(|e| format!("{CFG_CUSTOM_CA_BUNDLE}: {e}"))?;
        let client = Builder::new().build_with_connector_fn(move |settings, components| {
            let mut builder = Connector::builder();
            builder.set_connector_settings(settings.cloned());
            if let Some(c) = components {
                builder.set_sleep_impl(c.sleep_impl());
            }
            builder
                .proxy_config(proxy.clone())
                .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
                .tls_context(context.clone())
                .build()
        });
        Ok(client)
    }
}

/// `insecure`: a client that accepts any server certificate. aws-smithy-http-client has no such
/// switch (rightly), so this is hyper with a rustls verifier that checks signatures but not the
/// certificate's chain or name. Proxies are not supported with it; Configure says so.
#[inline(never)]
pub fn insecure_client(transport: &Transport, https: bool) -> Result<SharedHttpClient, String> {
    let proxy_key = if https { CFG_HTTPS_PROXY } else { CFG_HTTP_PROXY };
    if (https && transport.https_proxy.is_some()) || (!https && transport.http_proxy.is_some()) {
        return Err(format!("insecure cannot be combined with {proxy_key}: unset one of them"));
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("insecure: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(std::time::Duration::from_secs(10)));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    Ok(SharedHttpClient::new(InsecureClient(client)))
}

type HyperClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    aws_smithy_types::body::SdkBody,
>;

#[derive(Clone)]
struct InsecureClient(HyperClient);

impl std::fmt::Debug for InsecureClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InsecureClient")
    }
}

impl HttpConnector for InsecureClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.0.clone();
        HttpConnectorFuture::new(async move {
            let request = request.try_into_http1x().map_err(|e| ConnectorError::other(Box::new(e), None))?;
            let response = client.request(request).await.map_err(|e| ConnectorError::io(Box::new(e)))?;
            let (parts, body) = response.into_parts();
            let body = aws_smithy_types::body::SdkBody::from_body_1_x(body);
            HttpResponse::try_from(http::Response::from_parts(parts, body)).map_err(|e| ConnectorError::other(Box::new(e), None))
        })
    }
}

impl HttpClient for InsecureClient {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// Accepts any certificate; handshake signatures are still checked with the provider's algorithms.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &rustls_pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `~` and `~/...` under $HOME, as pulumi-aws expands paths.
pub fn expand_home(path: &str) -> String {
    match (path.strip_prefix('~'), std::env::var("HOME")) {
        (Some(rest), Ok(home)) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `~` expands to $HOME only as a whole first segment.
    #[test]
    fn home_expansion() {
        let home = std::env::var("HOME").unwrap_or_default();
        assert_eq!(expand_home("~/.aws/config"), format!("{home}/.aws/config"));
        assert_eq!(expand_home("~bob/x"), "~bob/x");
        assert_eq!(expand_home("/etc/x"), "/etc/x");
    }

    /// A bundle file that is not PEM is refused with its path, not a panic later.
    #[test]
    fn bad_bundle_is_named() {
        let dir = std::env::temp_dir().join(format!("ca-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bundle.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let err = Transport::new(None, None, None, path.to_str()).unwrap_err();
        assert!(err.contains("holds no PEM certificate") && err.contains("bundle.pem"), "{err}");
        let err = Transport::new(None, None, None, Some("/nonexistent/ca.pem")).unwrap_err();
        assert!(err.starts_with("customCaBundle: cannot read /nonexistent/ca.pem"), "{err}");
    }
}
