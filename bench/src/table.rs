//! The one table the bench prints, as Markdown so it pastes into the README unchanged.
//!
//! Each row is a workload; each cell is the median over the runs with the minimum and
//! maximum beside it, `312 (298-340)`. A ratio column divides a peer's median by
//! ripple's: figures are "lower is better", so a ratio above 1.00 means ripple was
//! faster; for W2's requests per second, the one "higher is better" figure, the ratio is
//! turned over (ripple's over the peer's) so that it reads the same way. Peak RSS is the
//! median of the children's `VmHWM`; L1's RSS cells add the median peak RSS per request
//! (the peak over the RSS before the first request, over the requests), and the note
//! under the table gives its ratio. When the table has W rows it also has a CPU column
//! for ripple and the first peer: the client's user + system time per request.
//!
//! Path: `main.rs` hands over the runs -> [`render`] -> stdout.

use std::time::Duration;

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
    /// A runtime's median CPU time per operation, where measured (W rows).
    Cpu(Contender),
}

/// The table for `runs`, one row per workload in `workloads`.
pub fn render(
    runs: &[Run],
    workloads: &[Workload],
    contenders: &[Contender],
    sizes: Sizes,
) -> String {
    let cpu = workloads.iter().any(|w| w.is_http());
    let columns = layout(contenders, cpu);
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

/// ripple, the first peer, their ratio, both RSS (the order the README's table uses), and
/// with `cpu` both CPU times; then, for each further peer, its figure, ratio and RSS.
fn layout(contenders: &[Contender], cpu: bool) -> Vec<Column> {
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
    if cpu {
        if ripple {
            columns.push(Column::Cpu(Contender::Ripple));
        }
        if let Some(&first) = peers.first() {
            columns.push(Column::Cpu(first));
        }
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
        Column::Cpu(c) => format!("{c} CPU/req"),
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
        Workload::F1 => format!(
            "F1 {n} GETs / via CLI, {} in flight",
            crate::workloads::cli::IN_FLIGHT
        ),
        Workload::W1 | Workload::W1s | Workload::W2 | Workload::L1 => {
            let gets = workload.gets(sizes).expect("a W workload");
            let floor = gets.floor();
            let floor = if floor.is_zero() {
                String::new()
            } else {
                format!(", floor {} ms", thousands(floor.as_millis() as u64))
            };
            format!(
                "{workload} {n} GETs {}, {} in flight{floor}",
                gets.path,
                thousands(gets.in_flight as u64)
            )
        }
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
            (Some(theirs), Some(ours)) if workload.higher_is_better() && theirs > 0.0 => {
                format!("{:.2}", ours / theirs)
            }
            (Some(theirs), Some(ours)) if ours > 0.0 => format!("{:.2}", theirs / ours),
            _ => "-".to_string(),
        },
        Column::Cpu(contender) => {
            let per_op: Vec<f64> = of(runs, workload, contender)
                .iter()
                .filter_map(|r| r.outcome.as_ref().ok())
                .filter_map(|report| Some(micros_per(report.cpu?, report.ops)))
                .collect();
            match Summary::of(&per_op) {
                Some(s) => format!("{} us", number(s.median)),
                None => "-".to_string(),
            }
        }
        Column::Rss(contender) => {
            let rss: Vec<f64> = of(runs, workload, contender)
                .iter()
                .filter_map(|r| r.outcome.as_ref().ok())
                .filter(|report| report.peak_rss_kib > 0)
                .map(|report| report.peak_rss_kib as f64 / 1024.0)
                .collect();
            let per_request = rss_per_request(runs, workload, contender)
                .filter(|_| workload.rss_per_request())
                .map(|kib| format!(", {} KiB/req", number(kib)))
                .unwrap_or_default();
            match Summary::of(&rss) {
                Some(s) => format!("{} MiB{per_request}", number(s.median)),
                None => "-".to_string(),
            }
        }
    }
}

/// The lines under the table for the W rows: who the peer is, how many connections each
/// client opened (the server's `accepted` count), and the server's CPU time per request,
/// which says whether the one-core server or the client set the pace. Medians of the runs.
pub fn http_note(
    runs: &[Run],
    workloads: &[Workload],
    contenders: &[Contender],
    sizes: Sizes,
) -> Option<String> {
    let http: Vec<Workload> = workloads.iter().copied().filter(|w| w.is_http()).collect();
    if http.is_empty() {
        return None;
    }
    let mut note = String::new();
    if http.iter().any(|&w| w != Workload::F1) {
        note += "W and L rows: ripple is ripple_http::Session; tokio is hyper-util's \
                 legacy Client (hyper 1, http1, pooled) on tokio current_thread; smol has \
                 no HTTP client here. ";
    }
    note += "CPU/req: the client process's user + system time (getrusage) over its \
             requests.";
    let chapter = Sizes::FULL.sequential_gets;
    if workloads.contains(&Workload::W1s) && sizes.sequential_gets < chapter {
        note += &format!(
            " W1s does {} sequential GETs, not the chapter's {} (--full does those).",
            thousands(sizes.sequential_gets),
            thousands(chapter)
        );
    }
    let opened = medians_by_run(
        runs,
        &http,
        contenders,
        |run| Some(run.outcome.as_ref().ok()?.connections? as f64),
        |n| n.to_string(),
    );
    if workloads.contains(&Workload::F1) {
        note += " F1 runs programs, not runtimes: its ripple column is ripple's `fetch` \
                 binary (-f FILE -c 64 -q), its tokio column is curl --parallel \
                 --parallel-max 64 -K FILE; wall time, peak RSS and CPU are the \
                 program's, start-up included (getrusage RUSAGE_CHILDREN).";
    }
    if !opened.is_empty() {
        note += &format!("\nConnections opened: {opened}.");
    }
    if workloads.contains(&Workload::L1) {
        note += &l1_note(runs, contenders, sizes);
    }
    let server = medians_by_run(
        runs,
        &http,
        contenders,
        |run| Some(micros_per(run.server_cpu?, run.outcome.as_ref().ok()?.ops)),
        number,
    );
    if !server.is_empty() {
        note += "\nServer CPU/req (its /proc/<pid>/schedstat), in us: ";
        note += &format!("{server}.");
    }
    Some(note)
}

