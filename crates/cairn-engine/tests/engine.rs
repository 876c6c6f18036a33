//! Plan and apply with the built-in providers, state kept in memory.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cairn_config::ModuleTree;
use cairn_engine::{
    apply, plan, Action, ApplyInput, Event, Events, InstanceAddr, InstanceRecord, Plan, PlanInput,
    PlanOptions, Prior, PriorInstance, Registry, StateSink,
};
use cairn_functions::{Context, Registry as Funcs};
use cairn_value::Value;

#[derive(Default)]
struct MemState {
    instances: Mutex<BTreeMap<InstanceAddr, InstanceRecord>>,
    outputs: Mutex<BTreeMap<String, Value>>,
    log: Mutex<Vec<String>>,
    /// Creates an earlier (crashed) run left pending, given to the engine.
    pending_in: Mutex<BTreeMap<String, String>>,
    /// pending_create records the engine made.
    pending_out: Mutex<Vec<(String, String)>>,
}

#[async_trait]
impl StateSink for MemState {
    async fn set_instance(&self, rec: InstanceRecord) -> Result<(), String> {
        if rec.deposed.is_none() {
            self.instances.lock().unwrap().insert(rec.addr.clone(), rec);
        }
        Ok(())
    }
    async fn remove_instance(
        &self,
        addr: &InstanceAddr,
        deposed: Option<&str>,
    ) -> Result<(), String> {
        if deposed.is_none() {
            self.instances.lock().unwrap().remove(addr);
        }
        Ok(())
    }
    async fn pending_create(&self, addr: &InstanceAddr, key: &str) -> Result<(), String> {
        self.pending_out
            .lock()
            .unwrap()
            .push((addr.to_string(), key.to_string()));
        Ok(())
    }
    async fn set_output(&self, name: &str, value: Option<Value>, _s: bool) -> Result<(), String> {
        let mut o = self.outputs.lock().unwrap();
        match value {
            Some(v) => o.insert(name.to_string(), v),
            None => o.remove(name),
        };
        Ok(())
    }
}

impl Events for MemState {
    fn event(&self, e: Event) {
        if let Event::Started { addr, action } = e {
            self.log.lock().unwrap().push(format!("{action:?} {addr}"));
        }
    }
}

impl MemState {
    fn prior(&self) -> Prior {
        let mut p = Prior::default();
        for (a, r) in self.instances.lock().unwrap().iter() {
            p.instances.insert(
                a.clone(),
                PriorInstance {
                    value: r.value.clone(),
                    dependencies: r.dependencies.clone(),
                    provider_key: r.provider_key.clone(),
                    provider_name: r.provider_name.clone(),
                    create_before_destroy: r.create_before_destroy,
                    tainted: false,
                },
            );
        }
        p.outputs = self.outputs.lock().unwrap().clone();
        p.pending_creates = self.pending_in.lock().unwrap().clone();
        p
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    registry: Registry,
    state: Arc<MemState>,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (n, t) in files {
            let p = dir.path().join(n);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, t).unwrap();
        }
        Fixture {
            dir,
            registry: Registry::new(cairn_builtin::factories()),
            state: Arc::new(MemState::default()),
        }
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).unwrap();
    }

    fn tree(&self) -> ModuleTree {
        let (t, d) = cairn_config::load_tree(self.dir.path());
        assert!(!d.has_errors(), "{d:?}");
        t.unwrap()
    }

    async fn plan_with(&self, opts: PlanOptions) -> Result<Plan, String> {
        let tree = self.tree();
        let funcs = Arc::new(Funcs::standard());
        let ctx = cairn_eval::context_with_templates(
            Context {
                base_dir: self.dir.path().to_path_buf(),
                ..Context::default()
            },
            funcs.clone(),
        );
        let root = tree.root().unwrap();
        let (given, _) = cairn_vars::gather_root(
            &cairn_config::Loader::new(self.dir.path()),
            root,
            self.dir.path(),
            &[],
            Vec::new(),
            &funcs,
            &ctx,
        );
        let (root_vars, d) = cairn_vars::root_values(root, &given, &funcs, &ctx);
        assert!(!d.has_errors(), "{d:?}");
        let out = plan(PlanInput {
            tree: &tree,
            root_vars,
            prior: self.state.prior(),
            registry: &self.registry,
            funcs,
            ctx,
            cwd: std::env::current_dir().unwrap(),
            options: PlanOptions {
                parallelism: 4,
                ..opts
            },
        })
        .await;
        match out.plan {
            Some(p) => Ok(p),
            None => Err(out
                .diags
                .iter()
                .map(|d| format!("{}: {}", d.summary, d.detail))
                .collect::<Vec<_>>()
                .join("\n")),
        }
    }

    async fn plan(&self) -> Plan {
        self.plan_with(PlanOptions::default()).await.unwrap()
    }

    async fn apply(&self, p: Plan) -> Result<(), String> {
        let tree = self.tree();
        let funcs = Arc::new(Funcs::standard());
        let ctx = cairn_eval::context_with_templates(
            Context {
                base_dir: self.dir.path().to_path_buf(),
                ..Context::default()
            },
            funcs.clone(),
        );
        let root = tree.root().unwrap();
        let (given, _) = cairn_vars::gather_root(
            &cairn_config::Loader::new(self.dir.path()),
            root,
            self.dir.path(),
            &[],
            Vec::new(),
            &funcs,
            &ctx,
        );
        let (root_vars, _) = cairn_vars::root_values(root, &given, &funcs, &ctx);
        let out = apply(ApplyInput {
            tree: &tree,
            root_vars,
            plan: p,
            prior: self.state.prior(),
            registry: &self.registry,
            funcs,
            ctx,
            cwd: std::env::current_dir().unwrap(),
            workspace: String::new(),
            parallelism: 4,
            sink: self.state.clone(),
            events: self.state.clone(),
        })
        .await;
        if out.diags.has_errors() {
            return Err(out
                .diags
                .iter()
                .map(|d| format!("{}: {}", d.summary, d.detail))
                .collect::<Vec<_>>()
                .join("\n"));
        }
        Ok(())
    }

    fn path(&self, p: &str) -> std::path::PathBuf {
        self.dir.path().join(p)
    }
}

