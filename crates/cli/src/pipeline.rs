//! The scan pipeline: load every input in parallel, run per-resource rules while each file is
//! in hand, then the cross-resource rules over the inventory, then suppressions and config;
//! optionally writing each file's findings as soon as it is done.

use crate::input::Input;
use palisade_checks::{ResourceChecks, inventory_for, pss_rules, run_inventory_checks};
use palisade_engine::{
    Check, CheckFn, Config, Finding, IGNORE_ANNOTATION_PREFIX, Inventory, RuleInfo,
    apply_annotation_suppression,
};
use palisade_model::{Resource, ResourceRef, resources_from_document};
use palisade_pss::{Level, Version};
use palisade_report::{Chunk, FindingStream, ScanReport, StreamWriter, Tally};
use palisade_source::{
    Diagnostic, DocumentText, JsonPointer, LoadLimits, SourceFile, load_document, no_documents,
    read_source, split_documents, split_list_items,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// What to run
#[derive(Debug)]
pub struct Plan {
    /// Enabled built-in checks
    pub checks: Vec<&'static Check>,
    /// The per-resource ones among them, by kind
    pub resource_checks: ResourceChecks,
    /// PSS level and version, when any PSS rule is enabled
    pub pss: Option<(Level, Version)>,
    /// IDs of the enabled PSS rules
    pub pss_rule_ids: HashSet<String>,
    /// Every rule that runs (for reports and scoring)
    pub rules: Vec<RuleInfo>,
    /// Severity overrides and excludes
    pub config: Config,
    /// Input limits
    pub limits: LoadLimits,
    /// Keep file text for source snippets (human output); otherwise dropped after each file
    pub keep_source: bool,
}

/// What a scan produced
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings, sorted, suppressed ones included; none when the scan wrote them through an
    /// [`OrderedOutput`]
    pub findings: Vec<Finding>,
    /// Input problems
    pub diagnostics: Vec<Diagnostic>,
    /// Inputs read
    pub files: usize,
    /// Resources evaluated
    pub resources: usize,
}

#[derive(Default)]
struct FileResult {
    findings: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
    inventory: Inventory,
    resources: usize,
    /// `ignore.palisade.dev/*` annotations, for suppressing cross-resource findings later
    ignore_annotations: Vec<(ResourceRef, serde_json::Value)>,
    /// Documents loaded
    documents: usize,
    /// Note the lines cross-resource findings can point at (`starts`, `workload_lines`)
    note_lines: bool,
    /// First line of every resource, and whether the inventory keeps the resource whole
    starts: Vec<(u32, bool)>,
    /// Where each workload's `metadata` starts
    workload_lines: Vec<u32>,
    /// The file, kept whole for the snippets of its diagnostics (streamed human output)
    source: Option<Arc<SourceFile>>,
}

impl FileResult {
    /// Add the results of another part of the same file
    fn absorb(&mut self, part: Self) {
        self.findings.extend(part.findings);
        self.diagnostics.extend(part.diagnostics);
        self.inventory.merge(part.inventory);
        self.resources += part.resources;
        self.ignore_annotations.extend(part.ignore_annotations);
        self.documents += part.documents;
        self.starts.extend(part.starts);
        self.workload_lines.extend(part.workload_lines);
    }
}

/// What a scan reports as it goes, for a progress bar
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// This many more bytes of input were scanned (a large file's a window at a time)
    Scanned(u64),
    /// One more input is done
    InputDone,
}

