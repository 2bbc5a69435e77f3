//! Free text people type: one line (titles, identifiers, parties, phrases)
//! or several (summaries, notes, reasons).
//!
//! Control characters (C0, DEL and C1) are refused: they are invisible,
//! break lines where none belongs (in mail headers, logs, one-line fields),
//! and PostgreSQL will not store NUL at all. Multi-line text keeps its line
//! breaks, normalised to `\n`, and tabs. Every other character is kept as
//! typed, direction marks included: pages isolate user text instead.

use std::fmt;

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    /// A line break in text that is one line.
    #[error("this text is one line: remove the line break")]
    LineBreak,
    /// A control character other than what the text may hold.
    #[error("this text contains an invisible control character ({}); remove it", code_point(*.0))]
    Control(char),
}

impl TextProblem {
    /// The message for a field, e.g. `describe("A title")`.
    pub fn describe(self, label: &str) -> String {
        match self {
            TextProblem::LineBreak => format!("{label} is one line: remove the line break."),
            TextProblem::Control(c) => format!(
                "{label} contains an invisible control character ({}); remove it.",
                code_point(c)
            ),
        }
    }
}

fn code_point(c: char) -> String {
    match c {
        '\t' => "a tab".to_owned(),
        _ => format!("U+{:04X}", u32::from(c)),
    }
}

/// Characters that end a line.
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// One line of text, trimmed: no line breaks, tabs or other control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleLine(String);

impl SingleLine {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// Makes one line of any text, dropping control characters and folding
    /// runs of whitespace (line breaks included) into one space: for text
    /// that must be one line whatever it holds, such as a mail subject.
    pub fn lossy(s: &str) -> SingleLine {
        let words: Vec<String> = s
            .split(|c: char| c.is_whitespace() || is_line_break(c))
            .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
            .filter(|w| !w.is_empty())
            .collect();
        SingleLine(words.join(" "))
    }
}

impl TryFrom<&str> for SingleLine {
    type Error = TextProblem;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let s = s.trim();
        if s.chars().any(is_line_break) {
            return Err(TextProblem::LineBreak);
        }
        match s.chars().find(|c| c.is_control()) {
            Some(c) => Err(TextProblem::Control(c)),
            None => Ok(SingleLine(s.to_owned())),
        }
    }
}

impl fmt::Display for SingleLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Text of one or more lines, trimmed, its line breaks written `\n`
/// (browsers send `\r\n`); tabs allowed, no other control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiLine(String);

impl MultiLine {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl TryFrom<&str> for MultiLine {
    type Error = TextProblem;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        let text = s.trim().replace("\r\n", "\n").replace('\r', "\n");
        match text
            .chars()
            .find(|&c| c.is_control() && c != '\n' && c != '\t')
        {
            Some(c) => Err(TextProblem::Control(c)),
            None => Ok(MultiLine(text)),
        }
    }
}

impl fmt::Display for MultiLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NUL, BEL, backspace, ESC, DEL and two C1 controls (NEL, CSI).
    const CONTROLS: [char; 7] = [
        '\0', '\u{7}', '\u{8}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}',
    ];

    #[test]
    fn one_line_is_trimmed_and_keeps_any_printable_text() {
        let t = SingleLine::try_from("  Chip Security Act — 芯片安全法 \u{202e}  ").unwrap();
        assert_eq!(t.as_str(), "Chip Security Act — 芯片安全法 \u{202e}");
        assert_eq!(SingleLine::try_from(" \r\n").unwrap().as_str(), "");
    }

    #[test]
    fn one_line_refuses_line_breaks_tabs_and_controls() {
        for bad in ["a\nb", "a\r\nb", "a\rb", "a\u{2028}b", "a\u{2029}b"] {
            assert_eq!(
                SingleLine::try_from(bad),
                Err(TextProblem::LineBreak),
                "{bad:?}"
            );
        }
        assert_eq!(
            SingleLine::try_from("a\tb"),
            Err(TextProblem::Control('\t'))
        );
        for c in CONTROLS {
            let text = format!("a{c}b");
            assert_eq!(
                SingleLine::try_from(text.as_str()),
                Err(TextProblem::Control(c))
            );
        }
    }

    #[test]
    fn several_lines_are_normalised_to_newlines() {
        let t = MultiLine::try_from(" first\r\nsecond\rthird\n\tindented \r\n").unwrap();
        assert_eq!(t.as_str(), "first\nsecond\nthird\n\tindented");
        let rlo = MultiLine::try_from("reversed: \u{202e}abc").unwrap();
        assert_eq!(rlo.as_str(), "reversed: \u{202e}abc");
    }

    #[test]
    fn several_lines_refuse_other_controls() {
        for c in CONTROLS {
            let text = format!("line one\nline {c}two");
            assert_eq!(
                MultiLine::try_from(text.as_str()),
                Err(TextProblem::Control(c))
            );
        }
    }

    #[test]
    fn problems_name_the_field_and_the_character() {
        assert_eq!(
            TextProblem::Control('\0').describe("A title"),
            "A title contains an invisible control character (U+0000); remove it."
        );
        assert_eq!(
            TextProblem::Control('\t').describe("A title"),
            "A title contains an invisible control character (a tab); remove it."
        );
        assert_eq!(
            TextProblem::LineBreak.describe("A relation"),
            "A relation is one line: remove the line break."
        );
    }

    #[test]
    fn lossy_one_line_drops_controls_and_folds_whitespace() {
        assert_eq!(
            SingleLine::lossy("Chip\0 Act\u{1b}[31m:\r\n  passed\u{7}\tSenate\u{2028}").as_str(),
            "Chip Act[31m: passed Senate"
        );
    }
}
