//! `cargo run --release -p cairn-bench -- [SIZES...]`
//!
//! For each size N (default 1000 10000 100000) it writes a configuration
//! of N `terraform_data` instances in 10 blocks, each instance referring to
//! the same instance of the previous block, then runs the release `cairn`
//! binary: validate, plan (fresh), apply, plan (no changes). It prints wall
//! time and peak resident memory of each run as a Markdown table.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const BLOCKS: usize = 10;

fn config(n: usize) -> String {
    let per = n / BLOCKS;
    let mut s = String::new();
    for b in 0..BLOCKS {
        let input = if b == 0 {
            "\"seed-${count.index}\"".to_string()
        } else {
            format!("\"${{terraform_data.b{}[count.index].output}}-{b}\"", b - 1)
        };
        s.push_str(&format!(
            "resource \"terraform_data\" \"b{b}\" {{\n  count = {per}\n  input = {input}\n}}\n\n"
        ));
    }
    s.push_str(&format!(
        "output \"last\" {{\n  value = terraform_data.b{}[0].output\n}}\n",
        BLOCKS - 1
    ));
    s
}

struct Measure {
    secs: f64,
    peak_mib: f64,
    code: i32,
}

/// Runs the command and reads its peak RSS from wait4's rusage.
fn measure(bin: &Path, dir: &Path, args: &[&str]) -> Measure {
    let t0 = Instant::now();
    let child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn();
    let Ok(child) = child else {
        return Measure {
            secs: 0.0,
            peak_mib: 0.0,
            code: -1,
        };
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is a plain C struct that wait4 fills in; zeroed is a
    // valid initial value and the pointers outlive the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = t0.elapsed().as_secs_f64();
    let code = if r == pid && libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Measure {
        secs,
        // ru_maxrss is in KiB on Linux.
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        code,
    }
}

fn main() {
    let sizes: Vec<usize> = {
        let a: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|x| x.parse().ok())
            .collect();
        if a.is_empty() {
            vec![1000, 10_000, 100_000]
        } else {
            a
        }
    };
    let bin = std::env::var_os("CAIRN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let exe = std::env::current_exe().unwrap_or_default();
            exe.with_file_name("cairn")
        });
    if !bin.exists() {
        eprintln!("cairn binary not found at {} (build it with cargo build --release -p cairn, or set CAIRN_BIN)", bin.display());
        std::process::exit(1);
    }
    println!("| instances | step | wall time (s) | peak memory (MiB) |");
    println!("| ---: | --- | ---: | ---: |");
    for n in sizes {
        let Ok(dir) = tempfile::tempdir() else {
            eprintln!("cannot create a temporary directory");
            std::process::exit(1);
        };
        if std::fs::write(dir.path().join("main.tf"), config(n)).is_err() {
            eprintln!("cannot write the configuration");
            std::process::exit(1);
        }
        for (step, args) in [
            ("validate", vec!["validate"]),
            ("plan (fresh)", vec!["plan", "-out", "p.plan"]),
            (
                "apply",
                vec!["apply", "-auto-approve", "-parallelism", "10"],
            ),
            ("plan (no changes)", vec!["plan", "-detailed-exitcode"]),
        ] {
            let m = measure(&bin, dir.path(), &args);
            let ok = if m.code == 0 { "" } else { " (failed)" };
            println!("| {n} | {step}{ok} | {:.2} | {:.0} |", m.secs, m.peak_mib);
        }
    }
}