/// Run the plan over the inputs; `tick` is told of the bytes scanned and the inputs done.
///
/// With `output`, each file's findings are rendered on the worker that found them and written
/// in input order as soon as the files before it are done, then dropped, and so are the
/// cross-resource findings after them, check by check: memory stays flat however many findings
/// a scan has, and the returned outcome has none.
pub fn run<W: Write + Send>(
    plan: &Plan,
    inputs: &[Input],
    tick: &(dyn Fn(Progress) + Sync),
    output: Option<&OrderedOutput<'_, '_, W>>,
) -> Outcome {
    // Workers take inputs in order from a shared counter (rather than rayon splitting the list
    // in halves), so finished files arrive nearly in order and few chunks wait to be written.
    let retained = inventory_for(&plan.checks);
    // Streamed human output renders each file's snippets on the worker; only cross-resource
    // findings, rendered at the end, need a file's text after that, and only some lines of it.
    let sparse = plan.keep_source && output.is_some();
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, inputs.len().max(1));
    let mut results: Vec<(usize, FileResult)> = (0..workers)
        .into_par_iter()
        .flat_map_iter(|_| {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(input) = inputs.get(i) else { break };
                // A large file's findings of its first documents, finished while it is read
                let (mut part, mut earlier, mut any) = (0, Vec::new(), false);
                let mut r = scan_input(
                    plan,
                    input,
                    retained.empty_like(),
                    sparse,
                    tick,
                    &mut |found| {
                        any |= !found.is_empty();
                        match output {
                            Some(out) => {
                                part = out.submit_in_parts(i, part, &found, |_| Vec::new(), false)
                            }
                            None => earlier.extend(found),
                        }
                    },
                );
                if let Some(out) = output {
                    let findings = std::mem::take(&mut r.findings);
                    let source = r.source.take().filter(|_| any || !findings.is_empty());
                    out.submit_in_parts(
                        i,
                        part,
                        &findings,
                        |_| source.iter().cloned().collect(),
                        true,
                    );
                } else if !earlier.is_empty() {
                    earlier.append(&mut r.findings);
                    r.findings = earlier;
                }
                tick(Progress::InputDone);
                done.push((i, r));
            }
            done
        })
        .collect();
    results.sort_unstable_by_key(|(i, _)| *i);

    let mut outcome = Outcome {
        files: inputs.len(),
        ..Outcome::default()
    };
    let mut inventory = retained;
    let mut ignores: HashMap<ResourceRef, serde_json::Value> = HashMap::new();
    // Files whose text the inventory keeps whole for their diagnostics' snippets
    let mut diagnosed: HashSet<String> = HashSet::new();
    // Sized once: findings dominate memory on large scans, and doubling growth would hold
    // up to twice their size.
    let total: usize = results.iter().map(|(_, r)| r.findings.len()).sum();
    outcome.findings.reserve_exact(total);
    let mut inventories = Vec::with_capacity(results.len());
    for (_, r) in results {
        if sparse {
            diagnosed.extend(
                r.diagnostics
                    .iter()
                    .filter(|d| has_snippet(d))
                    .map(|d| d.file.clone()),
            );
        }
        outcome.findings.extend(r.findings);
        outcome.diagnostics.extend(r.diagnostics);
        outcome.resources += r.resources;
        inventories.push(r.inventory);
        ignores.extend(r.ignore_annotations);
    }
    inventory.merge_all(inventories);

    // Cross-resource checks in groups reading the same kept kinds: a group's kinds are parsed
    // once (the others' released first, so one group's values are in memory at a time) and its
    // checks run in parallel. A streamed scan writes their findings a slice at a time.
    let mut cross: Vec<(Vec<&'static str>, &'static Check)> = plan
        .checks
        .iter()
        .filter(|c| matches!(c.run, CheckFn::Inventory(_)))
        .map(|c| (Inventory::kept_kinds(c.meta.kinds), *c))
        .collect();
    cross.sort_by(|a, b| a.0.cmp(&b.0));
    let mut sequence = inputs.len();
    for group in cross.chunk_by(|a, b| a.0 == b.0) {
        if let Some((kinds, _)) = group.first() {
            inventory.release_parsed(kinds);
            inventory.parse_kinds(kinds);
        }
        let inventory = &inventory;
        let ignores = &ignores;
        let results: Vec<Vec<Finding>> = group
            .par_iter()
            .map(|(_, check)| {
                let mut found = Vec::new();
                run_inventory_checks(std::slice::from_ref(check), inventory, &mut found);
                for f in &mut found {
                    apply_annotation_suppression(f, ignores.get(&f.resource));
                    plan.config.apply(f);
                }
                found.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                found
            })
            .collect();
        for found in results {
            let Some(out) = output else {
                outcome.findings.extend(found);
                continue;
            };
            if found.is_empty() {
                continue;
            }
            // A check can report on every workload: rendered in parts like a large file's
            let sources = |slice: &[Finding]| {
                let mut sources: Vec<Arc<SourceFile>> = Vec::new();
                for f in slice.iter().filter(|f| diagnosed.contains(&f.file.name)) {
                    if !sources.iter().any(|s| Arc::ptr_eq(s, &f.file)) {
                        sources.push(Arc::clone(&f.file));
                    }
                }
                sources
            };
            out.submit_in_parts(sequence, 0, &found, sources, true);
            sequence += 1;
        }
    }
    outcome
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome
}

