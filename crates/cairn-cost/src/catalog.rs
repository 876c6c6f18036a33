//! The price catalog: a CSV file of published AWS prices with a header
//! recording where they come from and when they were taken.
//!
//! The built-in catalog (`catalog/aws.csv`) is compiled into the binary so
//! estimates never touch the network; [`Catalog::parse`] reads another file
//! of the same format.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The built-in catalog's text.
pub const BUILTIN_CSV: &str = include_str!("../catalog/aws.csv");

/// Region code of rows that hold everywhere (the free resource types).
const ANY_REGION: &str = "*";

/// A catalog file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog line {line}: {message}")]
    Row { line: u64, message: String },
    #[error("catalog header: {0}")]
    Header(String),
}

/// Whether a price was confirmed when the catalog was compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PriceStatus {
    /// Seen in an AWS bill excerpt or in two independent copies of AWS's price.
    Checked,
    /// The best-known published value, not confirmed.
    Unconfirmed,
}

/// One row: the price of one unit of one dimension in one region.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Price {
    pub region: String,
    pub product: String,
    pub key: String,
    pub unit: String,
    pub usd: f64,
    /// Upper end of the tier (in units), for tiered prices.
    pub upto: Option<f64>,
    pub status: PriceStatus,
    pub note: String,
}

/// What the header says about the catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CatalogMeta {
    pub currency: String,
    /// When the prices were taken (YYYY-MM-DD).
    pub prices_date: String,
    pub source: String,
    pub method: String,
}

/// A parsed catalog.
#[derive(Clone, Debug)]
pub struct Catalog {
    pub meta: CatalogMeta,
    /// (region, product, key) -> tiers in file order (one for flat prices).
    prices: BTreeMap<(String, String, String), Vec<Price>>,
}

#[derive(Deserialize)]
struct Row {
    region: String,
    product: String,
    key: String,
    unit: String,
    usd: String,
    upto: String,
    status: String,
    note: String,
}

fn number(field: &str, text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{field} {text:?} is not a number"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("{field} {text:?} must be zero or more"));
    }
    Ok(v)
}

impl Catalog {
    /// The catalog compiled into cairn.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            // The embedded file is fixed at build time and parsed by the
            // crate's tests, so a failure here is a build defect, not input.
            Catalog::parse(BUILTIN_CSV).expect("the built-in price catalog parses")
        })
    }

    /// Parses a catalog: `# name: value` header lines, then CSV rows.
    pub fn parse(text: &str) -> Result<Catalog, CatalogError> {
        let mut meta = CatalogMeta::default();
        for line in text.lines().take_while(|l| l.starts_with('#')) {
            let Some((name, value)) = line.trim_start_matches('#').split_once(':') else {
                continue;
            };
            let value = value.trim().to_string();
            match name.trim() {
                "currency" => meta.currency = value,
                "prices_date" => meta.prices_date = value,
                "source" => meta.source = value,
                "method" => meta.method = value,
                _ => {}
            }
        }
        if meta.currency.is_empty() || meta.prices_date.is_empty() || meta.source.is_empty() {
            return Err(CatalogError::Header(
                "the header must name currency, prices_date and source".into(),
            ));
        }

        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let csv_err = |e: csv::Error| CatalogError::Row {
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        };
        let headers = reader.headers().map_err(csv_err)?.clone();
        let mut prices: BTreeMap<(String, String, String), Vec<Price>> = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(csv_err)?;
            let line = record.position().map_or(0, csv::Position::line);
            let bad = |message: String| CatalogError::Row { line, message };
            let rec: Row = record
                .deserialize(Some(&headers))
                .map_err(|e| bad(e.to_string()))?;
            let status = match rec.status.as_str() {
                "checked" => PriceStatus::Checked,
                "unconfirmed" => PriceStatus::Unconfirmed,
                s => return Err(bad(format!("status {s:?} must be checked or unconfirmed"))),
            };
            let usd = number("usd", &rec.usd).map_err(bad)?;
            let upto = if rec.upto.is_empty() {
                None
            } else {
                Some(number("upto", &rec.upto).map_err(bad)?)
            };
            let id = (rec.region.clone(), rec.product.clone(), rec.key.clone());
            let tiers = prices.entry(id).or_default();
            if tiers.last().is_some_and(|t| t.upto.is_none()) {
                return Err(bad(format!(
                    "{} {} {} is listed again after its last tier",
                    rec.region, rec.product, rec.key
                )));
            }
            tiers.push(Price {
                region: rec.region,
                product: rec.product,
                key: rec.key,
                unit: rec.unit,
                usd,
                upto,
                status,
                note: rec.note,
            });
        }
        Ok(Catalog { meta, prices })
    }

    /// The regions with prices, sorted.
    pub fn regions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .prices
            .keys()
            .map(|(r, _, _)| r.as_str())
            .filter(|r| *r != ANY_REGION)
            .collect();
        out.dedup();
        out
    }

    pub fn has_region(&self, region: &str) -> bool {
        self.regions().contains(&region)
    }

    /// The flat price (or first tier) of a dimension in a region.
    pub fn price(&self, region: &str, product: &str, key: &str) -> Option<&Price> {
        self.tiers(region, product, key).first()
    }

    /// The tiers of a dimension in a region, cheapest volume last.
    pub fn tiers(&self, region: &str, product: &str, key: &str) -> &[Price] {
        self.prices
            .get(&(region.to_string(), product.to_string(), key.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// The catalog row that marks a resource type as free, if it is.
    pub fn free_type(&self, type_name: &str) -> Option<&Price> {
        self.price(ANY_REGION, "free", type_name)
    }

    /// Every row, in key order.
    pub fn rows(&self) -> impl Iterator<Item = &Price> {
        self.prices.values().flatten()
    }
}
