//! The marker shape of each phase, shared by every drawing and its legend,
//! so a phase is told by its shape as well as its colour: proposed a
//! circle, pending a square, in force a triangle, stalled a diamond, ended
//! a downward triangle; a development (no phase) a hollow circle.

use crate::domain::Phase;

/// Colour of a development's marker (an event that leaves the status).
pub const DEVELOPMENT_COLOUR: &str = "#5f6368";

/// An SVG shape for `phase` centred on (`cx`, `cy`), `r` from centre to
/// edge, filled with the phase's colour (a development is hollow).
pub fn marker(phase: Option<Phase>, cx: f64, cy: f64, r: f64, class: &str) -> String {
    let Some(phase) = phase else {
        return format!(
            r##"<circle class="{class}" cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="#fff" stroke="{DEVELOPMENT_COLOUR}" stroke-width="2.5"/>"##,
            r - 1.0
        );
    };
    let fill = phase.colour();
    let style = format!(r##"class="{class}" fill="{fill}" stroke="#fff" stroke-width="1.5""##);
    match phase {
        Phase::Proposed => format!(r#"<circle {style} cx="{cx:.1}" cy="{cy:.1}" r="{r:.1}"/>"#),
        Phase::Pending => {
            let s = r * 0.9;
            format!(
                r#"<rect {style} x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
                cx - s,
                cy - s,
                2.0 * s,
                2.0 * s
            )
        }
        Phase::InForce => format!(
            r#"<path {style} d="M{cx:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} Z"/>"#,
            cy - r * 1.1,
            cx + r * 1.1,
            cy + r * 0.8,
            cx - r * 1.1,
            cy + r * 0.8
        ),
        Phase::Stalled => format!(
            r#"<path {style} d="M{cx:.1} {:.1} L{:.1} {cy:.1} L{cx:.1} {:.1} L{:.1} {cy:.1} Z"/>"#,
            cy - r * 1.2,
            cx + r * 1.2,
            cy + r * 1.2,
            cx - r * 1.2
        ),
        Phase::Ended => format!(
            r#"<path {style} d="M{cx:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} Z"/>"#,
            cy + r * 1.1,
            cx + r * 1.1,
            cy - r * 0.8,
            cx - r * 1.1,
            cy - r * 0.8
        ),
    }
}

/// A small standalone SVG of a phase's marker, for legends beside its name.
pub fn legend_icon(phase: Option<Phase>) -> String {
    format!(
        r#"<svg class="legend-icon" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">{}</svg>"#,
        marker(phase, 8.0, 8.0, 6.0, "mark")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_has_its_own_shape_whatever_its_colour() {
        let shapes: Vec<String> = Phase::ALL
            .into_iter()
            .map(Some)
            .chain([None])
            .map(|p| {
                let colour = p.map_or(DEVELOPMENT_COLOUR, Phase::colour);
                marker(p, 10.0, 10.0, 6.0, "mark").replace(colour, "C")
            })
            .collect();
        for (i, a) in shapes.iter().enumerate() {
            for b in &shapes[i + 1..] {
                assert_ne!(a, b, "two phases share a shape");
            }
        }
    }
}
