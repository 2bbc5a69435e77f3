//! Writing JSON and YAML exports item by item, so an export of any size
//! never holds more than one item: the documents [`super::read`] reads
//! back (`{"items": [...]}`, one item a line in JSON).

use std::io::{self, Write};

use super::record::ItemRecord;

/// Writes `{"items": [` ... `]}`, one item a line.
pub struct JsonWriter<W: Write> {
    out: W,
    written: usize,
}

impl<W: Write> JsonWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(b"{\"items\": [")?;
        Ok(JsonWriter { out, written: 0 })
    }

    pub fn write(&mut self, item: &ItemRecord) -> io::Result<()> {
        let separator: &[u8] = if self.written == 0 { b"\n" } else { b",\n" };
        self.out.write_all(separator)?;
        serde_json::to_writer(&mut self.out, item)?;
        self.written += 1;
        Ok(())
    }

    /// Closes the document and hands back the output, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes `items:` followed by one list entry per item.
pub struct YamlWriter<W: Write> {
    out: W,
    written: usize,
}

impl<W: Write> YamlWriter<W> {
    pub fn new(out: W) -> Self {
        YamlWriter { out, written: 0 }
    }

    pub fn write(&mut self, item: &ItemRecord) -> io::Result<()> {
        if self.written == 0 {
            self.out.write_all(b"items:\n")?;
        }
        // A list of one renders as its entry, `- slug: ...`, at the left
        // margin, where YAML lets a mapping's list start.
        let entry =
            serde_norway::to_string(std::slice::from_ref(item)).map_err(io::Error::other)?;
        self.out.write_all(entry.as_bytes())?;
        self.written += 1;
        Ok(())
    }

    /// Closes the document (an empty export is `items: []`) and hands back
    /// the output, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        if self.written == 0 {
            self.out.write_all(b"items: []\n")?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}
