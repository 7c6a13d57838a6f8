//! The cells of a column as text, packed: one buffer and a length byte per cell, instead of a
//! `String` per cell. A 1 GB CSV file read cell by cell into strings takes five times its size
//! in memory; packed, it takes its size plus about a byte a cell, and each column is freed as
//! soon as it is typed.

/// One column's cells, in row order; an empty cell (after trimming) is `None`.
///
/// Lengths take one byte a cell (most cells are short): 255 marks a longer cell, whose length
/// is in `long`; the start of every [`MARK_EVERY`]th cell is kept so a cell is found in a few
/// steps.
#[derive(Debug, Clone, Default)]
pub struct TextColumn {
    text: String,
    lengths: Vec<u8>,
    /// (row, length) of every cell of 255 bytes or more, rows ascending.
    long: Vec<(usize, u32)>,
    /// The start in `text` of cells 0, 64, 128, ...
    marks: Vec<u32>,
}

/// How often a cell's start is kept (see [`TextColumn`]).
const MARK_EVERY: usize = 64;

/// The length byte of a cell whose length is in [`TextColumn::long`].
const LONG: u8 = u8::MAX;

/// A column whose text passes the packed form's limit (4 GiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnTooLarge;

impl TextColumn {
    /// Appends a cell; empty text is an empty cell.
    pub fn push(&mut self, cell: Option<&str>) -> Result<(), ColumnTooLarge> {
        let cell = cell.unwrap_or("");
        let row = self.lengths.len();
        let start = u32::try_from(self.text.len()).map_err(|_| ColumnTooLarge)?;
        u32::try_from(self.text.len() + cell.len()).map_err(|_| ColumnTooLarge)?;
        if row % MARK_EVERY == 0 {
            self.marks.push(start);
        }
        match u8::try_from(cell.len()) {
            Ok(length) if length < LONG => self.lengths.push(length),
            _ => {
                self.lengths.push(LONG);
                // Checked above: the whole text fits in a u32, so this cell does.
                self.long.push((row, cell.len() as u32));
            }
        }
        self.text.push_str(cell);
        Ok(())
    }

    /// Makes room for about `rows` cells of `bytes` bytes of text in all, so a large column
    /// grows in place instead of by doubling (each doubling copies the column, and the old
    /// buffer's pages stay with the allocator a while: a 1 GB file read in parallel columns
    /// peaked at twice its size). Capacity never touched costs address space, not memory.
    pub fn reserve(&mut self, rows: usize, bytes: usize) {
        self.text.reserve(bytes.saturating_sub(self.text.len()));
        self.lengths
            .reserve(rows.saturating_sub(self.lengths.len()));
        self.marks
            .reserve((rows / MARK_EVERY + 1).saturating_sub(self.marks.len()));
    }

    /// The bytes of text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// The bytes of text there is room for.
    #[cfg(test)]
    pub fn text_capacity(&self) -> usize {
        self.text.capacity()
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    fn length(&self, row: usize) -> usize {
        match self.lengths[row] {
            LONG => self
                .long
                .binary_search_by_key(&row, |&(long_row, _)| long_row)
                .map_or(0, |at| self.long[at].1 as usize),
            length => usize::from(length),
        }
    }

    /// The cell of `row`; `None` when it is empty or beyond the last row.
    pub fn get(&self, row: usize) -> Option<&str> {
        if row >= self.len() {
            return None;
        }
        let first = row - row % MARK_EVERY;
        let start = self.marks[row / MARK_EVERY] as usize
            + (first..row)
                .map(|before| self.length(before))
                .sum::<usize>();
        self.cell(start, self.length(row))
    }

    fn cell(&self, start: usize, length: usize) -> Option<&str> {
        (length > 0)
            .then(|| self.text.get(start..start + length))
            .flatten()
    }

    /// The cells in row order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + Clone + '_ {
        let mut start = 0;
        (0..self.len()).map(move |row| {
            let length = self.length(row);
            let cell = self.cell(start, length);
            start += length;
            cell
        })
    }

    /// The cells as one string each (what `init` and given files work with).
    pub fn into_cells(self) -> Vec<Option<String>> {
        self.iter().map(|cell| cell.map(str::to_string)).collect()
    }

    /// Packs cells read elsewhere (a database, a Parquet file).
    pub fn from_cells(cells: Vec<Option<String>>) -> Result<TextColumn, ColumnTooLarge> {
        let mut column = TextColumn::default();
        for cell in &cells {
            column.push(cell.as_deref())?;
        }
        Ok(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_come_back_as_pushed() {
        let cells = vec![
            Some("a".to_string()),
            None,
            Some("héllo".into()),
            None,
            Some("z".into()),
        ];
        let column = TextColumn::from_cells(cells.clone()).unwrap();
        assert_eq!(column.len(), 5);
        assert_eq!(column.get(2), Some("héllo"));
        assert_eq!(column.get(1), None);
        assert_eq!(column.get(9), None);
        assert_eq!(column.into_cells(), cells);
    }

    #[test]
    fn long_cells_and_many_rows_are_found() {
        let cells: Vec<Option<String>> = (0..1_000)
            .map(|row| match row % 7 {
                0 => None,
                3 => Some("x".repeat(200 + row)),
                _ => Some(format!("cell {row}")),
            })
            .collect();
        let column = TextColumn::from_cells(cells.clone()).unwrap();
        for (row, cell) in cells.iter().enumerate() {
            assert_eq!(column.get(row), cell.as_deref(), "row {row}");
        }
        assert_eq!(
            column
                .iter()
                .map(|c| c.map(str::to_string))
                .collect::<Vec<_>>(),
            cells
        );
    }

    #[test]
    fn empty_text_is_an_empty_cell() {
        let mut column = TextColumn::default();
        column.push(Some("")).unwrap();
        column.push(Some("x")).unwrap();
        assert_eq!(column.iter().collect::<Vec<_>>(), vec![None, Some("x")]);
    }
}
