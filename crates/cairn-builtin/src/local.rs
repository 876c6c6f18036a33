//! The `local` provider (hashicorp/local): `local_file` and
//! `local_sensitive_file`, as resources and as data sources.
//!
//! Relative filenames resolve against the process's working directory, as
//! in Terraform (configurations use `${path.module}` to anchor them).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use cairn_diagnostics::Diagnostic;
use cairn_provider::{
    get_str, mark_sensitive, ApplyRequest, Attribute, PlanRequest, PlanResponse, Provider,
    ProviderError, ProviderFactory, ProviderSchema, ResourceSchema, Schema,
};
use cairn_value::{Type, Value};
use md5::Md5;
use sha1::{Digest, Sha1};
use sha2::{Sha256, Sha512};

use crate::{
    apply_input, data_schema, deleted, import_unsupported, plan_with_defaults, resource_schema,
    unknown_at_apply,
};

const NAME: &str = "local";
const FILE: &str = "local_file";
const SENSITIVE_FILE: &str = "local_sensitive_file";

/// The computed checksum attributes every file resource and data source has.
const CHECKSUMS: [(&str, &str); 6] = [
    ("content_md5", "MD5 checksum of file content."),
    ("content_sha1", "SHA1 checksum of file content."),
    ("content_sha256", "SHA256 checksum of file content."),
    (
        "content_base64sha256",
        "Base64 encoded SHA256 checksum of file content.",
    ),
    ("content_sha512", "SHA512 checksum of file content."),
    (
        "content_base64sha512",
        "Base64 encoded SHA512 checksum of file content.",
    ),
];

fn with_checksums(mut s: Schema) -> Schema {
    for (k, d) in CHECKSUMS {
        s = s.attr(k, Attribute::computed(Type::String, d));
    }
    s.attr(
        "id",
        Attribute::computed(
            Type::String,
            "The hexadecimal encoding of the SHA1 checksum of the file content.",
        ),
    )
}

fn file_schema(sensitive: bool) -> Schema {
    let default_mode = if sensitive { "0700" } else { "0777" };
    let text = |d: &str| Attribute::optional(Type::String, d).force_new();
    let mut s = Schema::new(if sensitive {
        "Generates a local file with the given sensitive content."
    } else {
        "Generates a local file with the given content."
    })
    .attr(
        "filename",
        Attribute::required(
            Type::String,
            "The path to the file that will be created. Missing parent directories will be \
             created. If the file already exists, it will be overridden with the given content.",
        )
        .force_new(),
    )
    .attr(
        "source",
        text("Path to file to use as source for the one we are creating."),
    )
    .attr(
        "file_permission",
        Attribute::optional_computed(
            Type::String,
            &format!(
                "Permissions to set for the output file, in numeric notation. Default value is \
                 \"{default_mode}\"."
            ),
        )
        .force_new(),
    )
    .attr(
        "directory_permission",
        Attribute::optional_computed(
            Type::String,
            &format!(
                "Permissions to set for directories created, in numeric notation. Default value \
                 is \"{default_mode}\"."
            ),
        )
        .force_new(),
    );
    if sensitive {
        s = s
            .attr(
                "content",
                text("Sensitive content to store in the file, a UTF-8 string.").sensitive(),
            )
            .attr(
                "content_base64",
                text("Sensitive content to store in the file, binary encoded as base64.")
                    .sensitive(),
            );
    } else {
        s = s
            .attr(
                "content",
                text("Content to store in the file, a UTF-8 string."),
            )
            .attr(
                "sensitive_content",
                text(
                    "Sensitive content to store in the file (deprecated: use \
                     local_sensitive_file).",
                )
                .sensitive(),
            )
            .attr(
                "content_base64",
                text("Content to store in the file, binary encoded as base64."),
            );
    }
    with_checksums(s)
}

fn data_file_schema(sensitive: bool) -> Schema {
    let content = Attribute::computed(
        Type::String,
        "Raw content of the file as UTF-8; invalid sequences are replaced with U+FFFD.",
    );
    let b64 = Attribute::computed(Type::String, "Base64 encoded file content.");
    let (content, b64) = if sensitive {
        (content.sensitive(), b64.sensitive())
    } else {
        (content, b64)
    };
    with_checksums(
        Schema::new("Reads a file from the local filesystem.")
            .attr(
                "filename",
                Attribute::required(
                    Type::String,
                    "Path to the file that will be read; an error if it does not exist.",
                ),
            )
            .attr("content", content)
            .attr("content_base64", b64),
    )
}

