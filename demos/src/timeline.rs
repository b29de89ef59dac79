//! A picture of a run: one horizontal bar per task, from spawn to end, on a shared time axis.
//!
//! The runtime, built with `Builder::trace()`, records when each task was spawned, polled
//! and finished, on its own clock (`ripple_reactor::TraceEvent`). [`Timeline::from_trace`]
//! pairs each task's `Spawned` with its `Finished` into a [`Bar`]; [`Timeline::to_svg`]
//! draws them with a small hand-written SVG writer: a title, a strip showing how many tasks
//! were alive at each moment, a time axis with ticks in ms or s, then the bars, coloured by
//! how each task ended. Sequential work is a staircase; concurrent work is a stack of bars
//! that start together.
//!
//! Rules the picture keeps:
//! - Task ids are slab indexes, reused once a task ends: a bar is one `Spawned` up to the
//!   next `Finished` of the same id, never a span keyed by id alone.
//! - Only named tasks are drawn (`spawn_named`, or [`named`](crate::named) around work
//!   handed to a combinator). The local server's tasks (`server: ...`) and unnamed helper
//!   tasks are left out, and the caption says how many.
//! - Up to [`LABELLED_ROWS`] bars get a label and marks for their polls; beyond that each
//!   bar is a row 2 px high (1 px past 1,500), labelled every so many rows, so 1,000 tasks
//!   still fit on a screen or two. The alive-tasks strip summarises any number.
//! - Every text is escaped (`&`, `<`, `>`, quotes): task names come from user code.
//!
//! Path: `setup.rs` calls [`Timeline::from_trace`] after the run -> [`Timeline::write`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;
use std::time::Duration;

use ripple_reactor::{TaskEnd, TaskEvent, TaskId, TraceEvent};

/// How many bars get a label of their own; more are drawn as thin rows.
pub const LABELLED_ROWS: usize = 60;

const WIDTH: f64 = 1000.0;
const RIGHT_MARGIN: f64 = 30.0;
const STRIP_TOP: f64 = 56.0;
const STRIP_HEIGHT: f64 = 56.0;
const AXIS_Y: f64 = 136.0;
const ROWS_TOP: f64 = 144.0;
const LABEL_CHARS: usize = 38;

/// How a task's bar ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The task returned.
    Completed,
    /// The task was cancelled (its future dropped).
    Cancelled,
    /// The task panicked.
    Panicked,
    /// The trace ends before the task did.
    StillRunning,
}

impl End {
    fn colour(self) -> &'static str {
        match self {
            End::Completed => "#3b7dd8",
            End::Cancelled => "#e09a2d",
            End::Panicked => "#d64545",
            End::StillRunning => "#9aa5b1",
        }
    }

    fn name(self) -> &'static str {
        match self {
            End::Completed => "completed",
            End::Cancelled => "cancelled",
            End::Panicked => "panicked",
            End::StillRunning => "still running at the end",
        }
    }
}

/// One task's life.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    /// The task's name.
    pub label: String,
    /// When it was spawned, from the runtime's start.
    pub start: Duration,
    /// When it ended (or the trace did).
    pub end: Duration,
    /// How it ended.
    pub how: End,
    /// When each of its polls returned.
    pub polls: Vec<Duration>,
}

/// The tasks of one run, ready to draw.
#[derive(Clone, Debug)]
pub struct Timeline {
    title: String,
    bars: Vec<Bar>,
    server_tasks: usize,
    unnamed_tasks: usize,
    span: Duration,
}

/// A task seen spawning, not yet finished.
struct Open {
    order: usize,
    name: Option<String>,
    start: Duration,
    polls: Vec<Duration>,
}

