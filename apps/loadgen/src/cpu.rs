//! CPU time per operation, read from `/proc`: the whole machine's busy time over a run, and
//! the share of each process family (PostgreSQL, Redis, the server, the load generator).
//! Throughput on two shared cores swings by tens of percent between runs; CPU per operation
//! barely moves, so it is what shows whether a change made an order cheaper.

use std::collections::HashMap;
use std::fs;

/// Linux reports process and machine times in USER_HZ ticks, 100 per second on every
/// architecture userspace sees.
const TICK_MS: f64 = 10.0;

/// The machine's and every process's CPU ticks at one moment.
#[derive(Debug, Clone, Default)]
pub struct CpuSnapshot {
    /// Busy ticks of all cores (everything but idle and iowait).
    busy: u64,
    /// pid → (family, ticks used so far).
    processes: HashMap<u32, (&'static str, u64)>,
}

/// What a run cost, per operation.
#[derive(Debug, Clone, Default)]
pub struct CpuUse {
    /// Milliseconds of CPU (all cores) per operation, the whole machine.
    pub machine_ms: f64,
    /// (family, milliseconds per operation) for processes alive at both ends of the run.
    pub families: Vec<(&'static str, f64)>,
}

/// The family a process belongs to, by its command name and whether it is the server.
fn family(pid: u32, comm: &str, server_pid: u32) -> Option<&'static str> {
    if pid == server_pid {
        return Some("luffy");
    }
    if pid == std::process::id() {
        return Some("load generator");
    }
    match comm {
        "postgres" => Some("postgres"),
        "redis-server" => Some("redis"),
        "pgbench" => Some("pgbench"),
        _ => None,
    }
}

/// Ticks (user + system) and command name from `/proc/<pid>/stat`.
fn process_ticks(pid: u32) -> Option<(String, u64)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    // Fields after the command: state is field 3; utime and stime are fields 14 and 15.
    let rest: Vec<&str> = text.get(close + 2..)?.split_whitespace().collect();
    let utime: u64 = rest.get(11)?.parse().ok()?;
    let stime: u64 = rest.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

/// Busy ticks of all cores from the first line of `/proc/stat`.
fn machine_busy() -> u64 {
    let Ok(text) = fs::read_to_string("/proc/stat") else {
        return 0;
    };
    let Some(line) = text.lines().next() else {
        return 0;
    };
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|n| n.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    fields.iter().take(8).sum::<u64>().saturating_sub(idle)
}

impl CpuSnapshot {
    /// Reads the machine and every process of a known family now.
    pub fn now(server_pid: u32) -> Self {
        let mut processes = HashMap::new();
        if let Ok(entries) = fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let Some(pid) = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| n.parse::<u32>().ok())
                else {
                    continue;
                };
                let Some((comm, ticks)) = process_ticks(pid) else {
                    continue;
                };
                if let Some(family) = family(pid, &comm, server_pid) {
                    processes.insert(pid, (family, ticks));
                }
            }
        }
        Self {
            busy: machine_busy(),
            processes,
        }
    }

    /// The CPU used since `earlier`, per operation.
    pub fn since(&self, earlier: &CpuSnapshot, operations: f64) -> CpuUse {
        let per_op = |ticks: u64| {
            if operations > 0.0 {
                ticks as f64 * TICK_MS / operations
            } else {
                0.0
            }
        };
        let mut by_family: HashMap<&'static str, u64> = HashMap::new();
        for (pid, (family, ticks)) in &self.processes {
            if let Some((_, before)) = earlier.processes.get(pid) {
                *by_family.entry(family).or_default() += ticks.saturating_sub(*before);
            }
        }
        let mut families: Vec<(&'static str, f64)> = by_family
            .into_iter()
            .map(|(family, ticks)| (family, per_op(ticks)))
            .collect();
        families.sort_by(|a, b| b.1.total_cmp(&a.1));
        CpuUse {
            machine_ms: per_op(self.busy.saturating_sub(earlier.busy)),
            families,
        }
    }
}

impl CpuUse {
    /// "1.52 ms (postgres 0.95, luffy 0.40, ...)".
    pub fn line(&self) -> String {
        let parts: Vec<String> = self
            .families
            .iter()
            .map(|(family, ms)| format!("{family} {ms:.2}"))
            .collect();
        format!("{:.2} ms ({})", self.machine_ms, parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_seen_and_the_machine_counts_ticks() {
        let before = CpuSnapshot::now(0);
        let mut x = 0u64;
        for i in 0..30_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert_ne!(x, 1);
        let after = CpuSnapshot::now(0);
        let used = after.since(&before, 1.0);
        assert!(used.machine_ms > 0.0, "{used:?}");
        assert!(
            used.families.iter().any(|(f, _)| *f == "load generator"),
            "{used:?}"
        );
    }
}
