//! The cells of a column as text, packed: one buffer and an end offset per cell, instead of a
//! `String` per cell. A 1 GB CSV file read cell by cell into strings takes five times its size
//! in memory; packed, it takes its size plus four bytes a cell, and each column is freed as
//! soon as it is typed.

/// One column's cells, in row order; an empty cell (after trimming) is `None`.
#[derive(Debug, Clone, Default)]
pub struct TextColumn {
    text: String,
    ends: Vec<u32>,
}

/// A column whose text passes the packed form's limit (4 GiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnTooLarge;

impl TextColumn {
    /// Appends a cell; empty text is an empty cell.
    pub fn push(&mut self, cell: Option<&str>) -> Result<(), ColumnTooLarge> {
        let cell = cell.unwrap_or("");
        let end = u32::try_from(self.text.len() + cell.len()).map_err(|_| ColumnTooLarge)?;
        self.text.push_str(cell);
        self.ends.push(end);
        Ok(())
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell of `row`; `None` when it is empty or beyond the last row.
    pub fn get(&self, row: usize) -> Option<&str> {
        let end = *self.ends.get(row)? as usize;
        let start = row
            .checked_sub(1)
            .map_or(0, |before| self.ends[before] as usize);
        (end > start).then(|| &self.text[start..end])
    }

    /// The cells in row order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|row| self.get(row))
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
    fn empty_text_is_an_empty_cell() {
        let mut column = TextColumn::default();
        column.push(Some("")).unwrap();
        column.push(Some("x")).unwrap();
        assert_eq!(column.iter().collect::<Vec<_>>(), vec![None, Some("x")]);
    }
}
