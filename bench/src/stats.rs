//! Median, minimum and maximum of a handful of runs.
//!
//! The table shows medians, not means: with five runs on a shared two-core machine, one
//! run hit by a neighbour's build would drag a mean far more than a median. The minimum
//! and maximum stay beside it so the reader sees how much the runs moved.
//!
//! Path: `main.rs` collects the runs -> here -> `table.rs` prints the summaries.

/// The spread of one cell of the table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// The middle value; the mean of the two middle ones for an even count.
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Summary {
    /// Summarizes `values`; `None` if there are none (every run of the cell failed).
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        };
        Some(Summary {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_an_odd_count_is_the_middle_value_whatever_the_order() {
        let s = Summary::of(&[5.0, 1.0, 4.0, 2.0, 3.0]).unwrap();
        assert_eq!(
            s,
            Summary {
                median: 3.0,
                min: 1.0,
                max: 5.0
            }
        );
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_two_middle_values() {
        let s = Summary::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert_eq!((s.min, s.max), (1.0, 4.0));
    }

    #[test]
    fn one_run_is_its_own_median_min_and_max() {
        let s = Summary::of(&[7.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (7.0, 7.0, 7.0));
    }

    #[test]
    fn no_runs_have_no_summary() {
        assert_eq!(Summary::of(&[]), None);
    }
}
