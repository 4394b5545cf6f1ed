#!/usr/bin/env python3
"""`oura mcp` driven over stdio by an MCP client that is not ours: the official Python SDK.

Run by `.ci/mcp-check.sh` (which installs the pinned SDK into a venv under target/) and by the
Rust test `tests/mcp.rs`:

    python mcp_stdio.py --oura target/debug/oura --spec ../shared/oura/openapi/openapi-newest.json

Every server under test is the real binary. Reference data comes from a separately started
`oura emulator` with the same (default) configuration and the same pinned today, read over
plain HTTP: the emulator's own answer for each range. Every line the servers write to stdout
is recorded and must be a JSON-RPC message. Exits non-zero when any check fails.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta

import jsonschema
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

TODAY = "2025-06-30"
EXTRA_TOOLS = {"get_personal_info", "summarize", "auth_status", "authorize"}
CLIENT_ID = "emulator-client"
CLIENT_SECRET = "emulator-secret"


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def equal(actual, expected, what):
    check(actual == expected, f"{what}: {actual!r} != {expected!r}")


# ---------------------------------------------------------------- the reference emulator


class Reference:
    """`oura emulator --today TODAY`, read over HTTP."""

    def __init__(self, oura, *extra):
        self.process = subprocess.Popen(
            [oura, "emulator", "--today", TODAY, "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            env=clean_env(),
        )
        self.base_url = self.process.stdout.readline().strip().removeprefix("base_url=")
        self.token = self.process.stdout.readline().strip().removeprefix("token=")
        check(self.base_url.startswith("http://"), f"emulator printed {self.base_url!r}")

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def get(self, path, query):
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {self.token}", "User-Agent": "mcp-test"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def documents(self, route, query):
        """Every document of one request's pages."""
        docs, token = [], None
        while True:
            page = self.get(f"/v2/usercollection/{route}", {**query, **({"next_token": token} if token else {})})
            docs.extend(page["data"])
            token = page.get("next_token")
            if not token:
                return docs

    def read(self, collection, start, end):
        """The emulator's own read of a range: dates inclusive; instants in windows of at most
        30 days (its limit), each end exclusive."""
        if collection["range"] == "Whole":
            return self.documents(collection["route"], {})
        if collection["range"] == "Days":
            return self.documents(collection["route"], {"start_date": start, "end_date": end})
        docs, at, stop = [], datetime.fromisoformat(start), datetime.fromisoformat(end)
        while at < stop:
            until = min(at + timedelta(days=30), stop)
            docs += self.documents(
                collection["route"], {"start_datetime": at.isoformat(), "end_datetime": until.isoformat()}
            )
            at = until
        return docs


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OURA_") and k != "RUST_LOG"}
    env.update(extra)
    return env


# ---------------------------------------------------------------- the spec's collections


def catalog(spec_path):
    """The list routes of the spec, with their kind of range: what the tools must cover."""
    with open(spec_path) as f:
        spec = json.load(f)
    collections = []
    for path, item in spec["paths"].items():
        prefix = "/v2/usercollection/"
        if not path.startswith(prefix) or "{" in path or path.endswith("/personal_info"):
            continue
        params = {p["name"] for p in item["get"].get("parameters", [])}
        kind = "Series" if "start_datetime" in params else "Days" if "start_date" in params else "Whole"
        collections.append({"route": path[len(prefix):], "range": kind})
    return collections


# ---------------------------------------------------------------- servers under test


