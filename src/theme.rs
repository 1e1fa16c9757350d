//! Themes: styles for every part of the screen, loaded from TOML (`themes/*.toml` are built
//! in; a user file can start from one with `base = "NAME"`). `NO_COLOR` always selects `mono`.

use crate::tomlfile::{self, FileError};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The built-in themes, embedded so the binary needs no files beside it.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../themes/mono.toml")),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    pub table_header: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub crit: Style,
    pub unknown: Style,
    pub stale: Style,
    pub error: Style,
    pub bar: Style,
    pub bar_key: Style,
}

/// Declares the style slots once, for the file format and the resolved theme alike.
macro_rules! style_slots {
    ($($slot:ident),* $(,)?) => {
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Styles { $($slot: Option<StyleSpec>,)* }

        impl Styles {
            /// Slots set here win; the rest come from `base`.
            fn over(self, base: Styles) -> Styles {
                Styles { $($slot: self.$slot.or(base.$slot),)* }
            }

            fn resolve(self, name: &str, path: &Path) -> Result<Theme, FileError> {
                Ok(Theme {
                    name: name.to_string(),
                    $($slot: self.$slot.ok_or_else(|| FileError {
                        path: path.to_path_buf(),
                        position: None,
                        key: Some(format!("styles.{}", stringify!($slot))),
                        message: "missing: set it, or set base = \"dark\" to inherit it".to_string(),
                    })?.style(),)*
                })
            }
        }
    };
}

style_slots!(
    text,
    dim,
    accent,
    border,
    border_focused,
    title,
    table_header,
    selected,
    ok,
    warn,
    crit,
    unknown,
    stale,
    error,
    bar,
    bar_key,
);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    base: Option<String>,
    #[serde(default)]
    styles: Styles,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<ColorSpec>,
    bg: Option<ColorSpec>,
    #[serde(default)]
    modifiers: Vec<ModifierSpec>,
}

