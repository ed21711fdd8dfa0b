//! Table output: one aligned row per finding, then the summary

use crate::common::{Style, location, resource_label, terminal_safe, write_table};
use crate::human::write_summary;
use crate::{RenderOptions, ScanReport};
use palisade_engine::Finding;

pub(crate) fn render(report: &ScanReport<'_>, opts: &RenderOptions) -> String {
    let style = Style { color: opts.color };
    let shown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.is_active() || opts.show_suppressed)
        .collect();
    let mut out = String::new();
    if shown.is_empty() {
        out.push_str("no findings\n");
    } else {
        let rows: Vec<Vec<String>> = shown.iter().map(|f| row(f)).collect();
        write_table(
            &mut out,
            "",
            &["SEVERITY", "RULE", "RESOURCE", "LOCATION", "MESSAGE"],
            &rows,
            &|col, r, cell| match (col, r.and_then(|r| shown.get(r))) {
                (_, None) => style.bold(cell),
                (0, Some(f)) if f.is_active() => style.severity(f.severity, cell),
                (_, Some(f)) if !f.is_active() => style.dim(cell),
                _ => cell.to_owned(),
            },
        );
    }
    out.push('\n');
    write_summary(&mut out, report, style);
    out
}

fn row(f: &Finding) -> Vec<String> {
    let severity = if f.is_active() {
        f.severity.as_str().to_owned()
    } else {
        format!("{} (suppressed)", f.severity)
    };
    // one line per row: message lines are joined
    let mut message = f.message.lines().collect::<Vec<_>>().join(" ");
    if let Some(s) = &f.suppressed {
        message.push_str(&format!(" [suppressed: {}]", s.reason()));
    }
    vec![
        severity,
        terminal_safe(&f.rule_id).into_owned(),
        resource_label(&f.resource),
        location(f),
        terminal_safe(&message).into_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Fixture;

    #[test]
    fn rows_are_aligned_and_followed_by_the_summary() {
        let fx = Fixture::new();
        let out = render(&fx.report(), &RenderOptions::default());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "SEVERITY  RULE     RESOURCE             LOCATION                     MESSAGE"
        );
        assert_eq!(
            lines[1],
            "low       IMG-001  Pod/dev/p            ./pods/pod.yaml:9:5          image `nginx:latest` uses a mutable tag it may change: yes"
        );
        assert_eq!(
            lines[2],
            "critical  POD-001  Deployment/prod/web  manifests/deploy.yaml:12:11  container `app` runs privileged"
        );
        assert_eq!(
            lines[3],
            "medium    NET-001  Namespace/prod       ns dir/namespace.yaml:4:3    namespace `prod` has no NetworkPolicy <&\"'>"
        );
        assert_eq!(lines[4], "");
        assert_eq!(lines[5], "summary");
        assert!(!out.contains("(suppressed)"), "{out}");
    }

    #[test]
    fn suppressed_rows_on_request() {
        let fx = Fixture::new();
        let out = render(
            &fx.report(),
            &RenderOptions {
                color: true,
                show_suppressed: true,
            },
        );
        assert!(
            out.contains("POD-002") && out.contains("high (suppressed)"),
            "{out}"
        );
        assert!(out.contains("[suppressed: legacy & <ok>]"), "{out}");
    }

    #[test]
    fn empty_table() {
        let fx = Fixture::new();
        let out = render(&fx.clean_report(), &RenderOptions::default());
        assert!(out.starts_with("no findings\n\nsummary\n"), "{out}");
    }
}
