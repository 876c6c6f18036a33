//! The local provider: local_file and local_sensitive_file.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use base64::Engine as _;
use cairn_value::{Type, Value};
use common::*;

const HELLO_SHA1: &str = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d";
const HELLO_SHA256: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
const HELLO_MD5: &str = "5d41402abc4b2a76b9719d911017c592";

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn path_str(p: &Path) -> Value {
    Value::string(p.to_str().unwrap())
}

#[tokio::test]
async fn schema_flags_match_the_real_provider() {
    let p = provider("local").await;
    for t in ["local_file", "local_sensitive_file"] {
        let sch = schema(&*p, t);
        for (name, a) in &sch.attributes {
            if a.required || a.optional {
                assert!(a.force_new, "{t}.{name} must force replacement");
            }
        }
        assert!(sch.attributes["filename"].required);
        for c in [
            "id",
            "content_md5",
            "content_sha1",
            "content_sha256",
            "content_base64sha256",
            "content_sha512",
            "content_base64sha512",
        ] {
            let a = &sch.attributes[c];
            assert!(a.computed && !a.optional && !a.sensitive, "{t}.{c}");
        }
        let fp = &sch.attributes["file_permission"];
        assert!(fp.optional && fp.computed && !fp.required);
    }
    assert!(!attr(&*p, "local_file", "content").sensitive);
    assert!(attr(&*p, "local_file", "sensitive_content").sensitive);
    assert!(attr(&*p, "local_sensitive_file", "content").sensitive);
    assert!(attr(&*p, "local_sensitive_file", "content_base64").sensitive);
    assert!(!schema(&*p, "local_sensitive_file")
        .attributes
        .contains_key("sensitive_content"));
    let ds = &p.schema().data_sources;
    assert!(ds["local_sensitive_file"].block.attributes["content"].sensitive);
    assert!(!ds["local_file"].block.attributes["content"].sensitive);
    assert!(ds["local_file"].block.attributes["filename"].required);
}

#[tokio::test]
async fn local_file_writes_content_with_permissions_and_checksums() {
    let p = provider("local").await;
    let t = "local_file";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a/b/hello.txt");
    let cfg = config(
        &*p,
        t,
        &[
            ("filename", path_str(&file)),
            ("content", Value::string("hello")),
            ("file_permission", Value::string("0640")),
            ("directory_permission", Value::string("0750")),
        ],
    );
    let resp = plan(&*p, t, None, &cfg).await;
    assert!(resp.planned.get_attr("id").unwrap().is_unknown());
    assert!(resp
        .planned
        .get_attr("content_sha256")
        .unwrap()
        .is_unknown());

    let st = create(&*p, t, &cfg).await;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "hello");
    assert_eq!(mode(&file), 0o640);
    assert_eq!(mode(&dir.path().join("a")), 0o750);
    assert_eq!(mode(&dir.path().join("a/b")), 0o750);
    assert_eq!(s(&st, "id"), HELLO_SHA1);
    assert_eq!(s(&st, "content_sha1"), HELLO_SHA1);
    assert_eq!(s(&st, "content_sha256"), HELLO_SHA256);
    assert_eq!(s(&st, "content_md5"), HELLO_MD5);
    assert_eq!(
        s(&st, "content_base64sha256"),
        base64::engine::general_purpose::STANDARD.encode(hex::decode(HELLO_SHA256).unwrap())
    );
    assert_eq!(s(&st, "content_sha512").len(), 128);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("a/b"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    assert_no_change(&*p, t, &st, &cfg).await;
    let r = p.read(t, &st).await.unwrap().unwrap();
    assert!(r.raw_equal(&st));
}

