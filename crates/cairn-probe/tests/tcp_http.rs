//! TCP and HTTP probes against real servers on 127.0.0.1.

use std::time::{Duration, Instant};

use cairn_http::test_util::{self_signed_cert, Reply, TestServer};
use cairn_probe::{run, run_all, Probe, ProbeSpec};

fn quick(name: &str, probe: Probe) -> ProbeSpec {
    ProbeSpec::new(name, probe)
        .with_timeout(Duration::from_secs(3))
        .with_retries(0)
        .with_interval(Duration::from_millis(20))
}

fn http_probe(url: String, expect_status: Vec<u16>, body_pattern: Option<&str>) -> Probe {
    Probe::Http {
        url,
        method: "GET".into(),
        expect_status,
        body_pattern: body_pattern.map(str::to_string),
        insecure_tls: false,
        headers: Vec::new(),
    }
}

fn closed_port() -> u16 {
    // Bind then drop: the port is free and, for the moment, closed.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn tcp_open_port_passes() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let r = run(&quick("db", Probe::tcp("127.0.0.1", port))).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.attempts, 1);
    assert_eq!(r.name, "db");
    assert_eq!(
        r.detail,
        format!("tcp 127.0.0.1:{port}: connected to 127.0.0.1:{port}")
    );
}

#[tokio::test]
async fn tcp_closed_port_fails_after_retries() {
    let port = closed_port();
    let spec = quick("db", Probe::tcp("127.0.0.1", port)).with_retries(2);
    let r = run(&spec).await;
    assert!(!r.ok);
    assert_eq!(r.attempts, 3);
    assert_eq!(
        r.detail,
        format!("tcp 127.0.0.1:{port}: connection refused by 127.0.0.1:{port}")
    );
    // Two pauses of 20ms between three attempts.
    assert!(r.elapsed >= Duration::from_millis(40));
}

