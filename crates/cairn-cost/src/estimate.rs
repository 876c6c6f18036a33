//! Monthly estimates of single resource instances from their (planned)
//! values, priced from the catalog.
//!
//! An estimate never guesses a value the plan does not know: a size or
//! type known only after apply leaves that part unpriced, with a note, and
//! the estimate's status says it is partial.

use serde::{Deserialize, Serialize, Serializer};

use cairn_value::Value;

use crate::catalog::{Catalog, PriceStatus};
use crate::usage::{keys_for, Usage, UsageEntry};

/// Hours in a month, as AWS's calculator counts them (8,760 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One resource instance to price.
#[derive(Clone, Debug)]
pub struct CostItem<'a> {
    /// The instance address: `module.net.aws_nat_gateway.a["x"]`.
    pub address: String,
    /// `aws_nat_gateway`.
    pub type_name: String,
    /// The region of the instance's provider configuration; `None` when
    /// it is not known.
    pub region: Option<String>,
    /// Its values (planned, or from state for the prior side).
    pub values: &'a Value,
}

impl<'a> CostItem<'a> {
    pub fn new(
        address: impl Into<String>,
        type_name: impl Into<String>,
        region: Option<&str>,
        values: &'a Value,
    ) -> Self {
        CostItem {
            address: address.into(),
            type_name: type_name.into(),
            region: region.map(str::to_string),
            values,
        }
    }
}

/// One priced component of a resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    /// `Instance usage (Linux/UNIX, on-demand, t3.micro)`.
    pub name: String,
    /// In `unit`s, per month.
    pub quantity: f64,
    /// The catalog's unit (`hour`, `GB-month`, `1M requests`...).
    pub unit: String,
    /// USD per unit, as in the catalog (for tiered prices, the first tier
    /// used).
    pub unit_price: f64,
    /// USD per month.
    #[serde(serialize_with = "money")]
    pub monthly: f64,
    /// True when a price used is marked unconfirmed in the catalog.
    pub unconfirmed: bool,
}

/// What kind of remark a note makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// A value the price depends on is known only after apply.
    UnknownValue,
    /// The type, size, class or option is not in the catalog.
    NotInCatalog,
    /// The region is unknown or not in the catalog.
    Region,
    /// A usage-based charge left out: the usage file does not give it.
    MissingUsage,
    /// A usage figure the resource type does not use, or an entry that
    /// matches no resource.
    UnusedUsage,
    /// An assumption the estimate rests on.
    Assumption,
}

/// A remark on an estimate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub kind: NoteKind,
    pub message: String,
}

/// How complete an estimate is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Everything the catalog covers was priced (usage-based charges
    /// without usage figures are left out, with a note).
    Priced,
    /// Some components could not be priced; `monthly` is a lower bound.
    Partial,
    /// The type has no charge.
    Free,
    /// Nothing could be priced: the values that decide the price are known
    /// only after apply.
    Unknown,
    /// The type, its size or options, or its region are not in the
    /// catalog.
    NotInCatalog,
}

impl Status {
    /// True when the estimate's figure is the whole cost (as far as the
    /// catalog and usage go).
    pub fn is_complete(self) -> bool {
        matches!(self, Status::Priced | Status::Free)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Priced => "priced",
            Status::Partial => "partial",
            Status::Free => "free",
            Status::Unknown => "unknown",
            Status::NotInCatalog => "not in catalog",
        }
    }
}

/// The monthly estimate of one resource instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub address: String,
    pub type_name: String,
    pub region: Option<String>,
    pub status: Status,
    pub components: Vec<LineItem>,
    /// USD per month: the sum of the components.
    #[serde(serialize_with = "money")]
    pub monthly: f64,
    pub notes: Vec<Note>,
}

/// Money in JSON: rounded to the cent, as it is shown.
pub(crate) fn money<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round_cents(*v))
}

/// Rounds USD to the cent (half away from zero).
pub fn round_cents(v: f64) -> f64 {
    let c = (v * 100.0).round() / 100.0;
    // Avoid printing -0.00.
    if c == 0.0 {
        0.0
    } else {
        c
    }
}