#[tokio::test]
async fn local_file_defaults_and_other_content_sources() {
    let p = provider("local").await;
    let t = "local_file";
    let dir = tempfile::tempdir().unwrap();

    let f1 = dir.path().join("b64.bin");
    let cfg = config(
        &*p,
        t,
        &[
            ("filename", path_str(&f1)),
            ("content_base64", Value::string("aGVsbG8=")),
        ],
    );
    let st = create(&*p, t, &cfg).await;
    assert_eq!(std::fs::read(&f1).unwrap(), b"hello");
    assert_eq!(s(&st, "id"), HELLO_SHA1);
    assert_eq!(s(&st, "file_permission"), "0777");
    assert_eq!(s(&st, "directory_permission"), "0777");
    assert_eq!(mode(&f1), 0o777);

    let f2 = dir.path().join("copy.txt");
    let cfg = config(
        &*p,
        t,
        &[("filename", path_str(&f2)), ("source", path_str(&f1))],
    );
    let st = create(&*p, t, &cfg).await;
    assert_eq!(std::fs::read(&f2).unwrap(), b"hello");
    assert_eq!(s(&st, "content_sha256"), HELLO_SHA256);

    let f3 = dir.path().join("secret.txt");
    let cfg = config(
        &*p,
        t,
        &[
            ("filename", path_str(&f3)),
            ("sensitive_content", Value::string("hello")),
        ],
    );
    let st = create(&*p, t, &cfg).await;
    assert!(st.get_attr("sensitive_content").unwrap().sensitive);
    assert_eq!(s(&st, "id"), HELLO_SHA1);

    // A missing source is an apply error naming the file.
    let cfg = config(
        &*p,
        t,
        &[
            ("filename", path_str(&dir.path().join("x"))),
            ("source", path_str(&dir.path().join("nope"))),
        ],
    );
    let e = try_create(&*p, t, &cfg).await.unwrap_err();
    assert!(e.summary.contains("nope"), "{e}");
}

#[tokio::test]
async fn local_file_relative_filename_is_relative_to_the_working_directory() {
    let p = provider("local").await;
    let t = "local_file";
    let dir = tempfile::tempdir_in(".").unwrap();
    let name = dir
        .path()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let rel = format!("{name}/out/rel.txt");
    let cfg = config(
        &*p,
        t,
        &[
            ("filename", Value::string(rel.as_str())),
            ("content", Value::string("hello")),
        ],
    );
    create(&*p, t, &cfg).await;
    let abs = std::env::current_dir().unwrap().join(&rel);
    assert_eq!(std::fs::read_to_string(abs).unwrap(), "hello");
}

#[tokio::test]
async fn refresh_detects_deleted_and_modified_files_and_delete_removes() {
    let p = provider("local").await;
    let t = "local_file";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.txt");
    let cfg = config(
        &*p,
        t,
        &[
            ("filename", path_str(&file)),
            ("content", Value::string("hello")),
        ],
    );
    let st = create(&*p, t, &cfg).await;
    assert!(p.read(t, &st).await.unwrap().is_some());

    std::fs::write(&file, "changed").unwrap();
    assert!(p.read(t, &st).await.unwrap().is_none(), "modified file");

    std::fs::remove_file(&file).unwrap();
    assert!(p.read(t, &st).await.unwrap().is_none(), "deleted file");

    let st = create(&*p, t, &cfg).await;
    assert!(file.exists());
    assert!(destroy(&*p, t, &st).await.is_null());
    assert!(!file.exists());
    // Deleting again (the file already gone) is not an error.
    assert!(destroy(&*p, t, &st).await.is_null());
}

#[tokio::test]
async fn argument_changes_replace_the_file() {
    let p = provider("local").await;
    let t = "local_file";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.txt");
    let cfg = config(
        &*p,
        t,
        &[
            ("filename", path_str(&file)),
            ("content", Value::string("hello")),
        ],
    );
    let st = create(&*p, t, &cfg).await;
    let cfg2 = config(
        &*p,
        t,
        &[
            ("filename", path_str(&file)),
            ("content", Value::string("bye")),
        ],
    );
    let resp = plan(&*p, t, Some(&st), &cfg2).await;
    assert!(replaces(&resp, "content"));
    assert!(resp.planned.get_attr("id").unwrap().is_unknown());
    let cfg3 = config(
        &*p,
        t,
        &[
            ("filename", path_str(&file)),
            ("content", Value::string("hello")),
            ("file_permission", Value::string("0600")),
        ],
    );
    let resp = plan(&*p, t, Some(&st), &cfg3).await;
    assert!(replaces(&resp, "file_permission"));
    // Unknown content on create: everything computed stays unknown.
    let cfg4 = config(
        &*p,
        t,
        &[
            ("filename", path_str(&file)),
            ("content", Value::unknown(Type::String)),
        ],
    );
    let resp = plan(&*p, t, None, &cfg4).await;
    assert!(resp.planned.get_attr("content_md5").unwrap().is_unknown());
    assert_eq!(s(&resp.planned, "file_permission"), "0777");
}