/// Findings rendered at once when streaming; more (a cross-resource check can report on every
/// workload, a cluster dump is one file) are rendered in parts of this size over the pool
const PART_FINDINGS: usize = 4096;

/// Writes each file's findings as soon as every earlier file's are written
#[derive(Debug)]
pub struct OrderedOutput<'s, 'r, W: Write> {
    stream: &'s FindingStream<'r>,
    state: Mutex<Ordered<'s, 'r, W>>,
    /// Byte buffers of written chunks, rendered into again (see [`FindingStream::chunk_in`])
    spare: Mutex<Vec<Vec<u8>>>,
}

/// Buffers kept for reuse: about one per worker and one waiting to be written
const SPARE_BUFFERS: usize = 4;
/// A buffer larger than this (a huge file's findings) is freed rather than kept
const SPARE_BUFFER_BYTES: usize = 8 << 20;

#[derive(Debug)]
struct Ordered<'s, 'r, W: Write> {
    writer: StreamWriter<'s, 'r, W>,
    /// The next input to write, and the next part of it
    next: (usize, usize),
    /// Rendered parts of inputs waiting for an earlier one, by (input, part), with whether the
    /// part is the input's last
    pending: BTreeMap<(usize, usize), (Chunk, bool)>,
    /// The first write error; later chunks are dropped and the error is returned at the end
    error: Option<std::io::Error>,
}

impl<'s, 'r, W: Write> OrderedOutput<'s, 'r, W> {
    /// Start writing `stream`'s document to `out`
    pub fn begin(stream: &'s FindingStream<'r>, out: W) -> std::io::Result<Self> {
        Ok(Self {
            stream,
            state: Mutex::new(Ordered {
                writer: StreamWriter::begin(stream, out)?,
                next: (0, 0),
                pending: BTreeMap::new(),
                error: None,
            }),
            spare: Mutex::new(Vec::new()),
        })
    }

    /// The findings of `index` (an input, or a cross-resource check after the inputs) from its
    /// part `first` on, with the files whose text the diagnostics of each part may show;
    /// `ends` when no findings of `index` follow. Returns the next part's number.
    ///
    /// Rendered on the calling thread; when they are many (a cluster dump, a check reporting on
    /// every workload, while the other threads are idle) in parts over the pool, a few at a
    /// time, each written as soon as it is its turn, so they are not all held rendered at once.
    fn submit_in_parts(
        &self,
        index: usize,
        first: usize,
        findings: &[Finding],
        sources: impl Fn(&[Finding]) -> Vec<Arc<SourceFile>> + Sync,
        ends: bool,
    ) -> usize
    where
        W: Send,
    {
        if findings.len() <= PART_FINDINGS {
            if findings.is_empty() && !ends {
                return first;
            }
            self.submit_part(
                index,
                first,
                self.render(findings, &sources(findings)),
                ends,
            );
            return first + 1;
        }
        let window = PART_FINDINGS * rayon::current_num_threads().max(1);
        let last = first + findings.len().div_ceil(PART_FINDINGS) - 1;
        let mut part = first;
        for slice in findings.chunks(window) {
            let chunks: Vec<Chunk> = slice
                .par_chunks(PART_FINDINGS)
                .map(|findings| self.render(findings, &sources(findings)))
                .collect();
            for chunk in chunks {
                self.submit_part(index, part, chunk, ends && part == last);
                part += 1;
            }
        }
        part
    }

    /// `findings` rendered, with the files whose text the diagnostics may show
    fn render(&self, findings: &[Finding], sources: &[Arc<SourceFile>]) -> Chunk {
        let buffer = self
            .spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default();
        let mut chunk = self.stream.chunk_in(findings, buffer);
        for file in sources {
            chunk.keep_source(Arc::clone(file));
        }
        chunk
    }

