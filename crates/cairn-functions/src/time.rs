//! Date and time functions: timestamp, formatdate, timeadd and timecmp.
//!
//! Timestamps are RFC 3339 strings. Terraform parses them with Go's `time`
//! package (strictly for formatdate and timeadd, leniently for timecmp) and
//! words parse errors from Go's; both are reproduced here.

use cairn_value::{Type, Value};
use chrono::{Datelike as _, NaiveDate, NaiveDateTime};

use crate::encoding::{days_in_month, go_quote};
use crate::strings::str_arg;
use crate::{FuncError, Function, Param, Registry};

pub(crate) fn register(r: &mut Registry) {
    r.add(
        "timestamp",
        Function::new(vec![], Type::String, |_, _| {
            Ok(Value::string(
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ))
        })
        .impure(),
    );
    r.add(
        "formatdate",
        Function::new(
            vec![
                Param::new("format", Type::String),
                Param::new("time", Type::String),
            ],
            Type::String,
            |_, a| {
                let t = parse_strict(str_arg(&a[1])).map_err(|e| FuncError::arg(1, e))?;
                format_date(str_arg(&a[0]), &t)
                    .map(Value::string)
                    .map_err(|e| FuncError::arg(0, e))
            },
        ),
    );
    r.add(
        "timeadd",
        Function::new(
            vec![
                Param::new("timestamp", Type::String),
                Param::new("duration", Type::String),
            ],
            Type::String,
            |_, a| {
                let t = parse_strict(str_arg(&a[0])).map_err(FuncError::new)?;
                let d = parse_duration(str_arg(&a[1])).map_err(FuncError::new)?;
                let local = t
                    .local()
                    .and_then(|l| l.checked_add_signed(chrono::Duration::nanoseconds(d)))
                    .ok_or_else(|| FuncError::new("timestamp out of range"))?;
                Ok(Value::string(format_rfc3339(&local, t.offset)))
            },
        ),
    );
    r.add(
        "timecmp",
        Function::new(
            vec![
                Param::new("timestamp_a", Type::String),
                Param::new("timestamp_b", Type::String),
            ],
            Type::Number,
            |_, a| {
                let ta = parse_lenient(str_arg(&a[0])).map_err(|e| FuncError::arg(0, e))?;
                let tb = parse_lenient(str_arg(&a[1])).map_err(|e| FuncError::arg(1, e))?;
                let (ia, ib) = (ta.instant(), tb.instant());
                Ok(Value::int(match ia.cmp(&ib) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                }))
            },
        ),
    );
}

/// A parsed timestamp: local date and time fields and the UTC offset in
/// seconds, as Go's `time.Time` keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GoTime {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
    nsec: u32,
    offset: i32,
}

impl GoTime {
    fn local(&self) -> Option<NaiveDateTime> {
        NaiveDate::from_ymd_opt(self.year, self.month, self.day)?
            .and_hms_nano_opt(self.hour, self.min, self.sec, self.nsec)
    }

    /// The instant in UTC, for comparisons.
    fn instant(&self) -> Option<NaiveDateTime> {
        self.local()?
            .checked_sub_signed(chrono::Duration::seconds(i64::from(self.offset)))
    }
}

/// Go's `time.Format(time.RFC3339)` of a local time with its offset.
fn format_rfc3339(t: &NaiveDateTime, offset: i32) -> String {
    let year = if t.year() < 0 {
        format!("-{:04}", -t.year())
    } else {
        format!("{:04}", t.year())
    };
    format!(
        "{year}-{}{}",
        t.format("%m-%dT%H:%M:%S"),
        format_offset(offset, true, true)
    )
}

