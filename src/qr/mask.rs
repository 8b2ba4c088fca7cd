//! Choosing the data mask: the step that dominates QR encoding time.
//!
//! The `qrcode` crate draws the finder, timing and alignment patterns and places the codewords;
//! this module applies each of the eight masks, scores it as the crate does (same penalty rules,
//! same order, so the symbols are identical to the crate's own) and keeps the best. The crate's
//! scorer boxes a closure per module; here symbols of up to 128 modules per side are scored as
//! 128-bit rows and columns, a few shifts per line.

use super::ErrorCorrection;
use qrcode::canvas::{Canvas, Module};
use qrcode::Color;

/// Widest symbol scored as bit lines (version 27); wider ones are scored module by module.
const MAX_BIT_SIZE: usize = 128;

/// A drawn symbol before masking: each module's colour and whether masking may flip it.
pub(super) struct Unmasked {
    size: usize,
    dark: Vec<bool>,
    maskable: Vec<bool>,
}

impl Unmasked {
    /// Reads the `qrcode` crate's canvas once its functional patterns and data are drawn.
    pub(super) fn new(canvas: &Canvas, width: i16) -> Self {
        let size = usize::from(width.unsigned_abs());
        let mut dark = Vec::with_capacity(size * size);
        let mut maskable = Vec::with_capacity(size * size);
        for y in 0..width {
            for x in 0..width {
                let (colour, data) = match canvas.get(x, y) {
                    Module::Empty => (Color::Light, true),
                    Module::Unmasked(c) => (c, true),
                    Module::Masked(c) => (c, false),
                };
                dark.push(colour == Color::Dark);
                maskable.push(data);
            }
        }
        Self {
            size,
            dark,
            maskable,
        }
    }

    /// The symbol under the first of the eight masks with the lowest penalty, row by row.
    pub(super) fn best_masked(&self, level: ErrorCorrection) -> Vec<bool> {
        let scores: Vec<u32> = if self.size <= MAX_BIT_SIZE {
            let lines = BitSymbol::new(self);
            (0..8).map(|mask| lines.penalty(mask, level)).collect()
        } else {
            (0..8)
                .map(|mask| penalty(&self.masked(mask, level), self.size))
                .collect()
        };
        let mut best = 0;
        for mask in 1..8 {
            if scores[mask] < scores[best] {
                best = mask;
            }
        }
        self.masked(best, level)
    }

    /// The symbol under mask `mask`, with the format bits naming it.
    fn masked(&self, mask: usize, level: ErrorCorrection) -> Vec<bool> {
        let n = self.size;
        let mut dark = Vec::with_capacity(n * n);
        for y in 0..n {
            let flips = FLIPS[0][mask][y % PERIOD];
            for x in 0..n {
                let i = y * n + x;
                dark.push(self.dark[i] ^ (self.maskable[i] && flips >> (x % PERIOD) & 1 == 1));
            }
        }
        for (x, y, on) in format_modules(n, format_bits(level, mask)) {
            dark[y * n + x] = on;
        }
        dark
    }
}

/// Whether data mask pattern `mask` (0 to 7) flips the module in column `x`, row `y`
/// (ISO/IEC 18004 table 10).
const fn mask_flips(mask: usize, x: usize, y: usize) -> bool {
    match mask {
        0 => (x + y).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (x + y).is_multiple_of(3),
        4 => (x / 3 + y / 2).is_multiple_of(2),
        5 => (x * y) % 2 + (x * y) % 3 == 0,
        6 => ((x * y) % 2 + (x * y) % 3).is_multiple_of(2),
        _ => ((x + y) % 2 + (x * y) % 3).is_multiple_of(2),
    }
}

/// Every mask pattern repeats every 12 modules along rows and along columns.
const PERIOD: usize = 12;

