//! Webhooks delivered to a real HTTP server on 127.0.0.1.

use std::time::{Duration, Instant};

use cairn_http::test_util::{Reply, TestServer};
use cairn_notify::{
    display_url, render_body, send_all, send_all_with, EventKind, Notification, NotifyError,
    SendOptions, Webhook,
};
use serde_json::{json, Value};

fn no_redaction(s: &str) -> String {
    s.to_string()
}

fn apply_failed() -> Notification {
    Notification::new(
        EventKind::ApplyFailed,
        "01JTESTRUN",
        "apply",
        "2 of 5 operations failed",
    )
    .with_environment("prod")
    .with_details(json!({"failed": ["aws_s3_bucket.logs", "aws_iam_role.app"]}))
}

fn fast() -> SendOptions {
    SendOptions {
        attempts: 3,
        backoff: vec![Duration::from_millis(10)],
        timeout: Duration::from_secs(2),
    }
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn server_receives_json_post_with_text() {
    let server = TestServer::start(vec![], Reply::body(200, "ok"))
        .await
        .unwrap();
    let mut hook = Webhook::new(server.url("/services/T000/B000/XXXX"));
    hook.headers.push(("X-Team".into(), "platform".into()));
    let n = apply_failed();

    let deliveries = send_all(&[hook.clone()], &n, &no_redaction).await;
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert!(d.ok, "{d:?}");
    assert_eq!(d.attempts, 1);
    assert_eq!(d.status, Some(200));
    assert_eq!(d.error, None);
    assert_eq!(d.url, hook.url);

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.target, "/services/T000/B000/XXXX");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("x-team"), Some("platform"));

    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body["text"],
        ":red_circle: cairn apply failed in prod: 2 of 5 operations failed (run 01JTESTRUN)"
    );
    assert_eq!(body["kind"], "apply_failed");
    assert_eq!(body["run_id"], "01JTESTRUN");
    assert_eq!(body["command"], "apply");
    assert_eq!(body["environment"], "prod");
    assert_eq!(body["summary"], "2 of 5 operations failed");
    assert_eq!(body["details"]["failed"][1], "aws_iam_role.app");
    // The whole body reads back as a Notification.
    let back: Notification = serde_json::from_value(body).unwrap();
    assert_eq!(back, n);
}

#[tokio::test]
async fn events_are_filtered_per_webhook() {
    let drift_only = TestServer::start(vec![], Reply::status(204)).await.unwrap();
    let everything = TestServer::start(vec![], Reply::status(204)).await.unwrap();
    let hooks = vec![
        Webhook {
            url: drift_only.url("/drift"),
            events: vec![EventKind::DriftFound],
            headers: vec![],
        },
        Webhook::new(everything.url("/all")),
    ];

    let d = send_all_with(&hooks, &apply_failed(), &no_redaction, &fast()).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].url, hooks[1].url);
    assert!(d[0].ok);

    let drift = Notification::new(EventKind::DriftFound, "r2", "drift", "3 resources drifted");
    let d = send_all_with(&hooks, &drift, &no_redaction, &fast()).await;
    assert_eq!(d.len(), 2);
    assert!(d.iter().all(|d| d.ok), "{d:?}");
    assert_eq!(d[0].url, hooks[0].url);

    assert_eq!(drift_only.requests().len(), 1);
    assert_eq!(everything.requests().len(), 2);
    let body: Value = serde_json::from_slice(&drift_only.requests()[0].body).unwrap();
    assert_eq!(body["kind"], "drift_found");
}

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let server = TestServer::start(vec![Reply::status(500)], Reply::status(200))
        .await
        .unwrap();
    let started = Instant::now();
    // Default options: the retry comes after 0.5s.
    let d = send_all(
        &[Webhook::new(server.url("/hook"))],
        &apply_failed(),
        &no_redaction,
    )
    .await;
    assert!(d[0].ok, "{d:?}");
    assert_eq!(d[0].attempts, 2);
    assert_eq!(server.requests().len(), 2);
    assert!(started.elapsed() >= Duration::from_millis(500));
    // Both attempts carried the same body.
    let seen = server.requests();
    assert_eq!(seen[0].body, seen[1].body);
}

