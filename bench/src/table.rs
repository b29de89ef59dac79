//! The one table the bench prints, as Markdown so it pastes into the README unchanged.
//!
//! Each row is a workload; each cell is the median over the runs with the minimum and
//! maximum beside it, `312 (298-340)`. A ratio column divides a peer's median by
//! ripple's: every figure is "lower is better", so a ratio above 1.00 means ripple was
//! faster. Peak RSS is the median of the children's `VmHWM`.
//!
//! Path: `main.rs` hands over the runs -> [`render`] -> stdout.

use crate::parent::Run;
use crate::stats::Summary;
use crate::workloads::{Contender, Sizes, Workload};

/// One column after the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    /// A runtime's median figure with its min and max.
    Figure(Contender),
    /// A peer's median divided by ripple's.
    Ratio(Contender),
    /// A runtime's median peak RSS.
    Rss(Contender),
}

/// The table for `runs`, one row per workload in `workloads`.
pub fn render(
    runs: &[Run],
    workloads: &[Workload],
    contenders: &[Contender],
    sizes: Sizes,
) -> String {
    let columns = layout(contenders);
    let mut rows = vec![header(&columns)];
    for &workload in workloads {
        let mut row = vec![format!(
            "{} ({})",
            describe(workload, sizes),
            workload.unit()
        )];
        row.extend(columns.iter().map(|&c| cell(runs, workload, c)));
        rows.push(row);
    }
    markdown(&rows)
}

/// ripple, the first peer, their ratio, both RSS (the order the README's table uses);
/// then, for each further peer, its figure, ratio and RSS.
fn layout(contenders: &[Contender]) -> Vec<Column> {
    let ripple = contenders.contains(&Contender::Ripple);
    let peers: Vec<Contender> = contenders
        .iter()
        .copied()
        .filter(|&c| c != Contender::Ripple)
        .collect();
    let mut columns = Vec::new();
    if ripple {
        columns.push(Column::Figure(Contender::Ripple));
    }
    if let Some(&first) = peers.first() {
        columns.push(Column::Figure(first));
        if ripple {
            columns.push(Column::Ratio(first));
        }
    }
    if ripple {
        columns.push(Column::Rss(Contender::Ripple));
    }
    if let Some(&first) = peers.first() {
        columns.push(Column::Rss(first));
    }
    for &peer in peers.iter().skip(1) {
        columns.push(Column::Figure(peer));
        if ripple {
            columns.push(Column::Ratio(peer));
        }
        columns.push(Column::Rss(peer));
    }
    columns
}

fn header(columns: &[Column]) -> Vec<String> {
    let mut row = vec!["workload".to_string()];
    row.extend(columns.iter().map(|column| match column {
        Column::Figure(c) => format!("{c} median"),
        Column::Ratio(c) => format!("{c}/ripple"),
        Column::Rss(c) => format!("{c} peak RSS"),
    }));
    row
}

/// The workload with its size, e.g. `M1 spawn+join 1,000,000 tasks`.
pub fn describe(workload: Workload, sizes: Sizes) -> String {
    let n = thousands(workload.ops(sizes));
    match workload {
        Workload::M1 => format!("M1 spawn+join {n} tasks"),
        Workload::M2 => format!("M2 {n} sleeps of 1..=100 ms"),
        Workload::M3 => format!("M3 TCP ping-pong 64 B x {n}"),
    }
}