/// A value as the estimate sees it.
enum Field<T> {
    /// Null or not there.
    Absent,
    /// Known only after apply.
    Unknown,
    Known(T),
}

fn field<'v>(v: &'v Value, name: &str) -> Field<&'v Value> {
    match v.get_attr(name) {
        None => Field::Absent,
        Some(x) if x.is_null() => Field::Absent,
        Some(x) if x.is_unknown() => Field::Unknown,
        Some(x) => Field::Known(x),
    }
}

fn str_field<'v>(v: &'v Value, name: &str) -> Field<&'v str> {
    match field(v, name) {
        Field::Known(x) => match x.as_str() {
            Some("") => Field::Absent,
            Some(s) => Field::Known(s),
            None => Field::Absent,
        },
        Field::Unknown => Field::Unknown,
        Field::Absent => Field::Absent,
    }
}

fn num_field(v: &Value, name: &str) -> Field<f64> {
    match field(v, name) {
        Field::Known(x) => match x.as_number() {
            Some(n) => Field::Known(n.to_f64()),
            None => Field::Absent,
        },
        Field::Unknown => Field::Unknown,
        Field::Absent => Field::Absent,
    }
}

fn bool_field(v: &Value, name: &str) -> Field<bool> {
    match field(v, name) {
        Field::Known(x) => match x.as_bool() {
            Some(b) => Field::Known(b),
            None => Field::Absent,
        },
        Field::Unknown => Field::Unknown,
        Field::Absent => Field::Absent,
    }
}

/// Nested blocks (a list or set of objects); a block list with an unknown
/// element counts as unknown.
fn blocks_field<'v>(v: &'v Value, name: &str) -> Field<&'v [Value]> {
    match field(v, name) {
        Field::Known(x) => match x.as_seq() {
            Some(items) if items.iter().any(Value::is_unknown) => Field::Unknown,
            Some(items) => Field::Known(items),
            None => Field::Absent,
        },
        Field::Unknown => Field::Unknown,
        Field::Absent => Field::Absent,
    }
}

/// `1,234.5` style numbers for quantities in names and notes.
fn qty(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        group(&format!("{}", v as i64))
    } else {
        let s = format!("{v}");
        match s.split_once('.') {
            Some((i, f)) => format!("{}.{f}", group(i)),
            None => s,
        }
    }
}

/// Thousands separators for a decimal integer.
pub(crate) fn group(int: &str) -> String {
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", int),
    };
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}")
}

/// The estimate under construction.
struct Ctx<'a> {
    catalog: &'a Catalog,
    region: &'a str,
    usage: Option<&'a UsageEntry>,
    components: Vec<LineItem>,
    notes: Vec<Note>,
    missing_unknown: bool,
    missing_catalog: bool,
    missing_usage: Vec<&'static str>,
    free: bool,
}

impl<'a> Ctx<'a> {
    fn note(&mut self, kind: NoteKind, message: impl Into<String>) {
        self.notes.push(Note {
            kind,
            message: message.into(),
        });
    }

    fn unknown(&mut self, message: impl Into<String>) {
        self.missing_unknown = true;
        self.note(NoteKind::UnknownValue, message);
    }

    fn not_in_catalog(&mut self, message: impl Into<String>) {
        self.missing_catalog = true;
        self.note(NoteKind::NotInCatalog, message);
    }

    /// A usage figure, or `None` (remembered for the missing-usage note).
    fn usage(&mut self, key: &'static str) -> Option<f64> {
        let v = self.usage.and_then(|u| match key {
            "storage_gb" => u.storage_gb,
            "monthly_data_processed_gb" => u.monthly_data_processed_gb,
            "monthly_ingestion_gb" => u.monthly_ingestion_gb,
            "monthly_write_request_units" => u.monthly_write_request_units,
            "monthly_read_request_units" => u.monthly_read_request_units,
            "monthly_requests" => u.monthly_requests,
            "monthly_put_requests" => u.monthly_put_requests,
            "monthly_get_requests" => u.monthly_get_requests,
            "monthly_http_notifications" => u.monthly_http_notifications,
            "monthly_email_notifications" => u.monthly_email_notifications,
            "monthly_io_requests" => u.monthly_io_requests,
            _ => None,
        });
        if v.is_none() {
            self.missing_usage.push(key);
        }
        v
    }

