//! The dashboard's chart: orders, revenue and refunds per day for the last 30 days, drawn on
//! the server as SVG with plotters (no script, no CDN; the page embeds the SVG text).

use luffy_order::back_office::DayFigures;
use plotters::prelude::*;
use rust_decimal::prelude::ToPrimitive;

/// The chart as SVG text; an empty string if drawing failed (the page shows the table anyway).
pub fn daily_chart(days: &[DayFigures]) -> String {
    // A drawing library's panic must not take the page down.
    std::panic::catch_unwind(|| {
        let mut svg = String::new();
        let drawn = draw(days, &mut svg).is_ok();
        if drawn {
            svg
        } else {
            String::new()
        }
    })
    .unwrap_or_default()
}

/// The top of the chart's scale: the largest figure plus a tenth (at least 11).
pub fn chart_top(days: &[DayFigures]) -> f64 {
    days.iter()
        .map(|d| {
            let revenue = d.revenue.to_f64().unwrap_or(0.0);
            let refunded = d.refunded.to_f64().unwrap_or(0.0);
            revenue.max(refunded).max(d.orders as f64)
        })
        .fold(10.0_f64, f64::max)
        * 1.1
}

fn draw<'a>(
    days: &[DayFigures],
    out: &'a mut String,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(out, (900, 320)).into_drawing_area();
    root.fill(&WHITE)?;
    let top = chart_top(days);
    let count = days.len().max(2) as i32;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .build_cartesian_2d(0..count - 1, 0.0..top)?;
    // No text and no mesh in the SVG (text needs a font on the server): the page prints the
    // legend, the scale and the figures beside it; four grid lines mark quarters of the scale.
    let grey = RGBColor(0xdd, 0xdd, 0xdd);
    for quarter in 0..=4 {
        let y = top * f64::from(quarter) / 4.0;
        chart.draw_series(LineSeries::new(vec![(0, y), (count - 1, y)], grey))?;
    }
    let series = |pick: fn(&DayFigures) -> f64| {
        days.iter()
            .enumerate()
            .map(move |(i, d)| (i32::try_from(i).unwrap_or(0), pick(d)))
            .collect::<Vec<_>>()
    };
    let blue = RGBColor(0x1f, 0x6f, 0xd0);
    let green = RGBColor(0x2e, 0x9d, 0x5b);
    let red = RGBColor(0xd0, 0x3b, 0x3b);
    chart.draw_series(LineSeries::new(
        series(|d| d.orders as f64),
        blue.stroke_width(2),
    ))?;
    chart.draw_series(LineSeries::new(
        series(|d| d.revenue.to_f64().unwrap_or(0.0)),
        green.stroke_width(2),
    ))?;
    chart.draw_series(LineSeries::new(
        series(|d| d.refunded.to_f64().unwrap_or(0.0)),
        red.stroke_width(2),
    ))?;
    root.present()?;
    Ok(())
}
