//! Spec validation: configuration errors, found without the network.

use std::time::Duration;

use cairn_probe::{run, Probe, ProbeError, ProbeSpec, RecordType};

fn spec(probe: Probe) -> ProbeSpec {
    ProbeSpec::new("p", probe)
}

#[test]
fn defaults() {
    let s = spec(Probe::tcp("h", 1));
    assert_eq!(s.timeout, Duration::from_secs(5));
    assert_eq!(s.retries, 2);
    assert_eq!(s.interval, Duration::from_secs(1));
    assert!(s.validate().is_ok());
}

#[test]
fn port_zero_and_empty_host() {
    assert_eq!(
        spec(Probe::tcp("db", 0)).validate(),
        Err(ProbeError::PortZero)
    );
    assert_eq!(
        spec(Probe::tcp(" ", 80)).validate(),
        Err(ProbeError::EmptyHost)
    );
}

#[test]
fn empty_name_and_zero_timeout() {
    let mut s = spec(Probe::tcp("db", 5432));
    s.name = String::new();
    assert_eq!(s.validate(), Err(ProbeError::EmptyName));
    let s = spec(Probe::tcp("db", 5432)).with_timeout(Duration::ZERO);
    assert_eq!(s.validate(), Err(ProbeError::ZeroTimeout));
}

#[test]
fn bad_regex_is_reported_on_one_line() {
    let probe = Probe::Http {
        url: "http://127.0.0.1:8080/".into(),
        method: "GET".into(),
        expect_status: vec![],
        body_pattern: Some("(unclosed".into()),
        insecure_tls: false,
        headers: vec![],
    };
    let err = spec(probe).validate().unwrap_err();
    assert!(matches!(err, ProbeError::BadRegex { .. }), "{err:?}");
    let text = err.to_string();
    assert!(!text.contains('\n'), "{text}");
    assert!(text.contains("unclosed"), "{text}");
}

#[test]
fn bad_url_method_status_header() {
    let base = |f: &dyn Fn(&mut Probe)| {
        let mut p = Probe::http("http://127.0.0.1:8080/");
        f(&mut p);
        spec(p).validate()
    };
    let set_url = |p: &mut Probe| {
        if let Probe::Http { url, .. } = p {
            *url = "ftp://x/".into();
        }
    };
    assert!(matches!(base(&set_url), Err(ProbeError::Http(_))));
    let set_method = |p: &mut Probe| {
        if let Probe::Http { method, .. } = p {
            *method = "G T".into();
        }
    };
    assert!(matches!(base(&set_method), Err(ProbeError::Http(_))));
    let set_status = |p: &mut Probe| {
        if let Probe::Http { expect_status, .. } = p {
            *expect_status = vec![200, 700];
        }
    };
    assert_eq!(base(&set_status), Err(ProbeError::BadStatus(700)));
    let set_header = |p: &mut Probe| {
        if let Probe::Http { headers, .. } = p {
            headers.push(("bad header".into(), "v".into()));
        }
    };
    assert!(matches!(base(&set_header), Err(ProbeError::Http(_))));
}

#[test]
fn record_types_parse_case_insensitively() {
    assert_eq!("a".parse::<RecordType>(), Ok(RecordType::A));
    assert_eq!("AAAA".parse::<RecordType>(), Ok(RecordType::Aaaa));
    assert_eq!("Cname".parse::<RecordType>(), Ok(RecordType::Cname));
    assert_eq!("txt".parse::<RecordType>(), Ok(RecordType::Txt));
    assert_eq!("MX".parse::<RecordType>(), Ok(RecordType::Mx));
    assert_eq!(
        "SRV".parse::<RecordType>(),
        Err(ProbeError::UnknownRecordType("SRV".into()))
    );
}

#[test]
fn dns_expectations_are_checked_for_their_type() {
    let dns = |rt, expect: &[&str]| {
        spec(Probe::Dns {
            name: "example.test".into(),
            record_type: rt,
            expect: expect.iter().map(|s| s.to_string()).collect(),
            server: None,
        })
        .validate()
    };
    assert!(dns(RecordType::A, &["10.0.0.1"]).is_ok());
    assert!(matches!(
        dns(RecordType::A, &["::1"]),
        Err(ProbeError::BadExpectedValue { .. })
    ));
    assert!(dns(RecordType::Aaaa, &["::1"]).is_ok());
    assert!(dns(RecordType::Mx, &["10 mail.example.test"]).is_ok());
    assert!(dns(RecordType::Mx, &["mail.example.test."]).is_ok());
    assert!(matches!(
        dns(RecordType::Mx, &["ten mail.example.test"]),
        Err(ProbeError::BadExpectedValue { .. })
    ));
    assert!(dns(RecordType::Txt, &["v=spf1 -all"]).is_ok());
    let bad_name = spec(Probe::Dns {
        name: "".into(),
        record_type: RecordType::A,
        expect: vec![],
        server: None,
    })
    .validate();
    assert!(matches!(bad_name, Err(ProbeError::BadDnsName { .. })));
}

#[tokio::test]
async fn running_an_invalid_spec_makes_no_attempt() {
    let r = run(&spec(Probe::tcp("db", 0))).await;
    assert!(!r.ok);
    assert_eq!(r.attempts, 0);
    assert_eq!(r.detail, "tcp db:0: invalid probe: port 0 cannot be probed");
}

#[test]
fn result_serializes_elapsed_in_milliseconds() {
    let r = cairn_probe::ProbeResult {
        name: "x".into(),
        ok: true,
        attempts: 1,
        elapsed: Duration::from_millis(1500),
        detail: "d".into(),
    };
    let json = serde_json_string(&r);
    assert!(json.contains(r#""elapsed_ms":1500"#), "{json}");
}

fn serde_json_string(r: &cairn_probe::ProbeResult) -> String {
    serde_json::to_string(r).unwrap()
}