    /// Write part `part` of input `index` (`last`: its final part) once everything before it
    /// is written
    fn submit_part(&self, index: usize, part: usize, chunk: Chunk, last: bool) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.pending.insert((index, part), (chunk, last));
        loop {
            let next = state.next;
            let Some((chunk, last)) = state.pending.remove(&next) else {
                break;
            };
            if state.error.is_none() {
                match state.writer.write(chunk) {
                    Ok(buffer) => self.keep_spare(buffer),
                    Err(e) => state.error = Some(e),
                }
            }
            state.next = if last {
                (next.0 + 1, 0)
            } else {
                (next.0, next.1 + 1)
            };
        }
    }

    fn keep_spare(&self, buffer: Vec<u8>) {
        if buffer.capacity() <= SPARE_BUFFER_BYTES {
            let mut spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner);
            if spare.len() < SPARE_BUFFERS {
                spare.push(buffer);
            }
        }
    }

    /// The findings written so far, counted
    pub fn tally(&self) -> Tally {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .writer
            .tally()
    }

    /// Write `report.findings` (the cross-resource ones) and finish the document
    pub fn finish(self, report: &ScanReport<'_>) -> std::io::Result<W> {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = state.error {
            return Err(e);
        }
        let mut writer = state.writer;
        writer.write(self.stream.chunk(report.findings))?;
        writer.finish(&ScanReport {
            findings: &[],
            ..*report
        })
    }
}

/// One input's results, its findings finished (see [`finish_findings`]). A large file of many
/// documents is read a window of documents at a time, and the findings of every window but the
/// last are handed to `early` while the next window is read, so a cluster dump's findings need
/// not all be held at once; the last window's are in the result, like a small file's.
/// Each window's findings come after the previous window's in report order: every finding
/// points into its own document's lines.
fn scan_input(
    plan: &Plan,
    input: &Input,
    inventory: Inventory,
    sparse: bool,
    tick: &(dyn Fn(Progress) + Sync),
    early: &mut (dyn FnMut(Vec<Finding>) + Send),
) -> FileResult {
    let mut out = FileResult {
        inventory,
        note_lines: sparse,
        ..FileResult::default()
    };
    let name = input.name();
    let file = match input
        .read()
        .and_then(|bytes| read_source(&name, bytes, &plan.limits))
    {
        Ok(file) => file,
        Err(d) => {
            out.diagnostics.push(d);
            return out;
        }
    };
    let pieces = split_list_items(split_documents(&file));
    let stub = (!plan.keep_source).then(|| file_name_only(&file));
    let mut ticked = 0;
    if file.text.len() >= PARALLEL_FILE_BYTES && pieces.len() > 1 {
        // A big multi-document file (Helm output, a cluster dump) is shared out among the
        // threads by document instead of keeping one of them busy while the others idle, and
        // each document's values are dropped once evaluated.
        let mut windows = windows(&pieces).peekable();
        // The previous window's findings, finished and written while the next window is read
        let mut done: Option<Vec<Finding>> = None;
        while let Some(window) = windows.next() {
            let previous = done.take();
            let (parts, ()) = rayon::join(
                || {
                    window
                        .par_iter()
                        .fold(
                            || FileResult {
                                inventory: out.inventory.empty_like(),
                                note_lines: sparse,
                                ..FileResult::default()
                            },
                            |mut part, piece| {
                                scan_document(plan, &file, piece, &mut part);
                                part
                            },
                        )
                        .collect::<Vec<_>>()
                },
                || {
                    if let Some(mut findings) = previous {
                        if let Some(stub) = &stub {
                            point_at(&mut findings, stub);
                        }
                        finish_findings(plan, &mut findings);
                        early(findings);
                    }
                },
            );
            for part in parts {
                out.absorb(part);
            }
            let window_bytes: usize = window.iter().map(DocumentText::len).sum();
            ticked += window_bytes;
            tick(Progress::Scanned(window_bytes as u64));
            if windows.peek().is_some() {
                done = Some(std::mem::take(&mut out.findings));
            }
        }
    } else {
        for piece in &pieces {
            scan_document(plan, &file, piece, &mut out);
        }
    }
    tick(Progress::Scanned(
        file.text.len().saturating_sub(ticked) as u64
    ));
    if out.documents == 0 && out.diagnostics.is_empty() {
        out.diagnostics.push(no_documents(&file));
    }
    finish_findings(plan, &mut out.findings);
    if let Some(stub) = &stub {
        point_at(&mut out.findings, stub);
        out.inventory.replace_file(stub);
    } else if sparse {
        if out.diagnostics.iter().any(has_snippet) {
            // Diagnostics show snippets of the file, as a whole report would
            out.source = Some(Arc::clone(&file));
        } else {
            let lines = sparse_copy(&file, &mut out.starts, &out.workload_lines);
            out.inventory.replace_file(&lines);
        }
    }
    out.starts = Vec::new();
    out.workload_lines = Vec::new();
    out
}

