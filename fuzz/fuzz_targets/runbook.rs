//! The runbook parser and checker on any bytes read as a file is (lossy UTF-8): a runbook or
//! problems that each name the file, a line inside it and a column; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(problems) = ripcord::runbook::lang::check::load("fuzz", "fuzz.md", &text) {
        let lines = text.split('\n').count() + 1;
        for p in problems {
            assert_eq!(p.file, "fuzz.md");
            assert!(p.pos.line >= 1 && p.pos.line <= lines, "{p}");
            assert!(p.pos.column >= 1, "{p}");
            assert!(!p.message.trim().is_empty(), "{p}");
        }
    }
});
