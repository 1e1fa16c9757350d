//! Reading a runbook file: the YAML front matter, then the Markdown (pulldown-cmark, with
//! byte offsets) cut into steps at `##` headings. Every piece keeps its place in the file so
//! that any problem found later can be reported as `file:line:column`.
//!
//! This module only reads structure; `check` decides whether it makes a valid runbook.

use crate::runbook::lang::model::{Diagnostic, Pos};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use serde_saphyr::Location;
use std::borrow::Cow;

pub(crate) mod effort;
mod lines;
mod yaml;

pub use lines::Lines;
pub use yaml::*;

/// A Markdown runbook cut into its parts, before any meaning is given to them.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub file: String,
    pub front: Option<FrontBlock>,
    /// The `#` heading, when there is one.
    pub heading: Option<String>,
    /// Prose before the first step.
    pub intro: Vec<String>,
    pub sections: Vec<Section>,
    /// Executable blocks before the first `##` step, which belong to no step.
    pub stray_blocks: Vec<Block>,
    /// Structural problems (no front matter, an unterminated one).
    pub problems: Vec<Diagnostic>,
    /// The front matter never ends, so the whole file was read as YAML.
    pub unclosed: bool,
}

/// The YAML between the `---` lines.
#[derive(Debug, Clone)]
pub struct FrontBlock {
    pub text: String,
    /// The file line of the first YAML line.
    pub first_line: usize,
}

/// One `##` heading and everything up to the next one: a step.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub title: String,
    pub pos: Pos,
    pub prose: Vec<String>,
    pub checklist: Vec<String>,
    /// Where each checklist item starts, in the same order.
    pub checklist_at: Vec<Pos>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockLang {
    /// ```` ```ripcord ````: a YAML step specification.
    Ripcord,
    /// ```` ```sh ````: a shell script.
    Sh,
}

/// An executable fenced code block.
#[derive(Debug, Clone)]
pub struct Block {
    pub lang: BlockLang,
    /// The words after the language on the fence line.
    pub options: Vec<String>,
    /// Where the fence starts.
    pub fence: Pos,
    pub text: String,
    /// Where the block's text starts: its first line, and the indentation the fence had
    /// (Markdown strips it from every line of the block, so columns must add it back).
    pub origin: Origin,
}

/// Where a piece of text starts in the file, for turning positions inside it into file
/// positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    pub first_line: usize,
    pub indent: usize,
}

impl Origin {
    /// A 1-based (line, column) inside the text, as a position in the file.
    pub fn at(&self, line: usize, column: usize) -> Pos {
        Pos::new(
            self.first_line + line.saturating_sub(1),
            column + self.indent,
        )
    }

    /// A YAML parser location inside the text, as a position in the file.
    pub fn at_yaml(&self, loc: &Location) -> Pos {
        self.at(
            usize::try_from(loc.line()).unwrap_or(1).max(1),
            usize::try_from(loc.column()).unwrap_or(1).max(1),
        )
    }