#[tokio::test]
async fn too_many_requests_is_retried_but_client_errors_are_not() {
    let server = TestServer::start(vec![Reply::status(429)], Reply::status(200))
        .await
        .unwrap();
    let d = send_all_with(
        &[Webhook::new(server.url("/"))],
        &apply_failed(),
        &no_redaction,
        &fast(),
    )
    .await;
    assert!(d[0].ok);
    assert_eq!(d[0].attempts, 2);

    let server = TestServer::start(vec![], Reply::body(404, "no_service"))
        .await
        .unwrap();
    let d = send_all_with(
        &[Webhook::new(server.url("/"))],
        &apply_failed(),
        &no_redaction,
        &fast(),
    )
    .await;
    assert!(!d[0].ok);
    assert_eq!(d[0].attempts, 1);
    assert_eq!(d[0].status, Some(404));
    assert_eq!(d[0].error.as_deref(), Some("HTTP 404: no_service"));
}

#[tokio::test]
async fn persistent_server_errors_give_up_after_the_attempts() {
    let server = TestServer::start(vec![], Reply::status(503)).await.unwrap();
    let d = send_all_with(
        &[Webhook::new(server.url("/"))],
        &apply_failed(),
        &no_redaction,
        &fast(),
    )
    .await;
    assert!(!d[0].ok);
    assert_eq!(d[0].attempts, 3);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(d[0].error.as_deref(), Some("HTTP 503"));
}