    /// Prices `quantity` units of a flat-priced dimension; false (with a
    /// note) when the catalog lacks it.
    fn flat(&mut self, name: String, product: &str, key: &str, quantity: f64) -> bool {
        match self.catalog.price(self.region, product, key) {
            Some(p) => {
                self.components.push(LineItem {
                    name,
                    quantity,
                    unit: p.unit.clone(),
                    unit_price: p.usd,
                    monthly: quantity * p.usd,
                    unconfirmed: p.status == PriceStatus::Unconfirmed,
                });
                true
            }
            None => {
                self.not_in_catalog(format!(
                    "{product} {key} has no price in the catalog for {}",
                    self.region
                ));
                false
            }
        }
    }

    /// Hourly dimension running all month.
    fn hourly(&mut self, name: String, product: &str, key: &str, count: f64) -> bool {
        self.flat(name, product, key, count * HOURS_PER_MONTH)
    }

    /// Prices `quantity` units across the tiers of a dimension.
    fn tiered(&mut self, name: String, product: &str, key: &str, quantity: f64) -> bool {
        let tiers = self.catalog.tiers(self.region, product, key);
        let Some(first) = tiers.first() else {
            self.not_in_catalog(format!(
                "{product} {key} has no price in the catalog for {}",
                self.region
            ));
            return false;
        };
        let mut monthly = 0.0;
        let mut done = 0.0;
        let mut unconfirmed = false;
        for t in tiers {
            if done >= quantity {
                break;
            }
            let top = t.upto.map_or(quantity, |u| u.min(quantity));
            if top > done {
                monthly += (top - done) * t.usd;
                unconfirmed |= t.status == PriceStatus::Unconfirmed;
                done = top;
            }
        }
        if done < quantity {
            // The last tier has an upper end: the catalog does not cover
            // volumes beyond it.
            self.not_in_catalog(format!(
                "{product} {key}: the catalog's tiers end at {} {}",
                qty(done),
                first.unit
            ));
        }
        self.components.push(LineItem {
            name,
            quantity,
            unit: first.unit.clone(),
            unit_price: first.usd,
            monthly,
            unconfirmed: unconfirmed || first.status == PriceStatus::Unconfirmed,
        });
        true
    }

    fn price_of(&self, product: &str, key: &str) -> Option<f64> {
        self.catalog.price(self.region, product, key).map(|p| p.usd)
    }
}

/// The resource types with a pricing rule here (free types come from the
/// catalog).
pub const PRICED_TYPES: &[&str] = &[
    "aws_instance",
    "aws_ebs_volume",
    "aws_nat_gateway",
    "aws_eip",
    "aws_dynamodb_table",
    "aws_kms_key",
    "aws_cloudwatch_log_group",
    "aws_s3_bucket",
    "aws_secretsmanager_secret",
    "aws_cloudwatch_metric_alarm",
    "aws_sns_topic",
    "aws_ssm_parameter",
];

