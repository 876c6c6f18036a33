//! The table `cairn audit log` prints.

use chrono::SecondsFormat;

use crate::entry::Entry;

/// A table of `entries`: seq, time, user, environment (when any entry has
/// one), command, result, summary, run ID. Control characters in recorded
/// text are shown as `?` so an entry cannot drive the terminal.
pub fn render_human(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "No audit entries.\n".to_string();
    }
    let with_env = entries.iter().any(|e| e.environment.is_some());
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(entries.len() + 1);
    let mut header = vec!["SEQ", "TIME", "USER"];
    if with_env {
        header.push("ENV");
    }
    header.extend(["COMMAND", "RESULT", "SUMMARY", "RUN ID"]);
    rows.push(header.into_iter().map(String::from).collect());
    for e in entries {
        let mut row = vec![
            e.seq.to_string(),
            e.time.to_rfc3339_opts(SecondsFormat::Secs, true),
            clean(&e.user),
        ];
        if with_env {
            row.push(clean(e.environment.as_deref().unwrap_or("-")));
        }
        row.extend([
            clean(&e.command),
            clean(e.result.as_str()),
            clean(&e.summary.to_string()),
            clean(&e.run_id),
        ]);
        rows.push(row);
    }
    let columns = rows[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if c + 1 < columns {
                let pad = widths[c] - cell.chars().count();
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
