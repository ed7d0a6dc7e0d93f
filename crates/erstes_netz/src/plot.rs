//! Pictures for the notebook, drawn with plotters and shown inline as PNG.
//!
//! Every function returns a [`Figure`]; as the last expression of a notebook
//! cell it shows itself (evcxr calls [`Figure::evcxr_display`]). PNG is used
//! rather than SVG because JupyterLab shows PNG outputs even in notebooks it
//! does not trust (e.g. after a headless run). Text is set in DejaVu Sans,
//! which is compiled in, so no system fonts are needed.

use base64::Engine;
use ndarray::{ArrayRef1, ArrayRef2};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{Error, Result};

const FONT: &str = "sans-serif";
/// matplotlib's first two colours, familiar from the Python course.
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const GREEN: RGBColor = RGBColor(44, 160, 44);

/// A rendered picture (PNG) that a notebook shows inline.
#[derive(Clone, PartialEq, Eq)]
pub struct Figure {
    png: Vec<u8>,
    width: u32,
    height: u32,
}

impl std::fmt::Debug for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Figure({} × {} px, PNG {} Bytes)",
            self.width,
            self.height,
            self.png.len()
        )
    }
}

impl Figure {
    /// The PNG file's bytes.
    pub fn png(&self) -> &[u8] {
        &self.png
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Writes the picture as a PNG file.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written.
    pub fn save_png(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, &self.png).map_err(|e| Error::io(path, e))
    }

    /// Shows the picture in a Jupyter notebook running the evcxr kernel.
    pub fn evcxr_display(&self) {
        let data = base64::engine::general_purpose::STANDARD.encode(&self.png);
        println!("EVCXR_BEGIN_CONTENT image/png\n{data}\nEVCXR_END_CONTENT");
    }
}

/// Draws on a white RGB canvas of `width` × `height` pixels and encodes it as PNG.
fn render(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> DrawResult,
) -> Figure {
    // Registering is cheap; doing it on every call keeps it working even when
    // a notebook kernel loads this crate more than once.
    let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        draw(&root)
            .and_then(|()| root.present().map_err(|e| e.to_string()))
            .unwrap_or_else(|e| panic!("Zeichnen fehlgeschlagen (Fehler in erstes_netz): {e}"));
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("PNG header into memory");
        writer.write_image_data(&rgb).expect("PNG data into memory");
    }
    Figure { png, width, height }
}

type DrawResult = std::result::Result<(), String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Side length of a square image with `len` pixels (784 → 28).
#[track_caller]
fn side(len: usize) -> usize {
    let s = (len as f64).sqrt().round() as usize;
    assert!(
        s * s == len && len > 0,
        "Ein Bild muss quadratisch sein (z. B. 784 = 28 × 28 Pixel), gefunden {len} Werte. \
         Übergeben Sie eine Zeile der Bildmatrix, z. B. &train_images.row(0)."
    );
    s
}

/// Grey level 0..=255 of a pixel; images in 0..=1 or 0..=255 both work.
fn grey(v: f64, max: f64) -> u8 {
    let scaled = if max > 1.0 { v / 255.0 } else { v };
    (scaled.clamp(0.0, 1.0) * 255.0).round() as u8
}

fn draw_digit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    image: &ArrayRef1<f64>,
    (x0, y0): (i32, i32),
    scale: i32,
) -> DrawResult {
    let n = side(image.len());
    let max = image.iter().fold(0.0f64, |m, &v| m.max(v));
    for (i, &v) in image.iter().enumerate() {
        let (r, c) = ((i / n) as i32, (i % n) as i32);
        let g = grey(v, max);
        let (x, y) = (x0 + c * scale, y0 + r * scale);
        area.draw(&Rectangle::new(
            [(x, y), (x + scale, y + scale)],
            RGBColor(g, g, g).filled(),
        ))
        .map_err(err)?;
    }
    Ok(())
}

fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    (x, y): (i32, i32),
    size: u32,
) -> DrawResult {
    area.draw(&Text::new(s.to_string(), (x, y), (FONT, size).into_font()))
        .map_err(err)
}

/// One digit in grey (0 black, highest value white, like `cmap="gray"`), enlarged, with a title.
///
/// `image` is one row of an image matrix (784 values); values may be 0..=255
/// or already scaled to 0..=1.
///
/// # Panics
/// If the number of values is not a square (German message).
///
/// # Example
/// ```
/// use erstes_netz::{show_digit, ndarray::Array1};
/// let figure = show_digit(&Array1::from_elem(784, 128.0), "Label: 5");
/// assert_eq!(figure.size(), (252, 282));
/// ```
#[track_caller]
pub fn show_digit(image: &ArrayRef1<f64>, title: &str) -> Figure {
    let n = side(image.len()) as u32;
    let scale = 9;
    let (w, h) = (n * scale, n * scale + 30);
    render(w, h, |root| {
        text(root, title, (8, 6), 18)?;
        draw_digit(root, image, (0, 30), scale as i32)
    })
}

/// Several digits in one picture, five per row, each with a caption below
/// (lines separated by `\n`), e.g. predicted and correct label.
///
/// # Panics
/// If `captions` has another length than `images` has rows, or an image is
/// not square (German message).
///
/// # Example
/// ```
/// use erstes_netz::{show_digits, ndarray::Array2};
/// let images = Array2::from_elem((7, 784), 0.5);
/// let captions: Vec<String> = (0..7).map(|i| format!("Bild {i}")).collect();
/// let figure = show_digits(&images, &captions);
/// assert_eq!(figure.size().0, 5 * 124);
/// ```
#[track_caller]
pub fn show_digits(images: &ArrayRef2<f64>, captions: &[String]) -> Figure {
    assert!(
        images.nrows() == captions.len(),
        "show_digits: {} Bilder, aber {} Beschriftungen – für jedes Bild eine.",
        images.nrows(),
        captions.len()
    );
    let n = side(images.ncols()) as i32;
    let scale = 4;
    let lines = captions
        .iter()
        .map(|c| c.lines().count())
        .max()
        .unwrap_or(0) as i32;
    let (tile_w, tile_h) = (n * scale + 12, n * scale + 8 + 18 * lines);
    let cols = images.nrows().clamp(1, 5) as i32;
    let rows = (images.nrows() as i32 + cols - 1) / cols;
    render(
        (tile_w * cols) as u32,
        (tile_h * rows).max(1) as u32,
        |root| {
            for (k, (image, caption)) in images.rows().into_iter().zip(captions).enumerate() {
                let (x, y) = (
                    (k as i32 % cols) * tile_w + 6,
                    (k as i32 / cols) * tile_h + 4,
                );
                draw_digit(root, &image, (x, y), scale)?;
                for (l, line) in caption.lines().enumerate() {
                    text(root, line, (x, y + n * scale + 4 + 18 * l as i32), 14)?;
                }
            }
            Ok(())
        },
    )
}

