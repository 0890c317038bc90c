"""The letters' download server: the token first, files inside the letters folder only, reading only."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from cli.letters_server import LettersServer


def _get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, b"", dict(exc.headers)


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "brieven"
    (root / "inkoop-2026" / "wonen-1").mkdir(parents=True)
    (root / "inkoop-2026" / "wonen-1" / "wonen-1-gunning-x-abc123.pdf").write_bytes(b"%PDF-1.4 brief")
    (root / "inkoop-2026" / "wonen-1" / "notities.txt").write_text("geen brief")
    (tmp_path / "geheim.pdf").write_bytes(b"%PDF buiten de map")
    (root / "inkoop-2026" / "wonen-1" / "link.pdf").symlink_to(tmp_path / "geheim.pdf")
    server = LettersServer(root).start()
    yield server, tmp_path
    server.stop()


def test_a_letter_is_downloaded_with_the_token(served):
    server, _ = served
    status, body, headers = _get(f"{server.url}/inkoop-2026/wonen-1/wonen-1-gunning-x-abc123.pdf")
    assert (status, body) == (200, b"%PDF-1.4 brief")
    assert headers["Content-Type"] == "application/pdf" and "attachment" in headers["Content-Disposition"]
    assert server.url.startswith("http://127.0.0.1:")  # this machine only


@pytest.mark.parametrize("path", [
    "/verkeerd-token/inkoop-2026/wonen-1/wonen-1-gunning-x-abc123.pdf",  # without the stack's token
    "{token}/inkoop-2026/wonen-1/notities.txt",  # not a letter
    "{token}/inkoop-2026/wonen-1",  # a folder
    "{token}/inkoop-2026/../../geheim.pdf",  # out of the folder
    "{token}/inkoop-2026/%2e%2e/%2e%2e/geheim.pdf",  # out of the folder, encoded
    "{token}/inkoop-2026/wonen-1/link.pdf",  # a link that points out of the folder
    "{token}/inkoop-2026/wonen-1/bestaat-niet.pdf",
])
def test_nothing_else_is_given(served, path):
    server, _ = served
    base = server.url.rsplit("/", 1)[0]
    status, body, _ = _get(base + path.replace("{token}", "/" + server.token))
    assert status == 404 and b"PDF" not in body


def test_it_only_reads(served):
    server, _ = served
    request = urllib.request.Request(f"{server.url}/inkoop-2026/wonen-1/wonen-1-gunning-x-abc123.pdf", data=b"x",
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 501
