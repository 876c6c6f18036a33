//! Walking the chain and naming what is wrong with it.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use uuid::Uuid;

use crate::entry::{hash_of_entry_value, GENESIS_HASH};
use crate::log::{parse_entry, Anchor, Line};

/// The result of [`crate::AuditLog::verify`]. Its `Display` is the human
/// report; it serializes to JSON for `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub path: PathBuf,
    /// True when there is no problem.
    pub ok: bool,
    /// Lines in the file.
    pub lines: u64,
    /// Lines that are entries (whatever their hashes say).
    pub entries: u64,
    /// The last entry in the file, to record as an anchor.
    pub head: Option<Anchor>,
    /// The anchor checked against, if any.
    pub anchor: Option<Anchor>,
    /// In file order.
    pub problems: Vec<Problem>,
}

/// Where an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    pub seq: u64,
    pub line: u64,
}

/// One thing wrong with the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// A line that is not an entry: not JSON, missing fields, or cut short.
    Unreadable { line: u64, reason: String },
    /// The entry's content does not match its own hash.
    Edited {
        line: u64,
        seq: u64,
        id: Uuid,
        recorded_hash: String,
        computed_hash: String,
    },
    /// Sequence numbers `first_seq..=last_seq` are absent: the chain
    /// breaks between `after` (None: the log starts late) and `before`.
    Deleted {
        first_seq: u64,
        last_seq: u64,
        after: Option<Position>,
        before: Position,
    },
    /// The entry's `prev_hash` is not the hash of the entry numbered one
    /// less (`previous`; None: the first entry does not start with zeros).
    BrokenLink {
        line: u64,
        seq: u64,
        id: Uuid,
        previous: Option<Position>,
    },
    /// The entry is not where its sequence number puts it.
    Reordered {
        line: u64,
        seq: u64,
        id: Uuid,
        belongs_after: Option<Position>,
        belongs_before: Option<Position>,
    },
    /// A second entry with a sequence number already seen.
    Duplicate {
        line: u64,
        seq: u64,
        id: Uuid,
        first_line: u64,
    },
    /// The log ends before the anchored entry: entries were cut from the
    /// end.
    TailTruncated {
        anchor_seq: u64,
        last_seq: Option<u64>,
    },
    /// The anchored entry is missing or has another hash: the log was
    /// rewritten.
    AnchorMismatch {
        seq: u64,
        line: Option<u64>,
        anchor_hash: String,
        recorded_hash: Option<String>,
    },
}

impl Problem {
    /// The line the problem is reported at, for ordering the report.
    fn sort_line(&self) -> u64 {
        match self {
            Problem::Unreadable { line, .. }
            | Problem::Edited { line, .. }
            | Problem::BrokenLink { line, .. }
            | Problem::Reordered { line, .. }
            | Problem::Duplicate { line, .. } => *line,
            Problem::Deleted { before, .. } => before.line,
            Problem::AnchorMismatch { line, .. } => line.unwrap_or(u64::MAX),
            Problem::TailTruncated { .. } => u64::MAX,
        }
    }
}