/// Estimates one resource instance's monthly cost.
pub fn estimate(item: &CostItem<'_>, catalog: &Catalog, usage: &Usage) -> Estimate {
    let mut est = Estimate {
        address: item.address.clone(),
        type_name: item.type_name.clone(),
        region: item.region.clone(),
        status: Status::Priced,
        components: Vec::new(),
        monthly: 0.0,
        notes: Vec::new(),
    };
    let note = |kind, message: String| Note { kind, message };

    if catalog.free_type(&item.type_name).is_some() {
        est.status = Status::Free;
        return est;
    }
    if !PRICED_TYPES.contains(&item.type_name.as_str()) {
        est.status = Status::NotInCatalog;
        est.notes.push(note(
            NoteKind::NotInCatalog,
            format!("{} is not in the catalog", item.type_name),
        ));
        return est;
    }
    let entry = usage.for_instance(&item.address);
    if let Some(e) = entry {
        let wanted = keys_for(&item.type_name);
        for k in e.keys() {
            if !wanted.contains(&k) {
                est.notes.push(note(
                    NoteKind::UnusedUsage,
                    format!("usage key {k} is not used for {}", item.type_name),
                ));
            }
        }
    }
    let region = match item.region.as_deref() {
        None => {
            est.status = Status::NotInCatalog;
            est.notes.push(note(
                NoteKind::Region,
                "region unknown (known after apply, or not configured): not priced".into(),
            ));
            return est;
        }
        Some(r) if !catalog.has_region(r) => {
            est.status = Status::NotInCatalog;
            est.notes.push(note(
                NoteKind::Region,
                format!(
                    "region {r} is not in the catalog (it holds {}): not priced",
                    catalog.regions().join(", ")
                ),
            ));
            return est;
        }
        Some(r) => r,
    };
    if item.values.is_unknown() {
        est.status = Status::Unknown;
        est.notes.push(note(
            NoteKind::UnknownValue,
            "all values known after apply".into(),
        ));
        return est;
    }

    let mut ctx = Ctx {
        catalog,
        region,
        usage: entry,
        components: Vec::new(),
        notes: std::mem::take(&mut est.notes),
        missing_unknown: false,
        missing_catalog: false,
        missing_usage: Vec::new(),
        free: false,
    };
    let v = item.values;
    match item.type_name.as_str() {
        "aws_instance" => instance(&mut ctx, v),
        "aws_ebs_volume" => volume(&mut ctx, None, v, "size", "type", true),
        "aws_nat_gateway" => nat_gateway(&mut ctx),
        "aws_eip" => eip(&mut ctx, v),
        "aws_dynamodb_table" => dynamodb(&mut ctx, v),
        "aws_kms_key" => kms_key(&mut ctx, v),
        "aws_cloudwatch_log_group" => log_group(&mut ctx, v),
        "aws_s3_bucket" => s3_bucket(&mut ctx),
        "aws_secretsmanager_secret" => secret(&mut ctx, v),
        "aws_cloudwatch_metric_alarm" => alarm(&mut ctx, v),
        "aws_sns_topic" => sns_topic(&mut ctx, v),
        "aws_ssm_parameter" => ssm_parameter(&mut ctx, v),
        _ => {}
    }

    if !ctx.missing_usage.is_empty() {
        let keys = ctx.missing_usage.join(", ");
        let msg = match &usage.file {
            Some(f) => format!("usage-based charges left out: {keys} not given in {f}"),
            None => format!("usage-based charges left out: no usage file gives {keys}"),
        };
        ctx.note(NoteKind::MissingUsage, msg);
    }
    est.monthly = ctx.components.iter().map(|c| c.monthly).sum();
    est.status = if ctx.free && ctx.components.is_empty() {
        Status::Free
    } else if !ctx.missing_unknown && !ctx.missing_catalog {
        Status::Priced
    } else if !ctx.components.is_empty() {
        Status::Partial
    } else if ctx.missing_catalog {
        // Even known values could not be priced: the sharper reason.
        Status::NotInCatalog
    } else {
        Status::Unknown
    };
    est.components = ctx.components;
    est.notes = ctx.notes;
    est
}

