mod common;
use cairn_engine::Action;
use cairn_render::*;
use common::*;
#[test]
fn perf() {
    let changes = (0..100_000)
        .map(|i| change(&format!("module.m[{}].aws_instance.web[{i}]", i % 500), Action::Update,
            Some(obj(&[("id", s("i")), ("ami", s("ami-1")), ("tags", map(&[("a","b")])), ("n", n(i))])),
            Some(obj(&[("id", s("i")), ("ami", s("ami-2")), ("tags", map(&[("a","b")])), ("n", n(i))])))).collect();
    let p = plan(changes);
    let t = std::time::Instant::now();
    let h = human(&p, &HumanOptions::default());
    let t1 = t.elapsed();
    let j = serde_json::to_string(&json_plan(&p, &JsonMeta::default())).unwrap();
    let t2 = t.elapsed();
    let m = markdown_summary(&p);
    eprintln!("human {:?} ({} bytes) json {:?} ({} bytes) md {:?} ({} bytes)", t1, h.len(), t2 - t1, j.len(), t.elapsed() - t2, m.len());
}
