//! The report's charts, drawn with plotters' SVG backend into strings that are inlined into the
//! HTML page (no files, no scripts, no fonts to fetch). Real data is blue bars, synthetic data an
//! orange outline (histograms) or orange bars (categories), the same everywhere.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Real data's colour.
pub const REAL: RGBColor = RGBColor(49, 110, 196);
/// Synthetic data's colour.
pub const SYNTHETIC: RGBColor = RGBColor(232, 119, 34);

const FONT: &str = "sans-serif";
const GRID: RGBColor = RGBColor(232, 232, 232);
/// Size of a column chart.
pub const COLUMN_SIZE: (u32, u32) = (380, 220);

type Drawing<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Renders into an SVG string; plotters' errors become the chart's text.
fn render(
    size: (u32, u32),
    draw: impl FnOnce(&Drawing<'_>) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    // Inline SVG needs no namespace, and the page then holds no URL at all.
    Ok(svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1))
}

fn fail(err: impl std::fmt::Display) -> String {
    err.to_string()
}

/// Overlaid histograms: `edges` bound the bins (`edges.len() - 1` of them), the shares are per
/// bin on each side; `x_label` writes an axis value.
pub fn overlaid(
    edges: &[f64],
    real: &[f64],
    synthetic: &[f64],
    x_label: &dyn Fn(f64) -> String,
    size: (u32, u32),
) -> Result<String, String> {
    let (Some(&lo), Some(&hi)) = (edges.first(), edges.last()) else {
        return Err("no values".into());
    };
    let top = real
        .iter()
        .chain(synthetic)
        .copied()
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.12;
    render(size, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .margin_right(16)
            .x_label_area_size(22)
            .y_label_area_size(38)
            .build_cartesian_2d(lo..hi, 0.0..top)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(4)
            .y_labels(4)
            .x_label_formatter(&|x| x_label(*x))
            .y_label_formatter(&|y| percent_label(*y))
            .label_style((FONT, 11))
            .draw()
            .map_err(fail)?;
        let bars = edges.windows(2).zip(real).map(|(bin, share)| {
            Rectangle::new([(bin[0], 0.0), (bin[1], *share)], REAL.mix(0.55).filled())
        });
        chart.draw_series(bars).map_err(fail)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                outline(edges, synthetic),
                SYNTHETIC.stroke_width(2),
            )))
            .map_err(fail)?;
        Ok(())
    })
}

/// The step line over a histogram's bars.
fn outline(edges: &[f64], shares: &[f64]) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(shares.len() * 2 + 2);
    for (bin, share) in edges.windows(2).zip(shares) {
        points.push((bin[0], *share));
        points.push((bin[1], *share));
    }
    if let (Some(first), Some(last)) = (points.first().copied(), points.last().copied()) {
        points.insert(0, (first.0, 0.0));
        points.push((last.0, 0.0));
    }
    points
}

