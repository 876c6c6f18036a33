//! Terraform numbers: arbitrary-precision decimals.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use bigdecimal::{BigDecimal, RoundingMode, ToPrimitive, Zero};
use num_bigint::BigInt;

/// The largest decimal exponent (either sign) a number literal may have.
pub const MAX_EXPONENT: u64 = 10_000;

/// Digits kept for results that do not terminate (1/3, square roots).
const DIVISION_DIGITS: u64 = 60;

/// An arbitrary-precision decimal number, always kept normalized so that
/// equal numbers compare and hash equal (`1.0 == 1`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Number(BigDecimal);

impl Number {
    pub fn from_big(d: BigDecimal) -> Self {
        Number(d.normalized())
    }
    pub fn from_i64(i: i64) -> Self {
        Number(BigDecimal::from(i))
    }
    pub fn from_u64(i: u64) -> Self {
        Number(BigDecimal::from(i))
    }
    pub fn zero() -> Self {
        Number(BigDecimal::zero())
    }
    /// From a float; `None` for NaN and infinities, which Terraform numbers
    /// cannot hold.
    pub fn from_f64(f: f64) -> Option<Self> {
        if !f.is_finite() {
            return None;
        }
        // The shortest decimal that round-trips, so 0.1 stays 0.1.
        BigDecimal::from_str(&format!("{f}"))
            .ok()
            .map(Number::from_big)
    }

    /// Parses Terraform number syntax: decimal with optional fraction and
    /// exponent, optional sign. Surrounding spaces are not allowed.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.strip_prefix('+').unwrap_or(s);
        if t.is_empty() {
            return None;
        }
        let body = t.strip_prefix('-').unwrap_or(t);
        let first = body.chars().next()?;
        if !(first.is_ascii_digit() || first == '.') {
            return None;
        }
        if !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        {
            return None;
        }
        let n = BigDecimal::from_str(t).ok()?;
        // Exponents far beyond any real use would make later arithmetic
        // expand numbers into millions of digits; refuse them here.
        let (_, scale) = n.as_bigint_and_exponent();
        if scale.unsigned_abs() > MAX_EXPONENT {
            return None;
        }
        Some(Number::from_big(n))
    }

    /// The limit on exponents of arithmetic results (see
    /// [`Number::exponent`]).
    pub const MAX_RESULT_EXPONENT: i64 = 100_000;

    /// The decimal exponent of the number's magnitude (about
    /// log10 of its absolute value), used to keep arithmetic bounded.
    pub fn exponent(&self) -> i64 {
        // Counting digits, not printing them: this runs on every
        // arithmetic operation.
        let (_, scale) = self.0.as_bigint_and_exponent();
        i64::try_from(self.0.digits()).unwrap_or(i64::MAX) - scale
    }

    pub fn as_big(&self) -> &BigDecimal {
        &self.0
    }

    pub fn to_f64(&self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }

    pub fn is_integer(&self) -> bool {
        self.0.is_integer()
    }

    /// The value as i64 when it is a whole number in range.
    pub fn to_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.0.to_i64()
        } else {
            None
        }
    }

    pub fn to_bigint(&self) -> Option<BigInt> {
        if self.is_integer() {
            let (i, _) = self.0.with_scale(0).into_bigint_and_exponent();
            Some(i)
        } else {
            None
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
    pub fn is_negative(&self) -> bool {
        self.0 < BigDecimal::zero()
    }

    pub fn add(&self, o: &Number) -> Number {
        Number::from_big(&self.0 + &o.0)
    }
    pub fn sub(&self, o: &Number) -> Number {
        Number::from_big(&self.0 - &o.0)
    }
    pub fn mul(&self, o: &Number) -> Number {
        Number::from_big(&self.0 * &o.0)
    }
    /// Division; `None` when dividing by zero.
    pub fn div(&self, o: &Number) -> Option<Number> {
        if o.is_zero() {
            return None;
        }
        let q = (&self.0 / &o.0).with_prec(DIVISION_DIGITS);
        Some(Number::from_big(q))
    }
    /// Remainder with the sign of the dividend (Terraform's `%`); `None`
    /// when dividing by zero.
    pub fn rem(&self, o: &Number) -> Option<Number> {
        if o.is_zero() {
            return None;
        }
        // Exactly, on integers at a common scale: a quotient from decimal
        // division keeps only so many digits and would be wrong for large
        // dividends. The result has the dividend's sign, as in Terraform.
        let (a, sa) = self.0.as_bigint_and_exponent();
        let (b, sb) = o.0.as_bigint_and_exponent();
        let scale = sa.max(sb);
        let up = |x: BigInt, s: i64| -> BigInt {
            let k = u32::try_from(scale - s).unwrap_or(0);
            x * BigInt::from(10u8).pow(k)
        };
        let r = up(a, sa) % up(b, sb);
        Some(Number::from_big(BigDecimal::new(r, scale)))
    }
    pub fn neg(&self) -> Number {
        Number::from_big(-&self.0)
    }
    pub fn abs(&self) -> Number {
        Number::from_big(self.0.abs())
    }
    pub fn floor(&self) -> Number {
        Number::from_big(self.0.with_scale_round(0, RoundingMode::Floor))
    }
    pub fn ceil(&self) -> Number {
        Number::from_big(self.0.with_scale_round(0, RoundingMode::Ceiling))
    }

    pub fn cmp_num(&self, o: &Number) -> Ordering {
        self.0.cmp(&o.0)
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Self {
        Number::from_i64(i)
    }
}

impl From<usize> for Number {
    fn from(i: usize) -> Self {
        Number::from_u64(i as u64)
    }
}

/// Plain decimal notation without exponent, as Terraform prints numbers
/// (`1e3` prints as `1000`, `1.50` as `1.5`).
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_zero() {
            return write!(f, "0");
        }
        write!(f, "{}", self.0.to_plain_string())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).expect("number")
    }

    #[test]
    fn formats_plainly() {
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n("1.50").to_string(), "1.5");
        assert_eq!(n("-0.0").to_string(), "0");
        assert_eq!(
            n("12345678901234567890123").to_string(),
            "12345678901234567890123"
        );
    }

    #[test]
    fn arithmetic() {
        assert_eq!(n("0.1").add(&n("0.2")), n("0.3"));
        assert_eq!(n("10").div(&n("4")), Some(n("2.5")));
        assert_eq!(n("1").div(&n("0")), None);
        assert_eq!(n("-7").rem(&n("3")), Some(n("-1")));
        assert_eq!(n("7").rem(&n("-3")), Some(n("1")));
        assert_eq!(n("-1.5").floor(), n("-2"));
        assert_eq!(n("1.2").ceil(), n("2"));
    }

    #[test]
    fn parse_rejects_junk() {
        assert!(Number::parse("abc").is_none());
        assert!(Number::parse(" 1").is_none());
        assert!(Number::parse("").is_none());
        assert!(Number::parse("0x10").is_none());
        assert_eq!(n("+5"), n("5"));
    }

    #[test]
    fn remainder_is_exact_for_large_dividends() {
        let big = Number::parse("1e100").unwrap();
        assert_eq!(big.rem(&Number::from_i64(7)).unwrap().to_string(), "4");
        assert_eq!(
            Number::parse("-7")
                .unwrap()
                .rem(&Number::from_i64(3))
                .unwrap()
                .to_string(),
            "-1"
        );
        assert_eq!(
            Number::parse("5.5")
                .unwrap()
                .rem(&Number::parse("2").unwrap())
                .unwrap()
                .to_string(),
            "1.5"
        );
        assert!(Number::parse("1e10001").is_none());
    }
}
