//! `palisade scan`

use crate::args::{ColorChoice, OutputFormat, ScanArgs};
use crate::input::Input;
use crate::pipeline::{OrderedOutput, Progress};
use crate::{input, pipeline};
use anyhow::{Context, Result, bail};
use palisade_checks::{ResourceChecks, pss_rules};
use palisade_engine::{Config, Framework, RuleInfo, Selector, Severity};
use palisade_pss::{Level, Version};
use palisade_report::{FindingStream, Format, RenderOptions, ScanReport, Tally};
use palisade_source::{LoadLimits, SourceFile, load_str};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Default for `--fail-on`: every finding but informational ones fails the run
const DEFAULT_FAIL_ON: Severity = Severity::Low;
const DEFAULT_CONFIG: &str = ".palisade.yaml";

/// Run a scan; returns the exit code
pub fn run(args: &ScanArgs) -> Result<u8> {
    let config = load_config(args.config.as_deref())?;
    let plan = plan(args, config)?;

    let (inputs, mut diagnostics) = input::collect(&args.paths);
    let framework = framework_arg(args)?;
    let options = RenderOptions {
        color: use_color(args.color),
        show_suppressed: args.show_suppressed,
    };
    // Findings are rendered file by file as the scan goes (and written, or kept compactly by
    // the formats laid out at the end); compliance scoring needs every finding at the end, so
    // a `--framework` run renders the whole report.
    let stream = framework
        .is_none()
        .then(|| FindingStream::new(format(args.output), &plan.rules, &options));
    // `Stdout`, not its lock: the writer is shared with the scan's worker threads.
    let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let sink = match &stream {
        Some(s) => Sink::Streamed(Box::new(OrderedOutput::begin(s, out)?)),
        None => Sink::Whole(out),
    };
    let ordered = match &sink {
        Sink::Streamed(o) => Some(&**o),
        Sink::Whole(_) => None,
    };

    let progress = progress_bar(args, &inputs);
    let inputs_done = AtomicUsize::new(0);
    let tick = |step: Progress| {
        if let Some(p) = &progress {
            match step {
                Progress::Scanned(bytes) => p.inc(bytes),
                Progress::InputDone => {
                    let done = inputs_done.fetch_add(1, Ordering::Relaxed) + 1;
                    p.set_message(format!("{done}/{} files", inputs.len()));
                }
            }
        }
    };
    let mut outcome = pipeline::run(&plan, &inputs, &tick, ordered);
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    diagnostics.append(&mut outcome.diagnostics);
    diagnostics.sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));

    let compliance =
        framework.map(|fw| palisade_frameworks::score(fw, &plan.rules, &outcome.findings));
    let report = ScanReport {
        findings: &outcome.findings,
        streamed: Tally::default(),
        diagnostics: &diagnostics,
        rules: &plan.rules,
        files_scanned: outcome.files,
        resources_scanned: outcome.resources,
        compliance: compliance.as_ref(),
    };
    let mut tally = ordered.map(OrderedOutput::tally).unwrap_or_default();
    for f in &outcome.findings {
        tally.add(f);
    }
    match sink {
        Sink::Streamed(ordered) => (*ordered).finish(&report)?.flush()?,
        Sink::Whole(mut out) => {
            palisade_report::render(format(args.output), &report, &options, &mut out)?;
            out.flush()?;
        }
    }

    let fail_on = match &args.fail_on {
        Some(s) => s.parse::<Severity>()?,
        None => plan.config.fail_on.unwrap_or(DEFAULT_FAIL_ON),
    };
    Ok(
        if diagnostics
            .iter()
            .any(palisade_source::Diagnostic::is_error)
        {
            2
        } else if tally.any_at_least(fail_on) {
            1
        } else {
            0
        },
    )
}

/// Where the report goes: written as the scan goes, or rendered whole at the end
enum Sink<'s, 'r, W: Write> {
    Streamed(Box<OrderedOutput<'s, 'r, W>>),
    Whole(W),
}

fn format(o: OutputFormat) -> Format {
    match o {
        OutputFormat::Human => Format::Human,
        OutputFormat::Table => Format::Table,
        OutputFormat::Json => Format::Json,
        OutputFormat::Yaml => Format::Yaml,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Junit => Format::Junit,
        OutputFormat::Policyreport => Format::PolicyReport,
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    }
}

