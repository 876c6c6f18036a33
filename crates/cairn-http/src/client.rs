//! The client: one fresh connection per request, HTTP/1.1, plain or TLS.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT, CONNECTION, HOST, USER_AGENT};
use http::Method;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_rustls::TlsConnector;

use crate::error::chain;
use crate::target::Target;
use crate::{tls, HttpError, Phase};

/// Default cap on a response body kept in memory: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// What the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code, e.g. 200.
    pub status: u16,
    /// Headers in the order received; names lower-case, values decoded
    /// lossily as UTF-8.
    pub headers: Vec<(String, String)>,
    /// The body, at most the client's body cap (see
    /// [`ClientBuilder::max_body_bytes`]).
    pub body: Vec<u8>,
    /// True when the body was longer than the cap and was cut.
    pub truncated: bool,
}

impl Response {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// Settings for a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    insecure_tls: bool,
    native_roots: bool,
    extra_roots: Vec<Vec<u8>>,
    max_body: usize,
    user_agent: String,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            insecure_tls: false,
            native_roots: true,
            extra_roots: Vec::new(),
            max_body: DEFAULT_MAX_BODY,
            user_agent: concat!("cairn/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

impl ClientBuilder {
    /// Accept any server certificate (self-signed, expired, wrong name).
    /// The connection is still encrypted but not authenticated.
    pub fn insecure_tls(mut self, yes: bool) -> Self {
        self.insecure_tls = yes;
        self
    }

    /// Trust the system's root certificates (default: yes).
    pub fn native_roots(mut self, yes: bool) -> Self {
        self.native_roots = yes;
        self
    }

    /// Also trust this root certificate (DER bytes), e.g. a private CA.
    pub fn add_root_der(mut self, der: Vec<u8>) -> Self {
        self.extra_roots.push(der);
        self
    }

    /// Keep at most this many body bytes (default [`DEFAULT_MAX_BODY`]).
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body = n;
        self
    }

    /// The `User-Agent` sent unless the request sets its own.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Build the client. Fails only if the TLS settings are unusable (a
    /// malformed extra root certificate).
    pub fn build(self) -> Result<Client, HttpError> {
        let config = tls::client_config(self.insecure_tls, self.native_roots, &self.extra_roots)?;
        let user_agent =
            HeaderValue::from_str(&self.user_agent).map_err(|e| HttpError::BadHeader {
                name: "user-agent".to_string(),
                reason: e.to_string(),
            })?;
        Ok(Client {
            tls: TlsConnector::from(Arc::new(config)),
            max_body: self.max_body,
            user_agent,
        })
    }
}

/// A minimal HTTP/1.1 client over plain TCP or TLS.
///
/// Each request opens its own connection and closes it after the response
/// (no pooling): a probe must see the server as a new client would, and
/// webhooks are rare. Redirects are not followed; a 3xx is returned as is.
/// Cheap to clone.
#[derive(Clone)]
pub struct Client {
    tls: TlsConnector,
    max_body: usize,
    user_agent: HeaderValue,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

/// Aborts the connection task when the request is done or dropped, so a
/// timed-out request leaves no socket behind.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Client {
    /// A client trusting the system's roots, or nothing at all when
    /// `insecure_tls` is true. See [`Client::builder`] for more settings.
    pub fn new(insecure_tls: bool) -> Result<Client, HttpError> {
        Client::builder().insecure_tls(insecure_tls).build()
    }

    /// Settings beyond [`Client::new`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Send one request and read the response.
    ///
    /// `timeout` bounds the whole exchange: DNS, connect, TLS, response
    /// headers and body; [`HttpError::Timeout`] says which step it ran out
    /// in. `headers` are added as given (a `Host` or `User-Agent` here
    /// replaces the default one); `Content-Length` is set from `body`.
    /// Must run inside a tokio runtime.
    pub async fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Response, HttpError> {
        let deadline = Instant::now() + timeout;
        let expired = |phase| HttpError::Timeout {
            phase,
            after: timeout,
        };

        // Everything that can be checked without the network, first.
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| HttpError::BadMethod(method.into()))?;
        let target = Target::parse(url)?;
        let request = self.build_request(method, &target, headers, body)?;

        let addrs = timeout_at(
            deadline,
            tokio::net::lookup_host((target.host.as_str(), target.port)),
        )
        .await
        .map_err(|_| expired(Phase::Resolve))?
        .map_err(|e| HttpError::Dns {
            host: target.host.clone(),
            message: e.to_string(),
        })?
        .collect::<Vec<SocketAddr>>();
        if addrs.is_empty() {
            return Err(HttpError::Dns {
                host: target.host.clone(),
                message: "no addresses".to_string(),
            });
        }

        let tcp = connect_any(&addrs, deadline)
            .await
            .map_err(|e| e.unwrap_or_else(|| expired(Phase::Connect)))?;