fn cell(runs: &[Run], workload: Workload, column: Column) -> String {
    match column {
        Column::Figure(contender) => {
            let mine = of(runs, workload, contender);
            let failed = mine.iter().filter(|r| r.outcome.is_err()).count();
            let figures: Vec<f64> = mine.iter().filter_map(|r| r.figure()).collect();
            let text = match Summary::of(&figures) {
                Some(s) if figures.len() > 1 => {
                    format!("{} ({}-{})", number(s.median), number(s.min), number(s.max))
                }
                Some(s) => number(s.median),
                None => "-".to_string(),
            };
            match failed {
                0 => text,
                n => format!("{text} [{n} failed]"),
            }
        }
        Column::Ratio(peer) => match (
            median(runs, workload, peer),
            median(runs, workload, Contender::Ripple),
        ) {
            (Some(theirs), Some(ours)) if ours > 0.0 => format!("{:.2}", theirs / ours),
            _ => "-".to_string(),
        },
        Column::Rss(contender) => {
            let rss: Vec<f64> = of(runs, workload, contender)
                .iter()
                .filter_map(|r| r.outcome.as_ref().ok())
                .filter(|report| report.peak_rss_kib > 0)
                .map(|report| report.peak_rss_kib as f64 / 1024.0)
                .collect();
            match Summary::of(&rss) {
                Some(s) => format!("{} MiB", number(s.median)),
                None => "-".to_string(),
            }
        }
    }
}

fn of(runs: &[Run], workload: Workload, contender: Contender) -> Vec<&Run> {
    runs.iter()
        .filter(|r| r.workload == workload && r.contender == contender)
        .collect()
}

fn median(runs: &[Run], workload: Workload, contender: Contender) -> Option<f64> {
    let figures: Vec<f64> = of(runs, workload, contender)
        .iter()
        .filter_map(|r| r.figure())
        .collect();
    Summary::of(&figures).map(|s| s.median)
}

/// Three significant digits or so: `342`, `20.9`, `0.48`.
fn number(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// `1000000` as `1,000,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Rows as a Markdown table, each column padded to its widest cell.
fn markdown(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|row| row.get(i))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        out += &line(
            widths
                .iter()
                .enumerate()
                .map(|(i, &w)| format!("{:<w$}", row.get(i).map_or("", String::as_str)))
                .collect(),
        );
        if n == 0 {
            out += &line(widths.iter().map(|&w| "-".repeat(w)).collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::child::ChildReport;

    fn run(contender: Contender, index: usize, elapsed: Duration) -> Run {
        Run {
            workload: Workload::M3,
            contender,
            index,
            outcome: Ok(ChildReport {
                elapsed,
                ops: 1000,
                peak_rss_kib: 2048,
                cpus: "1".to_string(),
            }),
        }
    }

    #[test]
    fn the_ratio_is_the_peer_median_over_ripples() {
        let ms = Duration::from_millis;
        let runs = [
            run(Contender::Ripple, 1, ms(10)),
            run(Contender::Tokio, 1, ms(30)),
            run(Contender::Ripple, 2, ms(20)),
            run(Contender::Tokio, 2, ms(50)),
            run(Contender::Ripple, 3, ms(30)),
            run(Contender::Tokio, 3, ms(40)),
        ];
        let table = render(
            &runs,
            &[Workload::M3],
            &[Contender::Ripple, Contender::Tokio],
            Sizes::QUICK,
        );
        let row = table.lines().nth(2).unwrap();
        // Medians: ripple 20 us/rt, tokio 40 us/rt.
        assert!(row.contains("| 20.0 (10.0-30.0) "), "{table}");
        assert!(row.contains("| 40.0 (30.0-50.0) "), "{table}");
        assert!(row.contains("| 2.00 "), "{table}");
        assert!(row.contains("| 2.00 MiB "), "{table}");
    }

    #[test]
    fn layout_puts_ripple_and_tokio_first_and_smol_after_the_rss_columns() {
        use Column::*;
        use Contender::*;
        assert_eq!(
            layout(&Contender::ALL),
            [
                Figure(Ripple),
                Figure(Tokio),
                Ratio(Tokio),
                Rss(Ripple),
                Rss(Tokio),
                Figure(Smol),
                Ratio(Smol),
                Rss(Smol)
            ]
        );
    }

    #[test]
    fn numbers_keep_about_three_digits() {
        assert_eq!(number(342.4), "342");
        assert_eq!(number(20.94), "20.9");
        assert_eq!(number(0.484), "0.48");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(100), "100");
    }
}