/// Findings outlive their file; without snippets to show they only need its name
fn file_name_only(file: &SourceFile) -> Arc<SourceFile> {
    SourceFile::new(file.name.clone(), String::new())
}

fn point_at(findings: &mut [Finding], file: &Arc<SourceFile>) {
    for f in findings {
        f.file = Arc::clone(file);
    }
}

/// Findings made final: the configuration applied (severity overrides, excludes) and sorted
/// into report order
fn finish_findings(plan: &Plan, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        plan.config.apply(f);
    }
    // The order of `Finding::sort_key`, without comparing the file name: every finding of one
    // input is in that file
    let order = |a: &Finding, b: &Finding| (a.position, &a.rule_id).cmp(&(b.position, &b.rule_id));
    if findings.len() > PART_FINDINGS {
        // a large file's (a cluster dump): sorted over the pool
        findings.par_sort_by(order);
    } else {
        findings.sort_by(order);
    }
}

/// A large file's documents in windows of at most [`WINDOW_DOCUMENTS`] documents and about
/// [`WINDOW_BYTES`] of text: each window is read in parallel and its findings written before
/// the next is read
fn windows<'p, 'a>(pieces: &'p [DocumentText<'a>]) -> impl Iterator<Item = &'p [DocumentText<'a>]> {
    let mut rest = pieces;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let count = rest
            .iter()
            .take(WINDOW_DOCUMENTS)
            .take_while(|piece| {
                let fits = bytes < WINDOW_BYTES;
                bytes += piece.len();
                fits
            })
            .count();
        let (window, after) = rest.split_at(count.max(1));
        rest = after;
        Some(window)
    })
}

/// Documents in one window of a large file: a window's findings are held until it is done
/// (about 5 per object in the synthetic corpus)
const WINDOW_DOCUMENTS: usize = 1024;
/// Text in one window of a large file
const WINDOW_BYTES: usize = 4 << 20;

/// Does human output show a snippet of the file for this diagnostic (when it has the text)?
fn has_snippet(d: &Diagnostic) -> bool {
    d.position.is_some_and(|p| p.line > 0)
}

/// Kinds the inventory may keep whole
static KEPT_WHOLE: LazyLock<Vec<&'static str>> = LazyLock::new(|| Inventory::kept_kinds(&[]));

/// `file` with only the lines cross-resource findings can show: each line of the resources the
/// inventory keeps whole (from the line before each, up to the next resource), and the line
/// where each workload's `metadata` starts with the one before it. Every other line is left
/// empty, so lines keep their numbers. A streamed scan keeps this, not the file, in the
/// inventory: the text of every input would be kept until the end otherwise.
fn sparse_copy(
    file: &SourceFile,
    starts: &mut [(u32, bool)],
    workloads: &[u32],
) -> Arc<SourceFile> {
    let count = file.text.split_inclusive('\n').count();
    let mut keep = vec![false; count + 2];
    let mut mark = |from: u32, to: u32| {
        let from = usize::try_from(from).unwrap_or(usize::MAX);
        let to = usize::try_from(to).unwrap_or(usize::MAX).min(count);
        if let Some(lines) = keep.get_mut(from..=to) {
            lines.fill(true);
        }
    };
    for &line in workloads.iter().filter(|l| **l > 0) {
        mark(line - 1, line);
    }
    starts.sort_unstable();
    for &(start, whole) in starts.iter() {
        if whole && start > 0 {
            let next = starts.partition_point(|(s, _)| *s <= start);
            let end = starts
                .get(next)
                .map_or(u32::MAX, |(s, _)| s.saturating_sub(1));
            mark(start - 1, end);
        }
    }
    let mut text = String::new();
    for (i, line) in file.text.split_inclusive('\n').enumerate() {
        if keep.get(i + 1).copied().unwrap_or_default() {
            text.push_str(line);
        } else if line.ends_with('\n') {
            text.push('\n');
        }
    }
    SourceFile::new(file.name.clone(), text)
}