fn pos(p: &Position) -> String {
    format!("seq {} (line {})", p.seq, p.line)
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unreadable { line, reason } => write!(f, "line {line}: unreadable: {reason}"),
            Problem::Edited { line, seq, id, .. } => write!(
                f,
                "line {line}: entry seq {seq} (id {id}) was edited: its content no longer matches its hash"
            ),
            Problem::Deleted {
                first_seq,
                last_seq,
                after,
                before,
            } => {
                if first_seq == last_seq {
                    write!(f, "entry seq {first_seq} is missing (deleted)")?;
                } else {
                    write!(f, "entries seq {first_seq}-{last_seq} are missing (deleted)")?;
                }
                match after {
                    Some(a) => write!(f, ": the chain breaks between {} and {}", pos(a), pos(before)),
                    None => write!(f, ": the log starts at {}", pos(before)),
                }
            }
            Problem::BrokenLink {
                line,
                seq,
                id,
                previous: Some(p),
            } => write!(
                f,
                "line {line}: entry seq {seq} (id {id}) does not chain to {}: its prev_hash is not that entry's hash, so seq {} was replaced (its hash recomputed) or this link was altered",
                pos(p),
                p.seq
            ),
            Problem::BrokenLink {
                line,
                seq,
                id,
                previous: None,
            } => write!(
                f,
                "line {line}: entry seq {seq} (id {id}) does not start the chain: its prev_hash should be 64 zeros"
            ),
            Problem::Reordered {
                line,
                seq,
                id,
                belongs_after,
                belongs_before,
            } => {
                write!(f, "line {line}: entry seq {seq} (id {id}) is out of order")?;
                match (belongs_after, belongs_before) {
                    (Some(a), _) => write!(f, ": it belongs after {}", pos(a)),
                    (None, Some(b)) => write!(f, ": it belongs before {}", pos(b)),
                    (None, None) => Ok(()),
                }
            }
            Problem::Duplicate {
                line,
                seq,
                id,
                first_line,
            } => write!(
                f,
                "line {line}: entry seq {seq} (id {id}) repeats the sequence number of line {first_line}"
            ),
            Problem::TailTruncated {
                anchor_seq,
                last_seq: Some(last),
            } => write!(
                f,
                "the log ends at seq {last} but the anchor records seq {anchor_seq}: entries seq {}-{anchor_seq} were removed from the end",
                last + 1
            ),
            Problem::TailTruncated {
                anchor_seq,
                last_seq: None,
            } => write!(
                f,
                "the log has no entries but the anchor records seq {anchor_seq}: every entry was removed"
            ),
            Problem::AnchorMismatch {
                seq,
                line: Some(line),
                anchor_hash,
                recorded_hash,
            } => write!(
                f,
                "line {line}: entry seq {seq} has hash {} but the anchor records {anchor_hash}: the log was rewritten",
                recorded_hash.as_deref().unwrap_or("?")
            ),
            Problem::AnchorMismatch { seq, .. } => {
                write!(f, "the anchored entry seq {seq} is not in the log")
            }
        }
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        if self.ok {
            write!(f, "{path}: OK, {} entries, chain intact", self.entries)?;
            if let Some(a) = &self.anchor {
                write!(f, ", anchor seq {} matches", a.seq)?;
            }
            if let Some(h) = &self.head {
                write!(f, "\nhead (record it to detect truncation later): {h}")?;
            }
            return Ok(());
        }
        let n = self.problems.len();
        write!(
            f,
            "{path}: {n} problem{} in {} lines",
            if n == 1 { "" } else { "s" },
            self.lines
        )?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

/// What verification keeps of each entry.
struct Rec {
    line: u64,
    seq: u64,
    id: Uuid,
    prev_hash: String,
    hash: String,
}

impl Rec {
    fn pos(&self) -> Position {
        Position {
            seq: self.seq,
            line: self.line,
        }
    }
}