fn actions(p: &Plan) -> Vec<String> {
    p.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| format!("{:?} {}", c.action, c.addr))
        .collect()
}

const BASIC: &str = r#"
variable "names" {
  type    = set(string)
  default = ["a", "b"]
}

resource "random_pet" "p" {
  length = 2
}

resource "terraform_data" "t" {
  for_each = var.names
  input    = "${each.key}-${random_pet.p.id}"
}

resource "local_file" "f" {
  count    = 2
  filename = "${path.module}/out/f${count.index}.txt"
  content  = join(",", [for k, v in terraform_data.t : v.output])
}

resource "random_password" "pw" {
  length = 20
}

output "pet" {
  value = random_pet.p.id
}

output "password" {
  value     = random_password.pw.result
  sensitive = true
}
"#;

#[tokio::test]
async fn create_then_no_changes_then_update_and_destroy() {
    let f = Fixture::new(&[("main.tf", BASIC)]);
    let p = f.plan().await;
    assert_eq!(
        actions(&p),
        vec![
            "Create local_file.f[0]",
            "Create local_file.f[1]",
            "Create random_password.pw",
            "Create random_pet.p",
            "Create terraform_data.t[\"a\"]",
            "Create terraform_data.t[\"b\"]",
        ]
    );
    assert_eq!(p.counts(), (6, 0, 0));
    f.apply(p).await.unwrap();
    let pet = f.state.outputs.lock().unwrap()["pet"]
        .as_str()
        .unwrap()
        .to_string();
    let content = std::fs::read_to_string(f.path("out/f0.txt")).unwrap();
    assert_eq!(content, format!("a-{pet},b-{pet}"));
    assert!(f.state.outputs.lock().unwrap()["password"].sensitive);

    // Nothing changed: nothing to do.
    let p = f.plan().await;
    assert!(actions(&p).is_empty(), "{:?}", actions(&p));
    assert!(!p.has_changes());

    // A changed variable updates exactly what depends on it.
    f.write("terraform.tfvars", "names = [\"a\", \"c\"]\n");
    let p = f.plan().await;
    assert_eq!(
        actions(&p),
        vec![
            "Replace local_file.f[0]",
            "Replace local_file.f[1]",
            "Delete terraform_data.t[\"b\"]",
            "Create terraform_data.t[\"c\"]",
        ]
    );
    f.apply(p).await.unwrap();
    let content = std::fs::read_to_string(f.path("out/f1.txt")).unwrap();
    assert_eq!(content, format!("a-{pet},c-{pet}"));

    // A file deleted by hand is recreated.
    std::fs::remove_file(f.path("out/f1.txt")).unwrap();
    let p = f.plan().await;
    assert_eq!(actions(&p), vec!["Create local_file.f[1]"]);
    assert_eq!(p.drift.len(), 1);
    f.apply(p).await.unwrap();
    assert!(f.path("out/f1.txt").exists());

    // Destroy removes everything, dependents first.
    let p = f
        .plan_with(PlanOptions {
            destroy: true,
            ..PlanOptions::default()
        })
        .await
        .unwrap();
    assert_eq!(p.counts(), (0, 0, 6));
    f.state.log.lock().unwrap().clear();
    f.apply(p).await.unwrap();
    assert!(f.state.instances.lock().unwrap().is_empty());
    assert!(!f.path("out/f0.txt").exists());
    let log = f.state.log.lock().unwrap().clone();
    let pos = |s: &str| {
        log.iter()
            .position(|x| x.contains(s))
            .unwrap_or_else(|| panic!("{s} not in {log:?}"))
    };
    assert!(pos("local_file.f[0]") < pos("terraform_data.t[\"a\"]"));
    assert!(pos("terraform_data.t[\"a\"]") < pos("random_pet.p"));
}