impl Timeline {
    /// Pairs each task's spawn with its end. Bars come in spawn order.
    pub fn from_trace(title: &str, events: &[TraceEvent]) -> Timeline {
        let mut open: HashMap<TaskId, Open> = HashMap::new();
        let mut closed: Vec<(usize, Option<String>, Bar)> = Vec::new();
        let mut spawned = 0;
        let last = events.last().map_or(Duration::ZERO, |event| event.at);
        for event in events {
            match &event.kind {
                TaskEvent::Spawned { name } => {
                    let task = Open {
                        order: spawned,
                        name: name.clone(),
                        start: event.at,
                        polls: Vec::new(),
                    };
                    spawned += 1;
                    open.insert(event.task, task);
                }
                TaskEvent::Polled { .. } => {
                    if let Some(task) = open.get_mut(&event.task) {
                        task.polls.push(event.at);
                    }
                }
                TaskEvent::Woken => {}
                TaskEvent::Finished(how) => {
                    // INVARIANT (module): removed here, so a reused id opens a new bar.
                    if let Some(task) = open.remove(&event.task) {
                        let how = match how {
                            TaskEnd::Completed => End::Completed,
                            TaskEnd::Cancelled => End::Cancelled,
                            TaskEnd::Panicked => End::Panicked,
                        };
                        closed.push(close(task, event.at, how));
                    }
                }
            }
        }
        closed.extend(
            open.into_values()
                .map(|task| close(task, last, End::StillRunning)),
        );
        closed.sort_by_key(|(order, _, _)| *order);

        let mut timeline = Timeline {
            title: title.to_owned(),
            bars: Vec::new(),
            server_tasks: 0,
            unnamed_tasks: 0,
            span: last,
        };
        for (_, name, bar) in closed {
            match name {
                None => timeline.unnamed_tasks += 1,
                Some(name) if name.starts_with("server:") => timeline.server_tasks += 1,
                Some(_) => timeline.bars.push(bar),
            }
        }
        timeline
    }

    /// The bars that will be drawn, in spawn order.
    pub fn bars(&self) -> &[Bar] {
        &self.bars
    }

