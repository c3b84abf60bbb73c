"""End to end, as a reader meets the notebooks: JupyterLab in headless Chromium, sliders moved.

Runs on a temporary copy of notebooks/ (nothing in the repo is touched), fails on any error
output or browser console error, saves screenshots of the slider cells, and kills every process
it started. Skips, saying why, where there is no Chromium or no playwright.
"""
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from sparse_helpers.paths import REPO_ROOT

pytestmark = pytest.mark.xdist_group("browser")  # one JupyterLab for all three tests
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
ARTIFACTS = Path(os.environ.get("SPARSE_ARTIFACTS_DIR", REPO_ROOT / "test-artifacts")) / "browser"
# Notebooks 04 and 05 in the browser with small settings, so the test stays short.
SMALL_04 = {"SEEDS": [0, 1], "EPOCHS": 1, "ROUNDS": 2, "THRESHOLD": 0.5, "CONTROL_EPOCHS": 1}
SMALL_05 = {"SEEDS": [0, 1], "EPOCHS": 1, "LEVELS": [1, 2], "MASKS_PER_LEVEL": 2, "ODDS_SEEDS": 2}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def inject_parameters(path, values):
    """Add a papermill-style cell after the `parameters` cell that overrides values."""
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    src = "\n".join(f"{k} = {v!r}" for k, v in values.items())
    cell = nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(at + 1, cell)
    nbformat.write(nb, path)


def kill_tree(proc):
    """Kill a process and every process it started (kernels run in their own sessions)."""
    import psutil
    try:
        parent = psutil.Process(proc.pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for p in family:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(family, timeout=5)
    for p in alive:
        p.kill()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 over a copy of notebooks/, with a random token."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package "
                    f"(`make test` does so as root) or set CHROMIUM to its path")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    tmp = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO_ROOT / "notebooks", tmp / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.py"))
    # Without the jupytext text files: the injected parameters would make each .ipynb newer than
    # its paired .py, and jupytext's contents manager then refuses to open it.
    inject_parameters(tmp / "notebooks" / "04_lottery_tickets.ipynb", SMALL_04)
    inject_parameters(tmp / "notebooks" / "05_winning_odds.ipynb", SMALL_05)
    (tmp / "checkpoints").mkdir()  # notebook 03 reuses the committed results/ of the defaults
    settings = tmp / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    tracker = tmp / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)  # render every cell, so the slider cells can be found
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               SPARSE_FIGURES_DIR=str(tmp / "figures"), SPARSE_CHECKPOINT_DIR=str(tmp / "checkpoints"))
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp / 'notebooks'}",
           f"--LabApp.user_settings_dir={tmp / 'settings'}", f"--LabApp.workspaces_dir={tmp / 'ws'}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.expose_app_in_browser=True"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp / "server.log", "w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(tmp / 'server.log').read_text()}")
                time.sleep(0.2)
        yield {"url": url, "token": token, "dir": tmp / "notebooks"}
    finally:
        kill_tree(server)
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and uncaught exceptions."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.errors.append(f"page error: {e}"))
    yield page
    page.close()


NOTEBOOK_STATE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.model.cells, out = [];
    for (let i = 0; i < cells.length; i++) {
        const c = cells.get(i);
        if (c.type !== 'code') continue;
        const errors = c.outputs.toJSON().filter(o => o.output_type === 'error')
            .map(o => o.ename + ': ' + o.evalue);
        out.push({count: c.executionCount, errors: errors});
    }
    return {kernel: panel.sessionContext.session?.kernel?.status, cells: out};
}"""


def run_all(page, lab, name, timeout=60):
    """Open a notebook in JupyterLab, run all cells from the Run menu, wait for the kernel.

    Fails on any error output. Returns the seconds the run took.
    """
    page.goto(f"{lab['url']}/lab/workspaces/{Path(name).stem}/tree/{name}?token={lab['token']}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=30_000)
    try:
        page.wait_for_function("() => window.jupyterapp?.shell.currentWidget?.sessionContext"
                               "?.session?.kernel?.status === 'idle'", timeout=120_000)
    except Exception:
        shot(page, f"{Path(name).stem}_no_idle_kernel.png")
        status = page.evaluate("() => window.jupyterapp?.shell.currentWidget?.sessionContext"
                               "?.session?.kernel?.status ?? 'no kernel'")
        raise AssertionError(f"{name}: the kernel is not idle after 120 s but {status!r}; "
                             f"see {ARTIFACTS}/{Path(name).stem}_no_idle_kernel.png") from None
    start = time.monotonic()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    idle_polls = 0
    while True:
        state = page.evaluate(NOTEBOOK_STATE)
        errors = [e for c in state["cells"] for e in c["errors"]]
        assert not errors, f"{name}: error output in a cell: {errors}"
        done = all(c["count"] for c in state["cells"]) and state["kernel"] == "idle"
        idle_polls = idle_polls + 1 if done else 0
        if idle_polls >= 3:
            return time.monotonic() - start
        waited = time.monotonic() - start
        assert waited < timeout, f"{name}: still running after {timeout} s: {state}"
        time.sleep(0.3)


def assert_no_errors(page, name):
    """No error output in any cell, and no console error."""
    errors = [e for c in page.evaluate(NOTEBOOK_STATE)["cells"] for e in c["errors"]]
    assert not errors, f"{name}: error output in a cell: {errors}"
    assert not page.errors, f"{name}: browser console errors:\n" + "\n".join(page.errors)


def wait_for_change(locator, before, what, timeout=20):
    deadline = time.monotonic() + timeout
    while locator.inner_text() == before:
        assert time.monotonic() < deadline, f"{what} did not change within {timeout} s"
        time.sleep(0.1)
    return locator.inner_text()


def shot(locator, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(ARTIFACTS / name))
    return (ARTIFACTS / name).read_bytes()


def drag(page, slider, fraction):
    """Drag a noUiSlider's handle with the mouse to the given fraction of the track."""
    handle = slider.locator(".noUi-handle")
    track = slider.locator(".noUi-base").bounding_box()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()


