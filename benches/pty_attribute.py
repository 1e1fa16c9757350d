#!/usr/bin/env python3
"""Which parts of the screen the idle bytes went to (issue 10, benchmark 3's idle bytes).

Reads what `benches/pty_costs.py --keep-streams DIR` kept per idle run: `NAME.bytes` (every
byte the program wrote to its 80x24 pty during the idle window) and `NAME.txt` (the screen at
its end, from tmux), and attributes each byte to a screen region:
- a cell's bytes are the characters printed into it plus the escape sequences written just
  before them (cursor moves, colours): the price of changing that cell;
- bytes after a frame's last character (ratatui ends every frame with a style reset, and
  before commit 34bbc5d a cursor hide) are "frame end" (frames are counted by that reset);
- the region of a cell is named from the screen text: the header (rows 1-2), the status bar
  (the last row: named by the word under the cell, e.g. "lag 12s"), a pane's top or bottom
  border (by the pane's title), or a pane's column (by the column heading above the cell).

Usage: benches/pty_attribute.py DIR [NAME-prefix ...]
Prints, per stream, the bytes per region and how many frames wrote anything; with several
streams, the median [min - max] per region over them (a 60 s window: bytes a minute).
"""

import re
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

CSI = re.compile(rb"\x1b\[([0-9;?]*)([@-~])")
CORNER_TOP = ("┏", "┌", "╭", "╔")
CORNER_BOTTOM = ("┗", "└", "╰", "╚")


def cells(stream):
    """Yields (kind, row, col, nbytes): kind "cell" per printed character (1-based row and
    column), with the escape bytes before it counted in; "frame" for the style reset that
    ends each frame, with the colour resets before it; "end" for bytes after a frame's reset
    that belong to no cell (a cursor hide, the stream's tail)."""
    row, col, pending, i = 1, 1, 0, 0
    while i < len(stream):
        if stream[i] == 0x1B:
            m = CSI.match(stream, i)
            if not m:
                pending += 1
                i += 1
                continue
            params, final = m.group(1), m.group(2)
            pending += m.end() - i
            i = m.end()
            if final == b"H":
                parts = [int(p) if p else 1 for p in params.split(b";")] if params else [1, 1]
                row, col = parts[0], parts[1] if len(parts) > 1 else 1
            elif final == b"m" and params in (b"0", b""):
                # ratatui ends each frame with a style reset (`ESC[0m`, after the colour
                # resets).
                yield "frame", None, None, pending
                pending = 0
            elif params == b"?25" and final in (b"l", b"h"):
                yield "end", None, None, pending
                pending = 0
            continue
        # One UTF-8 character.
        first = stream[i]
        length = 1 if first < 0x80 else 2 if first < 0xE0 else 3 if first < 0xF0 else 4
        yield "cell", row, col, pending + length
        pending = 0
        col += 1
        i += length
    if pending:
        yield "end", None, None, pending


class Screen:
    """Names regions of the final screen text."""

    def __init__(self, text):
        self.lines = text.rstrip("\n").split("\n")
        self.height = len(self.lines)

    def line(self, row):
        return self.lines[row - 1] if 0 < row <= len(self.lines) else ""

    @staticmethod
    def word_at(line, col):
        """The run of text around column `col` (1-based), split at double spaces and ` · `."""
        spans = [(m.start(), m.end()) for m in re.finditer(r"\S+(?: \S+)*", line)]
        for start, end in spans:
            if start <= col - 1 < end:
                piece = line[start:end]
                offset = col - 1 - start
                # Narrow to the ` · `-separated piece under the cell.
                at = 0
                for sub in piece.split(" · "):
                    if at <= offset < at + len(sub) + 3:
                        return sub.strip()
                    at += len(sub) + 3
                return piece
        return "(blank)"

    def title_of(self, row):
        for r in range(row, 0, -1):
            text = self.line(r)
            if text.startswith(CORNER_TOP):
                title = re.sub(r"[━─┏┓┌┐╭╮]+", " ", text).strip()
                return " ".join(title.split()[:2]), r
        return "?", 0

    def region(self, row, col):
        if row is None:
            return "frame end (style reset, cursor hide)"
        text = self.line(row)
        if row <= 2:
            return "header"
        if row == self.height:
            return f"status bar: {re.sub(r'[0-9]+', 'N', self.word_at(text, col))}"
        if text.startswith(CORNER_TOP):
            return f"{self.title_of(row)[0]}: title"
        if text.startswith(CORNER_BOTTOM):
            return f"{self.title_of(row)[0]}: bottom border"
        pane, top = self.title_of(row)
        heading = self.line(top + 1)
        best = "?"
        for m in re.finditer(r"\S+", heading):
            if m.start() <= col - 1:
                best = m.group(0)
        return f"{pane}: column {best}"


def attribute(directory, name):
    stream = Path(directory, f"{name}.bytes").read_bytes()
    screen = Screen(Path(directory, f"{name}.txt").read_text())
    by_region, frames = Counter(), 0
    changes = defaultdict(int)
    for kind, row, col, n in cells(stream):
        region = screen.region(row, col)
        by_region[region] += n
        if kind == "frame":
            frames += 1
        elif kind == "cell":
            changes[region] += 1
    return len(stream), frames, by_region, changes


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    directory = sys.argv[1]
    prefixes = sys.argv[2:]
    runs = []
    for path in sorted(Path(directory).glob("*.bytes")):
        name = path.stem
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        total, frames, by_region, changes = attribute(directory, name)
        runs.append((total, frames, by_region))
        print(f"{name}: {total} bytes, {frames} frames written")
        for region, n in by_region.most_common():
            print(f"  {n:7d} B {100 * n / max(total, 1):5.1f} %  {changes.get(region, 0):5d} cells"
                  f"  {region}")
    if len(runs) > 1:
        # The same region in every run: median [min - max] of its bytes (a region a run did
        # not write counts 0 there).
        regions = sorted({r for _, _, by in runs for r in by},
                         key=lambda r: -statistics.median(by[r] for _, _, by in runs))
        spread = lambda vals: (f"{statistics.median(vals):.0f} "
                               f"[{min(vals):.0f} - {max(vals):.0f}]")
        print(f"over {len(runs)} streams: median [min - max]")
        print(f"  {spread([t for t, _, _ in runs])} B in all, "
              f"{spread([f for _, f, _ in runs])} frames")
        for region in regions:
            print(f"  {spread([by[region] for _, _, by in runs]):>20} B  {region}")


if __name__ == "__main__":
    main()