/// A UTC offset as `Z07:00` (with `z` true), `-07:00` or `-0700`.
fn format_offset(offset: i32, z: bool, colon: bool) -> String {
    if z && offset == 0 {
        return "Z".into();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let m = offset.unsigned_abs() / 60;
    if colon {
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    } else {
        format!("{sign}{:02}{:02}", m / 60, m % 60)
    }
}

// ---------------------------------------------------------------------------
// Parsing.

/// Go's `time.ParseError`, as far as Terraform's messages use it.
#[derive(Debug)]
struct ParseError {
    layout_elem: String,
    value_elem: String,
    message: String,
}

fn perr(layout: &str, value: &str, message: &str) -> ParseError {
    ParseError {
        layout_elem: layout.into(),
        value_elem: value.into(),
        message: message.into(),
    }
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &str, fixed: bool) -> Option<(u32, &str)> {
    let b = s.as_bytes();
    let digit = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| u32::from(c - b'0'))
    };
    let first = digit(0)?;
    match digit(1) {
        Some(second) => Some((first * 10 + second, &s[2..])),
        None if fixed => None,
        None => Some((first, &s[1..])),
    }
}

/// Nanoseconds from a fraction `.ddd` (at most nine digits count).
fn nanoseconds(frac_digits: &str) -> u32 {
    let digits: String = frac_digits.chars().take(9).collect();
    let mut ns: u32 = digits.parse().unwrap_or(0);
    for _ in digits.len()..9 {
        ns *= 10;
    }
    ns
}

/// Go's general `time.Parse` with the RFC 3339 layout, which is lenient
/// about one-digit hours, comma fractions and 24-hour offsets.
fn go_parse(s: &str) -> Result<GoTime, ParseError> {
    let mut v = s;
    let literal = |v: &mut &str, lit: &str| -> Result<(), ParseError> {
        match v.strip_prefix(lit) {
            Some(rest) => {
                *v = rest;
                Ok(())
            }
            None => Err(perr(lit, v, "")),
        }
    };
    // Year: four characters starting with a digit, all digits.
    let hold = v;
    if v.len() < 4 || !v.as_bytes()[0].is_ascii_digit() || !v.is_char_boundary(4) {
        return Err(perr("2006", hold, ""));
    }
    let year: i32 = v[..4]
        .parse()
        .ok()
        .filter(|_| v[..4].bytes().all(|c| c.is_ascii_digit()))
        .ok_or_else(|| perr("2006", hold, ""))?;
    v = &v[4..];
    literal(&mut v, "-")?;
    let hold = v;
    let (month, rest) = getnum(v, true).ok_or_else(|| perr("01", hold, ""))?;
    v = rest;
    if !(1..=12).contains(&month) {
        return Err(perr("01", v, ": month out of range"));
    }
    literal(&mut v, "-")?;
    let hold = v;
    let (day, rest) = getnum(v, true).ok_or_else(|| perr("02", hold, ""))?;
    v = rest;
    literal(&mut v, "T")?;
    let hold = v;
    let (hour, rest) = getnum(v, false).ok_or_else(|| perr("15", hold, ""))?;
    v = rest;
    if hour >= 24 {
        return Err(perr("15", v, ": hour out of range"));
    }
    literal(&mut v, ":")?;
    let hold = v;
    let (min, rest) = getnum(v, true).ok_or_else(|| perr("04", hold, ""))?;
    v = rest;
    if min >= 60 {
        return Err(perr("04", v, ": minute out of range"));
    }
    literal(&mut v, ":")?;
    let hold = v;
    let (sec, rest) = getnum(v, true).ok_or_else(|| perr("05", hold, ""))?;
    v = rest;
    if sec >= 60 {
        return Err(perr("05", v, ": second out of range"));
    }
    let mut nsec = 0;
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'.' || b[0] == b',') && b[1].is_ascii_digit() {
        let n = 1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        nsec = nanoseconds(&v[1..n]);
        v = &v[n..];
    }
    let hold = v;
    let offset = if let Some(rest) = v.strip_prefix('Z') {
        v = rest;
        0
    } else {
        let b = v.as_bytes();
        // Non-ASCII bytes are never digits, signs or colons, so rejecting
        // them first gives Go's error and keeps slicing on char boundaries.
        if b.len() < 6 || !b[..6].is_ascii() || b[3] != b':' {
            return Err(perr("Z07:00", hold, ""));
        }
        let (oh, _) = getnum(&v[1..3], true).ok_or_else(|| perr("Z07:00", hold, ""))?;
        let (om, _) = getnum(&v[4..6], true).ok_or_else(|| perr("Z07:00", hold, ""))?;
        let sign = match b[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(perr("Z07:00", hold, "")),
        };
        v = &v[6..];
        if oh > 24 {
            return Err(perr("Z07:00", v, ": time zone offset hour out of range"));
        }
        if om > 60 {
            return Err(perr("Z07:00", v, ": time zone offset minute out of range"));
        }
        sign * (oh as i32 * 3600 + om as i32 * 60)
    };
    if !v.is_empty() {
        return Err(perr("", v, &format!(": extra text: {}", go_quote(v))));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(perr("", "", ": day out of range"));
    }
    Ok(GoTime {
        year,
        month,
        day,
        hour,
        min,
        sec,
        nsec,
        offset,
    })
}