fn schema() -> ProviderSchema {
    let mut ps = ProviderSchema {
        provider: Schema::new("The local provider; it takes no configuration."),
        ..ProviderSchema::default()
    };
    for (name, sensitive) in [(FILE, false), (SENSITIVE_FILE, true)] {
        ps.resources.insert(
            name.to_string(),
            ResourceSchema {
                version: 0,
                block: file_schema(sensitive),
            },
        );
        ps.data_sources.insert(
            name.to_string(),
            ResourceSchema {
                version: 0,
                block: data_file_schema(sensitive),
            },
        );
    }
    ps
}

/// The arguments that give a file's content; exactly one must be set.
fn content_args(type_name: &str) -> &'static [&'static str] {
    if type_name == SENSITIVE_FILE {
        &["content", "content_base64", "source"]
    } else {
        &["content", "sensitive_content", "content_base64", "source"]
    }
}

fn defaults(type_name: &str) -> Vec<(&'static str, Value)> {
    let mode = if type_name == SENSITIVE_FILE {
        "0700"
    } else {
        "0777"
    };
    vec![
        ("file_permission", Value::string(mode)),
        ("directory_permission", Value::string(mode)),
    ]
}

/// Makes the `local` provider.
pub struct LocalFactory {
    schema: Arc<ProviderSchema>,
}

impl LocalFactory {
    pub fn new() -> Self {
        LocalFactory {
            schema: Arc::new(schema()),
        }
    }
}

impl Default for LocalFactory {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl ProviderFactory for LocalFactory {
    fn name(&self) -> &str {
        NAME
    }
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }
    async fn configure(&self, _config: &Value) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(LocalProvider {
            schema: self.schema.clone(),
        }))
    }
}

struct LocalProvider {
    schema: Arc<ProviderSchema>,
}

/// A file mode in numeric notation: three or four octal digits.
fn parse_mode(s: &str) -> Option<u32> {
    if !(3..=4).contains(&s.len()) || !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(s, 8).ok()
}

fn validate_file(type_name: &str, config: &Value) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let args = content_args(type_name);
    let set: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| config.get_attr(a).is_some_and(|v| !v.is_null()))
        .collect();
    let list = args
        .iter()
        .map(|a| format!("{a:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if set.is_empty() {
        diags.push(Diagnostic::error(
            "Missing file content",
            format!("{type_name}: exactly one of {list} must be set; none is."),
        ));
    } else if set.len() > 1 {
        let given = set
            .iter()
            .map(|a| format!("{a:?}"))
            .collect::<Vec<_>>()
            .join(" and ");
        diags.push(Diagnostic::error(
            "Conflicting file content",
            format!("{type_name}: exactly one of {list} must be set; {given} are."),
        ));
    }
    for attr in ["file_permission", "directory_permission"] {
        if let Some(s) = crate::known(config, attr).and_then(Value::as_str) {
            if parse_mode(s).is_none() {
                diags.push(Diagnostic::error(
                    format!("Invalid value for {attr:?}"),
                    format!(
                        "{type_name}: {attr:?} must be a file mode in numeric notation, three or \
                         four octal digits such as \"0644\"; got {s:?}."
                    ),
                ));
            }
        }
    }
    if let Some(s) = crate::known(config, "content_base64").and_then(Value::as_str) {
        if base64::engine::general_purpose::STANDARD.decode(s).is_err() {
            diags.push(Diagnostic::error(
                "Invalid value for \"content_base64\"",
                format!("{type_name}: \"content_base64\" is not valid base64."),
            ));
        }
    }
    if crate::known(config, "filename")
        .and_then(Value::as_str)
        .is_some_and(str::is_empty)
    {
        diags.push(Diagnostic::error(
            "Invalid value for \"filename\"",
            format!("{type_name}: \"filename\" must not be empty."),
        ));
    }
    diags
}

fn io_error(type_name: &str, what: &str, path: &Path, e: &io::Error) -> ProviderError {
    ProviderError::new(
        format!("{type_name}: cannot {what} {}", path.display()),
        e.to_string(),
    )
}