fn instance(ctx: &mut Ctx<'_>, v: &Value) {
    // Dedicated hosts and instances have their own prices; the catalog
    // holds shared tenancy only. An unset tenancy is the shared default.
    let dedicated = match str_field(v, "tenancy") {
        Field::Known(t @ ("dedicated" | "host")) => Some(t),
        _ => None,
    };
    match (str_field(v, "instance_type"), dedicated) {
        (_, Some(t)) => ctx.not_in_catalog(format!(
            "tenancy {t} is not in the catalog (it holds shared tenancy only)"
        )),
        (Field::Known(t), None) => {
            if ctx.catalog.price(ctx.region, "ec2", t).is_some() {
                ctx.hourly(
                    format!("Instance usage (Linux/UNIX, on-demand, {t})"),
                    "ec2",
                    t,
                    1.0,
                );
            } else {
                ctx.not_in_catalog(format!(
                    "instance type {t} is not in the catalog for {}",
                    ctx.region
                ));
            }
        }
        (Field::Unknown, None) => ctx.unknown("instance_type known after apply"),
        (Field::Absent, None) => {
            ctx.unknown("instance_type not set (the launch template or AWS decides)")
        }
    }

    match blocks_field(v, "root_block_device") {
        Field::Known([root, ..]) => volume(
            ctx,
            Some("Root volume".into()),
            root,
            "volume_size",
            "volume_type",
            false,
        ),
        Field::Unknown => ctx.unknown("root_block_device known after apply"),
        _ => ctx.unknown(
            "root volume not priced: its size and type come from the AMI (set root_block_device to price it)",
        ),
    }
    match blocks_field(v, "ebs_block_device") {
        Field::Known(blocks) => {
            for b in blocks {
                let label = match str_field(b, "device_name") {
                    Field::Known(d) => format!("EBS volume {d}"),
                    _ => "EBS volume".into(),
                };
                volume(ctx, Some(label), b, "volume_size", "volume_type", false);
            }
        }
        Field::Unknown => ctx.unknown("ebs_block_device known after apply"),
        Field::Absent => {}
    }

    match bool_field(v, "associate_public_ip_address") {
        Field::Known(true) => {
            ctx.hourly("Public IPv4 address".into(), "vpc", "public_ipv4_hour", 1.0);
        }
        Field::Known(false) | Field::Absent => {}
        Field::Unknown => {
            let per_month = ctx
                .price_of("vpc", "public_ipv4_hour")
                .map(|p| format!(" (${:.2}/month)", p * HOURS_PER_MONTH))
                .unwrap_or_default();
            ctx.unknown(format!(
                "associate_public_ip_address known after apply (the subnet decides): a public IPv4 address{per_month} is not included"
            ));
        }
    }
}

/// An EBS volume: a standalone `aws_ebs_volume` (`label` `None`) or a
/// block of an instance.
fn volume(
    ctx: &mut Ctx<'_>,
    label: Option<String>,
    v: &Value,
    size_key: &str,
    type_key: &str,
    // Only a standalone volume has a usage entry of its own.
    standalone: bool,
) {
    let what = label.clone().unwrap_or_else(|| "volume".into());
    let name = |part: &str| match &label {
        Some(l) => format!("{l} {part}"),
        None => {
            let mut c = part.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        }
    };
    let size = match num_field(v, size_key) {
        Field::Known(s) => s,
        Field::Unknown => {
            return ctx.unknown(format!("{what}: {size_key} known after apply"));
        }
        Field::Absent => {
            return ctx.unknown(format!(
                "{what}: {size_key} not set (the snapshot or AMI decides)"
            ));
        }
    };
    let vtype = match str_field(v, type_key) {
        Field::Known(t) => t,
        Field::Unknown => {
            return ctx.unknown(format!(
                "{what}: {type_key} known after apply (AWS or the AMI picks the default)"
            ));
        }
        Field::Absent => {
            return ctx.unknown(format!(
                "{what}: {type_key} not set (AWS or the AMI picks the default)"
            ));
        }
    };
    let storage_key = format!("{vtype}_storage");
    if ctx.catalog.price(ctx.region, "ebs", &storage_key).is_none() {
        return ctx.not_in_catalog(format!(
            "{what}: volume type {vtype} is not in the catalog for {}",
            ctx.region
        ));
    }
    ctx.flat(
        name(&format!("storage ({vtype})")),
        "ebs",
        &storage_key,
        size,
    );

    match vtype {
        "gp3" => {
            // gp3 includes 3,000 IOPS and 125 MiB/s; an unset figure is
            // that baseline.
            match num_field(v, "iops") {
                Field::Known(i) if i > 3000.0 => {
                    ctx.flat(
                        name("provisioned IOPS above 3,000"),
                        "ebs",
                        "gp3_iops",
                        i - 3000.0,
                    );
                }
                Field::Unknown => ctx.note(
                    NoteKind::Assumption,
                    format!(
                        "{what}: iops known after apply; priced at the 3,000 IOPS gp3 includes"
                    ),
                ),
                _ => {}
            }
            match num_field(v, "throughput") {
                Field::Known(t) if t > 125.0 => {
                    ctx.flat(
                        name("throughput above 125 MiB/s"),
                        "ebs",
                        "gp3_throughput",
                        t - 125.0,
                    );
                }
                Field::Unknown => ctx.note(
                    NoteKind::Assumption,
                    format!(
                        "{what}: throughput known after apply; priced at the 125 MiB/s gp3 includes"
                    ),
                ),
                _ => {}
            }
        }
        "io1" | "io2" => {
            let key = format!("{vtype}_iops");
            match num_field(v, "iops") {
                Field::Known(i) => {
                    if vtype == "io2" {
                        ctx.tiered(name("provisioned IOPS"), "ebs", &key, i);
                    } else {
                        ctx.flat(name("provisioned IOPS"), "ebs", &key, i);
                    }
                }
                Field::Unknown => ctx.unknown(format!("{what}: iops known after apply")),
                Field::Absent => ctx.unknown(format!("{what}: iops not set")),
            }
        }
        "standard" => {
            if standalone {
                if let Some(n) = ctx.usage("monthly_io_requests") {
                    ctx.flat(name("I/O requests"), "ebs", "standard_io", n / 1e6);
                }
            } else {
                ctx.note(
                    NoteKind::MissingUsage,
                    format!("{what}: I/O requests of a magnetic volume are not included"),
                );
            }
        }
        _ => {}
    }
}

