//! A scripted HTTP/1.1 server on 127.0.0.1 and self-signed certificates,
//! for tests (feature `test-util`). Not for production use: it reads one
//! request per connection, needs `Content-Length` for request bodies, and
//! answers from a fixed script.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

/// How the server treats one connection.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Read the request, then answer with this status, headers and body.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Read the request, then answer after a pause.
    Delayed(Duration, Box<Reply>),
    /// Read the request and never answer (until the server is dropped).
    Hang,
    /// Read the request, then close the connection without answering.
    Close,
}

impl Reply {
    /// A status with an empty body.
    pub fn status(status: u16) -> Reply {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A status with a text body.
    pub fn body(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.into(),
        }
    }
}

/// A request as the server read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Request target: path and query.
    pub target: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A running test server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    tls: bool,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every
        // connection task (including hanging ones).
        self.task.abort();
    }
}

struct Script {
    replies: Vec<Reply>,
    then: Reply,
}

impl Script {
    fn reply(&self, n: usize) -> Reply {
        self.replies.get(n).unwrap_or(&self.then).clone()
    }
}

impl TestServer {
    /// Plain HTTP. Connection `n` (from 0) gets `script[n]`, later ones
    /// get `then`.
    pub async fn start(script: Vec<Reply>, then: Reply) -> io::Result<TestServer> {
        Self::spawn(script, then, None).await
    }

    /// HTTPS with this certificate.
    pub async fn start_tls(
        cert: &SelfSignedCert,
        script: Vec<Reply>,
        then: Reply,
    ) -> io::Result<TestServer> {
        let config = rustls::ServerConfig::builder_with_provider(crate::tls::provider())
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.cert_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_der.clone())),
            )
            .map_err(io::Error::other)?;
        Self::spawn(script, then, Some(TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn spawn(
        script: Vec<Reply>,
        then: Reply,
        tls: Option<TlsAcceptor>,
    ) -> io::Result<TestServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(Script {
            replies: script,
            then,
        });
        let is_tls = tls.is_some();
        let task = {
            let requests = requests.clone();
            let connections = connections.clone();
            tokio::spawn(async move {
                let mut conns = JoinSet::new();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let n = connections.fetch_add(1, Ordering::SeqCst);
                    let reply = script.reply(n);
                    let requests = requests.clone();
                    let tls = tls.clone();
                    conns.spawn(async move {
                        match tls {
                            None => serve(stream, reply, &requests).await,
                            Some(acceptor) => {
                                // A client that rejects the certificate
                                // aborts the handshake: nothing to serve.
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    serve(stream, reply, &requests).await;
                                }
                            }
                        }
                    });
                    // Reap finished connections so the set stays small.
                    while conns.try_join_next().is_some() {}
                }
            })
        };
        Ok(TestServer {
            addr,
            tls: is_tls,
            requests,
            connections,
            task,
        })
    }

    /// The listening address (127.0.0.1, a free port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT{path}`, or `https://...` for a TLS server
    /// (whose certificate must then name `127.0.0.1`).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.addr)
    }

    /// Requests read so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        match self.requests.lock() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Connections accepted so far (including ones whose TLS handshake
    /// failed).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve<S>(mut stream: S, reply: Reply, requests: &Mutex<Vec<RecordedRequest>>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    if let Ok(mut r) = requests.lock() {
        r.push(request);
    }
    let mut reply = reply;
    loop {
        match reply {
            Reply::Delayed(pause, next) => {
                tokio::time::sleep(pause).await;
                reply = *next;
            }
            Reply::Hang => {
                std::future::pending::<()>().await;
                return;
            }
            Reply::Close => return,
            Reply::Respond {
                status,
                headers,
                body,
            } => {
                let mut head = format!(
                    "HTTP/1.1 {status} {}\r\ncontent-length: {}\r\nconnection: close\r\n",
                    reason(status),
                    body.len()
                );
                for (n, v) in &headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                let _ = stream.shutdown().await;
                return;
            }
        }
    }
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<RecordedRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Some(RecordedRequest {
        method,
        target,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A self-signed certificate and its PKCS#8 key, both DER.
#[derive(Debug, Clone)]
pub struct SelfSignedCert {
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
}

/// A self-signed certificate for these names (`localhost`, `127.0.0.1`,
/// ...); IP addresses become IP subject names.
pub fn self_signed_cert(names: &[&str]) -> Result<SelfSignedCert, String> {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    Ok(SelfSignedCert {
        cert_der: certified.cert.der().to_vec(),
        key_der: certified.signing_key.serialize_der(),
    })
}
