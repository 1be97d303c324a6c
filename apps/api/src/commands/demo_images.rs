//! The demo catalog's pictures, drawn here (never downloaded): a coloured gradient cover per
//! course and an avatar per teacher, written as real PNG files under `LUFFY_MEDIA_DIR` where
//! `luffy seed`'s rows point (`/uploads/...` is served from that directory).

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Course covers (16:9) by file name under `course/cover/`, with a base colour each.
const COVERS: [(&str, [u8; 3]); 8] = [
    ("typescript.png", [49, 120, 198]),
    ("typescript-pro.png", [32, 80, 160]),
    ("vue3.png", [65, 184, 131]),
    ("python-21.png", [255, 212, 59]),
    ("python-web.png", [55, 118, 171]),
    ("python-spider.png", [120, 90, 200]),
    ("algorithm.png", [230, 100, 80]),
    ("leetcode.png", [255, 161, 22]),
];

/// Teacher avatars (square) by file name under `teacher/avatar/`.
/// The demo banners (1200×382, the client's carousel height).
const BANNERS: [(&str, [u8; 3]); 3] = [
    ("demo-1.png", [40, 90, 200]),
    ("demo-2.png", [230, 120, 40]),
    ("demo-3.png", [30, 160, 120]),
];

const AVATARS: [(&str, [u8; 3]); 3] = [
    ("1.png", [220, 60, 60]),
    ("2.png", [60, 160, 90]),
    ("3.png", [240, 150, 40]),
];

/// Encodes an RGB image: a diagonal gradient from `colour` to a darker shade, with a lighter
/// disc in the middle so the picture is recognisably drawn, not blank.
pub fn gradient_png(width: u32, height: u32, colour: [u8; 3]) -> anyhow::Result<Vec<u8>> {
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    let (cx, cy) = (f64::from(width) / 2.0, f64::from(height) / 2.0);
    let radius = f64::from(width.min(height)) / 3.0;
    for y in 0..height {
        for x in 0..width {
            let t = (f64::from(x) / f64::from(width) + f64::from(y) / f64::from(height)) / 2.0;
            let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
            let inside = dx * dx + dy * dy < radius * radius;
            for channel in colour {
                let shaded = f64::from(channel) * (1.0 - 0.45 * t);
                let value = if inside {
                    shaded + (255.0 - shaded) * 0.35
                } else {
                    shaded
                };
                pixels.push(value.clamp(0.0, 255.0) as u8);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().context("writing a PNG header")?;
        writer
            .write_image_data(&pixels)
            .context("writing PNG data")?;
    }
    Ok(out)
}

fn write_if_missing(path: &Path, width: u32, height: u32, colour: [u8; 3]) -> anyhow::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    // Written aside and renamed, so a reader (or a second seed at once) never sees half a file.
    let partial = path.with_extension(format!("{}.part", uuid::Uuid::new_v4().simple()));
    std::fs::write(&partial, gradient_png(width, height, colour)?)
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(true)
}

/// Writes the demo covers and avatars that are missing; returns the files written.
pub fn write_demo_images(media_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (name, colour) in COVERS {
        let path = media_dir.join("course/cover").join(name);
        if write_if_missing(&path, 320, 180, colour)? {
            written.push(path);
        }
    }
    for (name, colour) in AVATARS {
        let path = media_dir.join("teacher/avatar").join(name);
        if write_if_missing(&path, 96, 96, colour)? {
            written.push(path);
        }
    }
    for (name, colour) in BANNERS {
        let path = media_dir.join("banner").join(name);
        if write_if_missing(&path, 1200, 382, colour)? {
            written.push(path);
        }
    }
    for lesson in 1..=DEMO_LESSONS {
        let path = media_dir.join(format!("lessons/lesson-{lesson}.html"));
        if path.exists() {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Written aside and renamed, like the pictures.
        let partial = path.with_extension(format!("{}.part", uuid::Uuid::new_v4().simple()));
        std::fs::write(
            &partial,
            format!(
                "<!doctype html><meta charset=\"utf-8\"><title>课时 {lesson}</title>\
                 <h1>路飞学城示例课时 {lesson}</h1><p>这是演示数据的课时讲义,只有购买了课程的学员(或免费试学的课时)才能打开。</p>\n"
            ),
        )?;
        std::fs::rename(&partial, &path)?;
        written.push(path);
    }
    Ok(written)
}

/// The demo catalog's lessons, each with a short document (`lessons/lesson-{id}.html`).
const DEMO_LESSONS: u32 = 14;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_real_pngs_and_written_once() {
        let bytes = gradient_png(32, 18, [10, 200, 30]).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), (32, 18));

        let dir = std::env::temp_dir().join(format!("luffy-media-{}", uuid::Uuid::new_v4()));
        let first = write_demo_images(&dir).unwrap();
        assert_eq!(
            first.len(),
            COVERS.len() + AVATARS.len() + BANNERS.len() + DEMO_LESSONS as usize
        );
        assert!(
            dir.join("lessons/lesson-1.html").is_file() && dir.join("banner/demo-1.png").is_file()
        );
        assert!(dir.join("course/cover/vue3.png").is_file());
        assert!(write_demo_images(&dir).unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