#[tokio::test]
async fn replacement_orders_and_prevent_destroy() {
    let cfg = |trigger: &str, cbd: bool| {
        format!(
            "resource \"terraform_data\" \"a\" {{\n  triggers_replace = \"{trigger}\"\n  lifecycle {{\n    create_before_destroy = {cbd}\n  }}\n}}\n"
        )
    };
    let f = Fixture::new(&[("main.tf", &cfg("1", false))]);
    let p = f.plan().await;
    f.apply(p).await.unwrap();

    f.write("main.tf", &cfg("2", false));
    let p = f.plan().await;
    assert_eq!(actions(&p), vec!["Replace terraform_data.a"]);
    assert!(!p.changes[0].create_before_destroy);
    f.state.log.lock().unwrap().clear();
    f.apply(p).await.unwrap();
    assert_eq!(
        *f.state.log.lock().unwrap(),
        vec!["Delete terraform_data.a", "Replace terraform_data.a"]
    );

    f.write("main.tf", &cfg("3", true));
    let p = f.plan().await;
    assert!(p.changes[0].create_before_destroy);
    f.state.log.lock().unwrap().clear();
    f.apply(p).await.unwrap();
    assert_eq!(
        *f.state.log.lock().unwrap(),
        vec!["Replace terraform_data.a", "Delete terraform_data.a"]
    );

    f.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  triggers_replace = \"4\"\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n",
    );
    let err = f.plan_with(PlanOptions::default()).await.unwrap_err();
    assert!(err.contains("Instance cannot be destroyed"), "{err}");
}

#[tokio::test]
async fn moved_and_import_blocks() {
    let f = Fixture::new(&[(
        "main.tf",
        "resource \"terraform_data\" \"old\" {\n  input = \"x\"\n}\n",
    )]);
    let p = f.plan().await;
    f.apply(p).await.unwrap();
    let id = f
        .state
        .instances
        .lock()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .value
        .get_attr("id")
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();

    f.write(
        "main.tf",
        "resource \"terraform_data\" \"new\" {\n  input = \"x\"\n}\nmoved {\n  from = terraform_data.old\n  to   = terraform_data.new\n}\n",
    );
    let p = f.plan().await;
    assert!(actions(&p).is_empty(), "{:?}", actions(&p));
    assert_eq!(
        p.changes[0].moved_from.as_ref().unwrap().to_string(),
        "terraform_data.old"
    );
    assert!(p.has_changes());
    f.apply(p).await.unwrap();
    let st = f.state.instances.lock().unwrap().clone();
    assert_eq!(
        st.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
        vec!["terraform_data.new"]
    );
    assert_eq!(
        st.values()
            .next()
            .unwrap()
            .value
            .get_attr("id")
            .unwrap()
            .as_str()
            .unwrap(),
        id
    );

    f.write(
        "main.tf",
        "resource \"terraform_data\" \"new\" {\n  input = \"x\"\n}\nresource \"random_uuid\" \"u\" {}\nimport {\n  to = random_uuid.u\n  id = \"6a8c3f1e-2b4d-4e5f-8a9b-0c1d2e3f4a5b\"\n}\n",
    );
    let p = f.plan().await;
    let imp = p
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "random_uuid.u")
        .unwrap();
    assert_eq!(
        imp.importing.as_deref(),
        Some("6a8c3f1e-2b4d-4e5f-8a9b-0c1d2e3f4a5b")
    );
    assert_eq!(imp.action, Action::NoOp);
    f.apply(p).await.unwrap();
    let st = f.state.instances.lock().unwrap().clone();
    let u = st
        .iter()
        .find(|(k, _)| k.to_string() == "random_uuid.u")
        .unwrap()
        .1;
    assert_eq!(
        u.value.get_attr("result").unwrap().as_str(),
        Some("6a8c3f1e-2b4d-4e5f-8a9b-0c1d2e3f4a5b")
    );
}