pub(crate) fn verify_lines(
    path: &Path,
    lines: impl Iterator<Item = std::io::Result<Line>>,
    anchor: Option<&Anchor>,
) -> std::io::Result<VerifyReport> {
    let mut problems = Vec::new();
    let mut recs: Vec<Rec> = Vec::new();
    let mut unreadable: Vec<u64> = Vec::new();
    let mut line_count = 0;

    for line in lines {
        let line = line?;
        line_count = line.number;
        let parsed = parse_entry(&line.bytes);
        if !line.terminated {
            let reason = match parsed {
                Ok(_) => "the last line has no newline at the end (the file was cut, or edited)".to_string(),
                Err(why) => format!(
                    "the last line is incomplete, a write was cut short or the file truncated: {why}"
                ),
            };
            problems.push(Problem::Unreadable {
                line: line.number,
                reason,
            });
            unreadable.push(line.number);
            continue;
        }
        match parsed {
            Err(reason) => {
                problems.push(Problem::Unreadable {
                    line: line.number,
                    reason,
                });
                unreadable.push(line.number);
            }
            Ok((value, entry)) => {
                let computed = hash_of_entry_value(&value);
                if computed != entry.hash {
                    problems.push(Problem::Edited {
                        line: line.number,
                        seq: entry.seq,
                        id: entry.id,
                        recorded_hash: entry.hash.clone(),
                        computed_hash: computed,
                    });
                }
                recs.push(Rec {
                    line: line.number,
                    seq: entry.seq,
                    id: entry.id,
                    prev_hash: entry.prev_hash,
                    hash: entry.hash,
                });
            }
        }
    }

    // First occurrence of each sequence number; later ones are duplicates
    // and take no further part (their neighbours are judged without them).
    let mut by_seq: HashMap<u64, usize> = HashMap::with_capacity(recs.len());
    let mut order: Vec<usize> = Vec::with_capacity(recs.len());
    for (i, r) in recs.iter().enumerate() {
        if let Some(&first) = by_seq.get(&r.seq) {
            problems.push(Problem::Duplicate {
                line: r.line,
                seq: r.seq,
                id: r.id,
                first_line: recs[first].line,
            });
        } else {
            by_seq.insert(r.seq, i);
            order.push(i);
        }
    }
    let mut seqs: Vec<u64> = by_seq.keys().copied().collect();
    seqs.sort_unstable();

    // Links: each entry must carry the hash of the entry numbered one less,
    // wherever that one is in the file (position is judged separately).
    for (k, &i) in order.iter().enumerate() {
        let r = &recs[i];
        if r.seq == 0 {
            continue;
        }
        if r.seq == 1 {
            if r.prev_hash != GENESIS_HASH {
                problems.push(Problem::BrokenLink {
                    line: r.line,
                    seq: r.seq,
                    id: r.id,
                    previous: None,
                });
            }
            continue;
        }
        if let Some(&p) = by_seq.get(&(r.seq - 1)) {
            if r.prev_hash != recs[p].hash {
                problems.push(Problem::BrokenLink {
                    line: r.line,
                    seq: r.seq,
                    id: r.id,
                    previous: Some(recs[p].pos()),
                });
            }
            continue;
        }
        let below = seqs.partition_point(|&s| s < r.seq);
        let lower = below.checked_sub(1).map(|j| seqs[j]);
        let first_seq = lower.map_or(1, |s| s + 1);
        let last_seq = r.seq - 1;
        // Unreadable lines right before this entry, after the entry the gap
        // starts from, already account for the missing numbers.
        let prev_in_file = k.checked_sub(1).map(|j| &recs[order[j]]);
        let adjacent = prev_in_file.map(|p| p.seq) == lower;
        let prev_line = prev_in_file.map_or(0, |p| p.line);
        let damaged = unreadable
            .iter()
            .filter(|&&l| l > prev_line && l < r.line)
            .count() as u64;
        let missing = last_seq - first_seq + 1;
        if adjacent && damaged >= missing {
            continue;
        }
        problems.push(Problem::Deleted {
            first_seq,
            last_seq,
            after: lower.and_then(|s| by_seq.get(&s)).map(|&j| recs[j].pos()),
            before: r.pos(),
        });
    }

    // Order: the entries in the longest run of increasing sequence numbers
    // are taken as in place; each other one was moved.
    let in_place = longest_increasing(&order.iter().map(|&i| recs[i].seq).collect::<Vec<_>>());
    for (k, &i) in order.iter().enumerate() {
        if in_place[k] {
            continue;
        }
        let r = &recs[i];
        let near = |s: Option<u64>| s.and_then(|s| by_seq.get(&s)).map(|&j| recs[j].pos());
        problems.push(Problem::Reordered {
            line: r.line,
            seq: r.seq,
            id: r.id,
            belongs_after: near(r.seq.checked_sub(1)),
            belongs_before: near(r.seq.checked_add(1)),
        });
    }

    if let Some(a) = anchor {
        match by_seq.get(&a.seq) {
            Some(&i) if recs[i].hash == a.hash => {}
            Some(&i) => problems.push(Problem::AnchorMismatch {
                seq: a.seq,
                line: Some(recs[i].line),
                anchor_hash: a.hash.clone(),
                recorded_hash: Some(recs[i].hash.clone()),
            }),
            None => {
                let last = seqs.last().copied();
                if last.is_none_or(|l| l < a.seq) {
                    problems.push(Problem::TailTruncated {
                        anchor_seq: a.seq,
                        last_seq: last,
                    });
                } else {
                    problems.push(Problem::AnchorMismatch {
                        seq: a.seq,
                        line: None,
                        anchor_hash: a.hash.clone(),
                        recorded_hash: None,
                    });
                }
            }
        }
    }

    problems.sort_by_key(Problem::sort_line);
    Ok(VerifyReport {
        path: path.to_path_buf(),
        ok: problems.is_empty(),
        lines: line_count,
        entries: recs.len() as u64,
        head: recs.last().map(|r| Anchor {
            seq: r.seq,
            hash: r.hash.clone(),
        }),
        anchor: anchor.cloned(),
        problems,
    })
}

/// Marks the members of one longest strictly increasing subsequence
/// (patience sorting, O(n log n)).
fn longest_increasing(xs: &[u64]) -> Vec<bool> {
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; xs.len()];
    for (i, &x) in xs.iter().enumerate() {
        let at = tails.partition_point(|&t| xs[t] < x);
        prev[i] = at.checked_sub(1).map(|j| tails[j]);
        if at == tails.len() {
            tails.push(i);
        } else {
            tails[at] = i;
        }
    }
    let mut keep = vec![false; xs.len()];
    let mut cur = tails.last().copied();
    while let Some(i) = cur {
        keep[i] = true;
        cur = prev[i];
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::longest_increasing;

    #[test]
    fn lis_marks_the_moved_entry() {
        assert_eq!(
            longest_increasing(&[1, 2, 4, 3, 5]),
            [true, true, false, true, true]
        );
        assert_eq!(longest_increasing(&[5, 1, 2, 3]), [false, true, true, true]);
        assert_eq!(longest_increasing(&[2, 3, 1]), [true, true, false]);
        assert!(longest_increasing(&[]).is_empty());
    }
}