/// Horizontal bars per category, real and synthetic side by side, the first category on top.
pub fn categories(labels: &[String], real: &[f64], synthetic: &[f64]) -> Result<String, String> {
    let k = labels.len();
    if k == 0 {
        return Err("no values".into());
    }
    let right = real
        .iter()
        .chain(synthetic)
        .copied()
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1;
    let height = (34 + 20 * k as u32).max(COLUMN_SIZE.1);
    let position = |i: usize| (k - 1 - i) as f64;
    render((COLUMN_SIZE.0, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .margin_right(16)
            .x_label_area_size(22)
            .y_label_area_size(96)
            .build_cartesian_2d(0.0..right, -0.5..(k as f64 - 0.5))
            .map_err(fail)?;
        let label = |y: f64| {
            let index = k as f64 - 1.0 - y;
            if (index - index.round()).abs() < 1e-6 && index >= 0.0 {
                labels
                    .get(index.round() as usize)
                    .map_or_else(String::new, |l| short(l, 14))
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(4)
            .y_labels(k + 1)
            .x_label_formatter(&|x| percent_label(*x))
            .y_label_formatter(&|y| label(*y))
            .label_style((FONT, 11))
            .draw()
            .map_err(fail)?;
        let bar = |i: usize, share: f64, offset: f64, color: RGBColor| {
            let y = position(i);
            Rectangle::new(
                [(0.0, y + offset), (share, y + offset + 0.38)],
                color.filled(),
            )
        };
        chart
            .draw_series(real.iter().enumerate().map(|(i, s)| bar(i, *s, 0.0, REAL)))
            .map_err(fail)?;
        chart
            .draw_series(
                synthetic
                    .iter()
                    .enumerate()
                    .map(|(i, s)| bar(i, *s, -0.38, SYNTHETIC)),
            )
            .map_err(fail)?;
        Ok(())
    })
}

/// Two association matrices side by side (real, synthetic) over the same columns: Pearson's ρ
/// for two continuous columns, Cramér's V otherwise; NaN cells are grey.
pub fn heatmaps(
    names: &[String],
    real: &[Vec<f64>],
    synthetic: &[Vec<f64>],
) -> Result<String, String> {
    let n = names.len().max(1) as u32;
    let grid = (n * 28).clamp(160, 420);
    let panel = (grid + HEATMAP_LABELS + 16, grid + 56);
    render((panel.0 * 2, panel.1), |root| {
        let (left, right) = root.split_horizontally(panel.0);
        heatmap_panel(&left, "real", names, real)?;
        heatmap_panel(&right, "synthetic", names, synthetic)?;
        Ok(())
    })
}

/// Width of a heat map's row labels.
const HEATMAP_LABELS: u32 = 116;

fn heatmap_panel(
    area: &Drawing<'_>,
    title: &str,
    names: &[String],
    matrix: &[Vec<f64>],
) -> Result<(), String> {
    let n = names.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 14))
        .margin(6)
        .x_label_area_size(20)
        .margin_right(10)
        .y_label_area_size(HEATMAP_LABELS)
        .build_cartesian_2d(-0.5..n - 0.5, -0.5..n - 0.5)
        .map_err(fail)?;
    let index =
        |v: f64| ((v - v.round()).abs() < 1e-6 && v >= 0.0 && v < n).then(|| v.round() as usize);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(names.len() + 1)
        .y_labels(names.len() + 1)
        .x_label_formatter(&|x| index(*x).map_or_else(String::new, |i| (i + 1).to_string()))
        .y_label_formatter(&|y| {
            let row = index(*y).map(|i| names.len() - 1 - i);
            row.map_or_else(String::new, |i| {
                format!("{} {}", i + 1, short(&names[i], 14))
            })
        })
        .label_style((FONT, 10))
        .draw()
        .map_err(fail)?;
    let cells = matrix.iter().enumerate().flat_map(|(i, row)| {
        row.iter().enumerate().map(move |(j, value)| {
            let y = n - 1.0 - i as f64;
            let x = j as f64;
            Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                heat(*value).filled(),
            )
        })
    });
    chart.draw_series(cells).map_err(fail)?;
    Ok(())
}

/// Blue for −1, white for 0, red for 1; grey when undefined.
pub fn heat(value: f64) -> RGBColor {
    if value.is_nan() {
        return RGBColor(200, 200, 200);
    }
    let v = value.clamp(-1.0, 1.0);
    let (target, t) = if v >= 0.0 {
        ((178, 24, 43), v)
    } else {
        ((33, 102, 172), -v)
    };
    let blend = |to: u8| (255.0 + (f64::from(to) - 255.0) * t).round() as u8;
    RGBColor(blend(target.0), blend(target.1), blend(target.2))
}

/// `12%`, or `0.5%` for small shares.
fn percent_label(share: f64) -> String {
    let percent = share * 100.0;
    if percent.abs() < 1e-9 {
        "0".into()
    } else if percent.abs() < 2.0 {
        format!("{percent:.1}%")
    } else {
        format!("{percent:.0}%")
    }
}

/// At most `max` characters, with an ellipsis when cut.
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_standalone_svg_without_namespace_urls() {
        let svg = overlaid(
            &[0.0, 1.0, 2.0],
            &[0.5, 0.5],
            &[0.25, 0.75],
            &|x| x.to_string(),
            COLUMN_SIZE,
        )
        .unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("http"));
        let svg = categories(&["a<b".into()], &[1.0], &[0.5]).unwrap();
        assert!(svg.contains("a&lt;b") && !svg.contains("a<b"));
    }

    #[test]
    fn heat_runs_from_blue_through_white_to_red() {
        assert_eq!(heat(0.0), RGBColor(255, 255, 255));
        assert_eq!(heat(1.0), RGBColor(178, 24, 43));
        assert_eq!(heat(-1.0), RGBColor(33, 102, 172));
        assert_eq!(heat(f64::NAN), RGBColor(200, 200, 200));
    }
}