/// The strict RFC 3339 reading cty uses before falling back to Go's parser.
fn parse_rfc3339_exact(s: &str) -> Option<GoTime> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |from: usize, to: usize, min: u32, max: u32| -> Option<u32> {
        let part = &b[from..to];
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let x = part.iter().fold(0u32, |x, c| x * 10 + u32::from(c - b'0'));
        (min..=max).contains(&x).then_some(x)
    };
    let year = num(0, 4, 0, 9999)?;
    let month = num(5, 7, 1, 12)?;
    let day = num(8, 10, 1, days_in_month(year as i32, month))?;
    let hour = num(11, 13, 0, 23)?;
    let min = num(14, 16, 0, 59)?;
    let sec = num(17, 19, 0, 59)?;
    if !(b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':') {
        return None;
    }
    let mut rest = &b[19..];
    let mut nsec = 0;
    if rest.len() >= 2 && rest[0] == b'.' && rest[1].is_ascii_digit() {
        let n = 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        nsec = nanoseconds(std::str::from_utf8(&rest[1..n]).ok()?);
        rest = &rest[n..];
    }
    let offset = if rest == b"Z" {
        0
    } else {
        if rest.len() != 6 || rest[3] != b':' || !(rest[0] == b'+' || rest[0] == b'-') {
            return None;
        }
        let two = |i: usize, max: u32| -> Option<i32> {
            let (x, y) = (rest[i], rest[i + 1]);
            (x.is_ascii_digit() && y.is_ascii_digit())
                .then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
                .filter(|v| *v <= max)
                .map(|v| v as i32)
        };
        let secs = two(1, 23)? * 3600 + two(4, 59)? * 60;
        if rest[0] == b'-' {
            -secs
        } else {
            secs
        }
    };
    Some(GoTime {
        year: year as i32,
        month,
        day,
        hour,
        min,
        sec,
        nsec,
        offset,
    })
}

/// cty's strict RFC 3339 parsing (formatdate, timeadd), with its messages.
fn parse_strict(s: &str) -> Result<GoTime, String> {
    if let Some(t) = parse_rfc3339_exact(s) {
        return Ok(t);
    }
    let t = go_parse(s).map_err(|e| describe(e, true))?;
    // Go accepted what RFC 3339 does not allow; say what.
    let b = s.as_bytes();
    let err = if b.get(12) == Some(&b':') {
        perr("15", &s[11..12], ": hour must have two digits")
    } else if b.get(19) == Some(&b',') {
        perr(".", ",", ": sub-second separator must be a period")
    } else if !s.ends_with('Z') && s.len() >= 6 {
        let tz = &s[s.len() - 6..];
        let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
        if two(s.len() - 5) >= 24 {
            perr("Z07:00", tz, ": timezone hour out of range")
        } else if two(s.len() - 2) >= 60 {
            perr("Z07:00", tz, ": timezone minute out of range")
        } else {
            return Ok(t);
        }
    } else {
        perr("2006-01-02T15:04:05Z07:00", s, "")
    };
    Err(describe(err, true))
}

