//! Journal throughput: `cargo bench -p cairn-state --bench journal`.
//!
//! Measures 10,000 records from 10 concurrent recorders (group commit),
//! the same from 1 recorder (one fsync per record), and the replay and
//! recovery of a 100,000-entry journal. The state directory is created
//! under the system temporary directory (or `CAIRN_BENCH_DIR`), so the
//! figures are those of that file system's fsync.

use std::time::{Duration, Instant};

use cairn_state::{IndexKey, InstanceState, JournalEntry, LocalBackend, Mode, ResourceMeta, State};

fn entry(i: u64) -> JournalEntry {
    JournalEntry::SetInstance {
        resource: ResourceMeta {
            module: String::new(),
            mode: Mode::Managed,
            type_name: "aws_instance".into(),
            name: format!("web{}", i % 100),
            provider: "provider.aws".into(),
        },
        instance: InstanceState::new(
            Some(IndexKey::Int(i)),
            serde_json::json!({
                "id": format!("i-{i:016x}"),
                "ami": "ami-0123456789abcdef0",
                "instance_type": "t3.micro",
                "tags": {"Name": format!("web-{i}"), "env": "prod"},
            }),
        ),
    }
}

fn fresh() -> (tempfile::TempDir, LocalBackend) {
    let tmp = match std::env::var_os("CAIRN_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d),
        None => tempfile::tempdir(),
    }
    .expect("temporary directory");
    let b = LocalBackend::new(tmp.path().join(".cairn"));
    let mut s = State::new();
    b.write(&mut s).expect("initial write");
    (tmp, b)
}

/// Records `total` entries from `threads` recorders; returns the time and
/// the number of fsync batches.
fn run(threads: u64, total: u64) -> (Duration, u64) {
    let (_t, b) = fresh();
    let j = b.journal(1).expect("journal");
    let per = total / threads;
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let j = &j;
            s.spawn(move || {
                for i in 0..per {
                    j.record(&entry(t * per + i)).expect("record");
                }
            });
        }
    });
    let took = start.elapsed();
    (took, j.syncs())
}

fn median(mut v: Vec<(Duration, u64)>) -> (Duration, u64) {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing.
    let (t10, s10) = median((0..3).map(|_| run(10, 10_000)).collect());
    println!(
        "10,000 records, 10 concurrent recorders: {:.1} ms ({:.0} records/s, {} fsync batches, {:.1} records per batch) [median of 3]",
        t10.as_secs_f64() * 1e3,
        10_000.0 / t10.as_secs_f64(),
        s10,
        10_000.0 / s10 as f64
    );
    let (t1, s1) = median((0..3).map(|_| run(1, 2_000)).collect());
    println!(
        "2,000 records, 1 recorder: {:.1} ms ({:.0} µs per record, {} fsyncs) [median of 3]",
        t1.as_secs_f64() * 1e3,
        t1.as_secs_f64() * 1e6 / 2_000.0,
        s1
    );

    // 100,000 entries: record with 10 recorders, then replay and recover.
    let (_t, b) = fresh();
    {
        let j = b.journal(1).expect("journal");
        let start = Instant::now();
        std::thread::scope(|s| {
            for t in 0..10u64 {
                let j = &j;
                s.spawn(move || {
                    for i in 0..10_000u64 {
                        j.record(&entry(t * 10_000 + i)).expect("record");
                    }
                });
            }
        });
        println!(
            "100,000 records, 10 concurrent recorders: {:.2} s ({} fsync batches)",
            start.elapsed().as_secs_f64(),
            j.syncs()
        );
    }
    let start = Instant::now();
    let loaded = b.load().expect("load");
    println!(
        "replay of 100,000 journal entries (read): {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(loaded.recovered, 100_000);
    let start = Instant::now();
    let r = b.recover().expect("recover");
    println!(
        "recover (replay + write of a 100,000-instance state + history copy): {:.0} ms, serial {:?}, state.json {} MB",
        start.elapsed().as_secs_f64() * 1e3,
        r.serial,
        std::fs::metadata(b.state_path()).map(|m| m.len() / 1_000_000).unwrap_or(0)
    );
}