#[tokio::test]
async fn unreachable_url_fails_quickly_without_panicking() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/hook/secret-token");
    let started = Instant::now();
    // Default options: three refused connections, 0.5s and 1s apart.
    let d = send_all(&[Webhook::new(&url)], &apply_failed(), &no_redaction).await;
    let took = started.elapsed();
    assert!(!d[0].ok);
    assert_eq!(d[0].attempts, 3);
    assert_eq!(d[0].status, None);
    let error = d[0].error.clone().unwrap();
    assert!(error.contains("refused"), "{error}");
    // The path (often a token) is not in the message.
    assert!(!error.contains("secret-token"), "{error}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

#[tokio::test]
async fn silent_server_times_out() {
    let server = TestServer::start(vec![], Reply::Hang).await.unwrap();
    let opts = SendOptions {
        attempts: 2,
        backoff: vec![Duration::from_millis(10)],
        timeout: Duration::from_millis(200),
    };
    let d = send_all_with(
        &[Webhook::new(server.url("/"))],
        &apply_failed(),
        &no_redaction,
        &opts,
    )
    .await;
    assert!(!d[0].ok);
    assert_eq!(d[0].attempts, 2);
    assert!(d[0]
        .error
        .as_deref()
        .unwrap_or_default()
        .contains("timed out"));
}

#[tokio::test]
async fn invalid_webhook_is_not_attempted() {
    let hooks = [Webhook::new("ftp://example.test/x"), {
        let mut h = Webhook::new("http://127.0.0.1:9/");
        h.headers.push(("bad header".into(), "v".into()));
        h
    }];
    let d = send_all(&hooks, &apply_failed(), &no_redaction).await;
    assert_eq!(d.len(), 2);
    assert!(d
        .iter()
        .all(|d| !d.ok && d.attempts == 0 && d.error.is_some()));
    assert!(matches!(
        hooks[0].validate(),
        Err(NotifyError::Invalid { .. })
    ));
    assert!(matches!(
        hooks[1].validate(),
        Err(NotifyError::Invalid { .. })
    ));
    assert!(Webhook::new("https://hooks.example.test/a/b")
        .validate()
        .is_ok());
}

#[tokio::test]
async fn known_secrets_never_reach_the_server() {
    let server = TestServer::start(vec![], Reply::status(200)).await.unwrap();
    let secrets = ["hunter2-very-secret", r#"pa"ss\word"#];
    let redact = |s: &str| {
        let mut out = s.to_string();
        for secret in secrets {
            out = out.replace(secret, "(sensitive value)");
        }
        out
    };
    let n = Notification::new(
        EventKind::VerifyFailed,
        "01JRUN",
        "apply",
        "probe db failed: password hunter2-very-secret rejected",
    )
    .with_environment("prod")
    .with_details(json!({
        "probe": "db",
        "connection": "postgres://app:hunter2-very-secret@db:5432/app",
        "nested": [{"token": r#"pa"ss\word"#}],
        "hunter2-very-secret": "as a key",
    }));

    let d = send_all_with(&[Webhook::new(server.url("/"))], &n, &redact, &fast()).await;
    assert!(d[0].ok, "{d:?}");
    let seen = server.requests();
    let raw = seen[0].text();
    assert!(!raw.contains("hunter2"), "{raw}");
    assert!(!raw.contains(r#"pa\"ss\\word"#), "{raw}");
    assert!(!raw.contains("ss\\\\word"), "{raw}");
    let body: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(
        body["summary"],
        "probe db failed: password (sensitive value) rejected"
    );
    assert_eq!(body["details"]["nested"][0]["token"], "(sensitive value)");
    assert_eq!(body["details"]["(sensitive value)"], "as a key");
    assert!(body["text"].as_str().unwrap().contains("(sensitive value)"));
}

#[test]
fn body_redaction_that_would_break_json_falls_back_to_per_string_redaction() {
    let n = Notification::new(EventKind::RolledBack, "r", "apply", "value \":\" here");
    // A "secret" that is also JSON syntax.
    let redact = |s: &str| s.replace("\":\"", "(sensitive value)");
    let body = render_body(&n, &redact);
    let parsed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(parsed["summary"], "value (sensitive value) here");
    assert_eq!(parsed["kind"], "rollback");
}

#[test]
fn texts_for_each_kind() {
    let text = |kind, env: Option<&str>| {
        let mut n = Notification::new(kind, "01J", "apply", "summary\nsecond line");
        n.environment = env.map(str::to_string);
        n.text()
    };
    assert_eq!(
        text(EventKind::ApplyFailed, Some("prod")),
        ":red_circle: cairn apply failed in prod: summary second line (run 01J)"
    );
    assert_eq!(
        text(EventKind::RolledBack, None),
        ":rewind: cairn rolled back: summary second line (run 01J)"
    );
    assert_eq!(
        text(EventKind::VerifyFailed, Some("stage")),
        ":warning: cairn verification failed in stage: summary second line (run 01J)"
    );
    assert_eq!(
        text(EventKind::DriftFound, None),
        ":large_yellow_circle: cairn found drift: summary second line (run 01J)"
    );
}

#[test]
fn event_names() {
    let names: Vec<String> = EventKind::ALL
        .iter()
        .map(|k| {
            serde_json::to_value(k)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        names,
        ["apply_failed", "rollback", "verify_failed", "drift_found"]
    );
    for k in EventKind::ALL {
        assert_eq!(k.as_str().parse::<EventKind>(), Ok(k));
    }
    assert_eq!(
        "rolled_back".parse::<EventKind>(),
        Err(NotifyError::UnknownEvent("rolled_back".into()))
    );
}

#[test]
fn webhook_config_deserializes_with_defaults() {
    let hook: Webhook = serde_json::from_value(json!({"url": "https://h.example.test/x"})).unwrap();
    assert!(hook.events.is_empty());
    assert!(hook.wants(EventKind::DriftFound));
    let hook: Webhook = serde_json::from_value(json!({
        "url": "https://h.example.test/x",
        "events": ["rollback", "apply_failed"],
        "headers": [["Authorization", "Bearer x"]],
    }))
    .unwrap();
    assert!(hook.wants(EventKind::RolledBack));
    assert!(!hook.wants(EventKind::VerifyFailed));
    assert_eq!(hook.headers[0].0, "Authorization");
}

#[test]
fn display_url_hides_path_and_credentials() {
    assert_eq!(
        display_url("https://hooks.example.test/services/T/B/token"),
        "https://hooks.example.test/…"
    );
    assert_eq!(
        display_url("http://127.0.0.1:8080"),
        "http://127.0.0.1:8080"
    );
    assert_eq!(
        display_url("https://u:p@h.example.test/x"),
        "https://h.example.test/…"
    );
    assert_eq!(display_url("not a url"), "(invalid URL)");
}