/// Go's lenient parsing, as Terraform's timecmp uses it.
fn parse_lenient(s: &str) -> Result<GoTime, String> {
    go_parse(s).map_err(|e| describe(e, false))
}

/// Terraform's wording of a parse error; `strict` adds cty's extra hints
/// about hours and minutes.
fn describe(e: ParseError, strict: bool) -> String {
    const P: &str = "not a valid RFC3339 timestamp";
    if e.layout_elem.is_empty() && e.value_elem.is_empty() && !e.message.is_empty() {
        return format!("{P}{}", e.message);
    }
    let what = match e.layout_elem.as_str() {
        "2006" => "year",
        "01" => "month",
        "02" => "day of month",
        "15" => "hour",
        "04" => "minute",
        "05" => "second",
        "Z07:00" => "UTC offset",
        "T" => return format!("{P}: missing required time introducer 'T'"),
        ":" | "-" => {
            return if e.value_elem.is_empty() {
                format!(
                    "{P}: end of string where {} is expected",
                    go_quote(&e.layout_elem)
                )
            } else {
                format!(
                    "{P}: found {} where {} is expected",
                    go_quote(&e.value_elem),
                    go_quote(&e.layout_elem)
                )
            }
        }
        _ => "timestamp segment",
    };
    if e.value_elem.is_empty() {
        return format!("{P}: end of string before {what}");
    }
    if strict {
        if what == "hour" && e.value_elem.contains(':') {
            return format!("{P}: hour must be between 0 and 23 inclusive");
        }
        if what == "hour" && e.value_elem.len() != 2 {
            return format!("{P}: hour must have exactly two digits");
        }
        if what == "minute" && e.value_elem.len() != 2 {
            return format!("{P}: minute must have exactly two digits");
        }
    }
    format!("{P}: cannot use {} as {what}", go_quote(&e.value_elem))
}

// ---------------------------------------------------------------------------
// formatdate.

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Splits a format spec into tokens: quoted literals (with `''` inside for
/// a quote), runs of one letter, and runs of other characters.
fn format_tokens(spec: &str) -> Vec<&str> {
    let b = spec.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\'') {
                i += 2;
            } else {
                i += 1;
                loop {
                    match b.get(i) {
                        None => break,
                        Some(b'\'') if b.get(i + 1) == Some(&b'\'') => i += 2,
                        Some(b'\'') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i] == b[start] {
                i += 1;
            }
        } else {
            i += 1;
            while i < b.len() && b[i] != b'\'' && !b[i].is_ascii_alphabetic() {
                i += 1;
            }
        }
        out.push(&spec[start..i]);
    }
    out
}