/// How a 28 × 28 image becomes one row of 784 values: the image with three
/// of its rows marked, and below it the whole row vector, row after row.
///
/// # Panics
/// If the image is not square (German message).
#[track_caller]
pub fn show_flattening(image: &ArrayRef1<f64>) -> Figure {
    let n = side(image.len()) as i32;
    let scale = 8;
    let strip_h = 28;
    let (w, h) = (
        (image.len() as i32 + 20).max(n * scale + 420),
        n * scale + strip_h + 96,
    );
    let max = image.iter().fold(0.0f64, |m, &v| m.max(v));
    let marks = [BLUE, ORANGE, GREEN];
    // The top rows of a digit are empty; mark rows in the middle where strokes are.
    let first = n / 2 - 2;
    render(w as u32, h as u32, |root| {
        text(root, &format!("Bild: {n} × {n} Pixel"), (10, 4), 16)?;
        draw_digit(root, image, (10, 26), scale)?;
        for (k, color) in marks.iter().enumerate() {
            let row = first + k as i32;
            let y = 26 + row * scale;
            root.draw(&Rectangle::new(
                [(10, y), (10 + n * scale, y + scale)],
                color.stroke_width(2),
            ))
            .map_err(err)?;
            let (lx, ly) = (n * scale + 30, 60 + 26 * k as i32);
            root.draw(&Rectangle::new(
                [(lx, ly + 3), (lx + 14, ly + 15)],
                color.filled(),
            ))
            .map_err(err)?;
            let label = format!(
                "Zeile {} des Bildes → Werte {} bis {} des Vektors",
                row + 1,
                row * n + 1,
                (row + 1) * n
            );
            text(root, &label, (lx + 22, ly), 14)?;
        }
        let y0 = 26 + n * scale + 34;
        let caption = format!(
            "Vektor: eine Zeile mit {} Werten – die {n} Bildzeilen hintereinander",
            image.len()
        );
        text(root, &caption, (10, y0 - 24), 16)?;
        for (i, &v) in image.iter().enumerate() {
            let g = grey(v, max);
            let x = 10 + i as i32;
            root.draw(&Rectangle::new(
                [(x, y0), (x + 1, y0 + strip_h)],
                RGBColor(g, g, g).filled(),
            ))
            .map_err(err)?;
        }
        for (k, color) in marks.iter().enumerate() {
            let x = 10 + (first + k as i32) * n;
            root.draw(&Rectangle::new(
                [(x, y0 + strip_h + 2), (x + n, y0 + strip_h + 9)],
                color.filled(),
            ))
            .map_err(err)?;
        }
        Ok(())
    })
}

/// A number as written in German: 0.05 → "0,05".
fn de(v: f64) -> String {
    format!("{v}").replace('.', ",")
}

/// Axis tick labels with a decimal comma and at most three decimals.
fn de_tick(v: &f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

fn value_range(series: &[&[f64]]) -> (f64, f64) {
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.iter())
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-3);
    (lo - pad, hi + pad)
}

fn curve_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    y_label: &str,
    legend: SeriesLabelPosition,
    lines: &[(&str, &[f64], RGBColor)],
) -> DrawResult {
    let epochs = lines
        .iter()
        .map(|(_, v, _)| v.len())
        .max()
        .unwrap_or(0)
        .max(2);
    let values: Vec<&[f64]> = lines.iter().map(|(_, v, _)| *v).collect();
    let (lo, hi) = value_range(&values);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(38)
        .y_label_area_size(56)
        .build_cartesian_2d(1usize..epochs, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("Epoche")
        .y_desc(y_label)
        .y_label_formatter(&de_tick)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(err)?;
    for (k, &(name, v, color)) in lines.iter().enumerate() {
        let points = v.iter().enumerate().map(|(i, &y)| (i + 1, y));
        // Every line after the first is dashed, so curves lying on top of each other stay visible.
        let series = if k == 0 {
            chart.draw_series(LineSeries::new(points, color.stroke_width(3)))
        } else {
            chart.draw_series(DashedLineSeries::new(points, 7, 5, color.stroke_width(2)))
        };
        series.map_err(err)?.label(name).legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
        });
    }
    chart
        .configure_series_labels()
        .position(legend)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