/// L1's line: peak RSS per pending request for each runtime, and each peer's ratio to
/// ripple's (above 1.00: ripple holds less per request).
fn l1_note(runs: &[Run], contenders: &[Contender], sizes: Sizes) -> String {
    let each: Vec<(Contender, f64)> = contenders
        .iter()
        .filter(|&&c| Workload::L1.runs_on(c))
        .filter_map(|&c| Some((c, rss_per_request(runs, Workload::L1, c)?)))
        .collect();
    if each.is_empty() {
        return String::new();
    }
    let ripple = each
        .iter()
        .find(|(c, _)| *c == Contender::Ripple)
        .map(|&(_, kib)| kib);
    let shown: Vec<String> = each
        .iter()
        .map(|&(c, kib)| match ripple {
            Some(ours) if c != Contender::Ripple && ours > 0.0 => {
                format!("{c} {} KiB ({c}/ripple {:.2})", number(kib), kib / ours)
            }
            _ => format!("{c} {} KiB", number(kib)),
        })
        .collect();
    format!(
        "\nL1 peak RSS per request ((VmHWM - VmRSS before the first request) / {}, \
         median): {}.",
        thousands(sizes.pending_gets),
        shown.join(", ")
    )
}

/// The median over `contender`'s runs of `workload` of the peak RSS per request, in KiB.
fn rss_per_request(runs: &[Run], workload: Workload, contender: Contender) -> Option<f64> {
    let per_request: Vec<f64> = of(runs, workload, contender)
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok()?.rss_per_op_kib())
        .collect();
    Summary::of(&per_request).map(|s| s.median)
}

/// `W1 ripple 100, tokio 100; W2 ripple 64, tokio 64`: the median of `value` over each
/// runtime's runs of each workload; empty if no run has a value.
fn medians_by_run(
    runs: &[Run],
    workloads: &[Workload],
    contenders: &[Contender],
    value: impl Fn(&Run) -> Option<f64>,
    show: fn(f64) -> String,
) -> String {
    let mut rows = Vec::new();
    for &workload in workloads {
        let each: Vec<String> = contenders
            .iter()
            .filter(|&&c| workload.runs_on(c))
            .filter_map(|&c| {
                let values: Vec<f64> = of(runs, workload, c)
                    .into_iter()
                    .filter_map(&value)
                    .collect();
                Summary::of(&values).map(|s| format!("{c} {}", show(s.median)))
            })
            .collect();
        if !each.is_empty() {
            rows.push(format!("{workload} {}", each.join(", ")));
        }
    }
    rows.join("; ")
}

