//! Fuzzes the whole front end with one input:
//!
//! 1. the input is written as `main.tf` into a scratch directory (as
//!    `main.tf.json` when it starts with `{`, which native syntax never
//!    accepts, so Terraform's JSON syntax is covered too) and
//!    `cairn_validate::validate` runs on it (load and decode, module tree,
//!    dependency graph, static call checks, variables and their validation
//!    rules, evaluation of every expression), then the diagnostics are
//!    rendered with their source snippets as the CLI does;
//! 2. the same text is parsed as a single expression with
//!    `cairn_eval::parse_expr` and evaluated with no references, like
//!    `cairn console` and `-var` values; the result is rendered and
//!    JSON-encoded.
//!
//! Any panic (including arithmetic overflow and out-of-bounds slicing, since
//! cargo-fuzz builds with debug assertions) is a bug: bad input must only ever
//! produce diagnostics.

#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;

/// One scratch directory per fuzzing process, reused for every input. It is
/// nested a few levels deep so relative paths in the input (`file("../x")`,
/// module sources) find nothing interesting. Directories left behind by
/// earlier processes (`-fork` starts many) are removed on the way.
fn scratch_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::temp_dir().join("cairn-fuzz");
        if let Ok(entries) = std::fs::read_dir(&base) {
            for e in entries.flatten() {
                let name = e.file_name();
                let alive = name
                    .to_str()
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
                if !alive {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = base
            .join(std::process::id().to_string())
            .join("a")
            .join("b")
            .join("root");
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        dir
    })
}

fn registry() -> &'static Arc<cairn_functions::Registry> {
    static REG: OnceLock<Arc<cairn_functions::Registry>> = OnceLock::new();
    REG.get_or_init(|| Arc::new(cairn_functions::Registry::standard()))
}

/// Inputs that would only make the fuzzer wait on the file system rather
/// than exercise cairn: walking arbitrary directory trees.
fn touches_filesystem_heavily(text: &str) -> bool {
    text.contains("fileset")
}

fuzz_target!(|data: &[u8]| {
    // Configuration files are UTF-8; the loader reports anything else, but
    // the expression parser takes &str, so non-UTF-8 bytes are lossily
    // replaced to still exercise both paths.
    let text = String::from_utf8_lossy(data);
    if text.len() > 64 * 1024 || touches_filesystem_heavily(&text) {
        return;
    }

    // 1. Whole-configuration validation.
    let dir = scratch_dir();
    let json = text.trim_start().starts_with('{');
    let (name, other) = if json {
        ("main.tf.json", "main.tf")
    } else {
        ("main.tf", "main.tf.json")
    };
    let _ = std::fs::remove_file(dir.join(other));
    std::fs::write(dir.join(name), data).expect("write the configuration file");
    let out = cairn_validate::validate(dir, &cairn_validate::Options::default());
    let rendered = cairn_diagnostics::render(&out.diags, &out.sources);
    std::hint::black_box(rendered);

    // 2. A single expression, evaluated without references.
    let funcs = registry();
    let ctx = cairn_eval::context_with_templates(
        cairn_functions::Context {
            base_dir: dir.clone(),
            plan_time: true,
            template: None,
        },
        funcs.clone(),
    );
    match cairn_eval::parse_expr(&text, "fuzz.tf") {
        Ok(e) => {
            let ev = cairn_eval::Evaluator::new(&cairn_eval::NoReferences, funcs, &ctx);
            match ev.eval(&e) {
                Ok(v) => {
                    std::hint::black_box(cairn_value::display::console(&v));
                    let _ = std::hint::black_box(cairn_value::json::encode(&v));
                }
                Err(d) => {
                    let sources = cairn_diagnostics::SourceMap::new();
                    sources.add("fuzz.tf", text.as_ref());
                    std::hint::black_box(cairn_diagnostics::render_one(&d, &sources));
                }
            }
        }
        Err(d) => {
            std::hint::black_box(d);
        }
    }
});
