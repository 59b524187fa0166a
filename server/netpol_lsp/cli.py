"""The command line: check | serve | connectivity | explain | diff | rules.

Imports are deferred into each command so `netpol-lsp --version` starts fast.
"""
from __future__ import annotations

import argparse
import sys

from . import __version__


class UsageError(Exception):
    """Bad arguments or an unreadable path: exit 2 with one line on stderr."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (argparse prints the whole usage block first)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


# Format names as people type them: each command accepts both spellings of the same format.
_FORMAT_SPELLINGS = {"txt": "text", "text": "text", "md": "markdown", "markdown": "markdown"}


def format_choice(*canonical: str):
    """An argparse type: the command's own name for a format, whichever spelling was typed."""
    own = {_FORMAT_SPELLINGS.get(name, name): name for name in canonical}

    def parse(value: str) -> str:
        name = own.get(_FORMAT_SPELLINGS.get(value.lower(), value.lower()))
        if name is None:
            raise argparse.ArgumentTypeError(f"unknown format {value!r}; choose from {', '.join(canonical)}")
        return name

    parse.__name__ = "format"
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="netpol-lsp", description="Static analysis and a language server "
                     "for Kubernetes NetworkPolicy.")
    parser.add_argument("--version", action="version", version=f"netpol-lsp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser("check", help="report what is wrong with the policies (CI)")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    check.add_argument("--format", default="text", type=format_choice("text", "json", "sarif", "github", "junit"),
                       help="text (or txt), json, sarif, github, junit")
    check.add_argument("--select", default="", help="only these rules (ids or names, comma-separated)")
    check.add_argument("--ignore", default="", help="skip these rules (ids or names, comma-separated)")
    check.add_argument("--fail-on", default="warning", choices=["error", "warning", "info", "never"])
    check.add_argument("--config", default=None, help="configuration file (default: nearest .netpol-lsp.yaml)")
    check.add_argument("--color", default="auto", choices=["auto", "always", "never"])
    check.add_argument("--kustomize", default=None, metavar="ROOT",
                       help="only this Kustomize render root (a folder holding a kustomization)")
    check.add_argument("--no-cache", action="store_true",
                       help="neither read nor write the warm-start cache (see README: Cache)")

    conn = commands.add_parser("connectivity", help="list who may talk to whom, on which ports")
    conn.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    conn.add_argument("--format", default="txt",
                      type=format_choice("txt", "json", "csv", "md", "dot", "mermaid", "svg"),
                      help="txt (or text), json, csv, md (or markdown), dot, mermaid, svg")
    conn.add_argument("--focus-workload", default=None, metavar="NS/NAME")
    conn.add_argument("--exclude-external", action="store_true")
    conn.add_argument("--config", default=None)
    conn.add_argument("--kustomize", default=None, metavar="ROOT", help="the objects of this Kustomize render root")
    conn.add_argument("-o", "--output", default=None, help="write to this file instead of stdout")
    conn.add_argument("--no-cache", action="store_true", help="neither read nor write the warm-start cache")

    explain = commands.add_parser("explain", help="explain in plain English what policies do")
    explain.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    target = explain.add_mutually_exclusive_group()
    target.add_argument("--workload", default=None, metavar="NS/NAME")
    target.add_argument("--policy", default=None, metavar="NS/NAME")
    explain.add_argument("--format", default="text", type=format_choice("text", "markdown"),
                         help="text (or txt), markdown (or md)")
    explain.add_argument("--config", default=None)
    explain.add_argument("--kustomize", default=None, metavar="ROOT", help="the objects of this Kustomize render root")
    explain.add_argument("--no-cache", action="store_true", help="neither read nor write the warm-start cache")

    diff = commands.add_parser("diff", help="what a change does to connectivity (paths or git revisions)")
    diff.add_argument("old", metavar="OLD", help="a file or folder, or a git revision (main, HEAD~1)")
    diff.add_argument("new", nargs="?", default=None, metavar="NEW",
                      help="a file or folder, or a git revision (default: the working tree)")
    diff.add_argument("--path", action="append", default=None, metavar="PATH",
                      help="with revisions: the files or folders to compare (default: the working folder)")
    diff.add_argument("--format", default="text",
                      choices=["text", "txt", "json", "markdown", "md", "sarif", "dot", "mermaid", "svg"])
    diff.add_argument("--fail-on", default="added", choices=["added", "removed", "any", "never"],
                      help="exit 1 when connections are added (default), removed, either, or never")
    diff.add_argument("--kustomize", default=None, metavar="ROOT", help="the objects of this Kustomize render root")
    diff.add_argument("--config", default=None)
    diff.add_argument("-o", "--output", default=None, help="write to this file instead of stdout")
    diff.add_argument("--no-cache", action="store_true", help="neither read nor write the warm-start cache")

    serve = commands.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    serve.add_argument("--tcp", default=None, metavar="HOST:PORT")

    rules = commands.add_parser("rules", help="list the rules, or print one rule's page")
    rules.add_argument("rule", nargs="?", default=None, metavar="ID_OR_NAME")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        print("netpol-lsp: a command is needed: check, connectivity, explain, serve or rules "
              "(see netpol-lsp --help)", file=sys.stderr)
        return 2
    try:
        if args.command == "check":
            from .commands.check import run_check
            return run_check(args)
        if args.command == "connectivity":
            from .commands.connectivity import run_connectivity
            return run_connectivity(args)
        if args.command == "explain":
            from .commands.explain import run_explain
            return run_explain(args)
        if args.command == "diff":
            from .commands.diff import run_diff
            return run_diff(args)
        if args.command == "serve":
            from .commands.serve import run_serve
            return run_serve(args)
        if args.command == "rules":
            from .commands.rules import run_rules
            return run_rules(args)
    except UsageError as err:
        print(f"netpol-lsp: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