impl StyleSpec {
    fn style(&self) -> Style {
        let mut style = Style::default();
        if let Some(fg) = &self.fg {
            style = style.fg(fg.0);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(bg.0);
        }
        self.modifiers
            .iter()
            .fold(style, |s, m| s.add_modifier(m.modifier()))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
struct ColorSpec(Color);

impl TryFrom<String> for ColorSpec {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Color::from_str(&s).map(ColorSpec).map_err(|_| {
            format!("unknown colour `{s}`: use a name (red, lightblue, darkgray, reset, ...), #rrggbb, or 0-255")
        })
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ModifierSpec {
    Bold,
    Dim,
    Italic,
    Underlined,
    Reversed,
}

impl ModifierSpec {
    fn modifier(self) -> Modifier {
        match self {
            ModifierSpec::Bold => Modifier::BOLD,
            ModifierSpec::Dim => Modifier::DIM,
            ModifierSpec::Italic => Modifier::ITALIC,
            ModifierSpec::Underlined => Modifier::UNDERLINED,
            ModifierSpec::Reversed => Modifier::REVERSED,
        }
    }
}

fn built_in_text(name: &str) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

fn built_in_names() -> String {
    BUILT_IN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Loads a theme file's styles with its base chain applied. `seen` stops base cycles.
fn load_styles(path: &Path, text: &str, seen: &mut Vec<String>) -> Result<Styles, FileError> {
    let file: ThemeFile = tomlfile::parse(path, text)?;
    let Some(base) = file.base else {
        return Ok(file.styles);
    };
    if seen.contains(&base) {
        return Err(FileError {
            path: path.to_path_buf(),
            position: None,
            key: Some("base".to_string()),
            message: format!("theme bases form a loop through `{base}`"),
        });
    }
    seen.push(base.clone());
    let base_text = built_in_text(&base).ok_or_else(|| FileError {
        path: path.to_path_buf(),
        position: tomlfile::locate_key(text, "base"),
        key: Some("base".to_string()),
        message: format!(
            "no built-in theme `{base}`; built-in themes: {}",
            built_in_names()
        ),
    })?;
    let base_styles = load_styles(&built_in_path(&base), base_text, seen)?;
    Ok(file.styles.over(base_styles))
}

fn built_in_path(name: &str) -> PathBuf {
    PathBuf::from(format!("themes/{name}.toml (built in)"))
}

impl Theme {
    /// A built-in theme by name, or a theme file by path (anything with a `/` or `.toml`).
    pub fn load(name_or_path: &str) -> Result<Theme, FileError> {
        if let Some(text) = built_in_text(name_or_path) {
            let path = built_in_path(name_or_path);
            return load_styles(&path, text, &mut vec![name_or_path.to_string()])?
                .resolve(name_or_path, &path);
        }
        let path = Path::new(name_or_path);
        if name_or_path.contains('/') || name_or_path.ends_with(".toml") {
            let text = std::fs::read_to_string(path).map_err(|e| FileError {
                path: path.to_path_buf(),
                position: None,
                key: None,
                message: format!("cannot read theme: {e}"),
            })?;
            return Theme::from_text(path, &text);
        }
        Err(FileError {
            path: PathBuf::from(name_or_path),
            position: None,
            key: None,
            message: format!(
                "no built-in theme of that name, and not a path to a .toml file; built-in themes: {}",
                built_in_names()
            ),
        })
    }

    /// A theme file's text, as read from `path` (which names it, after its file stem, and
    /// which every error names). Built-in themes are reachable only through its `base`.
    pub fn from_text(path: &Path, text: &str) -> Result<Theme, FileError> {
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        load_styles(path, text, &mut Vec::new())?.resolve(&name, path)
    }

    /// The theme to use: `mono` whenever `NO_COLOR` is set (https://no-color.org), else `configured`.
    pub fn select(configured: &str, no_color: bool) -> Result<Theme, FileError> {
        Theme::load(if no_color { "mono" } else { configured })
    }

    /// The monochrome theme, which is built in and always loads.
    pub fn mono() -> Theme {
        Theme::load("mono").unwrap_or_else(|_| unreachable_theme())
    }
}

/// Only reachable if a built-in theme stopped parsing, which a test rules out; keeps the
/// cockpit usable rather than panicking.
fn unreachable_theme() -> Theme {
    let plain = Style::default();
    Theme {
        name: "plain".into(),
        text: plain,
        dim: plain,
        accent: plain,
        border: plain,
        border_focused: plain,
        title: plain,
        table_header: plain,
        selected: plain.add_modifier(Modifier::REVERSED),
        ok: plain,
        warn: plain,
        crit: plain,
        unknown: plain,
        stale: plain,
        error: plain,
        bar: plain,
        bar_key: plain,
    }
}

/// Whether the environment asks for no colour: `NO_COLOR` set to anything non-empty.
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_loads_completely() {
        for (name, _) in BUILT_IN {
            let theme = Theme::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(theme.name, name);
        }
    }

    #[test]
    fn built_in_colour_themes_use_only_the_16_ansi_colours() {
        for (name, _) in BUILT_IN {
            let t = Theme::load(name).expect("loads");
            for style in [
                t.text,
                t.dim,
                t.accent,
                t.border,
                t.border_focused,
                t.title,
                t.table_header,
                t.selected,
                t.ok,
                t.warn,
                t.crit,
                t.unknown,
                t.stale,
                t.error,
                t.bar,
                t.bar_key,
            ] {
                for c in [style.fg, style.bg].into_iter().flatten() {
                    assert!(
                        !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                        "{name} uses {c:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn mono_has_no_colour_and_no_color_selects_it() {
        let t = Theme::select("high-contrast", true).expect("loads");
        assert_eq!(t.name, "mono");
        for style in [t.ok, t.warn, t.crit, t.unknown, t.stale, t.selected] {
            assert_eq!((style.fg, style.bg), (None, None));
        }
    }

    #[test]
    fn a_user_theme_overrides_its_base() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("mine.toml");
        std::fs::write(
            &path,
            "base = \"light\"\n[styles]\ncrit = { fg = \"#ff0000\" }\n",
        )
        .expect("write");
        let t = Theme::load(path.to_str().expect("utf-8")).expect("loads");
        assert_eq!(t.name, "mine");
        assert_eq!(t.crit.fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.ok, Theme::load("light").expect("light").ok);
    }

    mod hostile_input {
        //! Whatever a theme file holds, loading it ends in a theme or in an error that names
        //! the file (and a line inside it, when it names one); it never panics.
        use super::*;
        use proptest::prelude::*;

        fn check(text: &str) {
            let path = Path::new("hostile.toml");
            let loaded = load_styles(path, text, &mut Vec::new())
                .and_then(|styles| styles.resolve("hostile", path));
            if let Err(e) = loaded {
                if let Some((line, _)) = e.position {
                    assert!(line <= text.split('\n').count(), "{e}");
                }
                assert!(!e.message.is_empty(), "{e}");
            }
        }

        fn default_text() -> &'static str {
            built_in_text("dark").expect("the dark theme is built in")
        }

        proptest! {
            #[test]
            fn any_text(text in "\\PC{0,300}") {
                check(&text);
            }

            #[test]
            fn the_default_theme_cut_anywhere(at in 0usize..4096) {
                let text = default_text();
                let at = at % text.len().max(1);
                let cut = text.char_indices().map(|(i, _)| i).take_while(|i| *i <= at).last();
                check(&text[..cut.unwrap_or(0)]);
            }

            #[test]
            fn any_value_for_a_style(
                value in prop_oneof![
                    "\"\\PC{0,20}\"",
                    Just("{ fg = \"nope\" }".to_string()),
                    Just("{ fg = \"red\", modifiers = [\"blink-fast\"] }".to_string()),
                    Just("{ fg = 1 }".to_string()),
                    Just("[]".to_string()),
                ],
                base in prop_oneof![Just(""), Just("base = \"dark\"\n"), Just("base = \"x\"\n")],
            ) {
                check(&format!("{base}[styles]\nok = {value}\n"));
            }
        }
    }
}