    /// Writes the SVG to `path`.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, self.to_svg())
    }

    /// The picture as an SVG document.
    pub fn to_svg(&self) -> String {
        let layout = Layout::for_bars(self.bars.len(), self.span);
        let mut svg = String::new();
        let height = layout.rows_bottom() + 44.0;
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">"#
        );
        svg.push_str(
            "<style>text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;fill:#222}\
             .title{font-size:16px;font-weight:bold}.group{font-size:11px;font-weight:bold}.small{font-size:11px;fill:#555}</style>\n",
        );
        let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            svg,
            r#"<text class="title" x="12" y="24">{}</text>"#,
            escape(&self.title)
        );
        let _ = writeln!(
            svg,
            r#"<text class="small" x="12" y="42">{}</text>"#,
            escape(&self.caption())
        );
        self.draw_alive_strip(&mut svg, &layout);
        draw_axis(&mut svg, &layout);
        self.draw_bars(&mut svg, &layout);
        draw_legend(&mut svg, layout.rows_bottom() + 26.0);
        svg.push_str("</svg>\n");
        svg
    }

    fn caption(&self) -> String {
        let mut caption = format!(
            "{} task{} over {}",
            self.bars.len(),
            if self.bars.len() == 1 { "" } else { "s" },
            crate::show(self.span)
        );
        let mut left_out = Vec::new();
        if self.server_tasks > 0 {
            left_out.push(format!("{} of the local server", self.server_tasks));
        }
        if self.unnamed_tasks > 0 {
            left_out.push(format!(
                "{} unnamed (combinators' and helpers' own)",
                self.unnamed_tasks
            ));
        }
        if !left_out.is_empty() {
            let _ = write!(caption, "; not drawn: {}", left_out.join(", "));
        }
        if self.bars.len() > LABELLED_ROWS {
            caption.push_str("; one thin row per task, in spawn order");
        }
        caption
    }

    /// How many tasks were alive at each moment, as a step line above the axis.
    fn draw_alive_strip(&self, svg: &mut String, layout: &Layout) {
        let mut changes: Vec<(Duration, i64)> = Vec::with_capacity(self.bars.len() * 2);
        for bar in &self.bars {
            changes.push((bar.start, 1));
            changes.push((bar.end, -1));
        }
        // At equal times, ends first: a task that ends as the next starts is one, not two.
        changes.sort_unstable();
        let mut alive = 0i64;
        let mut steps: Vec<(Duration, i64)> = Vec::new();
        for (at, change) in changes {
            alive += change;
            match steps.last_mut() {
                Some(last) if last.0 == at => last.1 = alive,
                _ => steps.push((at, alive)),
            }
            // A step back to the count before it draws nothing: drop both.
            if let [.., before, last] = steps.as_slice() {
                if before.1 == last.1 {
                    steps.pop();
                }
            }
        }
        let most = steps.iter().map(|&(_, n)| n).max().unwrap_or(0).max(1);
        let base = STRIP_TOP + STRIP_HEIGHT;
        let y = |n: i64| base - STRIP_HEIGHT * n as f64 / most as f64;
        let mut path = format!("M{:.1},{base:.1}", layout.x(Duration::ZERO));
        for (at, n) in &steps {
            let _ = write!(path, " H{:.1} V{:.1}", layout.x(*at), y(*n));
        }
        let _ = write!(path, " H{:.1} V{base:.1} Z", layout.x(self.span));
        let _ = writeln!(
            svg,
            r##"<path class="alive" d="{path}" fill="#cfe0f7" stroke="#3b7dd8" stroke-width="1"/>"##
        );
        let _ = writeln!(
            svg,
            r#"<text class="small" x="{:.1}" y="{:.1}" text-anchor="end">tasks alive</text>"#,
            layout.plot_left - 8.0,
            base - 14.0
        );
        let _ = writeln!(
            svg,
            r#"<text class="small" x="{:.1}" y="{:.1}" text-anchor="end">(max {most})</text>"#,
            layout.plot_left - 8.0,
            base
        );
    }

    fn draw_bars(&self, svg: &mut String, layout: &Layout) {
        let labelled = self.bars.len() <= LABELLED_ROWS;
        let label_every = label_interval(self.bars.len());
        let groups = if labelled {
            Vec::new()
        } else {
            groups(&self.bars)
        };
        for &(first, count, name) in &groups {
            let top = ROWS_TOP + first as f64 * layout.row_height;
            let _ = writeln!(
                svg,
                r##"<line x1="12" y1="{top:.1}" x2="{:.1}" y2="{top:.1}" stroke="#b8c4d2"/>"##,
                layout.x(layout.span)
            );
            let _ = writeln!(
                svg,
                r#"<text class="group" x="12" y="{:.1}">{} ({count})</text>"#,
                top + 13.0,
                escape(&shorten(name))
            );
        }
        let near_group = |row: usize| {
            groups
                .iter()
                .any(|&(first, _, _)| row.abs_diff(first) as f64 * layout.row_height < 30.0)
        };
        for (row, bar) in self.bars.iter().enumerate() {
            let top = ROWS_TOP + row as f64 * layout.row_height;
            let x = layout.x(bar.start);
            let width = (layout.x(bar.end) - x).max(1.0);
            let height = layout.bar_height;
            let pad = (layout.row_height - height) / 2.0;
            let _ = writeln!(
                svg,
                r#"<rect class="bar" x="{x:.2}" y="{:.2}" width="{width:.2}" height="{height:.2}" fill="{}"><title>{}: {} to {} ({})</title></rect>"#,
                top + pad,
                bar.how.colour(),
                escape(&bar.label),
                crate::show(bar.start),
                crate::show(bar.end),
                bar.how.name()
            );
            if labelled {
                let _ = writeln!(
                    svg,
                    r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                    layout.plot_left - 8.0,
                    top + layout.row_height - 6.0,
                    escape(&shorten(&bar.label))
                );
                for &poll in &bar.polls {
                    let _ = writeln!(
                        svg,
                        r##"<rect class="poll" x="{:.2}" y="{:.2}" width="1.5" height="{height:.2}" fill="#17304f"/>"##,
                        layout.x(poll) - 0.75,
                        top + pad
                    );
                }
            } else if row % label_every == 0 && !near_group(row) {
                let _ = writeln!(
                    svg,
                    r#"<text class="small" x="{:.1}" y="{:.1}" text-anchor="end">task {}</text>"#,
                    layout.plot_left - 8.0,
                    top + 4.0,
                    row + 1
                );
            }
        }
    }
}

/// Runs of bars whose labels share the text before `#` ("at once #1", "at once #2", ...):
/// `(first row, how many, shared text)`. Thin rows get one label per run.
fn groups(bars: &[Bar]) -> Vec<(usize, usize, &str)> {
    let mut groups: Vec<(usize, usize, &str)> = Vec::new();
    for (row, bar) in bars.iter().enumerate() {
        let name = bar.label.split('#').next().unwrap_or("").trim();
        match groups.last_mut() {
            Some((_, count, last)) if *last == name => *count += 1,
            _ => groups.push((row, 1, name)),
        }
    }
    groups
}