def test_notebook_03_sparsity_slider_by_keyboard_and_mouse(page, lab):
    run_all(page, lab, "03_one_shot_pruning.ipynb")
    cell = page.locator(".jp-Cell", has=page.locator(".sparsity-readout")).first
    cell.scroll_into_view_if_needed()
    readout = cell.locator(".sparsity-readout")
    pixels = cell.locator("img").first
    text0, img0 = readout.inner_text(), pixels.screenshot()
    shot(cell, "03_slider_before.png")
    assert "50%" in cell.locator(".widget-readout").inner_text()

    cell.locator(".noUi-handle").focus()
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    text1 = wait_for_change(readout, text0, "accuracy after the keyboard move")
    page.wait_for_timeout(500)  # let the last of the 30 updates land
    text1 = readout.inner_text()
    shot(cell, "03_slider_after_keyboard.png")
    img1 = pixels.screenshot()
    assert "80%" in cell.locator(".widget-readout").inner_text()
    assert text1 != text0 and img1 != img0, "keyboard move changed neither accuracy nor pixel map"

    drag(page, cell.locator(".widget-slider"), 0.1)
    text2 = wait_for_change(readout, text1, "accuracy after the mouse drag")
    page.wait_for_timeout(500)
    shot(cell, "03_slider_after_mouse.png")
    img2 = pixels.screenshot()
    assert readout.inner_text() != text1 and img2 != img1, "mouse drag changed nothing"
    assert_no_errors(page, "03")


def test_notebook_04_prune_rate_slider(page, lab):
    run_all(page, lab, "04_lottery_tickets.ipynb", timeout=90)
    cell = page.locator(".jp-Cell", has=page.locator(".imp-readout")).first
    cell.scroll_into_view_if_needed()
    readout = cell.locator(".imp-readout")
    text0 = readout.inner_text()
    assert "at 20% per round" in text0 or "No ticket" in text0
    shot(cell, "04_slider_before.png")

    rate = cell.locator(".widget-slider").first
    rate.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    text1 = wait_for_change(readout, text0, "the ticket after the keyboard move")
    assert "21%" in text1 or "No ticket" in text1
    shot(cell, "04_slider_after_keyboard.png")

    drag(page, rate, 0.95)
    wait_for_change(readout, text1, "the ticket after the mouse drag")
    shot(cell, "04_slider_after_mouse.png")
    assert "3 prune rate(s) cached" in readout.inner_text()
    assert_no_errors(page, "04")


def test_notebook_05_odds_slider(page, lab):
    run_all(page, lab, "05_winning_odds.ipynb", timeout=120)
    cell = page.locator(".jp-Cell", has=page.locator(".odds-readout")).first
    cell.scroll_into_view_if_needed()
    readout = cell.locator(".odds-readout")
    text0 = readout.inner_text()
    shot(cell, "05_slider_before.png")
    cell.locator(".widget-slider .noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    text1 = wait_for_change(readout, text0, "the counts after the keyboard move")
    assert "sparse" in text1 and text1 != text0
    shot(cell, "05_slider_after_keyboard.png")
    assert_no_errors(page, "05")