/// The modules a mask flips along row `fixed` (`horizontal`) or column `fixed`, as bits.
const fn flip_line(mask: usize, fixed: usize, horizontal: bool) -> u128 {
    let mut line: u128 = 0;
    let mut k = 0;
    while k < PERIOD {
        let flips = if horizontal {
            mask_flips(mask, k, fixed)
        } else {
            mask_flips(mask, fixed, k)
        };
        line |= (flips as u128) << k;
        k += 1;
    }
    let mut filled = PERIOD;
    while filled < 128 {
        line |= line << filled;
        filled *= 2;
    }
    line
}

/// `flip_line` for every mask and every row (`[0]`) or column (`[1]`) modulo [`PERIOD`].
const fn flip_tables() -> [[[u128; PERIOD]; 8]; 2] {
    let mut tables = [[[0; PERIOD]; 8]; 2];
    let mut mask = 0;
    while mask < 8 {
        let mut fixed = 0;
        while fixed < PERIOD {
            tables[0][mask][fixed] = flip_line(mask, fixed, true);
            tables[1][mask][fixed] = flip_line(mask, fixed, false);
            fixed += 1;
        }
        mask += 1;
    }
    tables
}

/// The flip lines, computed at compile time.
static FLIPS: [[[u128; PERIOD]; 8]; 2] = flip_tables();

/// The 15 format bits naming the error correction level and mask: five data bits and their
/// BCH(15,5) remainder, XORed with 101010000010010 (ISO/IEC 18004 section 7.9).
pub(super) fn format_bits(level: ErrorCorrection, mask: usize) -> u16 {
    const GENERATOR: u16 = 0b101_0011_0111;
    let level_bits: u16 = match level {
        ErrorCorrection::L => 0b01,
        ErrorCorrection::M => 0b00,
        ErrorCorrection::Q => 0b11,
        ErrorCorrection::H => 0b10,
    };
    let data = (level_bits << 3 | (mask as u16 & 0b111)) << 10;
    let mut remainder = data;
    for bit in (10..15).rev() {
        if remainder & (1 << bit) != 0 {
            remainder ^= GENERATOR << (bit - 10);
        }
    }
    (data | remainder) ^ 0b101_0100_0001_0010
}

/// The 30 format modules `(x, y, dark)`, most significant bit first: one copy around the
/// top-left finder (skipping the timing patterns), one split between the other two finders.
fn format_modules(n: usize, bits: u16) -> impl Iterator<Item = (usize, usize, bool)> {
    (0..15).flat_map(move |i| {
        let on = bits >> (14 - i) & 1 == 1;
        let (x, y) = match i {
            0..=5 => (i, 8),
            6 => (7, 8),
            7 => (8, 8),
            8 => (8, 7),
            _ => (8, 14 - i),
        };
        let side = if i < 7 {
            (8, n - 1 - i)
        } else {
            (n - 15 + i, 8)
        };
        [(x, y, on), (side.0, side.1, on)]
    })
}

/// The mask penalty of ISO/IEC 18004 section 7.8.3 as the `qrcode` crate scores it, one module
/// at a time: runs of five or more, 2x2 blocks, finder-like patterns, dark/light balance.
fn penalty(dark: &[bool], n: usize) -> u32 {
    let at = |x: usize, y: usize| dark[y * n + x];
    let mut score = 0;
    for i in 0..n {
        score += run_penalty((0..n).map(|j| at(j, i)));
        score += run_penalty((0..n).map(|j| at(i, j)));
        score += finder_penalty(|k| at(k, i), n) + finder_penalty(|k| at(i, k), n);
    }
    for y in 0..n.saturating_sub(1) {
        for x in 0..n - 1 {
            let c = at(x, y);
            if at(x + 1, y) == c && at(x, y + 1) == c && at(x + 1, y + 1) == c {
                score += 3;
            }
        }
    }
    score + balance_penalty(dark.iter().filter(|&&d| d).count(), n)
}

/// `len - 2` points for every run of `len >= 5` modules of one colour.
fn run_penalty(line: impl Iterator<Item = bool>) -> u32 {
    let mut score = 0;
    let mut last = None;
    let mut run = 0;
    for colour in line {
        if last == Some(colour) {
            run += 1;
        } else {
            if run >= 5 {
                score += run - 2;
            }
            last = Some(colour);
            run = 1;
        }
    }
    if run >= 5 {
        score += run - 2;
    }
    score
}