/// Learning curves: loss (left) and accuracy (right) per epoch, training and test.
///
/// All four slices hold one value per epoch (test values may be empty).
///
/// # Example
/// ```
/// use erstes_netz::show_curves;
/// let figure = show_curves(&[2.3, 1.9, 1.7], &[2.3, 2.0, 1.8], &[0.1, 0.4, 0.6], &[0.1, 0.38, 0.55]);
/// assert_eq!(figure.size(), (900, 360));
/// ```
pub fn show_curves(
    loss: &[f64],
    test_loss: &[f64],
    accuracy: &[f64],
    test_accuracy: &[f64],
) -> Figure {
    render(900, 360, |root| {
        let (left, right) = root.split_horizontally(450);
        curve_panel(
            &left,
            "Loss",
            "Loss",
            SeriesLabelPosition::UpperRight,
            &[("Training", loss, BLUE), ("Test", test_loss, ORANGE)],
        )?;
        curve_panel(
            &right,
            "Accuracy",
            "Accuracy",
            SeriesLabelPosition::LowerRight,
            &[
                ("Training", accuracy, BLUE),
                ("Test", test_accuracy, ORANGE),
            ],
        )
    })
}

/// Colours for several curves, after matplotlib's.
const PALETTE: [RGBColor; 6] = [
    BLUE,
    ORANGE,
    GREEN,
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Several curves over the epochs 1, 2, … in one chart, e.g. the loss of two
/// ways of training. Each series is a name and one value per epoch.
///
/// # Example
/// ```
/// use erstes_netz::show_lines;
/// let f = show_lines("Loss", "Loss", &[("A", &[2.0, 1.0][..]), ("B", &[2.0, 1.5][..])]);
/// assert_eq!(f.size(), (640, 380));
/// ```
pub fn show_lines(title: &str, y_label: &str, series: &[(&str, &[f64])]) -> Figure {
    let lines: Vec<(&str, &[f64], RGBColor)> = series
        .iter()
        .enumerate()
        .map(|(i, &(name, values))| (name, values, PALETTE[i % PALETTE.len()]))
        .collect();
    render(640, 380, |root| {
        curve_panel(
            root,
            title,
            y_label,
            SeriesLabelPosition::UpperRight,
            &lines,
        )
    })
}

/// A table of numbers as coloured cells (white = 0, dark blue = largest
/// value) with the numbers written in: a confusion matrix, or test accuracy
/// over a grid of hyperparameters.
///
/// # Panics
/// If the labels do not match the shape of `values` (German message).
///
/// # Example
/// ```
/// use erstes_netz::{show_matrix, ndarray::array};
/// let labels = vec!["0".to_string(), "1".to_string()];
/// let f = show_matrix("Konfusionsmatrix", "richtig", "vorhergesagt", &labels, &labels, &array![[9.0, 1.0], [2.0, 8.0]], 0);
/// assert!(f.size().0 > 200);
/// ```
#[track_caller]
pub fn show_matrix(
    title: &str,
    row_title: &str,
    col_title: &str,
    rows: &[String],
    cols: &[String],
    values: &ArrayRef2<f64>,
    decimals: usize,
) -> Figure {
    assert!(
        values.nrows() == rows.len() && values.ncols() == cols.len(),
        "show_matrix: {} × {} Werte, aber {} Zeilen- und {} Spaltenbeschriftungen.",
        values.nrows(),
        values.ncols(),
        rows.len(),
        cols.len()
    );
    // Cells wide enough for the column labels (about 7 px per character).
    let longest = cols.iter().map(|c| c.chars().count()).max().unwrap_or(1) as i32;
    let (cell_w, cell_h) = ((7 * longest + 10).max(46), 46);
    let left = 20 + 8 * rows.iter().map(|r| r.chars().count()).max().unwrap_or(1) as i32;
    let top = 70i32;
    let (w, h) = (
        left + cell_w * cols.len() as i32 + 20,
        top + cell_h * rows.len() as i32 + 30,
    );
    let max = values
        .iter()
        .fold(0.0f64, |m, &v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    render(w.max(300) as u32, h as u32, |root| {
        text(root, title, (10, 6), 18)?;
        text(
            root,
            &format!("Spalten: {col_title}, Zeilen: {row_title}"),
            (10, 30),
            13,
        )?;
        for (j, name) in cols.iter().enumerate() {
            text(root, name, (left + cell_w * j as i32 + 4, top - 18), 12)?;
        }
        for (i, name) in rows.iter().enumerate() {
            text(
                root,
                name,
                (10, top + cell_h * i as i32 + cell_h / 2 - 8),
                12,
            )?;
            for (j, &v) in values.row(i).iter().enumerate() {
                let t = (v.abs() / max).clamp(0.0, 1.0);
                let shade = |full: u8| (255.0 - t * (255.0 - f64::from(full))).round() as u8;
                let color = RGBColor(shade(8), shade(48), shade(107));
                let (x0, y0) = (left + cell_w * j as i32, top + cell_h * i as i32);
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell_w - 2, y0 + cell_h - 2)],
                    color.filled(),
                ))
                .map_err(err)?;
                let label =
                    de(((v * 10f64.powi(decimals as i32)).round()) / 10f64.powi(decimals as i32));
                let ink = if t > 0.5 { WHITE } else { BLACK };
                root.draw(&Text::new(
                    label,
                    (x0 + 5, y0 + cell_h / 2 - 8),
                    (FONT, 13).into_font().color(&ink),
                ))
                .map_err(err)?;
            }
        }
        Ok(())
    })
}

