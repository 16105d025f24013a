"""``sprint status --html``: the static tracking page, its links, escaping and assets."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from status_fixtures import STAGE_ORDER, build, tiny_png

from toolkit.cli import main
from toolkit.commands.status import PAGE_MARKER, write_html
from toolkit.status import collect

EVIL = '<script>alert("x")</script> & "quotes"'


class Rows(HTMLParser):
    """Collects, for each reproduction row of the status table, its id, links and images."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, list[str]]] = {}
        self.scripts: list[str] = []
        self._row: dict[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "repro" in (a.get("class") or "").split():
            self._row = self.rows.setdefault(
                a["id"] or "", {"href": [], "img": [], "stage": [a["data-stage"]]}
            )
        elif tag == "a" and self._row is not None:
            self._row["href"].append(a["href"] or "")
        elif tag == "img" and self._row is not None:
            self._row["img"].append(a["src"] or "")
        elif tag == "script":
            self.scripts.append(a.get("src") or "(inline)")


def parse(page: Path) -> Rows:
    parser = Rows()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPRINT_ROOT", str(tmp_path))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    for i, stage in enumerate(STAGE_ORDER):
        build(
            tmp_path,
            f"s{i}_{stage.replace('-', '_')}",
            stage,
            title=EVIL if stage == "space-pushed" else "",
        )
    broken = tmp_path / "reproductions" / "broken"
    broken.mkdir()
    (broken / "reproduction.toml").write_text(
        "slug = 'broken'\n[example]\ntitle = '<b>x'\n[hub]\n'<img src=x onerror=alert(1)>' = 1\n"
    )
    return tmp_path


def test_one_row_per_reproduction_with_links(repo: Path, capsys: pytest.CaptureFixture) -> None:
    site = repo / "site"
    assert main(["status", "--html", str(site)]) == 0
    assert "Wrote" in capsys.readouterr().err
    rows = parse(site / "index.html").rows
    assert len(rows) == len(STAGE_ORDER) + 1
    assert rows["broken"]["stage"] == ["error"]
    pushed = rows["s7_space_pushed"]
    assert pushed["stage"] == ["space-pushed"]
    assert "https://keras.io/examples/vision/s7_space_pushed/" in pushed["href"]
    assert "https://huggingface.co/keras-io/s7_space_pushed" in pushed["href"]
    assert "https://huggingface.co/spaces/keras-io/s7_space_pushed-demo" in pushed["href"]
    assert pushed["img"] == ["assets/curves/s7_space_pushed.png"]
    assert rows["s0_scaffolded"]["img"] == []


def test_everything_from_manifests_is_escaped(repo: Path) -> None:
    page = write_html(collect(repo), repo / "site", root=repo)
    html = page.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # quoted in the error message
    assert parse(page).scripts == ["assets/status.js"]


def test_page_shows_figures_and_badges(repo: Path) -> None:
    html = write_html(collect(repo), repo / "site", root=repo).read_text(encoding="utf-8")
    assert PAGE_MARKER in html
    assert 'class="badge stage-reproduced-fail"' in html
    assert 'class="badge verdict verdict-fail"' in html
    assert "0.95</td>" not in html  # reproduced figures carry their spread
    assert "±0.01 (n=3)" in html and "±0.001 (n=3)" in html
    assert "mean 0.95 over 3 seeds (0.95, 0.96, 0.94)" in html
    assert "NVIDIA H100 80GB HBM3 (fixture)" in html
    assert "@a1b2c3d" in html and "@f00dfee" in html


def test_assets_and_thumbnails_are_written(repo: Path) -> None:
    site = repo / "site"
    write_html(collect(repo), site, root=repo)
    assert (site / "assets" / "style.css").read_text().startswith("/* sprint status page")
    assert (site / "assets" / "status.js").is_file()
    thumbs = sorted(p.name for p in (site / "assets" / "curves").iterdir())
    assert thumbs == [
        f"s{i}_{s.replace('-', '_')}.png" for i, s in enumerate(STAGE_ORDER) if i >= 2
    ]
    assert (site / "assets" / "curves" / "s2_reproduced_pass.png").read_bytes() == tiny_png()


def test_thumbnail_follows_a_new_run(repo: Path) -> None:
    site = repo / "site"
    write_html(collect(repo), site, root=repo)
    curves = repo / "reproductions" / "s2_reproduced_pass" / "runs" / "g1-s0" / "curves.png"
    curves.write_bytes(tiny_png(rgb=(200, 30, 30)))
    write_html(collect(repo), site, root=repo)
    assert (site / "assets" / "curves" / "s2_reproduced_pass.png").read_bytes() == tiny_png(
        rgb=(200, 30, 30)
    )


def test_regenerating_overwrites_its_own_page(repo: Path) -> None:
    site = repo / "site"
    first = write_html(collect(repo), site, root=repo)
    build(repo, "z_new", "smoke-ok")
    second = write_html(collect(repo), site, root=repo)
    assert first == second and len(parse(second).rows) == len(STAGE_ORDER) + 2


def test_refuses_to_overwrite_a_foreign_page(repo: Path, capsys: pytest.CaptureFixture) -> None:
    site = repo / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>my page</h1>")
    assert main(["status", "--html", str(site)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (site / "index.html").read_text() == "<h1>my page</h1>"
    assert main(["status", "--html", str(site), "--force", "--json"]) == 0
    assert PAGE_MARKER in (site / "index.html").read_text()


def test_empty_repository_page(tmp_path: Path) -> None:
    (tmp_path / "reproductions").mkdir()
    html = write_html([], tmp_path / "site", root=tmp_path).read_text()
    assert "No reproductions yet" in html


def test_html_path_that_is_a_file_is_refused(repo: Path, capsys: pytest.CaptureFixture) -> None:
    (repo / "site").write_text("not a folder")
    assert main(["status", "--html", str(repo / "site")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