/// 40 points for every dark-light-dark-dark-dark-light-dark pattern with four light modules
/// (or the edge) on at least one side.
fn finder_penalty(get: impl Fn(usize) -> bool, n: usize) -> u32 {
    const FINDER: [bool; 7] = [true, false, true, true, true, false, true];
    let mut score = 0;
    for j in 0..n.saturating_sub(6) {
        if (0..7).all(|k| get(j + k) == FINDER[k]) {
            let light_before = (j.saturating_sub(4)..j).all(|k| !get(k));
            let light_after = (j + 7..(j + 11).min(n)).all(|k| !get(k));
            if light_before || light_after {
                score += 40;
            }
        }
    }
    score
}

/// The distance of the dark share from one half, in half-percent steps.
fn balance_penalty(dark: usize, n: usize) -> u32 {
    let ratio = dark * 200 / (n * n).max(1);
    u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)
}

/// The lowest `bits` bits set.
fn low(bits: usize) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1 << bits) - 1
    }
}

/// An unmasked symbol of at most [`MAX_BIT_SIZE`] modules per side as bit rows and bit columns
/// (bit `i` of a row is column `i`), to score all eight masks with whole-line operations.
struct BitSymbol {
    n: usize,
    rows: Vec<u128>,
    maskable_rows: Vec<u128>,
    columns: Vec<u128>,
    maskable_columns: Vec<u128>,
}

impl BitSymbol {
    fn new(symbol: &Unmasked) -> Self {
        let n = symbol.size;
        let (rows, columns) = lines(&symbol.dark, n);
        let (maskable_rows, maskable_columns) = lines(&symbol.maskable, n);
        Self {
            n,
            rows,
            maskable_rows,
            columns,
            maskable_columns,
        }
    }

    /// The penalty of the symbol under mask `mask`.
    fn penalty(&self, mask: usize, level: ErrorCorrection) -> u32 {
        let [row_flips, column_flips] = [&FLIPS[0][mask], &FLIPS[1][mask]];
        let mut rows: Vec<u128> = (0..self.n)
            .map(|y| self.rows[y] ^ (self.maskable_rows[y] & row_flips[y % PERIOD]))
            .collect();
        let mut columns: Vec<u128> = (0..self.n)
            .map(|x| self.columns[x] ^ (self.maskable_columns[x] & column_flips[x % PERIOD]))
            .collect();
        for (x, y, on) in format_modules(self.n, format_bits(level, mask)) {
            rows[y] = rows[y] & !(1 << x) | u128::from(on) << x;
            columns[x] = columns[x] & !(1 << y) | u128::from(on) << y;
        }
        grid_penalty(&rows, &columns, self.n)
    }
}

/// Rows and columns of a square grid of booleans as bit lines.
fn lines(grid: &[bool], n: usize) -> (Vec<u128>, Vec<u128>) {
    let rows: Vec<u128> = grid
        .chunks_exact(n)
        .map(|row| {
            row.iter()
                .rev()
                .fold(0, |line, &set| line << 1 | u128::from(set))
        })
        .collect();
    let mut columns = vec![0_u128; n];
    for (y, &row) in rows.iter().enumerate() {
        let mut set = row;
        while set != 0 {
            columns[set.trailing_zeros() as usize] |= 1 << y;
            set &= set - 1;
        }
    }
    (rows, columns)
}

/// [`penalty`] of the grid whose rows and columns are these bit lines.
fn grid_penalty(rows: &[u128], columns: &[u128], n: usize) -> u32 {
    let mut score: u32 = rows
        .iter()
        .chain(columns)
        .map(|&line| line_penalty(line, n))
        .sum();
    let pairs = low(n - 1);
    for pair in rows.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let same = !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & !(a ^ b) & pairs;
        score += 3 * same.count_ones();
    }
    let dark: u32 = rows.iter().map(|r| r.count_ones()).sum();
    score + balance_penalty(dark as usize, n)
}