/// A bar over the bytes to scan, on a terminal, when there are several files or a large one
/// (a cluster dump is one file); the files done are its message
fn progress_bar(args: &ScanArgs, inputs: &[Input]) -> Option<indicatif::ProgressBar> {
    const LARGE_FILE_BYTES: u64 = 16 << 20;
    if args.no_progress || !std::io::stderr().is_terminal() {
        return None;
    }
    // Sizes only for a bar that can be shown: each is a `stat` of the file
    let total: u64 = inputs.iter().filter_map(Input::size).sum();
    let worth_it = inputs.len() >= 2 || total >= LARGE_FILE_BYTES;
    if total == 0 || !worth_it {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} scanning {msg} {wide_bar} {binary_bytes}/{binary_total_bytes} {eta}",
    ) {
        bar.set_style(style);
    }
    bar.set_message(format!("0/{} files", inputs.len()));
    Some(bar)
}

/// Read `.palisade.yaml` (explicit path, or the default one when present)
pub fn load_config(path: Option<&Path>) -> Result<Config> {
    let path = match path {
        Some(p) => p,
        None if Path::new(DEFAULT_CONFIG).is_file() => Path::new(DEFAULT_CONFIG),
        None => return Ok(Config::default()),
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config `{}`", path.display()))?;
    let file = SourceFile::new(path.display().to_string(), text);
    let (docs, diags) = load_str(&file, &LoadLimits::default());
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        bail!("{d}");
    }
    let value = docs.into_iter().next().map(|d| d.value).unwrap_or_default();
    let value = if value.is_null() {
        serde_json::json!({})
    } else {
        value
    };
    Config::from_value(value).with_context(|| format!("in config `{}`", path.display()))
}

fn framework_arg(args: &ScanArgs) -> Result<Option<Framework>> {
    args.framework
        .as_deref()
        .map(|s| {
            Framework::parse(s).with_context(|| {
                let known: Vec<_> = Framework::ALL.iter().map(|f| f.id()).collect();
                format!(
                    "unknown framework `{s}` (expected one of: {})",
                    known.join(", ")
                )
            })
        })
        .transpose()
}

/// Decide which rules run
pub(crate) fn plan(args: &ScanArgs, config: Config) -> Result<pipeline::Plan> {
    let select = if args.select.is_empty() {
        config.select.clone()
    } else {
        args.select.clone()
    };
    let mut ignore = config.ignore.clone();
    ignore.extend(args.ignore.iter().cloned());
    let selector = Selector::new(&select, &ignore);

    let level_text = args.pss_level.clone().or_else(|| config.pss_level.clone());
    let level: Level = match &level_text {
        Some(s) => s.parse()?,
        None => Level::Baseline,
    };
    let version: Version = match args.pss_version.as_ref().or(config.pss_version.as_ref()) {
        Some(s) => s.parse()?,
        None => Version::Latest,
    };
    let framework = framework_arg(args)?;
    let in_framework = |controls: &[palisade_engine::Control]| {
        framework.is_none_or(|fw| controls.iter().any(|c| c.framework == fw))
    };

    let checks: Vec<_> = palisade_checks::all()
        .filter(|c| {
            let m = c.meta;
            selector.enabled(m.id, m.name, m.tags)
                && !config.disabled(m.id, m.name)
                && in_framework(m.controls)
        })
        .collect();
    let pss_rules: Vec<RuleInfo> = pss_rules::rules(level, version)
        .into_iter()
        .filter(|r| {
            selector.enabled(&r.id, &r.name, r.tags)
                && !config.disabled(&r.id, &r.name)
                && in_framework(r.controls)
        })
        .collect();

    let every_rule: Vec<(String, String, &'static [&'static str])> = palisade_checks::all()
        .map(|c| (c.meta.id.to_owned(), c.meta.name.to_owned(), c.meta.tags))
        .chain(
            pss_rules::all_rules()
                .into_iter()
                .map(|r| (r.id.into_owned(), r.name.into_owned(), r.tags)),
        )
        .collect();
    if let Some(e) = selector
        .unknown_tokens(
            every_rule
                .iter()
                .map(|(i, n, t)| (i.as_str(), n.as_str(), *t)),
        )
        .into_iter()
        .next()
    {
        bail!("{e}; see `palisade checks`");
    }

    let pss_rule_ids = pss_rules.iter().map(|r| r.id.to_string()).collect();
    let pss = (!pss_rules.is_empty() && level != Level::Privileged).then_some((level, version));
    let mut rules: Vec<RuleInfo> = checks.iter().map(|c| RuleInfo::from(c.meta)).collect();
    rules.extend(pss_rules);
    for r in &mut rules {
        if let Some(sev) = config.severity_for(&r.id, &r.name) {
            r.severity = sev;
        }
    }
    Ok(pipeline::Plan {
        resource_checks: ResourceChecks::new(&checks),
        checks,
        pss,
        pss_rule_ids,
        rules,
        config,
        limits: LoadLimits::default(),
        keep_source: args.output == OutputFormat::Human,
    })
}