fn format_date(spec: &str, t: &GoTime) -> Result<String, String> {
    let mut out = String::new();
    let weekday = NaiveDate::from_ymd_opt(t.year, t.month, t.day)
        .map(|d| d.weekday().num_days_from_monday() as usize)
        .unwrap_or(0);
    let month = MONTHS[(t.month as usize).clamp(1, 12) - 1];
    let bad =
        |tok: &str, why: &str| Err(format!("invalid date format verb {}: {why}", go_quote(tok)));
    for tok in format_tokens(spec) {
        let first = tok.as_bytes()[0];
        if first == b'\'' {
            if tok.len() == 1 || !tok.ends_with('\'') {
                return Err("unterminated literal '".into());
            }
            if tok == "''" {
                out.push('\'');
            } else {
                out.push_str(&tok[1..tok.len() - 1].replace("''", "'"));
            }
            continue;
        }
        if !first.is_ascii_alphabetic() {
            out.push_str(tok);
            continue;
        }
        let n = tok.len();
        let h12 = if t.hour.is_multiple_of(12) {
            12
        } else {
            t.hour % 12
        };
        match (first, n) {
            (b'Y', 2) => out.push_str(&format!("{:02}", t.year % 100)),
            (b'Y', 4) => out.push_str(&format!("{:04}", t.year)),
            (b'Y', _) => return bad(tok, "year must either be \"YY\" or \"YYYY\""),
            (b'M', 1) => out.push_str(&t.month.to_string()),
            (b'M', 2) => out.push_str(&format!("{:02}", t.month)),
            (b'M', 3) => out.push_str(&month[..3]),
            (b'M', 4) => out.push_str(month),
            (b'M', _) => return bad(tok, "month must be \"M\", \"MM\", \"MMM\", or \"MMMM\""),
            (b'D', 1) => out.push_str(&t.day.to_string()),
            (b'D', 2) => out.push_str(&format!("{:02}", t.day)),
            (b'D', _) => return bad(tok, "day of month must either be \"D\" or \"DD\""),
            (b'E', 3) => out.push_str(&WEEKDAYS[weekday][..3]),
            (b'E', 4) => out.push_str(WEEKDAYS[weekday]),
            (b'E', _) => return bad(tok, "day of week must either be \"EEE\" or \"EEEE\""),
            (b'h', 1) => out.push_str(&t.hour.to_string()),
            (b'h', 2) => out.push_str(&format!("{:02}", t.hour)),
            (b'h', _) => return bad(tok, "24-hour must either be \"h\" or \"hh\""),
            (b'H', 1) => out.push_str(&h12.to_string()),
            (b'H', 2) => out.push_str(&format!("{h12:02}")),
            (b'H', _) => return bad(tok, "12-hour must either be \"H\" or \"HH\""),
            (b'A' | b'a', 2) => {
                let pm = t.hour >= 12;
                out.push_str(match (first == b'A', pm) {
                    (true, false) => "AM",
                    (true, true) => "PM",
                    (false, false) => "am",
                    (false, true) => "pm",
                });
            }
            (b'A' | b'a', _) => {
                let c = first as char;
                return bad(tok, &format!("must be \"{c}{c}\""));
            }
            (b'm', 1) => out.push_str(&t.min.to_string()),
            (b'm', 2) => out.push_str(&format!("{:02}", t.min)),
            (b'm', _) => return bad(tok, "minute must either be \"m\" or \"mm\""),
            (b's', 1) => out.push_str(&t.sec.to_string()),
            (b's', 2) => out.push_str(&format!("{:02}", t.sec)),
            (b's', _) => return bad(tok, "second must either be \"s\" or \"ss\""),
            (b'Z', 1) => out.push_str(&format_offset(t.offset, true, true)),
            (b'Z', 3) if t.offset == 0 => out.push_str("UTC"),
            (b'Z', 3 | 4) => out.push_str(&format_offset(t.offset, false, false)),
            (b'Z', 5) => out.push_str(&format_offset(t.offset, false, true)),
            (b'Z', _) => return bad(tok, "timezone must be Z, ZZZZ, or ZZZZZ"),
            _ => {
                return Err(format!("invalid date format verb {}", go_quote(tok)));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Go's `time.ParseDuration`.

/// Nanoseconds in a Go duration string such as "1h30m", "-10s", "1.5h".
fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_duration_quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut total: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // Integer part.
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for &c in &b[..int_len] {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
        }
        s = &s[int_len..];
        // Fraction part.
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if let Some(rest) = s.strip_prefix('.') {
            s = rest;
            let frac_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for &c in &s.as_bytes()[..frac_len] {
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = frac_len > 0;
            s = &s[frac_len..];
        }
        if int_len == 0 && !post {
            return Err(invalid());
        }
        // Unit: everything up to the next number.
        let unit_len = s
            .bytes()
            .take_while(|&c| c != b'.' && !c.is_ascii_digit())
            .count();
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_duration_quote(orig)
            ));
        }
        let u = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_duration_quote(u),
                    go_duration_quote(orig)
                ))
            }
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((total as i128).wrapping_neg() as i64);
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// The `time` package's own quoting: non-ASCII and control bytes as `\x`.
fn go_duration_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    #[test]
    fn timestamp_is_rfc3339_utc_and_unknown_while_planning() {
        let v = call("timestamp", vec![]).unwrap();
        let ts = v.as_str().unwrap();
        assert_eq!(ts.len(), 20, "{ts}");
        assert!(ts.ends_with('Z'));
        assert!(parse_rfc3339_exact(ts).is_some());
        let ctx = crate::Context {
            plan_time: true,
            ..Default::default()
        };
        assert_eq!(show_in(&ctx, "timestamp", vec![]), "(known after apply)");
    }

    #[test]
    fn formatdate_doc_examples() {
        let f = |spec: &str, t: &str| show("formatdate", vec![s(spec), s(t)]);
        assert_eq!(
            f("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z"),
            "\"02 Jan 2018 23:12 UTC\""
        );
        assert_eq!(
            f("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z"),
            "\"Tuesday, 02-Jan-18 23:12:01 UTC\""
        );
        assert_eq!(
            f("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00"),
            "\"Tue, 02 Jan 2018 23:12:01 -0800\""
        );
        assert_eq!(
            f("MMM DD, YYYY", "2018-01-02T23:12:01Z"),
            "\"Jan 02, 2018\""
        );
        assert_eq!(f("HH:mmaa", "2018-01-02T23:12:01Z"), "\"11:12pm\"");
        assert_eq!(f("h'h'mm", "2018-01-02T23:12:01-08:00"), "\"23h12\"");
        assert_eq!(
            f("H 'o''clock'", "2018-01-02T23:12:01-08:00"),
            "\"11 o'clock\""
        );
        assert_eq!(
            f("YYYY-MM-DD'T'hh:mm:ssZ", "2006-01-02T15:04:05Z"),
            "\"2006-01-02T15:04:05Z\""
        );
        assert_eq!(
            f("EEE, MMM D ''YY", "2006-01-02T15:04:05Z"),
            "\"Mon, Jan 2 '06\""
        );
        assert_eq!(
            f("H 'o''clock' AA", "2006-01-02T15:04:05Z"),
            "\"3 o'clock PM\""
        );
        assert_eq!(
            f("hh:mm:ssZZZZ", "2006-01-02T15:04:05Z"),
            "\"15:04:05+0000\""
        );
        assert_eq!(
            f("hh:mm:ssZZZZZ", "2006-01-02T15:04:05Z"),
            "\"15:04:05+00:00\""
        );
        assert_eq!(
            f("MMMM EEEE aa", "2006-01-02T15:04:05Z"),
            "\"January Monday pm\""
        );
        assert_eq!(f("Z ZZZ", "2022-03-01T00:23:45+01:00"), "\"+01:00 +0100\"");
        assert_eq!(f("", "2006-01-02T15:04:05Z"), "\"\"");
        assert_eq!(
            f("M/D h:m:s.", "2006-01-02T03:04:05.999Z"),
            "\"1/2 3:4:5.\""
        );
        assert_eq!(
            f("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "1900-01-01T00:00:00Z"),
            "\"Monday, 01-Jan-00 00:00:00 UTC\""
        );
        assert_eq!(
            show("formatdate", vec![s("YYYY"), unknown(Type::String)]),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "formatdate",
                vec![s("YYYY"), s("2006-01-02T15:04:05Z").marked()]
            ),
            "(sensitive value)"
        );
    }

    #[test]
    fn formatdate_format_errors() {
        let e = |spec: &str| show("formatdate", vec![s(spec), s("2006-01-02T15:04:05Z")]);
        let arg = |m: &str| {
            format!(
                "error: Invalid function argument: Invalid value for \"format\" parameter: {m}."
            )
        };
        assert_eq!(
            e("Y"),
            arg("invalid date format verb \"Y\": year must either be \"YY\" or \"YYYY\"")
        );
        assert_eq!(
            e("YYYYY"),
            arg("invalid date format verb \"YYYYY\": year must either be \"YY\" or \"YYYY\"")
        );
        assert_eq!(
            e("A"),
            arg("invalid date format verb \"A\": must be \"AA\"")
        );
        assert_eq!(
            e("a"),
            arg("invalid date format verb \"a\": must be \"aa\"")
        );
        assert_eq!(e("'blah blah"), arg("unterminated literal '"));
        assert_eq!(e("'"), arg("unterminated literal '"));
        assert_eq!(e("x"), arg("invalid date format verb \"x\""));
        assert_eq!(
            e("ZZ"),
            arg("invalid date format verb \"ZZ\": timezone must be Z, ZZZZ, or ZZZZZ")
        );
    }

    #[test]
    fn timestamp_parse_errors_as_terraform_words_them() {
        let cases = [
            ("", "end of string before year"),
            ("2017-01-02", "missing required time introducer 'T'"),
            (
                "2017-12-02t00:00:00Z",
                "missing required time introducer 'T'",
            ),
            ("2017:01:02", "found \":01:02\" where \"-\" is expected"),
            ("2017", "end of string where \"-\" is expected"),
            ("2017-01-02T", "end of string before hour"),
            ("2017-01-02T00", "end of string where \":\" is expected"),
            ("2017-01-02T00:00:00", "end of string before UTC offset"),
            (
                "2017-01-02T26:00:00Z",
                "hour must be between 0 and 23 inclusive",
            ),
            (
                "2017-13-02T00:00:00Z",
                "cannot use \"-02T00:00:00Z\" as month",
            ),
            ("2017-02-31T00:00:00Z", "day out of range"),
            (
                "\"2017-12-02T00:00:00Z\"",
                "cannot use \"\\\"2017-12-02T00:00:00Z\\\"\" as year",
            ),
            (
                "2-12-02T00:00:00Z",
                "cannot use \"2-12-02T00:00:00Z\" as year",
            ),
            ("2000-01-01T1:12:34Z", "hour must have exactly two digits"),
            ("2000-01-01T01:1:34Z", "minute must have exactly two digits"),
            ("2000-01-01T01:01:1Z", "cannot use \"1Z\" as second"),
            (
                "2000-01-01T00:00:00,000Z",
                "cannot use \",\" as timestamp segment",
            ),
            (
                "2000-01-01T00:00:00+24:00",
                "cannot use \"+24:00\" as UTC offset",
            ),
            (
                "2000-01-01T00:00:00+00:60",
                "cannot use \"+00:60\" as UTC offset",
            ),
            (
                "2000-01-01T00:00:00Zjunk",
                "cannot use \"junk\" as timestamp segment",
            ),
        ];
        for (ts, want) in cases {
            assert_eq!(
                show("formatdate", vec![s(""), s(ts)]),
                format!(
                    "error: Invalid function argument: Invalid value for \"time\" parameter: not a valid RFC3339 timestamp: {want}."
                ),
                "timestamp {ts:?}"
            );
        }
        assert_eq!(
            parse_strict("2022-03-01T00:23:45.123456789123+01:00").map(|t| (t.nsec, t.offset)),
            Ok((123_456_789, 3600))
        );
    }

    #[test]
    fn timeadd_examples() {
        let f = |t: &str, d: &str| show("timeadd", vec![s(t), s(d)]);
        assert_eq!(f("2024-08-16T12:45:05Z", "10m"), "\"2024-08-16T12:55:05Z\"");
        assert_eq!(
            f("2024-08-16T12:45:05Z", "-10m"),
            "\"2024-08-16T12:35:05Z\""
        );
        assert_eq!(f("2017-11-22T00:00:00Z", "10m"), "\"2017-11-22T00:10:00Z\"");
        assert_eq!(
            f("2017-11-22T00:00:00Z", "1h30m"),
            "\"2017-11-22T01:30:00Z\""
        );
        assert_eq!(
            f("2017-11-22T00:00:00Z", "1.5h"),
            "\"2017-11-22T01:30:00Z\""
        );
        assert_eq!(
            f("2017-11-22T00:00:00Z", "-2h5m"),
            "\"2017-11-21T21:55:00Z\""
        );
        assert_eq!(
            f("2017-11-22T00:00:00+02:00", "24h"),
            "\"2017-11-23T00:00:00+02:00\""
        );
        assert_eq!(
            f("2017-11-22T00:00:00.9Z", "100ms"),
            "\"2017-11-22T00:00:01Z\""
        );
        assert_eq!(f("2017-11-22T00:00:00Z", "1µs"), "\"2017-11-22T00:00:00Z\"");
        assert_eq!(f("2017-11-22T00:00:00Z", "0"), "\"2017-11-22T00:00:00Z\"");
        let failed = |m: &str| {
            format!("error: Error in function call: Call to function \"timeadd\" failed: {m}.")
        };
        assert_eq!(
            f("2017-11-22T00:00:00Z", "1x"),
            failed("time: unknown unit \"x\" in duration \"1x\"")
        );
        assert_eq!(
            f("2017-11-22T00:00:00Z", "10"),
            failed("time: missing unit in duration \"10\"")
        );
        assert_eq!(
            f("2017-11-22T00:00:00Z", "abc"),
            failed("time: invalid duration \"abc\"")
        );
        assert_eq!(
            f("2017-11-22T00:00:00Z", ""),
            failed("time: invalid duration \"\"")
        );
        assert_eq!(
            f("2017-11-22T00:00:00Z", ".h"),
            failed("time: invalid duration \".h\"")
        );
        assert_eq!(
            f("2017-11-22", "1h"),
            failed("not a valid RFC3339 timestamp: missing required time introducer 'T'")
        );
        assert_eq!(
            show(
                "timeadd",
                vec![s("2017-11-22T00:00:00Z"), unknown(Type::String)]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show("timeadd", vec![s("2017-11-22T00:00:00Z").marked(), s("1h")]),
            "(sensitive value)"
        );
        assert_eq!(parse_duration("-1.5h"), Ok(-5_400_000_000_000));
        assert_eq!(parse_duration("1h1m1s1ms1us1ns"), Ok(3_661_001_001_001));
        assert_eq!(
            parse_duration("9999999999h"),
            Err("time: invalid duration \"9999999999h\"".into())
        );
    }

    #[test]
    fn timecmp_examples() {
        let f = |a: &str, b: &str| show("timecmp", vec![s(a), s(b)]);
        assert_eq!(f("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z"), "0");
        assert_eq!(f("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z"), "-1");
        assert_eq!(f("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z"), "1");
        assert_eq!(f("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00"), "0");
        assert_eq!(f("2017-11-22T06:00:00+02:00", "2017-11-22T04:00:00Z"), "0");
        // Go's parser (used here, unlike formatdate) accepts one-digit hours.
        assert_eq!(f("2017-11-22T1:00:00Z", "2017-11-22T01:00:00Z"), "0");
        assert_eq!(
            f("2017-11-22", "2017-11-22T00:00:00Z"),
            "error: Invalid function argument: Invalid value for \"timestamp_a\" parameter: not a valid RFC3339 timestamp: missing required time introducer 'T'."
        );
        assert_eq!(
            f("2017-11-22T00:00:00Z", "2017-11-22T26:00:00Z"),
            "error: Invalid function argument: Invalid value for \"timestamp_b\" parameter: not a valid RFC3339 timestamp: cannot use \":00:00Z\" as hour."
        );
        assert_eq!(
            show(
                "timecmp",
                vec![s("2017-11-22T00:00:00Z"), unknown(Type::String)]
            ),
            "(known after apply)"
        );
        assert_eq!(
            show(
                "timecmp",
                vec![
                    s("2017-11-22T00:00:00Z").marked(),
                    s("2017-11-22T00:00:00Z")
                ]
            ),
            "(sensitive value)"
        );
    }
}