/// Run and finder-pattern points of one row or column of `n` modules.
fn line_penalty(line: u128, n: usize) -> u32 {
    // Bit j of `five`: modules j to j + 4 share a colour. A run of length L >= 5 sets L - 4 such
    // bits and scores L - 2, so add two per run start.
    let same_as_next = !(line ^ (line >> 1)) & low(n - 1);
    let five = same_as_next & (same_as_next >> 1) & (same_as_next >> 2) & (same_as_next >> 3);
    let starts = five & !(five << 1);
    let mut score = five.count_ones() + 2 * starts.count_ones();
    let light = !line;
    let mut finders = line
        & (light >> 1)
        & (line >> 2)
        & (line >> 3)
        & (line >> 4)
        & (light >> 5)
        & (line >> 6)
        & low(n.saturating_sub(6));
    while finders != 0 {
        let j = finders.trailing_zeros() as usize;
        let before = j.saturating_sub(4);
        let after = (j + 11).min(n);
        let light_before = (line >> before) & low(j - before) == 0;
        let light_after = line.checked_shr(j as u32 + 7).unwrap_or(0) & low(after - j - 7) == 0;
        if light_before || light_after {
            score += 40;
        }
        finders &= finders - 1;
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stream of pseudo-random grids (xorshift64).
    fn grids() -> impl Iterator<Item = (usize, Vec<bool>)> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut out = Vec::new();
        for n in [21, 41, 64, 65, 100, 127, 128] {
            for one_in in [2, 3, 9] {
                let grid: Vec<bool> = (0..n * n).map(|_| next() % one_in == 0).collect();
                let inverse = grid.iter().map(|d| !d).collect();
                out.push((n, grid));
                out.push((n, inverse));
            }
        }
        out.into_iter()
    }

    #[test]
    fn format_bits_match_the_standard_table() {
        assert_eq!(format_bits(ErrorCorrection::M, 0), 0b101_0100_0001_0010);
        assert_eq!(format_bits(ErrorCorrection::L, 0), 0b111_0111_1100_0100);
        assert_eq!(format_bits(ErrorCorrection::H, 1), 0b001_0011_1011_1110);
        assert_eq!(format_bits(ErrorCorrection::H, 7), 0b000_1000_0011_1011);
        assert_eq!(format_bits(ErrorCorrection::Q, 0), 0b011_0101_0101_1111);
    }

    #[test]
    fn flip_lines_repeat_the_mask_patterns() {
        for (mask, [row_table, column_table]) in (0..8).map(|m| (m, [FLIPS[0][m], FLIPS[1][m]])) {
            for fixed in 0..30 {
                let row = flip_line(mask, fixed, true);
                let column = flip_line(mask, fixed, false);
                for k in 0..128 {
                    assert_eq!(row >> k & 1 == 1, mask_flips(mask, k, fixed));
                    assert_eq!(column >> k & 1 == 1, mask_flips(mask, fixed, k));
                }
                assert_eq!(row_table[fixed % PERIOD], row);
                assert_eq!(column_table[fixed % PERIOD], column);
            }
        }
    }

    #[test]
    fn bit_line_penalty_equals_the_per_module_one() {
        for (n, grid) in grids() {
            let (rows, columns) = lines(&grid, n);
            assert_eq!(
                grid_penalty(&rows, &columns, n),
                penalty(&grid, n),
                "n = {n}"
            );
        }
    }

    #[test]
    fn every_mask_scores_alike_both_ways() {
        for (n, grid) in grids().filter(|(n, _)| *n >= 21 && *n <= MAX_BIT_SIZE) {
            let symbol = Unmasked {
                size: n,
                maskable: grid
                    .iter()
                    .step_by(2)
                    .chain(&grid)
                    .copied()
                    .take(n * n)
                    .collect(),
                dark: grid,
            };
            let lines = BitSymbol::new(&symbol);
            for mask in 0..8 {
                for level in [ErrorCorrection::L, ErrorCorrection::H] {
                    assert_eq!(
                        lines.penalty(mask, level),
                        penalty(&symbol.masked(mask, level), n)
                    );
                }
            }
        }
    }
}
