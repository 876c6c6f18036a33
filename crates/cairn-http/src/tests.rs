//! Client tests against real servers on 127.0.0.1.

use std::time::{Duration, Instant};

use crate::test_util::{self_signed_cert, Reply, TestServer};
use crate::{Client, HttpError, Phase};

const T: Duration = Duration::from_secs(5);

fn client() -> Client {
    Client::new(false).unwrap()
}

#[tokio::test]
async fn get_reads_status_headers_and_body() {
    let server = TestServer::start(vec![], Reply::body(200, "all good"))
        .await
        .unwrap();
    let resp = client()
        .request(
            "GET",
            &server.url("/health?deep=1"),
            &[("X-Probe".into(), "yes".into())],
            None,
            T,
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "all good");
    assert_eq!(resp.header("Content-Type"), Some("text/plain"));
    assert!(!resp.truncated);

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].target, "/health?deep=1");
    assert_eq!(seen[0].header("x-probe"), Some("yes"));
    assert_eq!(
        seen[0].header("host"),
        Some(server.addr().to_string().as_str())
    );
    assert!(seen[0].header("user-agent").unwrap().starts_with("cairn/"));
}

#[tokio::test]
async fn post_sends_body_with_length() {
    let server = TestServer::start(vec![], Reply::status(204)).await.unwrap();
    let resp = client()
        .request(
            "POST",
            &server.url("/hook"),
            &[("content-type".into(), "application/json".into())],
            Some(br#"{"a":1}"#.to_vec()),
            T,
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 204);
    let seen = server.requests();
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].body, br#"{"a":1}"#);
    assert_eq!(seen[0].header("content-length"), Some("7"));
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn body_is_capped() {
    let server = TestServer::start(vec![], Reply::body(200, vec![b'x'; 10_000]))
        .await
        .unwrap();
    let client = Client::builder().max_body_bytes(100).build().unwrap();
    let resp = client
        .request("GET", &server.url("/"), &[], None, T)
        .await
        .unwrap();
    assert_eq!(resp.body.len(), 100);
    assert!(resp.truncated);
}

#[tokio::test]
async fn refused_connection_is_typed() {
    // Bind then drop a listener: the port is very likely free and closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = client()
        .request("GET", &format!("http://127.0.0.1:{port}/"), &[], None, T)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::ConnectRefused { .. }), "{err}");
    assert!(err.to_string().contains("refused"));
}

#[tokio::test]
async fn silent_server_times_out_waiting_for_response() {
    let server = TestServer::start(vec![], Reply::Hang).await.unwrap();
    let started = Instant::now();
    let err = client()
        .request(
            "GET",
            &server.url("/"),
            &[],
            None,
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        HttpError::Timeout {
            phase: Phase::Response,
            after: Duration::from_millis(300)
        }
    );
    assert_eq!(
        err.to_string(),
        "timed out after 300ms waiting for the response"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn closed_without_answer_is_a_protocol_error() {
    let server = TestServer::start(vec![], Reply::Close).await.unwrap();
    let err = client()
        .request("GET", &server.url("/"), &[], None, T)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Protocol(_)), "{err:?}");
}

#[tokio::test]
async fn invalid_inputs_fail_before_the_network() {
    let c = client();
    let err = c
        .request("GE T", "http://127.0.0.1:1/", &[], None, T)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::BadMethod(_)));
    let err = c
        .request("GET", "ftp://127.0.0.1/", &[], None, T)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::BadUrl { .. }));
    let err = c
        .request(
            "GET",
            "http://127.0.0.1:1/",
            &[("x-token".into(), "secret\nvalue".into())],
            None,
            T,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::BadHeader { .. }));
    assert!(!err.to_string().contains("secret"));
    assert!(err.is_invalid_request());
}

#[tokio::test]
async fn self_signed_https_is_rejected_then_accepted_when_insecure_or_trusted() {
    let cert = self_signed_cert(&["localhost", "127.0.0.1"]).unwrap();
    let server = TestServer::start_tls(&cert, vec![], Reply::body(200, "secure"))
        .await
        .unwrap();
    let url = server.url("/tls");
    assert!(url.starts_with("https://127.0.0.1:"));

    let err = client()
        .request("GET", &url, &[], None, T)
        .await
        .unwrap_err();
    match &err {
        HttpError::Tls { host, message } => {
            assert_eq!(host, "127.0.0.1");
            assert!(message.contains("issuer not trusted"), "{message}");
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }

    let resp = Client::new(true)
        .unwrap()
        .request("GET", &url, &[], None, T)
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "secure");

    let trusting = Client::builder()
        .native_roots(false)
        .add_root_der(cert.cert_der.clone())
        .build()
        .unwrap();
    let resp = trusting.request("GET", &url, &[], None, T).await.unwrap();
    assert_eq!(resp.text(), "secure");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn certificate_for_another_name_is_rejected() {
    let cert = self_signed_cert(&["other.test"]).unwrap();
    let server = TestServer::start_tls(&cert, vec![], Reply::status(200))
        .await
        .unwrap();
    let trusting = Client::builder()
        .add_root_der(cert.cert_der.clone())
        .build()
        .unwrap();
    let err = trusting
        .request("GET", &server.url("/"), &[], None, T)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not valid for this host name"),
        "{err}"
    );
}

#[tokio::test]
async fn malformed_extra_root_is_a_config_error() {
    let err = Client::builder()
        .add_root_der(b"not a certificate".to_vec())
        .build()
        .unwrap_err();
    assert!(matches!(err, HttpError::TlsConfig(_)));
}
