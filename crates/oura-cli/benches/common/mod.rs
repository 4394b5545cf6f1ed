//! What the command's benchmarks share: a child process's peak resident memory.

use std::process::{Child, ExitStatus};
use std::time::Duration;

/// The peak resident set of a process so far (Linux), in KiB.
pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Waits for `child`, reading its peak resident memory every `every` until it exits: its exit
/// status and that peak, in KiB.
#[allow(dead_code, reason = "not every benchmark waits on a child this way")]
pub fn wait_with_peak(child: &mut Child, every: Duration) -> (ExitStatus, u64) {
    let pid = child.id();
    let mut peak_kib = 0;
    loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("wait") {
            return (status, peak_kib);
        }
        std::thread::sleep(every);
    }
}