/// `total` spread over `ops` operations, in microseconds.
fn micros_per(total: Duration, ops: u64) -> f64 {
    total.as_secs_f64() * 1e6 / ops.max(1) as f64
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

/// Three significant digits or so: `342`, `20.9`, `0.48`; big ones whole: `48,312`.
fn number(x: f64) -> String {
    if x >= 1000.0 {
        thousands(x.round() as u64)
    } else if x >= 100.0 {
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
                cpu: None,
                connections: None,
                baseline_rss_kib: None,
            }),
            server_cpu: None,
        }
    }

    /// A W2 run of 100,000 GETs.
    fn w2(contender: Contender, elapsed: Duration, cpu: Duration) -> Run {
        Run {
            workload: Workload::W2,
            contender,
            index: 1,
            outcome: Ok(ChildReport {
                elapsed,
                ops: 100_000,
                peak_rss_kib: 4096,
                cpus: "1".to_string(),
                cpu: Some(cpu),
                connections: Some(64),
                baseline_rss_kib: Some(2048),
            }),
            server_cpu: Some(cpu / 2),
        }
    }

    #[test]
    fn requests_per_second_turn_the_ratio_over_so_above_one_still_means_ripple_faster() {
        let s = Duration::from_secs;
        // ripple 100,000 GETs in 2 s (50,000 req/s), tokio in 4 s (25,000 req/s).
        let runs = [
            w2(Contender::Ripple, s(2), s(1)),
            w2(Contender::Tokio, s(4), s(3)),
        ];
        let table = render(
            &runs,
            &[Workload::W2],
            &[Contender::Ripple, Contender::Tokio],
            Sizes::STANDARD,
        );
        let header = table.lines().next().unwrap();
        assert!(
            header.contains("| ripple CPU/req | tokio CPU/req |"),
            "{table}"
        );
        let row: Vec<&str> = table
            .lines()
            .nth(2)
            .unwrap()
            .split('|')
            .map(str::trim)
            .collect();
        // 50,000 and 25,000 req/s: ripple twice as fast; CPU: 1 s and 3 s over 100,000 GETs.
        assert_eq!(
            row,
            [
                "",
                "W2 100,000 GETs /, 64 in flight (req/s)",
                "50,000",
                "25,000",
                "2.00",
                "4.00 MiB",
                "4.00 MiB",
                "10.0 us",
                "30.0 us",
                ""
            ],
            "{table}"
        );
    }

    /// An L1 run of 10,000 pending GETs from a 4 MiB baseline to `peak_mib`.
    fn l1(contender: Contender, peak_mib: u64) -> Run {
        Run {
            workload: Workload::L1,
            contender,
            index: 1,
            outcome: Ok(ChildReport {
                elapsed: Duration::from_millis(1_200),
                ops: 10_000,
                peak_rss_kib: peak_mib * 1024,
                cpus: "1".to_string(),
                cpu: Some(Duration::from_millis(300)),
                connections: Some(10_000),
                baseline_rss_kib: Some(4 * 1024),
            }),
            server_cpu: None,
        }
    }

    #[test]
    fn l1_rss_cells_and_note_give_the_growth_per_request() {
        let runs = [l1(Contender::Ripple, 54), l1(Contender::Tokio, 104)];
        let all = [Contender::Ripple, Contender::Tokio];
        let table = render(&runs, &[Workload::L1], &all, Sizes::STANDARD);
        // (54 - 4) MiB over 10,000 requests: 5.12 KiB each; (104 - 4) MiB: 10.24 KiB.
        assert!(table.contains("| 54.0 MiB, 5.12 KiB/req |"), "{table}");
        assert!(table.contains("| 104 MiB, 10.2 KiB/req |"), "{table}");
        assert!(
            table.contains("L1 10,000 GETs /delay/1000, 10,000 in flight, floor 1,000 ms"),
            "{table}"
        );
        let note = http_note(&runs, &[Workload::L1], &all, Sizes::STANDARD).unwrap();
        assert!(
            note.ends_with(
                "/ 10,000, median): ripple 5.12 KiB, tokio 10.2 KiB (tokio/ripple 2.00)."
            ),
            "{note}"
        );
    }

    #[test]
    fn w_rows_show_no_rss_per_request() {
        let s = Duration::from_secs;
        let runs = [w2(Contender::Ripple, s(2), s(1))];
        let table = render(
            &runs,
            &[Workload::W2],
            &[Contender::Ripple],
            Sizes::STANDARD,
        );
        assert!(!table.contains("KiB/req"), "{table}");
    }

    #[test]
    fn w1_rows_name_their_floor() {
        assert_eq!(
            describe(Workload::W1, Sizes::STANDARD),
            "W1 1,000 GETs /delay/10, 100 in flight, floor 100 ms"
        );
        assert_eq!(
            describe(Workload::W1s, Sizes::STANDARD),
            "W1s 200 GETs /delay/10, 1 in flight, floor 2,000 ms"
        );
    }

    #[test]
    fn the_http_note_counts_connections_and_m_rows_have_none() {
        let s = Duration::from_secs;
        let runs = [
            w2(Contender::Ripple, s(2), s(1)),
            w2(Contender::Tokio, s(4), s(3)),
        ];
        let all = [Contender::Ripple, Contender::Tokio];
        let note = http_note(&runs, &[Workload::W2], &all, Sizes::STANDARD).unwrap();
        assert!(
            note.contains("\nConnections opened: W2 ripple 64, tokio 64.\n"),
            "{note}"
        );
        // Server CPU: half the client's, 0.5 s and 1.5 s over 100,000 GETs.
        assert!(
            note.ends_with("in us: W2 ripple 5.00, tokio 15.0."),
            "{note}"
        );
        assert_eq!(
            http_note(&runs, &[Workload::M1], &all, Sizes::STANDARD),
            None
        );
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
            layout(&Contender::ALL, false),
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
        assert_eq!(
            layout(&[Ripple, Tokio], true),
            [
                Figure(Ripple),
                Figure(Tokio),
                Ratio(Tokio),
                Rss(Ripple),
                Rss(Tokio),
                Cpu(Ripple),
                Cpu(Tokio)
            ]
        );
    }

    #[test]
    fn numbers_keep_about_three_digits() {
        assert_eq!(number(342.4), "342");
        assert_eq!(number(20.94), "20.9");
        assert_eq!(number(0.484), "0.48");
        assert_eq!(number(48_311.6), "48,312");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(100), "100");
    }
}