        if target.tls {
            let name =
                rustls::pki_types::ServerName::try_from(target.host.clone()).map_err(|e| {
                    HttpError::BadUrl {
                        reason: format!("host is not a valid TLS server name: {e}"),
                    }
                })?;
            let stream = timeout_at(deadline, self.tls.connect(name, tcp))
                .await
                .map_err(|_| expired(Phase::Tls))?
                .map_err(|e| HttpError::Tls {
                    host: target.host.clone(),
                    message: tls::describe(&e),
                })?;
            self.exchange(stream, request, deadline, timeout).await
        } else {
            self.exchange(tcp, request, deadline, timeout).await
        }
    }

    fn build_request(
        &self,
        method: Method,
        target: &Target,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<http::Request<Full<Bytes>>, HttpError> {
        let mut request = http::Request::new(Full::new(Bytes::from(body.unwrap_or_default())));
        *request.method_mut() = method;
        *request.uri_mut() =
            target
                .path_and_query
                .parse()
                .map_err(|e: http::uri::InvalidUri| HttpError::BadUrl {
                    reason: e.to_string(),
                })?;
        let map = request.headers_mut();
        let host = HeaderValue::from_str(&target.authority).map_err(|e| HttpError::BadUrl {
            reason: format!("host: {e}"),
        })?;
        map.insert(HOST, host);
        map.insert(USER_AGENT, self.user_agent.clone());
        map.insert(ACCEPT, HeaderValue::from_static("*/*"));
        // One request per connection: tell the server not to wait for more.
        map.insert(CONNECTION, HeaderValue::from_static("close"));
        let mut replaced: Vec<HeaderName> = Vec::new();
        for (name, value) in headers {
            let (header_name, header_value) = parse_header(name, value)?;
            // The caller's first value for a name replaces the default;
            // repeats of that name add more values.
            if replaced.contains(&header_name) {
                map.append(header_name, header_value);
            } else {
                map.insert(header_name.clone(), header_value);
                replaced.push(header_name);
            }
        }
        Ok(request)
    }

    async fn exchange<S>(
        &self,
        stream: S,
        request: http::Request<Full<Bytes>>,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Response, HttpError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let expired = |phase| HttpError::Timeout {
            phase,
            after: timeout,
        };
        let (mut sender, conn) = timeout_at(
            deadline,
            hyper::client::conn::http1::handshake(TokioIo::new(stream)),
        )
        .await
        .map_err(|_| expired(Phase::Response))?
        .map_err(|e| HttpError::Protocol(chain(&e)))?;
        // The connection is driven by its own task; its errors surface
        // through `send_request` and the body, so they are dropped here.
        let _conn = AbortOnDrop(tokio::spawn(async move {
            let _ = conn.await;
        }));

        let response = timeout_at(deadline, sender.send_request(request))
            .await
            .map_err(|_| expired(Phase::Response))?
            .map_err(|e| HttpError::Protocol(chain(&e)))?;
        let (parts, mut body) = response.into_parts();
        let headers = parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();

        let mut data = Vec::new();
        let mut truncated = false;
        loop {
            let frame = timeout_at(deadline, body.frame())
                .await
                .map_err(|_| expired(Phase::Body))?;
            let Some(frame) = frame else { break };
            let frame = frame.map_err(|e| HttpError::Body(chain(&e)))?;
            if let Ok(chunk) = frame.into_data() {
                let room = self.max_body - data.len();
                if chunk.len() > room {
                    data.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                data.extend_from_slice(&chunk);
            }
        }
        Ok(Response {
            status: parts.status.as_u16(),
            headers,
            body: data,
            truncated,
        })
    }
}

/// Check a request's method, URL and headers without sending it: what
/// [`Client::request`] would reject before touching the network. For
/// validating configuration early.
pub fn check_request(
    method: &str,
    url: &str,
    headers: &[(String, String)],
) -> Result<(), HttpError> {
    Method::from_bytes(method.as_bytes()).map_err(|_| HttpError::BadMethod(method.into()))?;
    Target::parse(url)?;
    for (name, value) in headers {
        parse_header(name, value)?;
    }
    Ok(())
}

fn parse_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), HttpError> {
    let bad = |reason: String| HttpError::BadHeader {
        name: name.to_string(),
        reason,
    };
    let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(e.to_string()))?;
    // The value itself is not echoed: it may be a token.
    let header_value = HeaderValue::from_str(value)
        .map_err(|_| bad("value has characters not allowed in a header".into()))?;
    Ok((header_name, header_value))
}

/// Connect to the first address that accepts. `Err(None)` means the
/// deadline passed; otherwise the last address's error.
async fn connect_any(
    addrs: &[SocketAddr],
    deadline: Instant,
) -> Result<TcpStream, Option<HttpError>> {
    let mut last = None;
    for &addr in addrs {
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => return Err(None),
            Ok(Ok(stream)) => {
                // Requests are small and sent whole; don't delay them.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = Some(HttpError::ConnectRefused { addr });
            }
            Ok(Err(e)) => {
                last = Some(HttpError::Connect {
                    addr,
                    message: e.to_string(),
                });
            }
        }
    }
    Err(last)
}
