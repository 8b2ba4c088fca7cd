//! QR codes for provisioning URIs: encoding with the `qrcode` crate and rendering the module
//! grid as PNG, SVG, terminal text and `data:` URIs.
//!
//! Rendering is done here rather than by an image library: a QR code is a grid of black and
//! white squares, so a PNG is a 1-bit grayscale image whose rows are built directly, and an SVG
//! is one path of unit rectangles scaled by its `viewBox`.

use data_encoding::BASE64;
use mask::Unmasked;
use qrcode::bits::{self, Bits};
use qrcode::canvas::Canvas;
use qrcode::ec;
use qrcode::types::{QrError as EncodeError, QrResult};
use qrcode::{EcLevel, Version};
use std::fmt;
use std::str::FromStr;

mod mask;

/// Largest accepted `scale` (pixels per module).
pub const MAX_SCALE: u32 = 64;
/// Largest accepted `border` (quiet-zone modules on each side).
pub const MAX_BORDER: u32 = 64;
/// Pixels per module unless the caller says otherwise (the Python `qrcode` package's `box_size`).
pub const DEFAULT_SCALE: u32 = 10;
/// The quiet zone the QR specification asks for, in modules.
pub const DEFAULT_BORDER: u32 = 4;
/// The ECI designator announcing UTF-8 text.
const UTF8_ECI: u32 = 26;

/// Why a QR code could not be made or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The data does not fit in a version 40 symbol at the chosen error correction.
    #[error("data too long for a QR code: {len} bytes do not fit at error correction {level}")]
    DataTooLong {
        /// Length of the data in bytes (UTF-8).
        len: usize,
        /// The error correction level that was asked for.
        level: ErrorCorrection,
    },
    /// `scale` outside `1..=MAX_SCALE`.
    #[error("scale must be an integer from 1 to {max}", max = MAX_SCALE)]
    Scale,
    /// `border` outside `0..=MAX_BORDER`.
    #[error("border must be an integer from 0 to {max}", max = MAX_BORDER)]
    Border,
    /// An error correction name other than L, M, Q or H.
    #[error("error_correction must be 'L', 'M', 'Q' or 'H', not {0:?}")]
    ErrorCorrection(String),
    /// The encoder refused the data for a reason other than its length.
    #[error("cannot encode the data as a QR code: {0}")]
    Encoding(String),
    /// The PNG encoder failed.
    #[error("cannot write the PNG image: {0}")]
    Png(String),
}

/// How much of the symbol may be damaged and still read: about 7 %, 15 %, 25 % or 30 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorCorrection {
    /// Low, about 7 % recoverable.
    L,
    /// Medium, about 15 % recoverable: the usual choice for screens.
    #[default]
    M,
    /// Quartile, about 25 % recoverable.
    Q,
    /// High, about 30 % recoverable.
    H,
}

impl ErrorCorrection {
    /// The level's one-letter name.
    pub fn letter(self) -> &'static str {
        match self {
            Self::L => "L",
            Self::M => "M",
            Self::Q => "Q",
            Self::H => "H",
        }
    }

    fn ec_level(self) -> EcLevel {
        match self {
            Self::L => EcLevel::L,
            Self::M => EcLevel::M,
            Self::Q => EcLevel::Q,
            Self::H => EcLevel::H,
        }
    }
}

impl fmt::Display for ErrorCorrection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.letter())
    }
}

impl FromStr for ErrorCorrection {
    type Err = QrError;

    /// Parses `L`, `M`, `Q` or `H`, in either case.
    fn from_str(name: &str) -> Result<Self, QrError> {
        match name {
            "L" | "l" => Ok(Self::L),
            "M" | "m" => Ok(Self::M),
            "Q" | "q" => Ok(Self::Q),
            "H" | "h" => Ok(Self::H),
            _ => Err(QrError::ErrorCorrection(name.to_owned())),
        }
    }
}

/// Pixels per module, checked to be in `1..=MAX_SCALE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale(u32);

impl Scale {
    /// The number of pixels per module.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Scale {
    fn default() -> Self {
        Self(DEFAULT_SCALE)
    }
}

impl TryFrom<i64> for Scale {
    type Error = QrError;