/// The checksum attributes and `id` for some content.
fn checksums(bytes: &[u8]) -> Vec<(&'static str, String)> {
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let sha256 = Sha256::digest(bytes);
    let sha512 = Sha512::digest(bytes);
    let sha1 = hex::encode(Sha1::digest(bytes));
    vec![
        ("content_md5", hex::encode(Md5::digest(bytes))),
        ("content_sha1", sha1.clone()),
        ("content_sha256", hex::encode(sha256)),
        ("content_base64sha256", b64(&sha256)),
        ("content_sha512", hex::encode(sha512)),
        ("content_base64sha512", b64(&sha512)),
        ("id", sha1),
    ]
}

/// The bytes a file resource writes, from whichever content argument is set.
fn content_bytes(type_name: &str, inputs: &Value) -> Result<Vec<u8>, ProviderError> {
    for attr in ["content", "sensitive_content"] {
        if let Some(s) = get_str(inputs, attr) {
            return Ok(s.into_bytes());
        }
    }
    if let Some(s) = get_str(inputs, "content_base64") {
        return base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| {
                ProviderError::new(
                    format!("{type_name}: \"content_base64\" is not valid base64"),
                    e.to_string(),
                )
            });
    }
    if let Some(src) = get_str(inputs, "source") {
        let p = PathBuf::from(src);
        return std::fs::read(&p).map_err(|e| io_error(type_name, "read source file", &p, &e));
    }
    Err(ProviderError::new(
        format!("{type_name}: no content"),
        format!("Set exactly one of {}.", content_args(type_name).join(", ")),
    ))
}

/// Creates the missing ancestors of `dir` (outermost first) and returns
/// those it created, so only they get `directory_permission`.
fn create_dirs(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    let mut created = Vec::new();
    for d in missing.into_iter().rev() {
        match std::fs::create_dir(&d) {
            Ok(()) => created.push(d),
            // Another resource in the same apply made it first.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    // Numeric modes mean nothing here; the real provider ignores them too.
    Ok(())
}

/// Writes a file atomically: a temporary file in the same directory, with
/// its final mode, then renamed over the target. The modes are set exactly
/// (not reduced by the umask), and new directories get theirs only after
/// the file is in place, so a read-only directory mode still works.
fn write_file(
    type_name: &str,
    path: &Path,
    bytes: &[u8],
    file_mode: u32,
    dir_mode: u32,
) -> Result<(), ProviderError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let created = create_dirs(dir).map_err(|e| io_error(type_name, "create directory", dir, &e))?;
    let write = || -> io::Result<()> {
        // The temporary name is derived from the target, so a write cut
        // short by a crash leaves at most one stray file, which the next
        // write of the same file reuses and renames away.
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let tmp_path = dir.join(format!(".{name}.cairn-tmp"));
        let mut tmp = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp_path)?;
        tmp.write_all(bytes)?;
        set_mode(&tmp_path, file_mode)?;
        tmp.sync_all()?;
        drop(tmp);
        std::fs::rename(&tmp_path, path)?;
        Ok(())
    };
    write().map_err(|e| io_error(type_name, "write", path, &e))?;
    for d in created.iter().rev() {
        set_mode(d, dir_mode).map_err(|e| io_error(type_name, "set permissions of", d, &e))?;
    }
    Ok(())
}

fn mode_arg(type_name: &str, inputs: &Value, attr: &str) -> Result<u32, ProviderError> {
    let s = get_str(inputs, attr).unwrap_or_else(|| {
        if type_name == SENSITIVE_FILE {
            "0700".into()
        } else {
            "0777".into()
        }
    });
    parse_mode(&s).ok_or_else(|| {
        ProviderError::new(
            format!("{type_name}: invalid {attr:?}"),
            format!("{s:?} is not a file mode of three or four octal digits."),
        )
    })
}

/// The configured arguments as apply sees them: planned, or from the
/// configuration where the plan did not know them.
fn apply_inputs(
    schema: &Schema,
    type_name: &str,
    planned: &Value,
    config: &Value,
) -> Result<Value, ProviderError> {
    let mut out = planned.as_entries().cloned().unwrap_or_default();
    for (k, a) in &schema.attributes {
        if !(a.required || a.optional) {
            continue;
        }
        match apply_input(planned, config, k) {
            Some(v) => {
                out.insert(k.clone(), v.clone());
            }
            None if planned.get_attr(k).is_some_and(|v| !v.is_wholly_known()) => {
                return Err(unknown_at_apply(type_name, k));
            }
            None => {}
        }
    }
    Ok(crate::with_defaults(
        &Value::object(out),
        &defaults(type_name),
    ))
}

