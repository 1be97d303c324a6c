//! The latency plot: percentile curves per operation, drawn with plotters (no system font
//! library needed: a TTF file is loaded directly when one is found).

use std::path::Path;

use anyhow::Context;
use plotters::prelude::*;

use crate::report::Results;

const FONTS: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

fn register_font() -> bool {
    for path in FONTS {
        if let Ok(bytes) = std::fs::read(path) {
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                return true;
            }
        }
    }
    false
}

/// Draws p50..p99.9 latency (ms, log scale) for each operation.
pub fn draw(path: &Path, r: &Results) -> anyhow::Result<()> {
    let labels = register_font();
    let percentiles = [50.0, 75.0, 90.0, 95.0, 99.0, 99.9];
    let runs = [&r.orders, &r.cart, &r.notify, &r.list];
    let max = runs
        .iter()
        .flat_map(|run| percentiles.iter().map(move |p| run.ms(*p)))
        .fold(1.0f64, f64::max);
    let root = BitMapBackend::new(path, (960, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut builder = ChartBuilder::on(&root);
    builder
        .margin(20)
        .x_label_area_size(if labels { 40 } else { 5 })
        .y_label_area_size(if labels { 60 } else { 5 });
    if labels {
        builder.caption(
            "luffy latency percentiles (ms, log scale)",
            ("sans-serif", 22),
        );
    }
    let mut chart = builder
        .build_cartesian_2d(
            0usize..percentiles.len() - 1,
            (0.05f64..max * 1.5).log_scale(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if labels {
        chart
            .configure_mesh()
            .x_labels(percentiles.len())
            .x_label_formatter(&|i| {
                format!("p{}", percentiles.get(*i).copied().unwrap_or_default())
            })
            .y_desc("ms")
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    } else {
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(0)
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let colors = [RED, BLUE, GREEN, MAGENTA];
    for (run, color) in runs.iter().zip(colors) {
        let series = chart
            .draw_series(LineSeries::new(
                percentiles
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, run.ms(*p).max(0.05))),
                color.stroke_width(3),
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if labels {
            series.label(run.name).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
            });
        }
    }
    if labels {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    root.present().context("writing the PNG")?;
    Ok(())
}
