#!/usr/bin/env python3
"""Open a page in headless Chromium and report what happened, as one JSON object on stdout.

Drives the browser over the DevTools protocol on a pipe (--remote-debugging-pipe: file
descriptors 3 and 4, NUL-separated JSON messages), so it needs nothing but Python's standard
library. Reports the console errors and exceptions, every network request other than the page
itself, the charts (`svg.chart`: metric, declared points, drawn points, table rows), the hover
readout after a mouse move over the first chart, the page background in light and dark mode,
and saves a full-page PNG screenshot.

usage: cdp.py CHROMIUM PAGE.html SCREENSHOT.png
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]


class Browser:
    def __init__(self, chromium, profile):
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()

        def wire():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Descriptors other than these are closed after `wire` ran.
            pass_fds=(3, 4),
            preexec_fn=wire,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.out = os.fdopen(to_browser_w, "wb", buffering=0)
        self.inp = os.fdopen(from_browser_r, "rb", buffering=0)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = self.inp.read(65536)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.out.write(json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


CHARTS = """JSON.stringify(Array.from(document.querySelectorAll("svg.chart")).map((svg) => {
  const table = document.querySelector('table[data-metric="' + svg.dataset.metric + '"]');
  return {
    metric: svg.dataset.metric,
    declared: Number(svg.dataset.points),
    days: Number(svg.dataset.days),
    drawn: svg.querySelectorAll(".points circle").length,
    rows: table ? table.tBodies[0].rows.length : -1,
    width: svg.getBoundingClientRect().width,
  };
}))"""

BACKGROUND = "getComputedStyle(document.body).backgroundColor"


def evaluate(browser, session, expression):
    result = browser.call(
        "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session
    )
    if "exceptionDetails" in result:
        raise RuntimeError(f"evaluating failed: {result['exceptionDetails']}")
    return result["result"].get("value")


def main():
    chromium, page, screenshot = sys.argv[1:4]
    url = "file://" + os.path.abspath(page)
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(chromium, profile)
        try:
            target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = browser.call(
                "Target.attachToTarget", {"targetId": target, "flatten": True}
            )["sessionId"]
            for domain in ("Page", "Network", "Runtime", "Log"):
                browser.call(f"{domain}.enable", session=session)
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                session,
            )
            browser.events.clear()
            browser.call("Page.navigate", {"url": url}, session)
            browser.wait_for("Page.loadEventFired")
            charts = json.loads(evaluate(browser, session, CHARTS))
            # The hover readout: move the mouse over the middle of the first chart.
            box = evaluate(
                browser,
                session,
                'JSON.stringify(document.querySelector("svg.chart").getBoundingClientRect())',
            )
            box = json.loads(box)
            browser.call(
                "Input.dispatchMouseEvent",
                {
                    "type": "mouseMoved",
                    "x": box["x"] + box["width"] / 2,
                    "y": box["y"] + box["height"] / 2,
                },
                session,
            )
            readout = evaluate(
                browser, session, 'document.querySelector(".readout").textContent'
            )
            light = evaluate(browser, session, BACKGROUND)
            shot = browser.call(
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True},
                session,
            )
            with open(screenshot, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
            browser.call(
                "Emulation.setEmulatedMedia",
                {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
                session,
            )
            dark = evaluate(browser, session, BACKGROUND)
            shot = browser.call(
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True},
                session,
            )
            dark_path = screenshot[: -len(".png")] + "-dark.png"
            with open(dark_path, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
            # Let late events (a deferred request, an error in a timer) arrive.
            deadline = time.monotonic() + 0.5
            browser.call("Runtime.evaluate", {"expression": "1"}, session)
            while time.monotonic() < deadline:
                time.sleep(0.05)
            browser.call("Runtime.evaluate", {"expression": "1"}, session)
        finally:
            browser.close()
    errors = []
    requests = []
    for event in browser.events:
        method = event.get("method")
        params = event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            errors.append(params.get("exceptionDetails", {}).get("text", "exception"))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(params["entry"].get("text", "log error"))
        elif method == "Network.requestWillBeSent":
            request_url = params.get("request", {}).get("url", "")
            if request_url != url:
                requests.append(request_url)
    json.dump(
        {
            "charts": charts,
            "console_errors": errors,
            "requests": requests,
            "readout": readout,
            "background": {"light": light, "dark": dark},
            "screenshots": [screenshot, dark_path],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