fn close(task: Open, end: Duration, how: End) -> (usize, Option<String>, Bar) {
    let bar = Bar {
        label: task.name.clone().unwrap_or_default(),
        start: task.start,
        end,
        how,
        polls: task.polls,
    };
    (task.order, task.name, bar)
}

/// Where things go on the page.
struct Layout {
    plot_left: f64,
    plot_width: f64,
    row_height: f64,
    bar_height: f64,
    rows: usize,
    span: Duration,
}

impl Layout {
    fn for_bars(rows: usize, span: Duration) -> Layout {
        let (plot_left, row_height, bar_height) = if rows <= LABELLED_ROWS {
            (290.0, 20.0, 14.0)
        } else if rows <= 1500 {
            (170.0, 2.0, 2.0)
        } else {
            (170.0, 1.0, 1.0)
        };
        Layout {
            plot_left,
            plot_width: WIDTH - plot_left - RIGHT_MARGIN,
            row_height,
            bar_height,
            rows,
            // A run that took no time at all still gets an axis.
            span: span.max(Duration::from_millis(1)),
        }
    }

    fn x(&self, at: Duration) -> f64 {
        self.plot_left + self.plot_width * (at.as_secs_f64() / self.span.as_secs_f64())
    }

    fn rows_bottom(&self) -> f64 {
        ROWS_TOP + self.rows.max(1) as f64 * self.row_height
    }
}

/// The time axis: ticks at a round step, labelled in ms or s, with grid lines down
/// through the rows.
fn draw_axis(svg: &mut String, layout: &Layout) {
    let step = tick_step(layout.span);
    let bottom = layout.rows_bottom();
    let _ = writeln!(
        svg,
        r##"<line x1="{:.1}" y1="{AXIS_Y}" x2="{:.1}" y2="{AXIS_Y}" stroke="#444"/>"##,
        layout.plot_left,
        layout.x(layout.span)
    );
    let mut at = Duration::ZERO;
    while at <= layout.span {
        let x = layout.x(at);
        let _ = writeln!(
            svg,
            r##"<line class="tick" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="#e2e2e2"/>"##,
            AXIS_Y + 1.0
        );
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{AXIS_Y}" stroke="#444"/>"##,
            AXIS_Y - 4.0
        );
        let _ = writeln!(
            svg,
            r#"<text class="small" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            AXIS_Y - 7.0,
            tick_label(at, step, layout.span)
        );
        at += step;
    }
}

fn draw_legend(svg: &mut String, y: f64) {
    let mut x = 12.0;
    for end in [
        End::Completed,
        End::Cancelled,
        End::Panicked,
        End::StillRunning,
    ] {
        let _ = writeln!(
            svg,
            r#"<rect x="{x}" y="{:.1}" width="12" height="12" fill="{}"/>"#,
            y - 10.0,
            end.colour()
        );
        let _ = writeln!(
            svg,
            r#"<text class="small" x="{:.1}" y="{y:.1}">{}</text>"#,
            x + 16.0,
            end.name()
        );
        x += 24.0 + 7.0 * end.name().len() as f64;
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{x}" y="{:.1}" width="2" height="12" fill="#17304f"/>"##,
        y - 10.0
    );
    let _ = writeln!(
        svg,
        r#"<text class="small" x="{:.1}" y="{y:.1}">a poll (labelled rows only)</text>"#,
        x + 8.0
    );
}

/// A round step (1, 2 or 5 times a power of ten) that cuts `span` into at most 10 ticks.
fn tick_step(span: Duration) -> Duration {
    let span_ns = span.as_nanos().max(1) as f64;
    let raw = span_ns / 10.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&candidate| candidate >= raw)
        .unwrap_or(10.0 * magnitude);
    Duration::from_nanos(step.round().max(1.0) as u64)
}

/// `at` in the unit that suits the whole axis: s from one second up, else ms (µs for
/// very short runs), with as many decimals as the step needs.
fn tick_label(at: Duration, step: Duration, span: Duration) -> String {
    if at.is_zero() {
        return "0".to_owned();
    }
    let (unit, per_unit) = if span >= Duration::from_secs(1) {
        ("s", 1e9)
    } else if span >= Duration::from_millis(1) {
        ("ms", 1e6)
    } else {
        ("µs", 1e3)
    };
    let step_in_units = step.as_nanos() as f64 / per_unit;
    let decimals = (-step_in_units.log10().floor()).max(0.0) as usize;
    format!("{:.*} {unit}", decimals, at.as_nanos() as f64 / per_unit)
}