/// The weights of hidden neurons as pictures: row k of `w` (784 weights of
/// neuron k, one per pixel) as a 28 × 28 image, red for positive, blue for
/// negative, white for 0 (each picture scaled to its own largest weight).
/// Works as well for changes of weights, e.g. `&(&w_after[0] - &w_before[0])`.
/// Shows the first `count` rows, eight per line.
///
/// # Panics
/// If a row is not a square image (German message).
#[track_caller]
pub fn show_weight_images(w: &ArrayRef2<f64>, count: usize) -> Figure {
    let n = side(w.ncols()) as i32;
    let count = count.min(w.nrows()).max(1);
    let scale = 4;
    let tile = n * scale + 8;
    let cols = count.min(8) as i32;
    let rows = (count as i32 + cols - 1) / cols;
    render(
        (tile * cols + 8) as u32,
        (tile * rows + 26) as u32,
        |root| {
            text(root, "rot: positiv, blau: negativ, weiß: 0", (6, 4), 13)?;
            for (k, row) in w.rows().into_iter().take(count).enumerate() {
                let max = row
                    .iter()
                    .fold(0.0f64, |m, &v| m.max(v.abs()))
                    .max(f64::MIN_POSITIVE);
                let (x0, y0) = (6 + (k as i32 % cols) * tile, 24 + (k as i32 / cols) * tile);
                for (i, &v) in row.iter().enumerate() {
                    let t = (v / max).clamp(-1.0, 1.0);
                    let fade = (255.0 * (1.0 - t.abs())).round() as u8;
                    let color = if t >= 0.0 {
                        RGBColor(255, fade, fade)
                    } else {
                        RGBColor(fade, fade, 255)
                    };
                    let (x, y) = (x0 + (i as i32 % n) * scale, y0 + (i as i32 / n) * scale);
                    root.draw(&Rectangle::new(
                        [(x, y), (x + scale, y + scale)],
                        color.filled(),
                    ))
                    .map_err(err)?;
                }
            }
            Ok(())
        },
    )
}