    fn try_from(value: i64) -> Result<Self, QrError> {
        match u32::try_from(value) {
            Ok(v) if (1..=MAX_SCALE).contains(&v) => Ok(Self(v)),
            _ => Err(QrError::Scale),
        }
    }
}

/// Quiet-zone width in modules, checked to be in `0..=MAX_BORDER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Border(u32);

impl Border {
    /// The number of light modules around the symbol on each side.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Border {
    fn default() -> Self {
        Self(DEFAULT_BORDER)
    }
}

impl TryFrom<i64> for Border {
    type Error = QrError;

    fn try_from(value: i64) -> Result<Self, QrError> {
        match u32::try_from(value) {
            Ok(v) if v <= MAX_BORDER => Ok(Self(v)),
            _ => Err(QrError::Border),
        }
    }
}

/// An encoded QR symbol: its square grid of modules, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    size: usize,
    version: u16,
    level: ErrorCorrection,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `data` in the smallest symbol that holds it at error correction `level`.
    ///
    /// ASCII text (every provisioning URI pyotp builds) uses the encoder's optimal mix of
    /// numeric, alphanumeric and byte segments. Other text is written as UTF-8 bytes behind an
    /// ECI designator, so decoders read it back exactly (segmenting it automatically could
    /// mistake UTF-8 bytes for Shift JIS kanji).
    pub fn encode(data: &str, level: ErrorCorrection) -> Result<Self, QrError> {
        let ec = level.ec_level();
        let encode_error = |err| match err {
            EncodeError::DataTooLong => QrError::DataTooLong {
                len: data.len(),
                level,
            },
            other => QrError::Encoding(other.to_string()),
        };
        let bits = if data.is_ascii() {
            bits::encode_auto(data.as_bytes(), ec)
        } else {
            utf8_bits(data.as_bytes(), ec)
        }
        .map_err(encode_error)?;
        let version = bits.version();
        let (data_words, ec_words) =
            ec::construct_codewords(&bits.into_bytes(), version, ec).map_err(encode_error)?;
        let mut canvas = Canvas::new(version, ec);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data_words, &ec_words);
        let (Version::Normal(number) | Version::Micro(number)) = version;
        let size = usize::from(version.width().unsigned_abs());
        Ok(Self {
            size,
            version: number.unsigned_abs(),
            level,
            dark: Unmasked::new(&canvas, version.width()).best_masked(level),
        })
    }

    /// Modules per side, without the quiet zone (21 for version 1, up to 177 for version 40).
    pub fn size(&self) -> usize {
        self.size
    }

    /// The symbol version, 1 to 40.
    pub fn version(&self) -> u16 {
        self.version
    }

    /// The error correction level the symbol was encoded with.
    pub fn error_correction(&self) -> ErrorCorrection {
        self.level
    }

    /// Whether the module in column `x`, row `y` is dark; modules outside the grid are light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// Whether the module at `(x, y)` of the grid surrounded by `border` light modules is dark.
    fn is_dark_framed(&self, x: usize, y: usize, border: usize) -> bool {
        match (x.checked_sub(border), y.checked_sub(border)) {
            (Some(x), Some(y)) => self.is_dark(x, y),
            _ => false,
        }
    }

    /// Modules per side including the quiet zone.
    fn framed_size(&self, border: Border) -> usize {
        self.size + 2 * border.0 as usize
    }

    /// Side length in pixels of the rendered image: `(size + 2 * border) * scale`.
    pub fn pixel_size(&self, scale: Scale, border: Border) -> usize {
        self.framed_size(border) * scale.0 as usize
    }

    /// A 1-bit grayscale PNG, black modules on white, `scale` pixels per module.
    pub fn png(&self, scale: Scale, border: Border) -> Result<Vec<u8>, QrError> {
        let scale = scale.0 as usize;
        let quiet = border.0 as usize;
        let side = self.pixel_size(Scale(scale as u32), border);
        let stride = side.div_ceil(8);
        let mut pixels = vec![0xFF_u8; stride * side];
        for y in 0..self.size {
            let start = (quiet + y) * scale * stride;
            let band = &mut pixels[start..start + scale * stride];
            let (first, copies) = band.split_at_mut(stride);
            for x in (0..self.size).filter(|&x| self.is_dark(x, y)) {
                let left = (quiet + x) * scale;
                for bit in left..left + scale {
                    first[bit / 8] &= !(0x80 >> (bit % 8));
                }
            }
            for row in copies.chunks_exact_mut(stride) {
                row.copy_from_slice(first);
            }
        }
        let side = u32::try_from(side).map_err(|err| QrError::Png(err.to_string()))?;
        let mut out = Vec::with_capacity(256 + pixels.len() / 16);
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fastest);
        let png_error = |err: png::EncodingError| QrError::Png(err.to_string());
        let mut writer = encoder.write_header().map_err(png_error)?;
        writer.write_image_data(&pixels).map_err(png_error)?;
        writer.finish().map_err(png_error)?;
        Ok(out)
    }

    /// The PNG as a `data:image/png;base64,...` URI, for `<img src>` and JSON responses.
    pub fn data_uri(&self, scale: Scale, border: Border) -> Result<String, QrError> {
        let png = self.png(scale, border)?;
        let mut uri = String::with_capacity(22 + BASE64.encode_len(png.len()));
        uri.push_str("data:image/png;base64,");
        BASE64.encode_append(&png, &mut uri);
        Ok(uri)
    }

    /// An SVG document: a white square and one black path of module rectangles, in module
    /// units scaled to `scale` pixels per module by the `viewBox`.
    pub fn svg(&self, scale: Scale, border: Border) -> String {
        Svg {
            matrix: self,
            scale,
            border,
        }
        .to_string()
    }

    /// The symbol as lines of Unicode half blocks, two module rows per line, no ANSI escapes.
    ///
    /// Characters draw ink in the terminal's foreground colour. By default the ink marks the
    /// light modules and the quiet zone, so on the usual light-on-dark terminal the code appears
    /// dark on light as scanners expect; `invert` makes the ink mark the dark modules instead,
    /// for dark-on-light terminals, paper and notebooks. Either way the quiet zone is part of the
    /// drawing, so scanners that also read inverted codes read the other background too.
    pub fn terminal(&self, border: Border, invert: bool) -> String {
        let quiet = border.0 as usize;
        let side = self.framed_size(border);
        let ink = |x: usize, y: usize| y < side && self.is_dark_framed(x, y, quiet) == invert;
        let mut text = String::with_capacity(side.div_ceil(2) * (side * 3 + 1));
        for y in (0..side).step_by(2) {
            if y > 0 {
                text.push('\n');
            }
            for x in 0..side {
                text.push(match (ink(x, y), ink(x, y + 1)) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
        }
        text
    }
}

/// The bits of `data` as one UTF-8 byte segment behind an ECI designator, in the smallest version.
fn utf8_bits(data: &[u8], ec: EcLevel) -> QrResult<Bits> {
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        match push_utf8(&mut bits, data, ec) {
            Ok(()) => return Ok(bits),
            Err(EncodeError::DataTooLong) => continue,
            Err(err) => return Err(err),
        }
    }
    Err(EncodeError::DataTooLong)
}

