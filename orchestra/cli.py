"""The ``orchestra`` command: parse, call one library function, print.

Errors map to exit codes in one place (:func:`main`): user errors print one clear line and exit
with the error's own code (2 for config and tool errors); ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from orchestra.errors import OrchestraError
from orchestra.version import __version__

EVERY_FROM_CONFIG = "from-config"
"""What ``--every`` without a value stands for: the config's ``heartbeat.every``."""


STORE_HELP = (
    "the store: sqlite:///file.db, postgresql://user:pass@host:port/db, or a SQLite path "
    "(overrides services.store)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orchestra", description="Code-first cognitive agents on smolagents."
    )
    parser.add_argument("--log-format", choices=["console", "json"], default="console", help="log rendering")
    parser.add_argument("--log-level", default="warning", help="debug, info, warning (default), error")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument("--version", action="version", version=f"orchestra {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(name: str, help_text: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument("config", help="path to a YAML config, e.g. configs/thoughtseed.yaml")
        command.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a config key, e.g. --set layers.abstract.model=offline (repeatable)",
        )
        return command

    with_config("validate", "check a config: schema, references, graph and tools")
    graph = with_config("graph", "print the layer graph")
    graph.add_argument(
        "--format", choices=["mermaid", "dot"], default="mermaid", help="mermaid (default) or Graphviz dot"
    )
    run = with_config("run", "run the root once on a task and print the answer and per-layer results")
    run.add_argument("task", help="what the root should work on")
    run.add_argument("--json", action="store_true", help="print the result as one JSON object")
    run.add_argument("--store", metavar="URL", help=STORE_HELP)
    run.add_argument(
        "--mind", help="whose rows to read and write (overrides services.mind; default 'default')"
    )
    beat = with_config("heartbeat", "run one heartbeat (or keep beating with --every) and print a summary")
    beat.add_argument("--json", action="store_true", help="print each beat as one JSON object")
    beat.add_argument(
        "--every",
        nargs="?",
        const=EVERY_FROM_CONFIG,
        metavar="INTERVAL",
        help="keep beating at this interval, e.g. 1h; alone, at heartbeat.every (default: one beat)",
    )
    beat.add_argument("--jitter", help="random extra delay per interval, e.g. 5m (default from config)")
    beat.add_argument("--trace", action="store_true", help="include the full execution trace in --json")
    beat.add_argument("--store", metavar="URL", help=STORE_HELP)
    beat.add_argument(
        "--mind", help="whose rows to read and write (overrides services.mind; default 'default')"
    )
    commands.add_parser("schema", help="print the config's JSON Schema (for editor completion)")
    mcp = commands.add_parser("mcp", help="the cognitive-services MCP server")
    mcp_commands = mcp.add_subparsers(dest="mcp_command", required=True, metavar="MCP_COMMAND")
    serve = mcp_commands.add_parser("serve", help="serve the 37 cognitive tools over MCP")
    serve.add_argument(
        "--transport", choices=["stdio", "http"], default="stdio", help="stdio (default) or streamable HTTP"
    )
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default loopback only)")
    serve.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765, 0: any); at /mcp")
    serve.add_argument("--config", help="read the services section (store, embeddings, sync) of this config")
    serve.add_argument("--store", metavar="URL", help=STORE_HELP)
    serve.add_argument("--mind", help="whose rows the tools read and write (overrides services.mind)")
    store = commands.add_parser("store", help="inspect, migrate, export or import a store")
    store_commands = store.add_subparsers(dest="store_command", required=True, metavar="STORE_COMMAND")
    for name, help_text in (
        ("info", "the store's location, schema version, size, minds and rows per table"),
        ("migrate", "bring the store's schema to this orchestra's version (any command also does)"),
        ("export", "write one mind's rows as JSON lines (a backup, or to move a mind between stores)"),
        ("import", "load an export into an empty mind of any store (SQLite or PostgreSQL)"),
    ):
        sub = store_commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--store", metavar="URL", help=STORE_HELP.replace("services.store", "the default"))
        sub.add_argument(
            "--mind",
            help="the mind to show, export or import into (default 'default'; import: the exported mind)",
        )
        if name == "export":
            sub.add_argument("-o", "--output", help="file to write (default: standard output)")
        if name == "import":
            sub.add_argument("file", help="an export written by `orchestra store export` ('-': stdin)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        from orchestra.logs import configure_logging

        configure_logging(args.log_format, args.log_level)
        return _dispatch(args)
    except OrchestraError as error:
        if args.debug:
            traceback.print_exc()
        print(f"orchestra: error: {error}", file=sys.stderr)
        return error.exit_code
    except ValueError as error:
        print(f"orchestra: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("orchestra: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `orchestra schema | head`: the reader left; not an error
        sys.stderr.close()
        return 0
    except Exception as error:  # an orchestra bug: say so in one line, traceback on request
        if args.debug:
            traceback.print_exc()
        print(
            f"orchestra: internal error: {type(error).__name__}: {error} (rerun with --debug)",
            file=sys.stderr,
        )
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "schema":
        from orchestra.config import Config

        print(json.dumps(Config.model_json_schema(), indent=2))
        return 0

    if args.command == "mcp":
        return _serve_mcp(args)
    if args.command == "store":
        return _store(args)

    from orchestra.config import load_config

    if getattr(args, "store", None):
        args.overrides = [
            *args.overrides,
            f"services.store={json.dumps(args.store)}",
            "services.store_path=null",
        ]
    if getattr(args, "mind", None):
        args.overrides = [*args.overrides, f"services.mind={json.dumps(args.mind)}"]
    if args.command == "heartbeat":
        _check_beat_flags(args)
    config = load_config(args.config, args.overrides)
    if args.command in ("validate", "heartbeat", "run"):
        from orchestra.tools.mcp_prestart import discard_all, prestart

        prestart(config)  # its stdio MCP servers start while the rest of orchestra loads
        try:
            return _run_command(args, config)
        finally:
            discard_all()
    return _run_command(args, config)


def _run_command(args: argparse.Namespace, config: Any) -> int:
    """A command that needs the loaded config."""
    graph = config.layer_graph()
    if args.command == "graph":
        print(graph.to_dot() if args.format == "dot" else graph.to_mermaid(), end="")
        return 0
    if args.command == "validate":
        from orchestra.tools import load_tool_sources

        with load_tool_sources(config) as registry:
            registry.select(config.tool_wants(), config.source)
        generations = " -> ".join("{" + ", ".join(gen) + "}" for gen in graph.generations())
        print(
            f"{args.config}: ok — {len(config.layers)} layers, generations {generations}, "
            f"{len(registry.names())} tools"
        )
        return 0
    if args.command == "heartbeat":
        return _heartbeat(args, config)
    if args.command == "run":
        from orchestra.agents.hierarchy import build_hierarchy

        with build_hierarchy(config) as hierarchy:
            result = hierarchy.run(args.task)
        if args.json:
            print(json.dumps(result.to_dict(), indent=2, default=str))
        else:
            _print_cycle(result.to_dict())
        return 0 if result.ok else 1
    raise AssertionError(f"unhandled command {args.command}")


def _check_beat_flags(args: argparse.Namespace) -> None:
    """Refuse flags that would be silently ignored or absurd, before anything is built."""
    from orchestra.config.durations import parse_duration

    if args.jitter and not args.every:
        raise ValueError("--jitter spaces beats kept by --every; add --every (e.g. --every 1h)")
    if args.trace and not args.json:
        raise ValueError("--trace adds the execution trace to --json output; add --json")
    try:
        if args.jitter:
            parse_duration(args.jitter)
        every_s = parse_duration(args.every) if args.every and args.every != EVERY_FROM_CONFIG else None
    except ValueError as bad:
        raise ValueError(f"--every/--jitter: {bad}") from None
    if every_s is not None and every_s < 1:  # the config's heartbeat.every is checked when it loads
        raise ValueError(f"--every {args.every}: beats must be at least 1s apart")


def _heartbeat(args: argparse.Namespace, config: Any) -> int:
    import signal
    import threading

    from orchestra.heartbeat import Heartbeat
    from orchestra.heartbeat.scheduler import parse_duration, run_schedule

    def show(result: Any) -> None:
        data = result.to_dict()
        if not args.trace:
            data.pop("trace", None)
        if args.json:
            print(json.dumps(data, default=str), flush=True)
        else:
            _print_beat(data)

    with Heartbeat(config) as heartbeat:
        if not args.every:
            result = heartbeat.beat()
            show(result)
            return 0
        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            if stop.is_set():
                raise KeyboardInterrupt
            print(
                "orchestra: finishing the current beat, then exiting (Ctrl-C again to abort)", file=sys.stderr
            )
            stop.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        run_schedule(
            heartbeat,
            every_s=parse_duration(config.heartbeat.every if args.every == EVERY_FROM_CONFIG else args.every),
            jitter_s=parse_duration(args.jitter or config.heartbeat.jitter),
            cooldown_s=parse_duration(config.heartbeat.cooldown_after_user),
            stop=stop,
            on_beat=show,
            on_wait=_say_next_beat,
        )
    return 0


def _say_next_beat(delay_s: float) -> None:
    import time

    at = time.strftime("%H:%M:%S", time.localtime(time.time() + delay_s))
    minutes, seconds = divmod(round(delay_s), 60)
    print(f"orchestra: next beat at {at} (in {minutes}m {seconds:02d}s)", file=sys.stderr, flush=True)


def _print_beat(data: dict[str, Any]) -> None:
    if data["status"] != "completed":
        print(f"beat skipped: {data['status']} ({data.get('fallback_reason') or 'no reason given'})")
        return
    decision = data["decision"]
    energy = data["energy"]
    print(f"beat {data['beat']} ({data['seconds']:.2f}s), energy {energy['before']} -> {energy['after']}")
    print(f"  store: {data['store']}")
    if data["fallback"]:
        print(f"  fallback: procedural policy, because {data['fallback_reason']}")
    print(f"  decision: {decision['reasoning'][:300]}")
    print(f"  confidence {decision['confidence']}, emotional state {decision['emotional_state']}")
    for outcome in data["actions"].get("executed", []):
        print(f"  done     {outcome['action']:<16} cost {outcome['cost']}")
    for outcome in data["actions"].get("failed", []):
        print(f"  failed   {outcome['action']:<16} {outcome.get('error')}")
    for outcome in data["actions"].get("skipped", []):
        print(f"  skipped  {outcome['action']:<16} {outcome.get('reason')}")
    print(f"  tools used: {', '.join(data['tools_used']) or 'none'}")
    for layer in data["layers"]:
        state = "ok" if layer["ok"] else f"FAILED ({layer['error']})"
        print(
            f"  layer {layer['layer']:<14} {state} {layer['seconds']:.2f}s "
            f"tokens {layer['input_tokens']}+{layer['output_tokens']}"
        )


def _store(args: argparse.Namespace) -> int:
    from orchestra.store import LATEST_VERSION, Store, resolve_store
    from orchestra.store.migrations import stored_version
    from orchestra.store.transfer import counts, export_to, import_from, minds, read_header

    location = resolve_store(args.store)
    if args.store_command == "migrate":
        before = stored_version(location)
    with contextlib.ExitStack() as stack:
        header = None
        if args.store_command == "import":
            source = sys.stdin if args.file == "-" else stack.enter_context(open(args.file, encoding="utf-8"))
            lines = enumerate(source, start=1)
            header = read_header(lines, args.file)
        mind = args.mind or (header or {}).get("mind") or "default"
        store = stack.enter_context(Store(location, mind=mind))
        if args.store_command == "info":
            print(
                f"store: {location.shown} ({_describe_store(store)}, schema version {store.schema_version})"
            )
            for name, rows in minds(store) or [("default", 0)]:
                print(f"  mind {name:<24} {rows:>9,} rows")
            print(f"mind {store.mind!r}:")
            for table in counts(store):
                print(f"  {table.table:<20} {table.rows:>9,} rows ({table.all_minds:,} in all minds)")
        elif args.store_command == "migrate":
            print(
                f"store: {location.shown}: schema version {before} -> {store.schema_version} "
                f"(latest {LATEST_VERSION})"
            )
        elif args.store_command == "export":
            if args.output:
                with open(args.output, "w", encoding="utf-8") as out:
                    written = export_to(store, out)
            else:
                written = export_to(store, sys.stdout)
            print(
                f"orchestra: exported {sum(written.values()):,} rows of mind {store.mind!r} "
                f"from {location.shown}",
                file=sys.stderr,
            )
        else:
            loaded = import_from(store, (line for _, line in lines), source=args.file, header=header)
            print(
                f"orchestra: imported {sum(loaded.values()):,} rows into mind {store.mind!r} "
                f"of {location.shown}",
                file=sys.stderr,
            )
    return 0


def _describe_store(store: Any) -> str:
    """The backend and its size: the SQLite file (with its WAL), or the PostgreSQL database."""
    if store.path is not None:
        size = sum(path.stat().st_size for path in store.path.parent.glob(store.path.name + "*"))
        return f"SQLite, {size / 2**20:.2f} MiB"
    size = store.query_all_minds("SELECT pg_database_size(current_database())")[0][0]
    return f"PostgreSQL, {int(size) / 2**20:.2f} MiB"


def _serve_mcp(args: argparse.Namespace) -> int:
    from orchestra.mcp_server import serve_parsed

    serve_parsed(args)
    return 0


def _print_cycle(result: dict[str, Any]) -> None:
    status = "ok" if result["ok"] else f"FAILED: {result['error']}"
    print(f"answer ({status}, {result['seconds']:.2f}s, {result['root_steps']} root steps):")
    print(f"  {result['answer']}")
    print(f"layers ({result['input_tokens']} prompt + {result['output_tokens']} completion tokens in all):")
    for layer in result["layers"]:
        state = "ok" if layer["ok"] else f"FAILED ({layer['error']})"
        print(
            f"  {layer['layer']:<14} {state:<8} steps={layer['steps']} seconds={layer['seconds']:.2f} "
            f"tokens={layer['input_tokens']}+{layer['output_tokens']} via {layer['requested_by']}"
        )


def run() -> None:
    """The console entry point: :func:`main`, then exit at once.

    Everything a command opened is closed and its output flushed by then; what is left is the
    interpreter's teardown of the modules it imported, which takes over a second once litellm is
    loaded (measured: 1.3 s for ``import litellm`` alone). Skipping it keeps a beat that ends at its
    deadline within a second of it, and a worker thread still blocked on a request cannot hold the
    process.
    """
    code = main()
    sandbox = sys.modules.get("orchestra.sandbox.process")  # loaded only if a command used it
    if sandbox is not None:
        sandbox.close_all()  # its atexit handler, which os._exit skips: zygotes and scratch dirs go
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(ValueError, OSError):  # closed, or a reader that left
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