fn nat_gateway(ctx: &mut Ctx<'_>) {
    ctx.hourly("NAT gateway".into(), "vpc", "nat_gateway_hour", 1.0);
    if let Some(gb) = ctx.usage("monthly_data_processed_gb") {
        ctx.flat("Data processed".into(), "vpc", "nat_gateway_data", gb);
    }
}

fn eip(ctx: &mut Ctx<'_>, v: &Value) {
    // Addresses brought to AWS (BYOIP) or from an Outpost's pool are not
    // charged as Amazon-provided public IPv4 addresses.
    if let Field::Known(pool) = str_field(v, "public_ipv4_pool") {
        if pool != "amazon" {
            ctx.free = true;
            ctx.note(
                NoteKind::Assumption,
                format!("address from pool {pool} (BYOIP): no public IPv4 charge"),
            );
            return;
        }
    }
    if let Field::Known(_) = str_field(v, "customer_owned_ipv4_pool") {
        return ctx.not_in_catalog("customer-owned (Outposts) addresses are not in the catalog");
    }
    ctx.hourly("Public IPv4 address".into(), "vpc", "public_ipv4_hour", 1.0);
}

/// Provisioned capacity of the table and its global secondary indexes.
fn capacity(ctx: &mut Ctx<'_>, v: &Value, key: &str) -> Option<f64> {
    let mut total = match num_field(v, key) {
        Field::Known(n) => n,
        Field::Unknown => {
            ctx.unknown(format!("{key} known after apply"));
            return None;
        }
        Field::Absent => {
            ctx.unknown(format!("{key} not set"));
            return None;
        }
    };
    match blocks_field(v, "global_secondary_index") {
        Field::Known(gsis) => {
            for g in gsis {
                match num_field(g, key) {
                    Field::Known(n) => total += n,
                    Field::Unknown => {
                        ctx.unknown(format!("global_secondary_index {key} known after apply"));
                        return None;
                    }
                    Field::Absent => {}
                }
            }
        }
        Field::Unknown => {
            ctx.unknown("global_secondary_index known after apply");
            return None;
        }
        Field::Absent => {}
    }
    Some(total)
}

