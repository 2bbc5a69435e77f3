//! What storing one valid item would do to the database: the plan, worked
//! out from what is stored without writing anything, so a dry run and a
//! real import say the same thing. [`Mode`] says how a file's item is
//! reconciled with a stored one: the starter data defers to editors, an
//! import does what its file says.

use crate::db::{DbConnection, DbError};
use crate::domain::{EventId, ItemId, MilestoneId, SingleLine, Slug};
use crate::exchange::{ValidItem, ValidLink};
use crate::store::events::{self, EventRow, NewEvent};
use crate::store::items::{self, ItemFields};
use crate::store::links;
use crate::store::milestones::{self, MilestoneRow, NewMilestone};
use crate::store::revisions::{self, FieldChange};

/// How an item from a file is reconciled with the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The starter data: it corrects what no editor has changed since (an
    /// item's fields unless an editor has edited them; a starter event,
    /// matched by date, status and source or else by status and a date
    /// in the same period, unless an editor has corrected or retracted
    /// it; a milestone matched by kind likewise).
    Starter,
    /// An import: the file's fields replace the item's; each event is
    /// matched by date, status and source and each milestone by kind and
    /// date, corrected where they differ, added where missing. Nothing
    /// stored is removed; a standing event the file marks retracted is
    /// retracted.
    Import,
}

/// An event to add: retracted at once when the file says so.
#[derive(Debug, Clone)]
pub struct EventToAdd {
    pub event: NewEvent,
    pub retraction: Option<String>,
}

/// What storing an item does.
#[derive(Debug, Clone)]
pub struct ItemPlan {
    pub fields: ItemFields,
    /// The stored item (id, version), or `None`: a new item.
    pub existing: Option<(ItemId, i32)>,
    /// Field changes to save (old → new); empty for a new item.
    pub field_changes: Vec<FieldChange>,
    pub add_events: Vec<EventToAdd>,
    pub correct_events: Vec<(EventId, NewEvent, Vec<FieldChange>)>,
    /// Standing events to retract, with the reason.
    pub retract_events: Vec<(EventId, NewEvent, String)>,
    /// Starter events an editor changed, left as they are.
    pub kept_events: usize,
    pub add_milestones: Vec<NewMilestone>,
    pub correct_milestones: Vec<(MilestoneId, NewMilestone, Vec<FieldChange>)>,
    /// Outgoing links the item lacks: (relation, target).
    pub add_links: Vec<ValidLink>,
}

impl ItemPlan {
    pub fn slug(&self) -> &Slug {
        &self.fields.slug
    }

    /// Whether storing it changes nothing.
    pub fn is_unchanged(&self) -> bool {
        self.existing.is_some()
            && self.field_changes.is_empty()
            && self.add_events.is_empty()
            && self.correct_events.is_empty()
            && self.retract_events.is_empty()
            && self.add_milestones.is_empty()
            && self.correct_milestones.is_empty()
            && self.add_links.is_empty()
    }
}

/// The stored fields of a file's item.
pub fn fields_of(item: &ValidItem) -> ItemFields {
    let lines = |lines: &[SingleLine]| lines.iter().map(|l| l.as_str().to_owned()).collect();
    ItemFields {
        kind: item.kind,
        slug: item.slug.clone(),
        title: item.title.to_string(),
        short_title: item.short_title.as_ref().map(ToString::to_string),
        original_title: item.original_title.as_ref().map(ToString::to_string),
        jurisdiction: item.jurisdiction.clone(),
        summary: item.summary.to_string(),
        status_summary: item.current.as_ref().map(ToString::to_string),
        identifiers: lines(&item.identifiers),
        parties: lines(&item.parties),
        tags: item.tags.clone(),
    }
}

fn events_of(item: &ValidItem) -> Vec<EventToAdd> {
    (item.events.iter())
        .map(|e| EventToAdd {
            event: NewEvent {
                date: e.date,
                status: e.status,
                note: e.note.to_string(),
                source: e.source.clone(),
                confidence: e.confidence,
            },
            retraction: e.retraction.as_ref().map(ToString::to_string),
        })
        .collect()
}

fn milestones_of(item: &ValidItem) -> Vec<NewMilestone> {
    (item.milestones.iter())
        .map(|m| NewMilestone {
            kind: m.kind,
            date: m.date,
            note: m.note.to_string(),
            source: m.source.clone(),
            confidence: m.confidence,
        })
        .collect()
}