/// Every how many thin rows a row number is printed: about ten labels in all.
fn label_interval(rows: usize) -> usize {
    [10, 25, 50, 100, 250, 500, 1000, 2500, 5000]
        .into_iter()
        .find(|&every| rows / every <= 10)
        .unwrap_or(10_000)
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

/// Escapes text for SVG (XML) content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use ripple_reactor::{Runtime, sleep, spawn, spawn_named};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A traced run on the paused clock: two named sleepers, one cancelled, ids reused.
    fn traced_run() -> Timeline {
        let rt = Runtime::builder().paused_clock().trace().build().unwrap();
        rt.block_on(async {
            spawn_named("first <300 ms>", sleep(ms(300))).await.unwrap();
            let slow = spawn_named("second & cancelled", sleep(ms(1000)));
            let fast = spawn_named("third", sleep(ms(100)));
            spawn(async {}).await.unwrap(); // unnamed: left out
            fast.await.unwrap();
            slow.cancel();
        });
        Timeline::from_trace("test", &rt.take_trace())
    }

    #[test]
    fn bars_pair_spawn_and_end_even_when_ids_are_reused() {
        let timeline = traced_run();
        let bars: Vec<_> = timeline
            .bars()
            .iter()
            .map(|bar| (bar.label.as_str(), bar.start, bar.end, bar.how))
            .collect();
        assert_eq!(
            bars,
            [
                ("first <300 ms>", ms(0), ms(300), End::Completed),
                ("second & cancelled", ms(300), ms(400), End::Cancelled),
                ("third", ms(300), ms(400), End::Completed),
            ]
        );
        assert_eq!(timeline.unnamed_tasks, 1);
    }

    #[test]
    fn the_svg_parses_has_one_bar_per_task_and_escapes_names() {
        let svg = traced_run().to_svg();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        let bars = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("bar"))
            .count();
        assert_eq!(bars, 3);
        assert!(svg.contains("first &lt;300 ms&gt;"), "{svg}");
        assert!(svg.contains("second &amp; cancelled"), "{svg}");
        let labels: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("label"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(labels, ["first <300 ms>", "second & cancelled", "third"]);
    }

    #[test]
    fn ticks_are_round_and_labelled_in_the_axis_unit() {
        assert_eq!(tick_step(ms(400)), ms(50));
        assert_eq!(tick_step(Duration::from_secs(10)), Duration::from_secs(1));
        assert_eq!(tick_step(ms(1100)), ms(200));
        assert_eq!(tick_label(ms(200), ms(200), ms(1100)), "0.2 s");
        assert_eq!(tick_label(ms(50), ms(50), ms(400)), "50 ms");
        assert_eq!(
            tick_label(Duration::from_secs(3), Duration::from_secs(1), ms(10_100)),
            "3 s"
        );
        assert_eq!(tick_label(Duration::ZERO, ms(1), ms(5)), "0");
    }

    #[test]
    fn many_bars_become_thin_rows_with_occasional_numbers() {
        assert_eq!(label_interval(1000), 100);
        assert_eq!(label_interval(61), 10);
        let layout = Layout::for_bars(1000, Duration::from_secs(1));
        assert_eq!(layout.row_height, 2.0);
        assert_eq!(layout.rows_bottom(), ROWS_TOP + 2000.0);
    }

    #[test]
    fn thin_rows_are_grouped_by_the_name_before_the_hash() {
        let bar = |label: &str| Bar {
            label: label.to_owned(),
            start: Duration::ZERO,
            end: Duration::ZERO,
            how: End::Completed,
            polls: Vec::new(),
        };
        let bars = [
            bar("at once #1"),
            bar("at once #2"),
            bar("one at a time #1"),
            bar("x"),
        ];
        assert_eq!(
            groups(&bars),
            [(0, 2, "at once"), (2, 1, "one at a time"), (3, 1, "x")]
        );
    }

    #[test]
    fn escape_covers_the_five_xml_characters() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
    }
}