    /// A byte offset inside `text`, as a position in the file.
    pub fn at_offset(&self, text: &str, offset: usize) -> Pos {
        let (line, column) = line_column(text, offset);
        self.at(line, column)
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    effort::add(end);
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The text with every carriage return that does not start a CRLF turned into a line feed.
/// Markdown and YAML both end a line at a lone CR (as editors show it), and the rest of the
/// reader counts lines by LF: without this, a problem in a file with old Mac line ends was
/// placed on a line past its end. One byte for one, so every byte offset stays the same.
pub fn lone_returns_as_line_feeds(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    if !(0..bytes.len()).any(lone) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        out.push(if c == '\r' && lone(i) { '\n' } else { c });
    }
    Cow::Owned(out)
}

/// Cuts a runbook into front matter, intro and `##` sections.
pub fn document(file: &str, text: &str) -> Document {
    let mut doc = Document {
        file: file.to_string(),
        ..Document::default()
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body_start = match split_front_matter(text) {
        Ok(Some((front, body_start))) => {
            doc.front = Some(front);
            body_start
        }
        Ok(None) => {
            doc.problems.push(Diagnostic {
                file: file.to_string(),
                pos: Pos::new(1, 1),
                message: "no front matter: start the file with a `---` line, then the YAML header (title, rto, parameters), then a closing `---` line".to_string(),
            });
            0
        }
        Err(pos) => {
            doc.unclosed = true;
            doc.problems.push(Diagnostic {
                file: file.to_string(),
                pos,
                message: "the front matter is not closed: end the YAML header with a line holding only `---`".to_string(),
            });
            text.len()
        }
    };
    read_markdown(&mut doc, text, body_start);
    doc
}

/// Finds `---` ... `---` at the top. `Ok(None)` when the file does not start with one;
/// `Err` (the opening line) when it is never closed.
fn split_front_matter(text: &str) -> Result<Option<(FrontBlock, usize)>, Pos> {
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok(None);
    };
    if first.trim_end() != "---" {
        return Ok(None);
    }
    let mut offset = first.len();
    let yaml_start = offset;
    for line in lines {
        if matches!(line.trim_end(), "---" | "...") {
            let front = FrontBlock {
                text: text[yaml_start..offset].to_string(),
                first_line: 2,
            };
            return Ok(Some((front, offset + line.len())));
        }
        offset += line.len();
    }
    Err(Pos::new(1, 1))
}

/// Whatever is being collected as the walk goes.
#[derive(Default)]
struct Walk {
    /// Text of the paragraph, cell or heading being read.
    line: String,
    /// Open list items, innermost last: their bullet and whether they are checklist items.
    items: Vec<Item>,
    /// Numbering of open lists (`None` for bullets).
    lists: Vec<Option<u64>>,
    heading: Option<(HeadingLevel, usize)>,
    code: Option<Code>,
    in_table_cell: bool,
}

struct Item {
    bullet: String,
    task: bool,
    pos: Pos,
}

struct Code {
    lang: Option<BlockLang>,
    options: Vec<String>,
    fence: Pos,
    indent: usize,
    text: String,
    text_start: Option<usize>,
}

fn read_markdown(doc: &mut Document, text: &str, body_start: usize) {
    let body = &text[body_start..];
    let lines = Lines::new(text);
    let pos_of = |offset: usize| {
        let (line, column) = lines.line_column(body_start + offset);
        Pos::new(line, column)
    };
    let mut walk = Walk::default();
    let parser = Parser::new_ext(body, Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES);
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(doc, &mut walk, false);
                walk.heading = Some((level, range.start));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, start)) = walk.heading.take() else {
                    continue;
                };
                let title = std::mem::take(&mut walk.line).trim().to_string();
                match level {
                    HeadingLevel::H1 if doc.sections.is_empty() && doc.heading.is_none() => {
                        doc.heading = Some(title);
                    }
                    HeadingLevel::H1 | HeadingLevel::H2 => doc.sections.push(Section {
                        title,
                        pos: pos_of(start),
                        ..Section::default()
                    }),
                    _ => {
                        push_prose(doc, title);
                        push_gap(doc);
                    }
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                flush(doc, &mut walk, false);
                let (lang, options) = match &kind {
                    CodeBlockKind::Fenced(info) => {
                        let mut words = info.split_whitespace();
                        let lang = match words.next() {
                            Some("ripcord") => Some(BlockLang::Ripcord),
                            Some("sh") => Some(BlockLang::Sh),
                            _ => None,
                        };
                        (lang, words.map(str::to_string).collect())
                    }
                    CodeBlockKind::Indented => (None, Vec::new()),
                };
                let fence = pos_of(range.start);
                walk.code = Some(Code {
                    lang,
                    options,
                    fence,
                    indent: leading_spaces(text, &lines, body_start + range.start),
                    text: String::new(),
                    text_start: None,
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                let Some(code) = walk.code.take() else {
                    continue;
                };
                finish_code(doc, code, &pos_of);
            }
            Event::Text(t) => match &mut walk.code {
                Some(code) => {
                    code.text_start.get_or_insert(range.start);
                    code.text.push_str(&t);
                }
                None => walk.line.push_str(&t),
            },
            Event::Code(t) => {
                walk.line.push('`');
                walk.line.push_str(&t);
                walk.line.push('`');
            }
            Event::SoftBreak => walk.line.push(' '),
            Event::HardBreak => flush(doc, &mut walk, false),
            Event::Start(Tag::List(start)) => {
                flush(doc, &mut walk, false);
                walk.lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                walk.lists.pop();
                if walk.lists.is_empty() {
                    push_gap(doc);
                }
            }
            Event::Start(Tag::Item) => {
                flush(doc, &mut walk, false);
                let bullet = match walk.lists.last_mut() {
                    Some(Some(n)) => {
                        let b = format!("{n}. ");
                        *n += 1;
                        b
                    }
                    _ => "• ".to_string(),
                };
                walk.items.push(Item {
                    bullet,
                    task: false,
                    // At the bullet, past any indentation the item's range starts with.
                    pos: pos_of(
                        range.start
                            + body[range.start..]
                                .chars()
                                .take_while(|c| *c == ' ')
                                .count(),
                    ),
                });
            }
            Event::TaskListMarker(_) => {
                if let Some(item) = walk.items.last_mut() {
                    item.task = true;
                }
            }
            Event::End(TagEnd::Item) => {
                flush(doc, &mut walk, false);
                walk.items.pop();
            }
            Event::End(TagEnd::Paragraph) => {
                if walk.items.is_empty() {
                    flush(doc, &mut walk, true);
                } else {
                    walk.line.push(' ');
                }
            }
            Event::Start(Tag::TableCell) => walk.in_table_cell = true,
            Event::End(TagEnd::TableCell) => {
                walk.in_table_cell = false;
                walk.line.push_str(" | ");
            }
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                let row = walk.line.trim_end_matches([' ', '|']).to_string();
                walk.line = row;
                flush(doc, &mut walk, false);
            }
            Event::End(TagEnd::Table) => push_gap(doc),
            _ => {}
        }
    }
    flush(doc, &mut walk, false);
    trim_gaps(&mut doc.intro);
    for s in &mut doc.sections {
        trim_gaps(&mut s.prose);
    }
}