fn dynamodb(ctx: &mut Ctx<'_>, v: &Value) {
    match str_field(v, "table_class") {
        Field::Known("STANDARD") | Field::Absent => {}
        Field::Known(c) => {
            return ctx.not_in_catalog(format!(
                "table class {c} is not in the catalog (it holds STANDARD)"
            ))
        }
        Field::Unknown => return ctx.unknown("table_class known after apply"),
    }
    let mode = match str_field(v, "billing_mode") {
        Field::Known(m) => m,
        Field::Absent => "PROVISIONED",
        Field::Unknown => return ctx.unknown("billing_mode known after apply"),
    };
    match mode {
        "PROVISIONED" => {
            if let Some(w) = capacity(ctx, v, "write_capacity") {
                ctx.hourly(
                    format!("Provisioned write capacity ({} WCU)", qty(w)),
                    "dynamodb",
                    "wcu_hour",
                    w,
                );
            }
            if let Some(r) = capacity(ctx, v, "read_capacity") {
                ctx.hourly(
                    format!("Provisioned read capacity ({} RCU)", qty(r)),
                    "dynamodb",
                    "rcu_hour",
                    r,
                );
            }
        }
        "PAY_PER_REQUEST" => {
            if let Some(n) = ctx.usage("monthly_write_request_units") {
                ctx.flat(
                    "On-demand write request units".into(),
                    "dynamodb",
                    "write_request_million",
                    n / 1e6,
                );
            }
            if let Some(n) = ctx.usage("monthly_read_request_units") {
                ctx.flat(
                    "On-demand read request units".into(),
                    "dynamodb",
                    "read_request_million",
                    n / 1e6,
                );
            }
        }
        m => return ctx.not_in_catalog(format!("billing mode {m} is not in the catalog")),
    }
    if let Some(gb) = ctx.usage("storage_gb") {
        ctx.flat("Storage".into(), "dynamodb", "storage", gb);
    }
    if let Field::Known([pitr, ..]) = blocks_field(v, "point_in_time_recovery") {
        if let Field::Known(true) = bool_field(pitr, "enabled") {
            ctx.not_in_catalog("point-in-time recovery (continuous backups) is not in the catalog");
        }
    }
}

fn kms_key(ctx: &mut Ctx<'_>, v: &Value) {
    ctx.flat("Customer managed key".into(), "kms", "key_month", 1.0);
    if let Some(n) = ctx.usage("monthly_requests") {
        ctx.flat("Requests".into(), "kms", "requests_10k", n / 1e4);
        if let Field::Known(spec) = str_field(v, "customer_master_key_spec") {
            if spec != "SYMMETRIC_DEFAULT" {
                ctx.note(
                    NoteKind::Assumption,
                    format!("requests priced at the symmetric rate; {spec} keys may cost more per request"),
                );
            }
        }
    }
    if let Field::Known(true) = bool_field(v, "enable_key_rotation") {
        ctx.note(
            NoteKind::Assumption,
            "automatic rotation adds $1/month after each of the key's first two rotations (from a year on); not included",
        );
    }
    if let Field::Known(_) = str_field(v, "custom_key_store_id") {
        ctx.not_in_catalog("the custom key store (CloudHSM or external) is not in the catalog");
    }
}

fn log_group(ctx: &mut Ctx<'_>, v: &Value) {
    let (key, class) = match str_field(v, "log_group_class") {
        Field::Known("INFREQUENT_ACCESS") => ("ingestion_infrequent_access", "Infrequent Access"),
        Field::Known("STANDARD") => ("ingestion_standard", "Standard"),
        Field::Known(c) => {
            return ctx.not_in_catalog(format!("log group class {c} is not in the catalog"))
        }
        Field::Absent => ("ingestion_standard", "Standard"),
        Field::Unknown => {
            if ctx.usage.is_some_and(|u| u.monthly_ingestion_gb.is_some()) {
                ctx.note(
                    NoteKind::Assumption,
                    "log_group_class known after apply; ingestion priced as STANDARD, the default",
                );
            }
            ("ingestion_standard", "Standard")
        }
    };
    if let Some(gb) = ctx.usage("monthly_ingestion_gb") {
        ctx.flat(format!("Ingestion ({class})"), "logs", key, gb);
    }
    if let Some(gb) = ctx.usage("storage_gb") {
        ctx.flat("Storage".into(), "logs", "storage", gb);
    }
}