/// Files at least this big have their documents evaluated in parallel
const PARALLEL_FILE_BYTES: usize = 256 * 1024;

fn scan_document(
    plan: &Plan,
    file: &Arc<SourceFile>,
    piece: &DocumentText<'_>,
    out: &mut FileResult,
) {
    let (docs, diags) = load_document(file, piece, &plan.limits);
    out.diagnostics.extend(diags);
    for doc in docs {
        out.documents += 1;
        let (resources, diags) = resources_from_document(doc);
        out.diagnostics.extend(diags);
        for resource in resources {
            evaluate(plan, &resource, out);
        }
    }
}

fn evaluate(plan: &Plan, resource: &Resource, out: &mut FileResult) {
    let start = out.findings.len();
    plan.resource_checks.run(resource, &mut out.findings);
    if let Some((level, version)) = plan.pss {
        let before = out.findings.len();
        pss_rules::evaluate(resource, level, version, &mut out.findings);
        let mut i = before;
        while i < out.findings.len() {
            if plan.pss_rule_ids.contains(out.findings[i].rule_id.as_ref()) {
                i += 1;
            } else {
                out.findings.swap_remove(i);
            }
        }
    }
    let annotations = palisade_model::field_path(&resource.value, "metadata/annotations");
    let has_ignores = annotations
        .and_then(serde_json::Value::as_object)
        .is_some_and(|m| m.keys().any(|k| k.starts_with(IGNORE_ANNOTATION_PREFIX)));
    if has_ignores {
        for f in &mut out.findings[start..] {
            apply_annotation_suppression(f, annotations);
        }
        if let Some(a) = annotations {
            out.ignore_annotations
                .push((resource.reference(), a.clone()));
        }
    }
    if out.note_lines {
        let start = resource.locate(&JsonPointer::root()).line;
        out.starts
            .push((start, KEPT_WHOLE.contains(&resource.kind.as_str())));
        if resource.pod_template().is_some() {
            let metadata = resource.locate(&JsonPointer::root().key("metadata"));
            out.workload_lines.push(metadata.line);
        }
    }
    out.inventory.observe(resource);
    out.resources += 1;
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::panic,
        reason = "test code: a failed unwrap is a failed test"
    )]
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    #[test]
    fn progress_counts_every_byte_and_a_large_file_window_by_window() {
        let dir = tempfile::tempdir().unwrap();
        let pod = |i: usize| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: team\nspec:\n  \
                 containers:\n  - name: app\n    image: nginx\n    securityContext:\n      \
                 privileged: true\n"
            )
        };
        let small = dir.path().join("small.yaml");
        std::fs::write(&small, pod(0)).unwrap();
        // a multi-document file large enough to be read in several windows
        let large = dir.path().join("large.yaml");
        let docs: Vec<String> = (0..3 * WINDOW_DOCUMENTS).map(pod).collect();
        std::fs::write(&large, docs.join("---\n")).unwrap();

        let Command::Scan(args) = Cli::try_parse_from(["palisade", "scan", "x"])
            .unwrap()
            .command
        else {
            panic!("not a scan")
        };
        let plan = crate::commands::scan::plan(&args, Config::default()).unwrap();
        let inputs = [Input::File(small), Input::File(large)];
        let steps = Mutex::new(Vec::new());
        let outcome = run(
            &plan,
            &inputs,
            &|step| steps.lock().unwrap().push(step),
            None::<&OrderedOutput<'_, '_, Vec<u8>>>,
        );
        assert_eq!(outcome.resources, 1 + 3 * WINDOW_DOCUMENTS);
        let steps = steps.into_inner().unwrap();
        let scanned: u64 = steps
            .iter()
            .map(|s| match s {
                Progress::Scanned(bytes) => *bytes,
                Progress::InputDone => 0,
            })
            .sum();
        let total: u64 = inputs.iter().filter_map(Input::size).sum();
        assert_eq!(scanned, total, "every byte counted once");
        let done = steps.iter().filter(|s| **s == Progress::InputDone).count();
        assert_eq!(done, 2);
        let byte_steps = steps.len() - done;
        assert!(
            byte_steps > 3,
            "the large file counted window by window: {steps:?}"
        );
    }
}
