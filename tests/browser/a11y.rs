//! What the browser checks on every page type: axe-core's serious and
//! critical violations, sideways scrolling at phone width, and that the
//! keyboard alone reaches every control with a visible focus ring.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};

use super::driver::{Session, PHONE};

/// Runs axe-core on the current page; the serious and critical violations,
/// each as readable lines (rule, help, the first few elements and why).
pub async fn axe(session: &Session, axe_js: &str) -> Vec<String> {
    session
        .client
        .execute(axe_js, vec![])
        .await
        .expect("axe-core loads");
    let found = session
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] })
              .then(r => done({ rules: r.passes.length + r.violations.length, violations: r.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.impact} ${v.id}: ${v.help}\n` + v.nodes.slice(0, 5)
                  .map(n => `    ${n.target.join(" ")}: ${(n.failureSummary || "").replace(/\n/g, " ")}`)
                  .join("\n")) }))
              .catch(e => done({ rules: 0, violations: [`axe failed: ${e}`] }));"#,
            vec![],
        )
        .await
        .expect("axe runs");
    // axe ran its rules (a page it could not check would pass silently).
    let rules = found["rules"].as_u64().unwrap_or(0);
    assert!(rules > 10, "axe-core checked only {rules} rules: {found}");
    serde_json::from_value(found["violations"].clone()).unwrap_or_default()
}

/// Checks `path` as it is now (signed in or out): axe finds nothing
/// serious, and at phone width nothing scrolls sideways. Problems are
/// added to `problems`.
pub async fn check_page(session: &Session, axe_js: &str, path: &str, problems: &mut Vec<String>) {
    session.goto(path).await;
    for v in axe(session, axe_js).await {
        problems.push(format!("{path}: {v}"));
    }
    session.width(PHONE).await;
    if session.scrolls_sideways().await {
        let wide = session
            .js(r#"return Array.from(document.querySelectorAll("body *"))
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .filter(e => !e.closest(".table-wrap, .chart-scroll"))
                .slice(0, 5).map(e => e.tagName + "." + e.className).join(", ")"#)
            .await;
        problems.push(format!(
            "{path}: scrolls sideways at {PHONE} px wide ({wide})"
        ));
    }
    session.width(super::driver::DESKTOP).await;
}

/// Presses Tab through the page from the top. Returns the controls it
/// never reached and those it reached without a visible focus ring.
pub async fn keyboard_walk(session: &Session) -> (Vec<String>, Vec<String>) {
    // Number every control a keyboard user should reach: links, buttons,
    // fields, and of each radio group only the one Tab stops on.
    let count = session
        .js(r#"const radios = new Set();
        const all = Array.from(document.querySelectorAll(
            'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])'))
          .filter(e => !e.disabled && e.checkVisibility() || e.classList.contains("skip"))
          .filter(e => {
            if (e.type !== "radio") return true;
            const group = e.form ? e.form.elements[e.name] : [e];
            const stop = Array.from(group).find(r => r.checked) || group[0];
            return e === stop;
          });
        all.forEach((e, i) => e.setAttribute("data-kbd", String(i)));
        document.activeElement && document.activeElement.blur();
        return all.length;"#)
        .await
        .as_u64()
        .unwrap_or(0) as usize;
    assert!(count > 0, "no controls on {}", session.path().await);
    let mut reached = vec![false; count];
    let mut unringed = Vec::new();
    for _ in 0..count + 10 {
        // A real key press, to whatever has the focus.
        let tab = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: '\u{E004}' })
            .then(KeyAction::Up { value: '\u{E004}' });
        session
            .client
            .perform_actions(tab)
            .await
            .expect("press Tab");
        let now = session
            .js(r#"const e = document.activeElement;
            if (!e || e === document.body) return null;
            const s = getComputedStyle(e);
            const ring = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
            return [e.getAttribute("data-kbd"), ring, e.outerHTML.slice(0, 120)];"#)
            .await;
        let Some(now) = now.as_array() else { continue };
        let index = now[0].as_str().and_then(|s| s.parse::<usize>().ok());
        let ring = now[1].as_bool().unwrap_or(false);
        if let Some(i) = index {
            reached[i] = true;
        }
        if !ring {
            unringed.push(now[2].as_str().unwrap_or_default().to_owned());
        }
    }
    let missed = session
        .js(r#"return Array.from(document.querySelectorAll("[data-kbd]")).map(e => e.outerHTML.slice(0, 120))"#)
        .await;
    let missed: Vec<String> = serde_json::from_value::<Vec<String>>(missed)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !reached.get(*i).copied().unwrap_or(true))
        .map(|(_, html)| html)
        .collect();
    unringed.dedup();
    (missed, unringed)
}
