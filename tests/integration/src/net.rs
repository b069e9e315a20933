//! Network pieces the configuration tests put between the provider and the emulator: a TLS
//! front with a certificate from a CA the test made (rcgen), and an HTTP CONNECT proxy that
//! records where it was asked to go. Both bind 127.0.0.1:0 and run until the runtime stops.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TLS endpoint relaying to `backend`; `ca_pem` is the certificate of the CA that signed it
/// (for `localhost` and 127.0.0.1), what a `customCaBundle` file holds.
#[derive(Debug)]
pub struct TlsFront {
    pub addr: SocketAddr,
    pub ca_pem: String,
}

/// Starts a TLS front for `backend` on the current runtime.
pub async fn tls_front(backend: SocketAddr) -> TlsFront {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "integration-tests test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key")).expect("CA");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).expect("key der");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind TLS front");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A handshake the client refuses (untrusted certificate) just ends here.
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let Ok(mut upstream) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    TlsFront { addr, ca_pem: ca.pem() }
}

/// An HTTP CONNECT proxy; `targets` lists every `host:port` it was asked to tunnel to.
#[derive(Debug, Clone)]
pub struct ConnectProxy {
    pub addr: SocketAddr,
    pub targets: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    pub fn seen(&self) -> Vec<String> {
        self.targets.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Starts a CONNECT proxy on the current runtime. Anything but CONNECT is answered 405.
pub async fn connect_proxy() -> ConnectProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let proxy = ConnectProxy {
        addr: listener.local_addr().expect("addr"),
        targets: Arc::default(),
    };
    let targets = proxy.targets.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let targets = targets.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match client.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let mut words = head.split_whitespace();
                let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
                        .await;
                    return;
                };
                targets.lock().unwrap_or_else(|p| p.into_inner()).push(target.to_string());
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n").await;
                    return;
                };
                if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    proxy
}

/// A TCP relay to `upstream` that counts the HTTP requests (`POST /` lines) sent through it:
/// how many calls a client made to a server that does not count them itself (moto).
#[derive(Debug, Clone)]
pub struct CountingRelay {
    pub addr: SocketAddr,
    requests: Arc<std::sync::atomic::AtomicU64>,
}

impl CountingRelay {
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Starts a [`CountingRelay`] on the current runtime.
pub async fn counting_relay(upstream: SocketAddr) -> CountingRelay {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind relay");
    let relay = CountingRelay {
        addr: listener.local_addr().expect("addr"),
        requests: Arc::default(),
    };
    let requests = relay.requests.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let requests = requests.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else { return };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let upload = async {
                    let mut buf = vec![0u8; 16 * 1024];
                    // A request line split across two reads is still seen: keep the tail.
                    let mut tail: Vec<u8> = Vec::new();
                    loop {
                        let n = match client_read.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let mut window = std::mem::take(&mut tail);
                        window.extend_from_slice(&buf[..n]);
                        let seen = window.windows(7).filter(|w| w == b"POST / ").count() as u64;
                        requests.fetch_add(seen, std::sync::atomic::Ordering::SeqCst);
                        tail = window[window.len().saturating_sub(6)..].to_vec();
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                };
                let download = async {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(upload, download);
            });
        }
    });
    relay
}