#[tokio::test]
async fn local_sensitive_file_defaults_to_0700_and_marks_content() {
    let p = provider("local").await;
    let t = "local_sensitive_file";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new/creds.env");
    let cfg = config(
        &*p,
        t,
        &[
            ("filename", path_str(&file)),
            ("content", Value::string("hello")),
        ],
    );
    let resp = plan(&*p, t, None, &cfg).await;
    assert!(resp.planned.get_attr("content").unwrap().sensitive);
    let st = create(&*p, t, &cfg).await;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "hello");
    assert_eq!(mode(&file), 0o700);
    assert_eq!(mode(&dir.path().join("new")), 0o700);
    assert!(st.get_attr("content").unwrap().sensitive);
    assert_eq!(s(&st, "id"), HELLO_SHA1);
    assert_no_change(&*p, t, &st, &cfg).await;
}

#[tokio::test]
async fn validation_requires_exactly_one_content_source_and_valid_modes() {
    let p = provider("local").await;
    for t in ["local_file", "local_sensitive_file"] {
        let none = config(&*p, t, &[("filename", Value::string("x"))]);
        let d = p.validate_resource(t, &none);
        assert!(error_mentions(&d, "content"), "{t}: {d:?}");

        let two = config(
            &*p,
            t,
            &[
                ("filename", Value::string("x")),
                ("content", Value::string("a")),
                ("source", Value::string("b")),
            ],
        );
        let d = p.validate_resource(t, &two);
        assert!(
            error_mentions(&d, "content") && error_mentions(&d, "source"),
            "{t}: {d:?}"
        );

        let bad_mode = config(
            &*p,
            t,
            &[
                ("filename", Value::string("x")),
                ("content", Value::string("a")),
                ("file_permission", Value::string("0999")),
            ],
        );
        assert!(error_mentions(
            &p.validate_resource(t, &bad_mode),
            "file_permission"
        ));

        let bad_b64 = config(
            &*p,
            t,
            &[
                ("filename", Value::string("x")),
                ("content_base64", Value::string("###")),
            ],
        );
        assert!(error_mentions(
            &p.validate_resource(t, &bad_b64),
            "content_base64"
        ));

        // An unknown content still counts as set.
        let unknown = config(
            &*p,
            t,
            &[
                ("filename", Value::string("x")),
                ("content", Value::unknown(Type::String)),
            ],
        );
        assert!(p.validate_resource(t, &unknown).is_empty(), "{t}");
    }
    let d = p.validate_resource(
        "local_file",
        &config(
            &*p,
            "local_file",
            &[
                ("filename", Value::string("x")),
                ("content", Value::string("a")),
                ("sensitive_content", Value::string("b")),
            ],
        ),
    );
    assert!(error_mentions(&d, "sensitive_content"), "{d:?}");
}

#[tokio::test]
async fn import_is_refused_by_name() {
    let p = provider("local").await;
    for t in ["local_file", "local_sensitive_file"] {
        let e = p.import(t, "/tmp/x").await.unwrap_err();
        assert!(e.summary.contains(t) && e.summary.contains("import"), "{e}");
    }
}

#[tokio::test]
async fn data_sources_read_content_and_checksums() {
    let p = provider("local").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hello.txt");
    std::fs::write(&file, "hello").unwrap();
    for t in ["local_file", "local_sensitive_file"] {
        let cfg = data_config(&*p, t, &[("filename", path_str(&file))]);
        let v = p.read_data(t, &cfg).await.unwrap();
        assert_eq!(s(&v, "content"), "hello");
        assert_eq!(s(&v, "content_base64"), "aGVsbG8=");
        assert_eq!(s(&v, "id"), HELLO_SHA1);
        assert_eq!(s(&v, "content_sha1"), HELLO_SHA1);
        assert_eq!(s(&v, "content_sha256"), HELLO_SHA256);
        assert_eq!(s(&v, "content_md5"), HELLO_MD5);
        assert_eq!(
            v.get_attr("content").unwrap().sensitive,
            t == "local_sensitive_file"
        );
    }
    // Invalid UTF-8 is replaced in `content`, exact in `content_base64`.
    let bin = dir.path().join("bin");
    std::fs::write(&bin, [0xff, b'a']).unwrap();
    let cfg = data_config(&*p, "local_file", &[("filename", path_str(&bin))]);
    let v = p.read_data("local_file", &cfg).await.unwrap();
    assert_eq!(s(&v, "content"), "\u{fffd}a");
    assert_eq!(s(&v, "content_base64"), "/2E=");

    let missing = data_config(
        &*p,
        "local_file",
        &[("filename", path_str(&dir.path().join("nope")))],
    );
    let e = p.read_data("local_file", &missing).await.unwrap_err();
    assert!(e.summary.contains("nope"), "{e}");
}