#[tokio::test]
async fn http_200_with_matching_body() {
    let server = TestServer::start(vec![], Reply::body(200, r#"{"status":"healthy"}"#))
        .await
        .unwrap();
    let url = server.url("/health");
    let r = run(&quick(
        "api",
        http_probe(url.clone(), vec![200], Some(r#""status":\s*"healthy""#)),
    ))
    .await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.attempts, 1);
    assert_eq!(
        r.detail,
        format!(r#"GET {url}: status 200, body matched /"status":\s*"healthy"/"#)
    );
}

#[tokio::test]
async fn http_wrong_status_says_what_was_expected() {
    let server = TestServer::start(vec![], Reply::status(503)).await.unwrap();
    let url = server.url("/health");
    let r = run(&quick("api", http_probe(url.clone(), vec![200], None))).await;
    assert!(!r.ok);
    assert_eq!(r.detail, format!("GET {url}: status 503, expected 200"));

    let r = run(&quick("api", http_probe(url.clone(), vec![200, 204], None))).await;
    assert_eq!(
        r.detail,
        format!("GET {url}: status 503, expected one of 200, 204")
    );
}

#[tokio::test]
async fn http_default_accepts_2xx_and_3xx_only() {
    let server = TestServer::start(vec![Reply::status(302)], Reply::status(404))
        .await
        .unwrap();
    let url = server.url("/");
    let r = run(&quick("a", http_probe(url.clone(), vec![], None))).await;
    assert!(r.ok, "{r:?}");
    let r = run(&quick("a", http_probe(url.clone(), vec![], None))).await;
    assert!(!r.ok);
    assert_eq!(
        r.detail,
        format!("GET {url}: status 404, expected 2xx or 3xx")
    );
}

#[tokio::test]
async fn http_body_mismatch_fails() {
    let server = TestServer::start(vec![], Reply::body(200, "degraded"))
        .await
        .unwrap();
    let url = server.url("/health");
    let r = run(&quick("api", http_probe(url.clone(), vec![], Some("^ok$")))).await;
    assert!(!r.ok);
    assert_eq!(
        r.detail,
        format!("GET {url}: status 200, body did not match /^ok$/")
    );
}

#[tokio::test]
async fn http_fails_twice_then_succeeds_counting_attempts() {
    let server = TestServer::start(
        vec![Reply::status(503), Reply::status(500)],
        Reply::body(200, "ok"),
    )
    .await
    .unwrap();
    let spec = quick("api", http_probe(server.url("/"), vec![200], Some("ok"))).with_retries(2);
    let r = run(&spec).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.attempts, 3);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn http_retries_run_out() {
    let server = TestServer::start(vec![], Reply::status(500)).await.unwrap();
    let spec = quick("api", http_probe(server.url("/"), vec![], None)).with_retries(1);
    let r = run(&spec).await;
    assert!(!r.ok);
    assert_eq!(r.attempts, 2);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn http_timeout_against_silent_server() {
    let server = TestServer::start(vec![], Reply::Hang).await.unwrap();
    let url = server.url("/slow");
    let spec = quick("slow", http_probe(url.clone(), vec![], None))
        .with_timeout(Duration::from_millis(250))
        .with_retries(1);
    let started = Instant::now();
    let r = run(&spec).await;
    assert!(!r.ok);
    assert_eq!(r.attempts, 2);
    assert_eq!(
        r.detail,
        format!("GET {url}: timed out after 250ms waiting for the response")
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(r.elapsed >= Duration::from_millis(500));
}

#[tokio::test]
async fn http_connection_refused() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/health");
    let r = run(&quick("api", http_probe(url.clone(), vec![], None))).await;
    assert!(!r.ok);
    assert_eq!(
        r.detail,
        format!("GET {url}: connection to 127.0.0.1:{port} refused")
    );
}

#[tokio::test]
async fn http_sends_configured_method_and_headers() {
    let server = TestServer::start(vec![], Reply::status(200)).await.unwrap();
    let probe = Probe::Http {
        url: server.url("/ready"),
        method: "HEAD".into(),
        expect_status: vec![200],
        body_pattern: None,
        insecure_tls: false,
        headers: vec![("Authorization".into(), "Bearer t0ken".into())],
    };
    let r = run(&quick("ready", probe)).await;
    assert!(r.ok, "{r:?}");
    let seen = server.requests();
    assert_eq!(seen[0].method, "HEAD");
    assert_eq!(seen[0].header("authorization"), Some("Bearer t0ken"));
    // The header value is configuration, not something to echo.
    assert!(!r.detail.contains("t0ken"));
}

#[tokio::test]
async fn https_self_signed_fails_verification_and_passes_when_insecure() {
    let cert = self_signed_cert(&["localhost", "127.0.0.1"]).unwrap();
    let server = TestServer::start_tls(&cert, vec![], Reply::body(200, "tls ok"))
        .await
        .unwrap();
    let url = server.url("/health");

    let strict = quick("tls", http_probe(url.clone(), vec![200], Some("tls ok")));
    let r = run(&strict).await;
    assert!(!r.ok);
    assert_eq!(
        r.detail,
        format!(
            "GET {url}: TLS handshake with 127.0.0.1 failed: certificate not accepted: \
             issuer not trusted (self-signed or unknown CA)"
        )
    );

    let mut insecure = strict.clone();
    if let Probe::Http { insecure_tls, .. } = &mut insecure.probe {
        *insecure_tls = true;
    }
    let r = run(&insecure).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn run_all_is_concurrent_and_keeps_order() {
    let slow = TestServer::start(
        vec![],
        Reply::Delayed(Duration::from_millis(600), Box::new(Reply::status(200))),
    )
    .await
    .unwrap();
    let port = closed_port();
    let specs = vec![
        quick("slow-1", http_probe(slow.url("/1"), vec![], None)),
        quick("closed", Probe::tcp("127.0.0.1", port)),
        quick("slow-2", http_probe(slow.url("/2"), vec![], None)),
        quick("slow-3", http_probe(slow.url("/3"), vec![], None)),
    ];
    let started = Instant::now();
    let results = run_all(&specs, 8).await;
    let took = started.elapsed();
    let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["slow-1", "closed", "slow-2", "slow-3"]);
    let oks: Vec<bool> = results.iter().map(|r| r.ok).collect();
    assert_eq!(oks, [true, false, true, true]);
    // Three 600ms responses one after another would take 1.8s.
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

#[tokio::test]
async fn run_all_respects_the_concurrency_limit() {
    let slow = TestServer::start(
        vec![],
        Reply::Delayed(Duration::from_millis(200), Box::new(Reply::status(200))),
    )
    .await
    .unwrap();
    let specs: Vec<ProbeSpec> = (0..3)
        .map(|i| quick(&format!("p{i}"), http_probe(slow.url("/"), vec![], None)))
        .collect();
    let started = Instant::now();
    let results = run_all(&specs, 1).await;
    assert!(results.iter().all(|r| r.ok));
    assert!(started.elapsed() >= Duration::from_millis(600));
}