fn leading_spaces(text: &str, lines: &Lines, offset: usize) -> usize {
    let line_start = lines.line_start(offset);
    text[line_start..].chars().take_while(|c| *c == ' ').count()
}

fn finish_code(doc: &mut Document, code: Code, pos_of: &impl Fn(usize) -> Pos) {
    let Some(lang) = code.lang else {
        // Not executable: part of the prose, shown indented.
        for line in code.text.lines() {
            push_prose(doc, format!("    {line}"));
        }
        push_gap(doc);
        return;
    };
    let first_line = match code.text_start {
        Some(offset) => pos_of(offset).line,
        None => code.fence.line + 1,
    };
    let block = Block {
        lang,
        options: code.options,
        fence: code.fence,
        text: code.text,
        origin: Origin {
            first_line,
            indent: code.indent,
        },
    };
    match doc.sections.last_mut() {
        Some(section) => section.blocks.push(block),
        None => doc.stray_blocks.push(block),
    }
}

/// Ends the line being read: into the current item or checklist, or as a paragraph.
fn flush(doc: &mut Document, walk: &mut Walk, paragraph_end: bool) {
    let text = std::mem::take(&mut walk.line);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return;
    }
    if walk.heading.is_some() {
        walk.line = text;
        return;
    }
    match walk.items.last_mut() {
        Some(item) if item.task => match doc.sections.last_mut() {
            Some(section) => {
                section.checklist.push(text);
                section.checklist_at.push(item.pos);
            }
            None => doc.intro.push(format!("☐ {text}")),
        },
        Some(_) => {
            let depth = walk.items.len().saturating_sub(1);
            let Some(item) = walk.items.last_mut() else {
                return;
            };
            let line = format!("{}{}{text}", "  ".repeat(depth), item.bullet);
            // Continuation text of the same item is indented under its bullet.
            item.bullet = " ".repeat(item.bullet.chars().count());
            push_prose(doc, line);
        }
        None => {
            push_prose(doc, text);
            if paragraph_end {
                push_gap(doc);
            }
        }
    }
}

fn prose_of(doc: &mut Document) -> &mut Vec<String> {
    match doc.sections.last_mut() {
        Some(section) => &mut section.prose,
        None => &mut doc.intro,
    }
}

fn push_prose(doc: &mut Document, line: String) {
    prose_of(doc).push(line);
}

/// A blank line between paragraphs, never two in a row.
fn push_gap(doc: &mut Document) {
    let prose = prose_of(doc);
    if prose.last().is_some_and(|l| !l.is_empty()) {
        prose.push(String::new());
    }
}

fn trim_gaps(lines: &mut Vec<String>) {
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
}

#[cfg(test)]
mod tests;