fn s3_bucket(ctx: &mut Ctx<'_>) {
    if let Some(gb) = ctx.usage("storage_gb") {
        ctx.tiered("Storage (S3 Standard)".into(), "s3", "standard_storage", gb);
    }
    if let Some(n) = ctx.usage("monthly_put_requests") {
        ctx.flat(
            "PUT, COPY, POST, LIST requests".into(),
            "s3",
            "put_requests_1k",
            n / 1e3,
        );
    }
    if let Some(n) = ctx.usage("monthly_get_requests") {
        ctx.flat(
            "GET and other requests".into(),
            "s3",
            "get_requests_1k",
            n / 1e3,
        );
    }
}

fn secret(ctx: &mut Ctx<'_>, v: &Value) {
    let replicas = match blocks_field(v, "replica") {
        Field::Known(r) => r.len(),
        Field::Absent => 0,
        Field::Unknown => {
            ctx.unknown("replica known after apply: replicas are not included");
            0
        }
    };
    let name = match replicas {
        0 => "Secret".to_string(),
        1 => "Secret and 1 replica".to_string(),
        n => format!("Secret and {n} replicas"),
    };
    ctx.flat(
        name,
        "secretsmanager",
        "secret_month",
        1.0 + replicas as f64,
    );
    if let Some(n) = ctx.usage("monthly_requests") {
        ctx.flat("API calls".into(), "secretsmanager", "api_10k", n / 1e4);
    }
}

fn alarm(ctx: &mut Ctx<'_>, v: &Value) {
    if let Field::Known(_) = str_field(v, "threshold_metric_id") {
        return ctx.not_in_catalog("anomaly detection alarms are not in the catalog");
    }
    let high = match num_field(v, "period") {
        Field::Known(p) => p < 60.0,
        Field::Absent => false,
        Field::Unknown => {
            return ctx.unknown("period known after apply (it decides the resolution)")
        }
    };
    if high {
        ctx.flat(
            "Alarm (high resolution)".into(),
            "cloudwatch",
            "alarm_high_resolution_month",
            1.0,
        );
    } else {
        ctx.flat(
            "Alarm (standard resolution)".into(),
            "cloudwatch",
            "alarm_standard_month",
            1.0,
        );
    }
}

fn sns_topic(ctx: &mut Ctx<'_>, v: &Value) {
    match bool_field(v, "fifo_topic") {
        Field::Known(true) => return ctx.not_in_catalog("FIFO topics are not in the catalog"),
        Field::Unknown => return ctx.unknown("fifo_topic known after apply"),
        _ => {}
    }
    if let Some(n) = ctx.usage("monthly_requests") {
        ctx.flat("Requests".into(), "sns", "requests_million", n / 1e6);
    }
    // Deliveries are optional: a topic may have no such subscribers, so
    // their absence from the usage file is not a gap.
    if let Some(n) = ctx.usage.and_then(|u| u.monthly_http_notifications) {
        ctx.flat(
            "HTTP/S notifications".into(),
            "sns",
            "http_million",
            n / 1e6,
        );
    }
    if let Some(n) = ctx.usage.and_then(|u| u.monthly_email_notifications) {
        ctx.flat("Email notifications".into(), "sns", "email_100k", n / 1e5);
    }
}

fn ssm_parameter(ctx: &mut Ctx<'_>, v: &Value) {
    match str_field(v, "tier") {
        Field::Known("Advanced") => {
            ctx.flat(
                "Advanced parameter".into(),
                "ssm",
                "advanced_parameter_month",
                1.0,
            );
        }
        Field::Known("Intelligent-Tiering") => {
            ctx.free = true;
            ctx.note(
                NoteKind::Assumption,
                "Intelligent-Tiering picks Standard (free) unless the value needs Advanced; priced as Standard",
            );
        }
        Field::Unknown => {
            ctx.free = true;
            ctx.note(
                NoteKind::Assumption,
                "tier known after apply; priced as Standard (free), the default",
            );
        }
        _ => ctx.free = true,
    }
}
