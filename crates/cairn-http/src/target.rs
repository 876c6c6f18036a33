//! URL parsing into what a connection needs.

use crate::HttpError;

/// A parsed `http` or `https` URL.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub tls: bool,
    /// Host as written, without IPv6 brackets: for DNS and TLS SNI.
    pub host: String,
    pub port: u16,
    /// `Host` header value: host, plus the port when not the default.
    pub authority: String,
    /// Path and query, `/` when empty.
    pub path_and_query: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Self, HttpError> {
        let bad = |reason: &str| HttpError::BadUrl {
            reason: reason.to_string(),
        };
        let uri: http::Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| bad(&e.to_string()))?;
        let tls = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            Some(other) => {
                return Err(bad(&format!(
                    "scheme {other:?} is not supported (http or https)"
                )))
            }
            None => return Err(bad("no scheme (expected http:// or https://)")),
        };
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        // Credentials in the URL would be silently dropped; make the
        // caller use an Authorization header instead.
        if authority.as_str().contains('@') {
            return Err(bad(
                "credentials in the URL are not supported; use an Authorization header",
            ));
        }
        let raw_host = authority.host();
        let host = raw_host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(raw_host)
            .to_string();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let default_port = if tls { 443 } else { 80 };
        let port = authority.port_u16().unwrap_or(default_port);
        if port == 0 {
            return Err(bad("port 0"));
        }
        let authority = if port == default_port {
            raw_host.to_string()
        } else {
            format!("{raw_host}:{port}")
        };
        let path_and_query = match uri.path_and_query() {
            Some(pq) if !pq.as_str().is_empty() => {
                if pq.as_str().starts_with('/') {
                    pq.as_str().to_string()
                } else {
                    format!("/{}", pq.as_str())
                }
            }
            _ => "/".to_string(),
        };
        Ok(Target {
            tls,
            host,
            port,
            authority,
            path_and_query,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_http_and_https() {
        let t = Target::parse("http://example.test:8080/health?x=1").unwrap();
        assert!(!t.tls);
        assert_eq!(t.host, "example.test");
        assert_eq!(t.port, 8080);
        assert_eq!(t.authority, "example.test:8080");
        assert_eq!(t.path_and_query, "/health?x=1");

        let t = Target::parse("https://example.test").unwrap();
        assert!(t.tls);
        assert_eq!(t.port, 443);
        assert_eq!(t.authority, "example.test");
        assert_eq!(t.path_and_query, "/");
    }

    #[test]
    fn ipv6_literal_loses_brackets_for_dns_but_keeps_them_in_host_header() {
        let t = Target::parse("http://[::1]:9000/x").unwrap();
        assert_eq!(t.host, "::1");
        assert_eq!(t.authority, "[::1]:9000");
    }

    #[test]
    fn rejects_bad_urls() {
        for url in [
            "",
            "example.test/health",
            "ftp://example.test/",
            "http://user:pw@example.test/",
            "http://example.test:0/",
            "http:///nohost",
        ] {
            let err = Target::parse(url).unwrap_err();
            assert!(matches!(err, HttpError::BadUrl { .. }), "{url}: {err:?}");
        }
    }

    #[test]
    fn bad_url_message_does_not_echo_the_url() {
        let err = Target::parse("http://user:s3cret@example.test/").unwrap_err();
        assert!(!err.to_string().contains("s3cret"));
    }
}
