//! The config loader on any text: a config or an error that names the file and, when it
//! names a line, one inside the text; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.toml");
    if let Err(e) = ripcord::config::Config::from_text(path, text) {
        assert_eq!(e.path, path);
        if let Some((line, column)) = e.position {
            assert!(line >= 1 && line <= text.split('\n').count(), "{e}");
            assert!(column >= 1, "{e}");
        }
        assert!(!e.message.is_empty(), "{e}");
    }
});
