//! The line each CSV row starts on, for messages. The csv crate's own
//! count is a line short after CRLF line ends (what spreadsheets write)
//! and after blank lines (rust-csv issues 395 and 208), so lines are
//! counted here, from the bytes read: those before the byte where the
//! crate began reading the row, plus the line ends it skipped there.
//! Only bytes not yet behind the current row are kept.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

/// Reads through to `inner`, keeping what it read for [`Lines`].
pub(super) struct Counted<R> {
    inner: R,
    lines: Rc<RefCell<Lines>>,
}

impl<R> Counted<R> {
    pub(super) fn new(inner: R) -> (Counted<R>, Rc<RefCell<Lines>>) {
        let lines = Rc::new(RefCell::new(Lines::default()));
        let counted = Counted {
            inner,
            lines: lines.clone(),
        };
        (counted, lines)
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.lines.borrow_mut().pending.extend(&buf[..n]);
        Ok(n)
    }
}

#[derive(Default)]
pub(super) struct Lines {
    /// Line ends before `offset`.
    ends_before: u64,
    /// The offset of `pending`'s first byte.
    offset: u64,
    pending: VecDeque<u8>,
}

impl Lines {
    /// The line of the row whose reading began at byte `at`; rows must be
    /// asked about in file order.
    pub(super) fn line_of_row_at(&mut self, at: u64) -> u64 {
        let behind = usize::try_from(at.saturating_sub(self.offset))
            .unwrap_or(usize::MAX)
            .min(self.pending.len());
        let ends = self.pending.drain(..behind).filter(|&b| b == b'\n').count();
        self.ends_before += ends as u64;
        self.offset += behind as u64;
        let skipped = (self.pending.iter())
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .filter(|&&b| b == b'\n')
            .count();
        1 + self.ends_before + skipped as u64
    }
}
