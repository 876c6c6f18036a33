//! DNS probes against a small UDP DNS responder on 127.0.0.1, written
//! here with the wire format by hand (RFC 1035, section 4).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_probe::{run, Probe, ProbeSpec, RecordType};
use tokio::net::UdpSocket;

const TYPE_A: u16 = 1;
const TYPE_TXT: u16 = 16;

/// Records by (lower-case name without the final dot, type): RDATA each.
type Zone = HashMap<(String, u16), Vec<Vec<u8>>>;

struct Responder {
    addr: SocketAddr,
    queries: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn a(ip: [u8; 4]) -> Vec<u8> {
    ip.to_vec()
}

fn txt(strings: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in strings {
        out.push(s.len() as u8);
        out.extend_from_slice(s.as_bytes());
    }
    out
}

/// `drop_first`: ignore that many queries (to exercise retries).
async fn responder(zone: Zone, drop_first: usize) -> Responder {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let queries = Arc::new(AtomicUsize::new(0));
    let counter = queries.clone();
    let task = tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        loop {
            let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
                continue;
            };
            let seen = counter.fetch_add(1, Ordering::SeqCst);
            if seen < drop_first {
                continue;
            }
            if let Some(reply) = answer(&buf[..n], &zone) {
                let _ = socket.send_to(&reply, peer).await;
            }
        }
    });
    Responder {
        addr,
        queries,
        task,
    }
}

/// Build the response to one query; `None` for anything unparsable.
fn answer(query: &[u8], zone: &Zone) -> Option<Vec<u8>> {
    if query.len() < 12 {
        return None;
    }
    // Question name: labels up to the zero byte, starting after the header.
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = *query.get(pos)? as usize;
        pos += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(pos..pos + len)?).to_ascii_lowercase());
        pos += len;
    }
    let qtype = u16::from_be_bytes([*query.get(pos)?, *query.get(pos + 1)?]);
    let question_end = pos + 4;
    let question = query.get(12..question_end)?;
    let name = labels.join(".");

    let known = zone.keys().any(|(n, _)| *n == name);
    let records = zone.get(&(name, qtype)).cloned().unwrap_or_default();
    let rcode = if known { 0 } else { 3 }; // NXDOMAIN for unknown names

    let mut out = Vec::new();
    out.extend_from_slice(&query[0..2]); // same ID
    let rd = query[2] & 0x01;
    out.push(0x80 | 0x04 | rd); // QR, AA, RD copied
    out.push(0x80 | rcode); // RA, RCODE
    out.extend_from_slice(&1u16.to_be_bytes()); // QDCOUNT
    out.extend_from_slice(&(records.len() as u16).to_be_bytes()); // ANCOUNT
    out.extend_from_slice(&0u16.to_be_bytes()); // NSCOUNT
    out.extend_from_slice(&0u16.to_be_bytes()); // ARCOUNT (no EDNS reply)
    out.extend_from_slice(question);
    for rdata in records {
        out.extend_from_slice(&[0xC0, 0x0C]); // name: pointer to the question
        out.extend_from_slice(&qtype.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes()); // class IN
        out.extend_from_slice(&60u32.to_be_bytes()); // TTL
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(&rdata);
    }
    Some(out)
}

fn zone() -> Zone {
    let mut z = Zone::new();
    z.insert(
        ("app.example.test".into(), TYPE_A),
        vec![a([10, 0, 0, 1]), a([10, 0, 0, 2])],
    );
    z.insert(
        ("app.example.test".into(), TYPE_TXT),
        vec![txt(&["v=spf1 ", "-all"]), txt(&["owner=platform-team"])],
    );
    z.insert(
        ("text-only.example.test".into(), TYPE_TXT),
        vec![txt(&["x"])],
    );
    z
}

fn dns_spec(server: SocketAddr, name: &str, rt: RecordType, expect: &[&str]) -> ProbeSpec {
    ProbeSpec::new(
        "dns",
        Probe::Dns {
            name: name.into(),
            record_type: rt,
            expect: expect.iter().map(|s| s.to_string()).collect(),
            server: Some(server),
        },
    )
    .with_timeout(Duration::from_millis(500))
    .with_retries(0)
    .with_interval(Duration::from_millis(20))
}