/// Gradient descent on the loss L(w) = w², once with a small and once with a
/// large learning rate: the small one creeps towards the minimum, the large
/// one jumps across it.
pub fn show_learning_rates(small: f64, large: f64) -> Figure {
    render(900, 340, |root| {
        let (left, right) = root.split_horizontally(450);
        for (area, lr, title) in [
            (&left, small, format!("kleine Lernrate: lr = {}", de(small))),
            (&right, large, format!("große Lernrate: lr = {}", de(large))),
        ] {
            let mut chart = ChartBuilder::on(area)
                .caption(title, (FONT, 17))
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(44)
                .build_cartesian_2d(-3.2f64..3.2, -0.3f64..10.0)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc("Weight w")
                .y_desc("Loss L(w) = w²")
                .x_label_formatter(&de_tick)
                .y_label_formatter(&de_tick)
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 13))
                .draw()
                .map_err(err)?;
            let curve = (0..=128)
                .map(|i| -3.2 + 6.4 * f64::from(i) / 128.0)
                .map(|w| (w, w * w));
            chart
                .draw_series(LineSeries::new(curve, BLUE.stroke_width(2)))
                .map_err(err)?;
            // w ← w − lr · dL/dw, with dL/dw = 2w
            let steps: Vec<(f64, f64)> =
                std::iter::successors(Some(-3.0f64), |&w| Some(w - lr * 2.0 * w))
                    .take(9)
                    .map(|w| (w, w * w))
                    .collect();
            chart
                .draw_series(LineSeries::new(steps.clone(), ORANGE.stroke_width(2)))
                .map_err(err)?;
            chart
                .draw_series(steps.iter().map(|&p| Circle::new(p, 4, ORANGE.filled())))
                .map_err(err)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2};

    fn decode(figure: &Figure) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(figure.png().to_vec()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        (info.width, info.height, buf)
    }

    #[test]
    fn digit_is_drawn_in_grey_levels_at_nine_times_size() {
        let mut image = Array1::zeros(784);
        image[0] = 255.0; // top-left pixel white, rest black
        let figure = show_digit(&image, "Label: 7");
        let (w, h, rgb) = decode(&figure);
        assert_eq!((w, h), (252, 282));
        let px = |x: u32, y: u32| &rgb[((y * w + x) * 3) as usize..((y * w + x) * 3 + 3) as usize];
        assert_eq!(px(4, 34), [255, 255, 255]); // inside the enlarged first pixel
        assert_eq!(px(20, 34), [0, 0, 0]); // second pixel: black
        // The title left dark marks on the white band above the image.
        assert!((0..30).any(|y| (0..120).any(|x| px(x, y)[0] < 128)));
    }

    #[test]
    fn scaled_and_raw_images_look_the_same() {
        let raw = Array1::from_shape_fn(784, |i| (i % 256) as f64);
        let scaled = raw.mapv(|v| v / 255.0);
        assert_eq!(show_digit(&raw, "x"), show_digit(&scaled, "x"));
    }

    #[test]
    fn ten_digits_in_two_rows() {
        let images = Array2::from_elem((10, 784), 200.0);
        let captions: Vec<String> = (0..10)
            .map(|i| format!("vorhergesagt: {i}\nrichtig: 3"))
            .collect();
        let (w, h, _) = decode(&show_digits(&images, &captions));
        assert_eq!((w, h), (5 * 124, 2 * (112 + 8 + 36)));
    }

    #[test]
    #[should_panic(expected = "quadratisch")]
    fn non_square_image_is_explained() {
        show_digit(&Array1::zeros(100 - 1), "x");
    }

    #[test]
    fn curves_and_demos_render() {
        let f = show_curves(&[2.0, 1.0], &[2.1, 1.2], &[0.2, 0.5], &[]);
        assert_eq!(decode(&f).0, 900);
        let (w, _, rgb) = decode(&show_learning_rates(0.05, 0.95));
        assert_eq!(w, 900);
        assert!(
            rgb.chunks(3).any(|p| p == [255, 127, 14]),
            "orange steps drawn"
        );
        let (w, _, _) = decode(&show_flattening(&Array1::from_elem(784, 0.3)));
        assert!(w >= 794);
        assert_eq!(de(0.05), "0,05");
        assert_eq!(de_tick(&2.0), "2");
        assert_eq!(de_tick(&0.125), "0,125");
    }

    #[test]
    fn evcxr_display_format() {
        // The display protocol is a plain text frame; check the PNG signature survives base64.
        let f = show_curves(&[1.0], &[1.0], &[0.5], &[0.5]);
        let b64 = base64::engine::general_purpose::STANDARD.encode(f.png());
        assert!(b64.starts_with("iVBORw0KGgo"));
    }
}
