//! What this process holds in memory now (`VmRSS`) and at its peak (`VmHWM`), from procfs.
//!
//! Linux keeps both in `/proc/self/status`, in kB (KiB): `VmRSS` is the resident set at
//! this moment, `VmHWM` its "high water mark" since the process started. A child reports
//! its `VmHWM` after the workload; the HTTP workloads also read `VmRSS` just before their
//! first request, the baseline that L1's RSS per request is measured from.
//!
//! Path: `workloads/` and `child.rs` call in -> `/proc/self/status`.

use std::fs;

/// This process's resident set now, in KiB; `None` without procfs.
pub fn resident_kib() -> Option<u64> {
    kib_field(&fs::read_to_string("/proc/self/status").ok()?, "VmRSS")
}

/// The KiB in the `name` line of a `/proc/<pid>/status` text (`VmHWM:\t  135168 kB`).
pub fn kib_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

/// KiB per operation of what `peak_kib` adds to `baseline_kib` (zero if it adds nothing).
pub fn kib_per_op(peak_kib: u64, baseline_kib: u64, ops: u64) -> f64 {
    peak_kib.saturating_sub(baseline_kib) as f64 / ops.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kib_fields_are_found_by_exact_name() {
        let status = "VmPeak:\t  300000 kB\nVmHWM:\t  135168 kB\nVmRSS:\t   4096 kB\n";
        assert_eq!(kib_field(status, "VmHWM"), Some(135_168));
        assert_eq!(kib_field(status, "VmRSS"), Some(4_096));
        assert_eq!(kib_field(status, "VmRS"), None);
        assert_eq!(kib_field("VmRSS:\tmany\n", "VmRSS"), None);
    }

    #[test]
    fn this_process_has_a_resident_set() {
        assert!(resident_kib().is_some_and(|kib| kib > 0));
    }

    #[test]
    fn per_op_growth_is_the_peak_over_the_baseline_spread_over_the_ops() {
        assert_eq!(kib_per_op(60_000, 10_000, 10_000), 5.0);
        assert_eq!(kib_per_op(9_000, 10_000, 10_000), 0.0);
        assert_eq!(kib_per_op(1, 0, 0), 1.0);
    }
}
