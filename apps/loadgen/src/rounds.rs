//! The headline ratio: order creation and pgbench's checkout script, interleaved round by
//! round at each client count, so that a machine's drift (autovacuum, a noisy neighbour)
//! falls on both; medians of the rounds.

use crate::cpu::CpuUse;
use crate::drive::RunStats;
use crate::limits::Limit;

/// Every round at one client count.
#[derive(Debug, Clone)]
pub struct Headline {
    /// Concurrent clients (API clients and pgbench clients alike).
    pub clients: usize,
    /// (order creation over the API, pgbench), in the order they ran.
    pub rounds: Vec<(RunStats, Limit)>,
    /// CPU per order and per pgbench transaction, round by round.
    pub cpu: Vec<(CpuUse, CpuUse)>,
    /// pgbench running only the writes every order needs (`order_writes.sql`), once, with its
    /// CPU per transaction: how low an order's cost could go at all.
    pub floor: Option<(Limit, CpuUse)>,
}

/// The median of some figures (the mean of the middle two for an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

impl Headline {
    /// Median orders per second over the API.
    pub fn orders_per_second(&self) -> f64 {
        median(self.rounds.iter().map(|(o, _)| o.throughput()).collect())
    }

    /// Median pgbench transactions per second.
    pub fn pgbench_per_second(&self) -> f64 {
        median(self.rounds.iter().map(|(_, p)| p.per_second).collect())
    }

    /// Order creation's median throughput over pgbench's.
    pub fn ratio(&self) -> f64 {
        self.orders_per_second() / self.pgbench_per_second()
    }

    /// Median p99 of order creation, in ms.
    pub fn p99_ms(&self) -> f64 {
        median(self.rounds.iter().map(|(o, _)| o.ms(99.0)).collect())
    }

    /// Median of pgbench's mean latency, in ms.
    pub fn pgbench_mean_ms(&self) -> f64 {
        median(self.rounds.iter().filter_map(|(_, p)| p.mean_ms).collect())
    }

    /// The round whose order throughput is the median (the one the report's table shows).
    pub fn median_round(&self) -> Option<&(RunStats, Limit)> {
        let mut sorted: Vec<&(RunStats, Limit)> = self.rounds.iter().collect();
        sorted.sort_by(|a, b| a.0.throughput().total_cmp(&b.0.throughput()));
        sorted.get(sorted.len() / 2).copied()
    }

    /// Median machine CPU per order and per pgbench transaction, in ms.
    pub fn cpu_ms(&self) -> (f64, f64) {
        (
            median(self.cpu.iter().map(|(o, _)| o.machine_ms).collect()),
            median(self.cpu.iter().map(|(_, p)| p.machine_ms).collect()),
        )
    }

    /// One line per round of where the CPU went, for the terminal.
    pub fn cpu_lines(&self) -> Vec<String> {
        self.cpu
            .iter()
            .enumerate()
            .map(|(i, (orders, pgbench))| {
                format!(
                    "{} clients, round {}: CPU per order {}; per pgbench transaction {:.2} ms",
                    self.clients,
                    i + 1,
                    orders.line(),
                    pgbench.machine_ms
                )
            })
            .collect()
    }

    /// The floor's line for the terminal, when it ran.
    pub fn floor_line(&self) -> Option<String> {
        let (limit, cpu) = self.floor.as_ref()?;
        Some(format!(
            "{} clients, the order writes alone (pgbench): {:.0} tps, CPU per transaction {:.2} ms",
            self.clients, limit.per_second, cpu.machine_ms
        ))
    }

    /// One line for the terminal.
    pub fn line(&self) -> String {
        let each: Vec<String> = self
            .rounds
            .iter()
            .map(|(o, p)| {
                format!(
                    "{:.0}/{:.0} ({} errors)",
                    o.throughput(),
                    p.per_second,
                    o.errors
                )
            })
            .collect();
        format!(
            "{} clients: orders {:.0}/s vs pgbench {:.0} tps = {:.2}x; p99 {:.1} ms = {:.2}x pgbench's mean {:.1} ms (rounds orders/pgbench: {})",
            self.clients,
            self.orders_per_second(),
            self.pgbench_per_second(),
            self.ratio(),
            self.p99_ms(),
            self.p99_ms() / self.pgbench_mean_ms(),
            self.pgbench_mean_ms(),
            each.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(vec![]), 0.0);
    }
}