fn push_utf8(bits: &mut Bits, data: &[u8], ec: EcLevel) -> QrResult<()> {
    bits.push_eci_designator(UTF8_ECI)?;
    bits.push_byte_data(data)?;
    bits.push_terminator(ec)
}

/// Writes a matrix as an SVG document.
struct Svg<'a> {
    matrix: &'a QrMatrix,
    scale: Scale,
    border: Border,
}

impl fmt::Display for Svg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.matrix;
        let quiet = self.border.0 as usize;
        let side = m.framed_size(self.border);
        let pixels = m.pixel_size(self.scale, self.border);
        write!(
            f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{pixels}\" height=\"{pixels}\" \
             viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\""
        )?;
        for y in 0..m.size {
            let mut x = 0;
            while x < m.size {
                if !m.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let run = (x..m.size).take_while(|&i| m.is_dark(i, y)).count();
                write!(f, "M{} {}h{run}v1h-{run}z", x + quiet, y + quiet)?;
                x += run;
            }
        }
        f.write_str("\"/></svg>\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::{Color, QrCode};

    const URI: &str = "otpauth://totp/Example:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEH&issuer=Example";

    fn matrix() -> QrMatrix {
        QrMatrix::encode(URI, ErrorCorrection::M).unwrap()
    }

    /// Decodes a 1-bit grayscale PNG into rows of "is black" pixels.
    fn decode_png(bytes: &[u8]) -> (usize, Vec<Vec<bool>>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, png::BitDepth::One);
        let (width, height) = (info.width as usize, info.height as usize);
        assert_eq!(width, height);
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut buf).unwrap();
        let rows = buf[..frame.buffer_size()]
            .chunks_exact(frame.line_size)
            .map(|row| {
                (0..width)
                    .map(|x| row[x / 8] & (0x80 >> (x % 8)) == 0)
                    .collect()
            })
            .collect();
        (width, rows)
    }

    #[test]
    fn encodes_the_smallest_symbol() {
        let m = matrix();
        assert_eq!(m.size(), 17 + 4 * usize::from(m.version()));
        assert_eq!(m.error_correction(), ErrorCorrection::M);
        let short = QrMatrix::encode("otpauth://a", ErrorCorrection::L).unwrap();
        assert_eq!(short.version(), 1);
        assert!(short.version() < m.version());
        let high = QrMatrix::encode(URI, ErrorCorrection::H).unwrap();
        assert!(high.version() > m.version());
    }

    #[test]
    fn matches_the_qrcode_crates_own_symbols() {
        let long_image = format!("{URI}&image=https%3A//example.com/{}", "x".repeat(900));
        let largest = "otpauth://".repeat(295);
        let inputs = [
            URI,
            "otpauth://a",
            "HELLO WORLD 12345",
            &long_image,
            &largest,
        ];
        for data in inputs {
            for level in [
                ErrorCorrection::L,
                ErrorCorrection::M,
                ErrorCorrection::Q,
                ErrorCorrection::H,
            ] {
                let ours = QrMatrix::encode(data, level);
                let Ok(theirs) = QrCode::with_error_correction_level(data, level.ec_level()) else {
                    assert!(matches!(ours, Err(QrError::DataTooLong { .. })));
                    continue;
                };
                let ours = ours.unwrap();
                assert_eq!(ours.size(), theirs.width());
                let theirs: Vec<bool> = theirs
                    .into_colors()
                    .into_iter()
                    .map(|c| c == Color::Dark)
                    .collect();
                assert_eq!(ours.dark, theirs, "{level} {data}");
            }
        }
    }

    #[test]
    fn finder_patterns_sit_in_three_corners() {
        let m = matrix();
        let n = m.size();
        for (cx, cy) in [(0, 0), (n - 7, 0), (0, n - 7)] {
            for i in 0..7 {
                assert!(m.is_dark(cx + i, cy) && m.is_dark(cx + i, cy + 6));
                assert!(m.is_dark(cx, cy + i) && m.is_dark(cx + 6, cy + i));
            }
            assert!(!m.is_dark(cx + 1, cy + 1));
            assert!(m.is_dark(cx + 3, cy + 3));
        }
        assert!(!m.is_dark(n, 0) && !m.is_dark(0, n));
    }

    #[test]
    fn rejects_data_beyond_version_40() {
        let long = "A".repeat(5000);
        assert_eq!(
            QrMatrix::encode(&long, ErrorCorrection::M),
            Err(QrError::DataTooLong {
                len: 5000,
                level: ErrorCorrection::M
            })
        );
        let unicode = "é".repeat(1500);
        assert!(matches!(
            QrMatrix::encode(&unicode, ErrorCorrection::M),
            Err(QrError::DataTooLong { len: 3000, .. })
        ));
        let most = "a".repeat(2331);
        assert_eq!(
            QrMatrix::encode(&most, ErrorCorrection::M)
                .unwrap()
                .version(),
            40
        );
    }

    #[test]
    fn unicode_text_gets_a_utf8_eci_segment() {
        let m =
            QrMatrix::encode("otpauth://totp/Ünïcødé:中文?secret=AB", ErrorCorrection::M).unwrap();
        assert!(m.version() >= 2);
        assert_eq!(m.size(), 17 + 4 * usize::from(m.version()));
    }

    #[test]
    fn checks_scale_border_and_level() {
        assert_eq!(Scale::try_from(0), Err(QrError::Scale));
        assert_eq!(Scale::try_from(65), Err(QrError::Scale));
        assert_eq!(Scale::try_from(-1), Err(QrError::Scale));
        assert_eq!(Scale::try_from(64).map(Scale::get), Ok(64));
        assert_eq!(Border::try_from(-1), Err(QrError::Border));
        assert_eq!(Border::try_from(65), Err(QrError::Border));
        assert_eq!(Border::try_from(0).map(Border::get), Ok(0));
        assert_eq!("q".parse(), Ok(ErrorCorrection::Q));
        assert_eq!(
            "X".parse::<ErrorCorrection>(),
            Err(QrError::ErrorCorrection("X".into()))
        );
        assert_eq!(
            QrError::Scale.to_string(),
            "scale must be an integer from 1 to 64"
        );
    }

    #[test]
    fn png_pixels_are_the_scaled_modules() {
        let m = matrix();
        for (scale, border) in [(1, 0), (3, 4), (10, 2), (7, 1)] {
            let png = m
                .png(
                    Scale::try_from(scale).unwrap(),
                    Border::try_from(border).unwrap(),
                )
                .unwrap();
            let (side, rows) = decode_png(&png);
            let (scale, border) = (scale as usize, border as usize);
            assert_eq!(side, (m.size() + 2 * border) * scale);
            for (py, row) in rows.iter().enumerate() {
                for (px, &black) in row.iter().enumerate() {
                    assert_eq!(black, m.is_dark_framed(px / scale, py / scale, border));
                }
            }
        }
    }

    #[test]
    fn data_uri_wraps_the_png() {
        let m = matrix();
        let uri = m.data_uri(Scale::default(), Border::default()).unwrap();
        let encoded = uri.strip_prefix("data:image/png;base64,").unwrap();
        let png = m.png(Scale::default(), Border::default()).unwrap();
        assert_eq!(BASE64.decode(encoded.as_bytes()).unwrap(), png);
    }

    #[test]
    fn svg_path_covers_exactly_the_dark_modules() {
        let m = matrix();
        let svg = m.svg(Scale::try_from(5).unwrap(), Border::default());
        let side = m.size() + 8;
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(&format!("width=\"{}\"", side * 5)));
        assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        let path = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let mut painted = vec![false; side * side];
        for rect in path.split('z').filter(|r| !r.is_empty()) {
            let (start, rest) = rect[1..].split_once('h').unwrap();
            let (x, y) = start.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let run: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            assert_eq!(rest, format!("{run}v1h-{run}"));
            for i in x..x + run {
                assert!(!painted[y * side + i], "overlapping rectangles");
                painted[y * side + i] = true;
            }
        }
        for y in 0..side {
            for x in 0..side {
                assert_eq!(painted[y * side + x], m.is_dark_framed(x, y, 4));
            }
        }
    }

    #[test]
    fn terminal_half_blocks_pair_module_rows() {
        let m = matrix();
        for invert in [false, true] {
            for border in [0, 1, 4] {
                let text = m.terminal(Border::try_from(border).unwrap(), invert);
                let border = border as usize;
                let side = m.size() + 2 * border;
                let lines: Vec<&str> = text.split('\n').collect();
                assert_eq!(lines.len(), side.div_ceil(2));
                for (row, line) in lines.iter().enumerate() {
                    let chars: Vec<char> = line.chars().collect();
                    assert_eq!(chars.len(), side);
                    for (x, c) in chars.into_iter().enumerate() {
                        let (top, bottom) = match c {
                            '█' => (true, true),
                            '▀' => (true, false),
                            '▄' => (false, true),
                            ' ' => (false, false),
                            other => panic!("unexpected {other:?}"),
                        };
                        let y = 2 * row;
                        assert_eq!(top, m.is_dark_framed(x, y, border) == invert);
                        if y + 1 < side {
                            assert_eq!(bottom, m.is_dark_framed(x, y + 1, border) == invert);
                        } else {
                            assert!(!bottom);
                        }
                    }
                }
            }
        }
        let dark_terminal = m.terminal(Border::default(), false);
        assert!(dark_terminal
            .lines()
            .next()
            .unwrap()
            .chars()
            .all(|c| c == '█'));
        let light_terminal = m.terminal(Border::default(), true);
        assert!(light_terminal
            .lines()
            .next()
            .unwrap()
            .chars()
            .all(|c| c == ' '));
    }
}