/// Works out what storing `item` would do; reads, never writes.
pub fn plan(conn: &mut DbConnection, item: &ValidItem, mode: Mode) -> Result<ItemPlan, DbError> {
    let fields = fields_of(item);
    let wanted_events = events_of(item);
    let wanted_milestones = milestones_of(item);
    let Some(stored) = items::find_by_slug(conn, item.slug.as_str())? else {
        return Ok(ItemPlan {
            fields,
            existing: None,
            field_changes: Vec::new(),
            add_events: wanted_events,
            correct_events: Vec::new(),
            retract_events: Vec::new(),
            kept_events: 0,
            add_milestones: wanted_milestones,
            correct_milestones: Vec::new(),
            add_links: item.links.clone(),
        });
    };
    let mut field_changes =
        revisions::diff(&items::current_fields(conn, stored.id)?, &fields.values());
    if mode == Mode::Starter && revisions::fields_edited_by_an_editor(conn, stored.id)? {
        field_changes.clear();
    }
    let mut plan = ItemPlan {
        fields,
        existing: Some((stored.id, stored.version)),
        field_changes,
        add_events: Vec::new(),
        correct_events: Vec::new(),
        retract_events: Vec::new(),
        kept_events: 0,
        add_milestones: Vec::new(),
        correct_milestones: Vec::new(),
        add_links: Vec::new(),
    };
    plan_events(
        &mut plan,
        &events::for_item(conn, stored.id)?,
        wanted_events,
        mode,
    );
    let stored_milestones = milestones::all_for_item(conn, stored.id)?;
    plan_milestones(&mut plan, &stored_milestones, wanted_milestones, mode);
    let stored_links = links::for_item(conn, stored.id)?;
    plan.add_links = (item.links.iter())
        .filter(|l| {
            !stored_links.iter().any(|s| {
                s.outgoing && s.relation == l.relation.as_str() && s.other_slug == l.to.as_str()
            })
        })
        .cloned()
        .collect();
    Ok(plan)
}

/// Matches each wanted event to a stored one: first the same date, status
/// and source (any event, an editor's included, so none is duplicated);
/// for the starter data, failing that, a starter event of the same status
/// whose date overlaps (the data made a date more or less precise, or
/// corrected its source).
fn plan_events(plan: &mut ItemPlan, stored: &[EventRow], wanted: Vec<EventToAdd>, mode: Mode) {
    let mut claimed = vec![false; stored.len()];
    for w in wanted {
        let free = |i: &usize| !claimed[*i];
        let same_status = |e: &EventRow| e.status == w.event.status.name();
        let exact = (0..stored.len()).filter(free).find(|&i| {
            let e = &stored[i];
            same_status(e) && e.date() == w.event.date && e.source_url == w.event.source.as_str()
        });
        let found = exact.or_else(|| {
            (mode == Mode::Starter)
                .then(|| {
                    (0..stored.len()).filter(free).find(|&i| {
                        let e = &stored[i];
                        let d = e.date();
                        e.created_by.is_none()
                            && same_status(e)
                            && d.start() <= w.event.date.end()
                            && w.event.date.start() <= d.end()
                    })
                })
                .flatten()
        });
        let Some(i) = found else {
            plan.add_events.push(w);
            continue;
        };
        claimed[i] = true;
        let e = &stored[i];
        let changes = revisions::diff(&e.values(), &w.event.values());
        match mode {
            Mode::Starter => {
                if e.created_by.is_some() || changes.is_empty() {
                    continue;
                }
                if e.edited {
                    plan.kept_events += 1;
                } else {
                    plan.correct_events.push((e.id, w.event, changes));
                }
            }
            // A retracted event stays as it was retracted.
            Mode::Import if e.retracted => {}
            Mode::Import => {
                if !changes.is_empty() {
                    plan.correct_events.push((e.id, w.event.clone(), changes));
                }
                if let Some(reason) = w.retraction {
                    plan.retract_events.push((e.id, w.event, reason));
                }
            }
        }
    }
}

/// Matches each wanted milestone to a stored one, removed ones included
/// (a removed milestone stays removed): the same values first, else (the
/// starter data) the same kind, or (an import) the same kind and date;
/// corrects what differs (the starter data: unless an editor added,
/// corrected or removed it), adds the rest.
fn plan_milestones(
    plan: &mut ItemPlan,
    stored: &[MilestoneRow],
    wanted: Vec<NewMilestone>,
    mode: Mode,
) {
    let mut claimed = vec![false; stored.len()];
    for w in wanted {
        let exact = (0..stored.len()).find(|&i| !claimed[i] && stored[i].values() == w.values());
        let found = exact.or_else(|| {
            (0..stored.len()).find(|&i| {
                let m = &stored[i];
                !claimed[i] && m.kind == w.kind && (mode == Mode::Starter || m.date() == w.date)
            })
        });
        let Some(i) = found else {
            plan.add_milestones.push(w);
            continue;
        };
        claimed[i] = true;
        let m = &stored[i];
        let changes = revisions::diff(&m.values(), &w.values());
        let editors = mode == Mode::Starter && (m.created_by.is_some() || m.edited);
        if !changes.is_empty() && !editors && !m.cancelled {
            plan.correct_milestones.push((m.id, w, changes));
        }
    }
}