#[tokio::test]
async fn modules_with_count_and_outputs() {
    let f = Fixture::new(&[
        (
            "main.tf",
            "module \"m\" {\n  source = \"./mod\"\n  count  = 2\n  name   = \"n${count.index}\"\n}\noutput \"names\" {\n  value = module.m[*].name\n}\n",
        ),
        (
            "mod/main.tf",
            "variable \"name\" {\n  type = string\n}\nresource \"terraform_data\" \"d\" {\n  input = var.name\n}\noutput \"name\" {\n  value = terraform_data.d.output\n}\n",
        ),
    ]);
    let p = f.plan().await;
    assert_eq!(
        actions(&p),
        vec![
            "Create module.m[0].terraform_data.d",
            "Create module.m[1].terraform_data.d"
        ]
    );
    f.apply(p).await.unwrap();
    let names = f.state.outputs.lock().unwrap()["names"].clone();
    assert_eq!(
        cairn_value::display::console(&names),
        "[\n  \"n0\",\n  \"n1\",\n]"
    );
}

#[tokio::test]
async fn unknown_count_is_an_error_and_targets_limit_the_plan() {
    let f = Fixture::new(&[(
        "main.tf",
        "resource \"random_integer\" \"n\" {\n  min = 1\n  max = 3\n}\nresource \"terraform_data\" \"x\" {\n  count = random_integer.n.result\n}\nresource \"terraform_data\" \"y\" {}\n",
    )]);
    let err = f.plan_with(PlanOptions::default()).await.unwrap_err();
    assert!(err.contains("Invalid count argument"), "{err}");
    let t = cairn_engine::parse_instance("random_integer.n").unwrap();
    let p = f
        .plan_with(PlanOptions {
            targets: vec![t],
            ..PlanOptions::default()
        })
        .await
        .unwrap();
    assert_eq!(actions(&p), vec!["Create random_integer.n"]);
    let _ = Path::new(".");
}

#[tokio::test]
async fn deposed_objects_are_deleted() {
    let f = Fixture::new(&[(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n",
    )]);
    let p = f.plan().await;
    f.apply(p).await.unwrap();
    // As after a crash between the create and the delete of a
    // create_before_destroy replacement: an old object is left deposed.
    let mut prior = f.state.prior();
    let (addr, inst) = prior
        .instances
        .iter()
        .next()
        .map(|(a, i)| (a.clone(), i.clone()))
        .unwrap();
    prior.deposed.push((addr.clone(), inst));
    let tree = f.tree();
    let funcs = Arc::new(Funcs::standard());
    let ctx = Context::default();
    let out = plan(PlanInput {
        tree: &tree,
        root_vars: BTreeMap::new(),
        prior,
        registry: &f.registry,
        funcs,
        ctx,
        cwd: std::env::current_dir().unwrap(),
        options: PlanOptions {
            parallelism: 2,
            ..PlanOptions::default()
        },
    })
    .await;
    let p = out.plan.expect("plan");
    let del: Vec<_> = p
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .collect();
    assert_eq!(del.len(), 1);
    assert!(del[0].deposed);
    assert_eq!(del[0].addr, addr);
    // The current object is untouched.
    assert!(p
        .changes
        .iter()
        .any(|c| c.action == Action::NoOp && c.addr == addr));
}

#[tokio::test]
async fn creates_reuse_the_idempotency_key_of_a_create_left_pending() {
    let f = Fixture::new(&[(
        "main.tf",
        r#"
resource "terraform_data" "a" {
  input = "x"
}
resource "terraform_data" "b" {
  count = 2
  input = count.index
}
"#,
    )]);
    f.state
        .pending_in
        .lock()
        .unwrap()
        .insert("terraform_data.a".into(), "key-left-by-a-crash".into());
    let p = f.plan().await;
    f.apply(p).await.unwrap();
    let out = f.state.pending_out.lock().unwrap().clone();
    let keys: BTreeMap<String, String> = out.into_iter().collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_eq!(keys["terraform_data.a"], "key-left-by-a-crash");
    let b0 = &keys["terraform_data.b[0]"];
    let b1 = &keys["terraform_data.b[1]"];
    assert_ne!(b0, b1);
    assert!(
        b0.len() == 32 && b0.chars().all(|c| c.is_ascii_hexdigit()),
        "{b0}"
    );

    // Updates and no-ops send no key.
    f.write(
        "main.tf",
        r#"
resource "terraform_data" "a" {
  input = "y"
}
resource "terraform_data" "b" {
  count = 2
  input = count.index
}
"#,
    );
    f.state.pending_in.lock().unwrap().clear();
    f.state.pending_out.lock().unwrap().clear();
    let p = f.plan().await;
    f.apply(p).await.unwrap();
    assert!(f.state.pending_out.lock().unwrap().is_empty());
}