#[tokio::test]
async fn a_records_expected_present() {
    let r = responder(zone(), 0).await;
    let res = run(&dns_spec(
        r.addr,
        "app.example.test",
        RecordType::A,
        &["10.0.0.2"],
    ))
    .await;
    assert!(res.ok, "{res:?}");
    assert_eq!(
        res.detail,
        format!(
            "dns A app.example.test @{}: got 10.0.0.1, 10.0.0.2 (expected 10.0.0.2)",
            r.addr
        )
    );
}

#[tokio::test]
async fn a_records_any_answer_when_nothing_expected() {
    let r = responder(zone(), 0).await;
    let res = run(&dns_spec(r.addr, "APP.example.test.", RecordType::A, &[])).await;
    assert!(res.ok, "{res:?}");
}

#[tokio::test]
async fn a_record_expected_missing() {
    let r = responder(zone(), 0).await;
    let res = run(&dns_spec(
        r.addr,
        "app.example.test",
        RecordType::A,
        &["10.0.0.1", "10.0.0.9"],
    ))
    .await;
    assert!(!res.ok);
    assert_eq!(
        res.detail,
        format!(
            "dns A app.example.test @{}: got 10.0.0.1, 10.0.0.2, expected 10.0.0.1, 10.0.0.9 (missing 10.0.0.9)",
            r.addr
        )
    );
}

#[tokio::test]
async fn txt_expected_present_joins_strings() {
    let r = responder(zone(), 0).await;
    let res = run(&dns_spec(
        r.addr,
        "app.example.test",
        RecordType::Txt,
        &["v=spf1 -all", "owner=platform-team"],
    ))
    .await;
    assert!(res.ok, "{res:?}");
}

#[tokio::test]
async fn txt_unexpected_value_fails() {
    let r = responder(zone(), 0).await;
    let res = run(&dns_spec(
        r.addr,
        "app.example.test",
        RecordType::Txt,
        &["owner=someone-else"],
    ))
    .await;
    assert!(!res.ok);
    assert!(
        res.detail.ends_with(r#"(missing "owner=someone-else")"#),
        "{}",
        res.detail
    );
}

#[tokio::test]
async fn unknown_name_is_nxdomain() {
    let r = responder(zone(), 0).await;
    let res = run(&dns_spec(r.addr, "nope.example.test", RecordType::A, &[])).await;
    assert!(!res.ok);
    assert_eq!(
        res.detail,
        format!(
            "dns A nope.example.test @{}: no such name (NXDOMAIN)",
            r.addr
        )
    );
}

#[tokio::test]
async fn known_name_without_that_type_has_no_records() {
    let r = responder(zone(), 0).await;
    let res = run(&dns_spec(
        r.addr,
        "text-only.example.test",
        RecordType::A,
        &[],
    ))
    .await;
    assert!(!res.ok);
    assert!(res.detail.contains("no records"), "{}", res.detail);
}

#[tokio::test]
async fn lost_queries_are_retried() {
    // The first query gets no answer: the attempt times out, the retry
    // (a fresh query; the resolver has no cache) succeeds.
    let r = responder(zone(), 1).await;
    let spec = dns_spec(r.addr, "app.example.test", RecordType::A, &["10.0.0.1"])
        .with_timeout(Duration::from_millis(300))
        .with_retries(2);
    let res = run(&spec).await;
    assert!(res.ok, "{res:?}");
    assert_eq!(res.attempts, 2);
    assert!(r.queries.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn silent_server_times_out() {
    let r = responder(zone(), usize::MAX).await;
    let spec = dns_spec(r.addr, "app.example.test", RecordType::A, &[])
        .with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let res = run(&spec).await;
    assert!(!res.ok);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        res.detail,
        format!("dns A app.example.test @{}: timed out after 300ms", r.addr)
    );
}
