//! What an import says about each record, the same on the command line and
//! on `/import`: a new item, each changed field old → new, each event,
//! milestone and link added, corrected or retracted, "unchanged", or why
//! the record was refused.

use std::fmt;

use super::plan::ItemPlan;
use crate::store::revisions::FieldChange;

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    Changed,
    Unchanged,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::New => "new item",
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed => "failed",
        }
    }
}

/// One record's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordReport {
    /// Where the record is: `items[3]`, `links[0]` or `line 4`.
    pub at: String,
    /// The record's slug (a link's "from → to"), when it could be read.
    pub slug: Option<String>,
    pub outcome: Outcome,
    /// One line per change, or per problem.
    pub lines: Vec<String>,
}

impl fmt::Display for RecordReport {
    /// `items[3] s-321: changed`, then each line indented.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.at)?;
        if let Some(slug) = &self.slug {
            write!(f, " {slug}")?;
        }
        write!(f, ": {}", self.outcome.as_str())?;
        for line in &self.lines {
            write!(f, "\n    {line}")?;
        }
        Ok(())
    }
}

/// A value as a report shows it: quoted, on one line, at most 80
/// characters.
fn shown(value: Option<&str>) -> String {
    let Some(value) = value else {
        return "(none)".to_owned();
    };
    let one_line = value.replace('\n', " / ");
    let mut text: String = one_line.chars().take(80).collect();
    if one_line.chars().count() > 80 {
        text.push('…');
    }
    format!("\"{text}\"")
}

fn field_changes(prefix: &str, changes: &[FieldChange]) -> String {
    let parts: Vec<String> = changes
        .iter()
        .map(|c| {
            let field = c.field.rsplit('.').next().unwrap_or(&c.field);
            format!(
                "{field} {} → {}",
                shown(c.old.as_deref()),
                shown(c.new.as_deref())
            )
        })
        .collect();
    format!("{prefix}: {}", parts.join("; "))
}

/// The lines a plan's report holds.
pub fn plan_lines(plan: &ItemPlan) -> Vec<String> {
    let mut lines = Vec::new();
    if plan.existing.is_none() {
        lines.push(format!("title {}", shown(Some(&plan.fields.title))));
    }
    for c in &plan.field_changes {
        lines.push(format!(
            "{}: {} → {}",
            c.field,
            shown(c.old.as_deref()),
            shown(c.new.as_deref())
        ));
    }
    for e in &plan.add_events {
        let event = &e.event;
        let mut line = format!("event added: {} {}", event.date.iso(), event.status.name());
        if let Some(reason) = &e.retraction {
            line.push_str(&format!(", retracted ({})", shown(Some(reason))));
        }
        lines.push(line);
    }
    for (_, event, changes) in &plan.correct_events {
        let what = format!(
            "event corrected: {} {}",
            event.date.iso(),
            event.status.name()
        );
        lines.push(field_changes(&what, changes));
    }
    for (_, event, reason) in &plan.retract_events {
        lines.push(format!(
            "event retracted: {} {} ({})",
            event.date.iso(),
            event.status.name(),
            shown(Some(reason))
        ));
    }
    if plan.kept_events > 0 {
        lines.push(format!(
            "{} events an editor changed left as they are",
            plan.kept_events
        ));
    }
    for m in &plan.add_milestones {
        lines.push(format!(
            "milestone added: {} {}",
            m.date.iso(),
            m.kind.as_str()
        ));
    }
    for (_, m, changes) in &plan.correct_milestones {
        let what = format!("milestone corrected: {} {}", m.date.iso(), m.kind.as_str());
        lines.push(field_changes(&what, changes));
    }
    for l in &plan.add_links {
        lines.push(format!("link added: {} {}", l.relation, l.to));
    }
    lines
}

/// The report of a plan about to be (or, in a dry run, not) carried out.
pub fn of_plan(at: String, plan: &ItemPlan) -> RecordReport {
    let outcome = if plan.existing.is_none() {
        Outcome::New
    } else if plan.is_unchanged() {
        Outcome::Unchanged
    } else {
        Outcome::Changed
    };
    RecordReport {
        at,
        slug: Some(plan.slug().to_string()),
        outcome,
        lines: plan_lines(plan),
    }
}

/// How many records went which way.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// New or changed (in a dry run: would be).
    pub imported: u64,
    pub unchanged: u64,
    pub failed: u64,
}

impl Summary {
    pub fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::New | Outcome::Changed => self.imported += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Failed => self.failed += 1,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} imported, {} unchanged, {} failed",
            self.imported, self.unchanged, self.failed
        )
    }
}