@asynccontextmanager
async def server(oura, args, env, trace):
    """A session with `oura ARGS` over stdio; its stdout is copied to `trace`, its stderr to
    `trace + '.stderr'`."""
    wrapped = StdioServerParameters(
        command="/bin/sh",
        args=["-c", 'exec "$0" "$@" | tee "$MCP_TRACE"', oura, *args],
        env={**env, "MCP_TRACE": trace},
    )
    with open(trace + ".stderr", "w") as errlog:
        async with stdio_client(wrapped, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                yield session


def only_protocol(trace):
    """Every line of stdout is a JSON-RPC 2.0 message."""
    with open(trace) as f:
        lines = f.read().splitlines()
    check(lines, f"{trace}: nothing on stdout")
    for number, line in enumerate(lines, 1):
        try:
            message = json.loads(line)
        except ValueError:
            raise Failed(f"{trace}:{number}: not JSON on stdout: {line[:200]!r}")
        check(message.get("jsonrpc") == "2.0", f"{trace}:{number}: not JSON-RPC: {line[:200]!r}")
    return len(lines)


async def call(session, name, arguments):
    result = await session.call_tool(name, arguments)
    text = "".join(block.text for block in result.content if getattr(block, "type", "") == "text")
    return result.is_error, text


async def call_ok(session, name, arguments):
    is_error, text = await call(session, name, arguments)
    check(not is_error, f"{name}({arguments}) failed: {text}")
    return json.loads(text)


async def call_error(session, name, arguments, *needles):
    is_error, text = await call(session, name, arguments)
    check(is_error, f"{name}({arguments}) should fail, answered {text[:300]}")
    for needle in needles:
        check(needle in text, f"{name}({arguments}): {text!r} lacks {needle!r}")
    return text


def tool_name(route):
    return "get_" + route.lower()


def ranges(collection):
    """The range each collection tool is called with, and the reference's bounds."""
    if collection["range"] == "Days":
        return {"start": "2025-05-20", "end": TODAY}, ("2025-05-20", TODAY)
    if collection["range"] == "Series":
        # 45 days: two windows, ending between samples.
        start, end = "2025-05-01T00:00:00+00:00", "2025-06-14T23:59:59+00:00"
        return {"start": start, "end": end}, (start, end)
    return {}, (None, None)


def position(collection_route, doc):
    for field in ("day", "start_day", "timestamp"):
        if field in doc:
            return doc[field]
    return None


# ---------------------------------------------------------------- the checks


async def emulator_session_checks(oura, collections, reference, work):
    trace = os.path.join(work, "emulator.jsonl")
    env = clean_env(OURA_CONFIG_DIR=os.path.join(work, "config-emulator"))
    async with server(oura, ["--emulator", "mcp", "--today", TODAY], env, trace) as session:
        init = await session.initialize()
        equal(init.server_info.name, "oura", "server name")
        check(init.capabilities.tools is not None, "tools capability")
        yield "initialize"

        listed = (await session.list_tools()).tools
        names = {tool.name for tool in listed}
        expected = {tool_name(c["route"]) for c in collections} | EXTRA_TOOLS
        equal(names, expected, "tool names (every collection of the spec, plus the extra tools)")
        equal(len(listed), len(names), "no tool listed twice")
        for tool in listed:
            jsonschema.Draft202012Validator.check_schema(tool.input_schema)
            equal(tool.input_schema.get("type"), "object", f"{tool.name} schema type")
        by_name = {tool.name: tool for tool in listed}
        validator = jsonschema.Draft202012Validator(by_name["get_daily_sleep"].input_schema)
        check(validator.is_valid({"start": "2025-06-01", "end": TODAY, "limit": 5, "fields": ["score"]}), "a valid call")
        check(not validator.is_valid({"limit": -1}), "a negative limit is refused by the schema")
        check(not validator.is_valid({"fields": ["no_such_field"]}), "unknown fields are refused by the schema")
        check(not validator.is_valid({"start_date": "2025-06-01"}), "unknown arguments are refused by the schema")
        yield f"list tools ({len(listed)}, schemas valid JSON Schema 2020-12)"

        for collection in collections:
            arguments, (start, end) = ranges(collection)
            expected_docs = reference.read(collection, start, end)
            answer = await call_ok(session, tool_name(collection["route"]), {**arguments, "limit": 1000})
            equal(answer["total"], len(expected_docs), f"{collection['route']} total")
            kept = expected_docs[:1000]
            equal(answer["returned"], len(kept), f"{collection['route']} returned")
            equal(answer["omitted"], len(expected_docs) - len(kept), f"{collection['route']} omitted")
            equal(
                [position(collection["route"], d) for d in answer["documents"]],
                [position(collection["route"], d) for d in kept],
                f"{collection['route']} positions",
            )
            if kept and "id" in kept[0]:
                equal([d["id"] for d in answer["documents"]], [d["id"] for d in kept], f"{collection['route']} ids")
        yield f"every collection tool ({len(collections)}) matches the emulator's own read"

        # The cap: five documents, the rest counted, and where to continue.
        heartrate = next(c for c in collections if c["route"] == "heartrate")
        arguments, (start, end) = ranges(heartrate)
        samples = reference.read(heartrate, start, end)
        answer = await call_ok(session, "get_heartrate", {**arguments, "limit": 5})
        equal(answer["returned"], 5, "capped heart rate returned")
        equal(answer["total"], len(samples), "capped heart rate total")
        equal(answer["omitted"], len(samples) - 5, "capped heart rate omitted")
        check(f"start={samples[5]['timestamp']}" in answer["note"], f"note says where to continue: {answer['note']}")
        equal([d["timestamp"] for d in answer["documents"]], [d["timestamp"] for d in samples[:5]], "first five")
        default = await call_ok(session, "get_heartrate", arguments)
        equal(default["returned"], 100, "default cap")
        # Heavy series are left out unless asked for.
        sleep = await call_ok(session, "get_sleep", {"start": "2025-06-29", "end": TODAY})
        check(all("sleep_phase_5_min" not in d and "hrv" not in d for d in sleep["documents"]), "series left out")
        check("sleep_phase_5_min" in sleep["note"], "the note names the series left out")
        asked = await call_ok(session, "get_sleep", {"start": "2025-06-29", "end": TODAY, "fields": ["hrv", "efficiency"]})
        for doc in asked["documents"]:
            equal(set(doc), {"id", "day", "hrv", "efficiency"}, "fields selection")
            check(isinstance(doc["hrv"]["items"], list), "an asked-for series is returned")
        yield "caps, fields and series"

        # summarize against a computation here.
        readiness = next(c for c in collections if c["route"] == "daily_readiness")
        docs = reference.read(readiness, "2025-01-01", TODAY)
        summary = await call_ok(session, "summarize", {"collection": "daily_readiness", "start": "2025-01-01", "end": TODAY})
        equal(summary["documents"], len(docs), "summarized documents")
        check_field(summary["fields"]["score"], [(d["day"], d["score"]) for d in docs if d.get("score") is not None], "score")
        hrv = [(d["day"], d["contributors"]["hrv_balance"]) for d in docs if d["contributors"].get("hrv_balance") is not None]
        check_field(summary["fields"]["contributors.hrv_balance"], hrv, "contributors.hrv_balance")
        samples = reference.read(heartrate, "2025-05-01T00:00:00+00:00", "2025-06-14T23:59:59+00:00")
        summary = await call_ok(
            session,
            "summarize",
            {"collection": "heartrate", "start": "2025-05-01T00:00:00+00:00", "end": "2025-06-14T23:59:59+00:00"},
        )
        equal(summary["documents"], len(samples), "summarized samples")
        check_field(summary["fields"]["bpm"], [(s["timestamp"], s["bpm"]) for s in samples], "bpm")
        size = len(json.dumps(summary))
        check(size < 10_000, f"{len(samples)} samples summarized in {size} bytes, without the documents")
        yield "summarize matches a computation in the test"

        # Bad input: error results, and the server lives on.
        await call_error(session, "get_daily_sleep", {"start": TODAY, "end": "2025-06-01"}, "after it ends")
        await call_error(session, "get_daily_sleep", {"start": "2025-02-30"}, '"2025-02-30" is not a date')
        await call_error(session, "get_heartrate", {"start": "last week"}, "\"last week\" is neither a date")
        await call_error(session, "get_daily_sleep", {"limit": 5000}, "limit 5000 is above 1000")
        await call_error(session, "get_daily_sleep", {"fields": ["scroe"]}, "unknown field scroe")
        await call_error(session, "get_daily_sleep", {"start_date": TODAY}, "invalid arguments", "start_date")
        await call_error(session, "summarize", {"collection": "sleeps"}, 'unknown collection "sleeps"', "daily_sleep")
        await call_error(session, "authorize", {}, "no login is needed with --emulator")
        status = await call_ok(session, "auth_status", {})
        equal((status["logged_in"], status["mode"]), (True, "emulator"), "auth status on the emulator")
        equal(len((await session.list_tools()).tools), len(listed), "still serving after errors")
        yield "bad input gives error results"
    yield f"stdout carried only protocol ({only_protocol(trace)} messages)"


def check_field(stats, values, what):
    """`values`: (position, number) in order."""
    numbers = [float(v) for _, v in values]
    equal(stats["count"], len(numbers), f"{what} count")
    check(abs(stats["mean"] - sum(numbers) / len(numbers)) < 0.001, f"{what} mean {stats['mean']}")
    equal((stats["min"], stats["max"]), (min(numbers), max(numbers)), f"{what} min/max")
    equal(stats["first"], {"value": numbers[0], "at": values[0][0]}, f"{what} first")
    equal(stats["last"], {"value": numbers[-1], "at": values[-1][0]}, f"{what} last")
    weeks = {}
    for at, value in values:
        day = date.fromisoformat(at[:10])
        weeks.setdefault((day - timedelta(days=day.weekday())).isoformat(), []).append(float(value))
    equal([w["week"] for w in stats["weeks"]], sorted(weeks), f"{what} weeks")
    for week in stats["weeks"]:
        expected = weeks[week["week"]]
        equal((week["count"], week["min"], week["max"]), (len(expected), min(expected), max(expected)), f"{what} {week['week']}")
        check(abs(week["mean"] - sum(expected) / len(expected)) < 0.001, f"{what} {week['week']} mean")


async def credential_checks(oura, reference, work):
    # No credentials at all.
    trace = os.path.join(work, "nologin.jsonl")
    config = os.path.join(work, "config-nologin")
    env = clean_env(OURA_CONFIG_DIR=config)
    async with server(oura, ["--base-url", reference.base_url, "mcp", "--today", TODAY], env, trace) as session:
        await session.initialize()
        await call_error(session, "get_daily_sleep", {}, "not logged in", "run `oura login`", "authorize")
        await call_error(session, "summarize", {"collection": "heartrate"}, "not logged in")
        status = await call_ok(session, "auth_status", {})
        equal((status["logged_in"], status["mode"]), (False, "not logged in"), "auth status without credentials")
        await call_error(session, "authorize", {}, "no client id")
    yield "no credentials: error results that say to log in"
    yield f"stdout carried only protocol ({only_protocol(trace)} messages)"

    # OURA_TOKEN against a base URL: works, and the token is never written anywhere.
    trace = os.path.join(work, "token.jsonl")
    env = clean_env(OURA_CONFIG_DIR=config, OURA_TOKEN=reference.token)
    async with server(oura, ["-vv", "--base-url", reference.base_url, "mcp", "--today", TODAY], env, trace) as session:
        await session.initialize()
        answer = await call_ok(session, "get_daily_sleep", {})
        equal(answer["range"], {"start": "2025-06-24", "end": TODAY}, "default range: the week ending today")
        equal(answer["total"], len(reference.read({"route": "daily_sleep", "range": "Days"}, "2025-06-24", TODAY)), "token read")
        info = await call_ok(session, "get_personal_info", {})
        check("age" in info or "email" in info, f"personal info: {info}")
        status = await call_ok(session, "auth_status", {})
        equal(status["mode"], "token", "auth status with OURA_TOKEN")
    for path in (trace, trace + ".stderr"):
        with open(path) as f:
            check(reference.token not in f.read(), f"the token appears in {path}")
    yield "OURA_TOKEN: data read, token in no result and no log (-vv)"

    # Rate limited for longer than the client waits: an error result that says until when.
    limited = Reference(oura, "--rate-limit", "1/3600")
    try:
        trace = os.path.join(work, "limited.jsonl")
        env = clean_env(OURA_CONFIG_DIR=config, OURA_TOKEN=limited.token)
        async with server(oura, ["--base-url", limited.base_url, "mcp", "--today", TODAY], env, trace) as session:
            await session.initialize()
            await call_ok(session, "get_daily_sleep", {})
            text = await call_error(session, "get_daily_sleep", {}, "rate limited by Oura (429) until ")
            moment = datetime.fromisoformat(text.split(" until ")[1].split(": ")[0].replace("Z", "+00:00"))
            check(moment.tzinfo is not None, f"an instant with its zone: {text}")
            await call_ok(session, "auth_status", {})
    finally:
        limited.close()
    yield "rate limited: an error result that says until when"

    # authorize: the loopback login in the background, against the emulator's OAuth routes.
    trace = os.path.join(work, "authorize.jsonl")
    config = os.path.join(work, "config-authorize")
    env = clean_env(
        OURA_CONFIG_DIR=config,
        OURA_CLIENT_ID=CLIENT_ID,
        OURA_CLIENT_SECRET=CLIENT_SECRET,
        OURA_REDIRECT_URI="http://127.0.0.1:0/callback",
    )
    async with server(oura, ["--base-url", reference.base_url, "mcp", "--today", TODAY], env, trace) as session:
        await session.initialize()
        await call_error(session, "get_daily_sleep", {}, "not logged in")
        started = await call_ok(session, "authorize", {"scopes": ["daily", "personal"]})
        check(started["url"].startswith(f"{reference.base_url}/oauth/authorize?"), f"authorize URL {started['url']}")
        again = await call_ok(session, "authorize", {})
        equal(again["url"], started["url"], "a second authorize answers the waiting login")
        # The protocol is not blocked while the login waits.
        status = await call_ok(session, "auth_status", {})
        equal(status["login"]["state"], "waiting for the browser", "login waiting")
        # The "browser": the emulator consents at once and redirects to the loopback listener.
        page = await asyncio.to_thread(lambda: urllib.request.urlopen(started["url"], timeout=30).read().decode())
        check("Logged in" in page, page)
        for _ in range(100):
            status = await call_ok(session, "auth_status", {})
            if status["login"]["state"] != "waiting for the browser":
                break
            await asyncio.sleep(0.1)
        equal(status["login"]["state"], "completed", f"login completed: {status}")
        equal((status["logged_in"], status["mode"]), (True, "saved login"), "saved login")
        equal(sorted(status["scopes"]), ["daily", "personal"], "scopes")
        answer = await call_ok(session, "get_daily_sleep", {})
        equal(answer["range"]["end"], TODAY, "read with the new login")
        # A collection whose scope was not granted: a readable error result.
        await call_error(session, "get_heartrate", {}, "403", "scope", "oura login", "`authorize` tool asking for that scope")
        check(os.path.exists(os.path.join(config, "tokens.json")), "tokens saved")
    with open(os.path.join(config, "tokens.json")) as f:
        saved = json.load(f)
    for path in (trace, trace + ".stderr"):
        with open(path) as f:
            text = f.read()
        for secret in (saved.get("access_token"), saved.get("refresh_token"), CLIENT_SECRET):
            check(not secret or secret not in text, f"a secret appears in {path}")
    yield "authorize: URL returned at once, login completed in the background, then used; a scope not granted is an error result"
    yield f"stdout carried only protocol ({only_protocol(trace)} messages)"


def first_failure(error):
    if isinstance(error, Failed):
        return error
    for inner in getattr(error, "exceptions", ()):
        found = first_failure(inner)
        if found is not None:
            return found
    return None


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--oura", required=True)
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    collections = catalog(args.spec)
    reference = Reference(args.oura)
    failures = 0
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="oura-mcp-") as work:
            for checks in (
                emulator_session_checks(args.oura, collections, reference, work),
                credential_checks(args.oura, reference, work),
            ):
                try:
                    async for passed in checks:
                        print(f"ok   {passed}", flush=True)
                except BaseException as error:  # anyio wraps failures in exception groups
                    failure = first_failure(error)
                    if failure is None:
                        raise
                    failures += 1
                    print(f"FAIL {failure}", flush=True)
    finally:
        reference.close()
    print(f"mcp over stdio: {'FAILED' if failures else 'passed'} in {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