fn filename(type_name: &str, v: &Value) -> Result<PathBuf, ProviderError> {
    get_str(v, "filename").map(PathBuf::from).ok_or_else(|| {
        ProviderError::new(
            format!("{type_name}: no \"filename\""),
            "The state or plan has no filename.",
        )
    })
}

#[async_trait]
impl Provider for LocalProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_resource(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        match type_name {
            FILE | SENSITIVE_FILE => validate_file(type_name, config),
            _ => Vec::new(),
        }
    }

    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, &req.type_name)?;
        Ok(plan_with_defaults(schema, &req, &defaults(&req.type_name)))
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Value, ProviderError> {
        let t = req.type_name.as_str();
        let schema = resource_schema(NAME, &self.schema, t)?;
        let Some(planned) = req.planned.filter(|p| !p.is_null()) else {
            if let Some(prior) = req.prior.as_ref().filter(|p| !p.is_null()) {
                let path = filename(t, prior)?;
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    // Already gone: the goal of a delete.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_error(t, "delete", &path, &e)),
                }
            }
            return Ok(deleted(schema));
        };
        if req.prior.is_some() && planned.is_wholly_known() {
            // Every argument forces replacement: an update has nothing to do.
            return Ok(mark_sensitive(schema, &planned));
        }
        let inputs = apply_inputs(schema, t, &planned, &req.config)?;
        let path = filename(t, &inputs)?;
        let bytes = content_bytes(t, &inputs)?;
        let file_mode = mode_arg(t, &inputs, "file_permission")?;
        let dir_mode = mode_arg(t, &inputs, "directory_permission")?;
        write_file(t, &path, &bytes, file_mode, dir_mode)?;
        let mut m = inputs.as_entries().cloned().unwrap_or_default();
        for (k, v) in checksums(&bytes) {
            m.insert(k.to_string(), Value::string(v));
        }
        Ok(mark_sensitive(schema, &Value::object(m)))
    }

    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        let schema = resource_schema(NAME, &self.schema, type_name)?;
        let path = filename(type_name, state)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            // Gone: the engine plans to create it again.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(type_name, "read", &path, &e)),
        };
        let sha1 = hex::encode(Sha1::digest(&bytes));
        if get_str(state, "id").is_some_and(|id| id != sha1) {
            // Changed outside cairn: like the real provider, report it gone
            // so the next apply writes the configured content again.
            return Ok(None);
        }
        Ok(Some(mark_sensitive(schema, state)))
    }

    async fn import(&self, type_name: &str, _id: &str) -> Result<Value, ProviderError> {
        resource_schema(NAME, &self.schema, type_name)?;
        Err(import_unsupported(type_name))
    }

    fn reads_offline(&self, _type_name: &str) -> bool {
        // Local files are not infrastructure.
        true
    }

    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        let schema = data_schema(NAME, &self.schema, type_name)?;
        let path = filename(type_name, config)?;
        let bytes = std::fs::read(&path).map_err(|e| io_error(type_name, "read", &path, &e))?;
        let mut m: BTreeMap<String, Value> = config.as_entries().cloned().unwrap_or_default();
        m.insert(
            "content".into(),
            Value::string(String::from_utf8_lossy(&bytes).into_owned()),
        );
        m.insert(
            "content_base64".into(),
            Value::string(base64::engine::general_purpose::STANDARD.encode(&bytes)),
        );
        for (k, v) in checksums(&bytes) {
            m.insert(k.to_string(), Value::string(v));
        }
        Ok(mark_sensitive(schema, &Value::object(m)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_as_octal() {
        assert_eq!(parse_mode("0644"), Some(0o644));
        assert_eq!(parse_mode("755"), Some(0o755));
        assert_eq!(parse_mode("0888"), None);
        assert_eq!(parse_mode("64"), None);
        assert_eq!(parse_mode("00644"), None);
        assert_eq!(parse_mode("rw-"), None);
    }
}
