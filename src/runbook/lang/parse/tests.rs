//! The parser on small documents: steps, blocks, checklists and where each is.

use super::*;

const BOOK: &str = "---\ntitle: T\nrto: 5m\n---\n# Heading\n\nIntro *text*.\n\n## First step\n\nDo `this`.\n\n- [ ] page someone\n- [x] open the incident\n\n```ripcord\naction: x\n```\n\n## Second\n\n- one\n- two\n\n```sh\necho hi\n```\n";

#[test]
fn splits_front_matter_intro_and_steps() {
    let doc = document("b.md", BOOK);
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    let front = doc.front.expect("front matter");
    assert_eq!(front.text, "title: T\nrto: 5m\n");
    assert_eq!(front.first_line, 2);
    assert_eq!(doc.heading.as_deref(), Some("Heading"));
    assert_eq!(doc.intro, vec!["Intro text."]);
    assert_eq!(doc.sections.len(), 2);
    let first = &doc.sections[0];
    assert_eq!(first.title, "First step");
    assert_eq!(first.pos, Pos::new(9, 1));
    assert_eq!(first.prose, vec!["Do `this`."]);
    assert_eq!(first.checklist, vec!["page someone", "open the incident"]);
    assert_eq!(first.checklist_at, vec![Pos::new(13, 1), Pos::new(14, 1)]);
    assert_eq!(first.blocks.len(), 1);
    assert_eq!(first.blocks[0].fence, Pos::new(16, 1));
    assert_eq!(first.blocks[0].origin.first_line, 17);
    assert_eq!(first.blocks[0].text, "action: x\n");
    let second = &doc.sections[1];
    assert_eq!(second.prose, vec!["• one", "• two"]);
    assert_eq!(second.blocks[0].lang, BlockLang::Sh);
}

#[test]
fn missing_and_unclosed_front_matter_are_reported_at_line_one() {
    let doc = document("b.md", "# x\n## y\n");
    assert_eq!(doc.problems.len(), 1);
    assert!(
        doc.problems[0]
            .to_string()
            .starts_with("b.md:1:1: no front matter")
    );
    let doc = document("b.md", "---\ntitle: x\n## y\n");
    assert!(doc.problems[0].message.contains("not closed"));
}

#[test]
fn yaml_errors_are_placed_in_the_file() {
    let origin = Origin {
        first_line: 10,
        indent: 2,
    };
    let err = yaml::<RawSpec>("b.md", origin, "action: x\nreplica: {{replica}}\n")
        .expect_err("unquoted template");
    assert_eq!(err.pos, Pos::new(11, 12));
    assert!(err.message.contains("quote the value"), "{err}");
}

#[test]
fn indented_fences_keep_their_columns() {
    let text =
        "---\ntitle: T\nrto: 5m\n---\n## S\n\n1. item\n\n   ```ripcord\n   action: x\n   ```\n";
    let doc = document("b.md", text);
    let block = &doc.sections[0].blocks[0];
    assert_eq!(block.origin.indent, 3);
    assert_eq!(block.origin.at(1, 1), Pos::new(10, 4));
}
