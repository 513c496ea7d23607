"""`python -m yandex_b2b_async.sandbox serve --port N`: run a sandbox until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._server import serve
from .state import SandboxError


def _latency(text: str) -> float | tuple[float, float]:
    low, sep, high = text.partition(":")
    try:
        return (float(low), float(high)) if sep else float(low)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected SECONDS or LOW:HIGH seconds, got {text!r}"
        ) from None


SERVE_HELP = "serve until SIGINT/SIGTERM"
SERVE_DESCRIPTION = (
    "Print YANDEX_B2B_BASE_URL=, YANDEX_B2B_TOKEN=, YANDEX_B2B_CLIENT_ID= and "
    "YANDEX_B2B_COST_CENTER_ID= lines, then serve until SIGINT or SIGTERM."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m yandex_b2b_async.sandbox",
        description="In-memory emulator of the Yandex Go for Business API 2.0.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help=SERVE_HELP, description=SERVE_DESCRIPTION)
    add_serve_arguments(run)
    return parser


def add_serve_arguments(run: argparse.ArgumentParser) -> None:
    """The options of ``serve`` (shared with ``yandex-b2b sandbox serve``)."""
    run.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default %(default)s)"
    )
    run.add_argument(
        "--port", type=int, default=8080, help="the port (default %(default)s; 0 picks a free one)"
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="apply too the assumptions that refuse what the API pages allow (docs/sandbox.md)",
    )
    run.add_argument(
        "--time-factor",
        type=float,
        default=1.0,
        metavar="F",
        help="clock seconds per real second: 1 real time (a ride takes 20.5 min), 60 fast, "
        "0 stopped (move it with POST /_sandbox/clock/advance)",
    )
    run.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="N",
        help="seed of the random faults and latency (a run repeats)",
    )
    run.add_argument("--token", default=None, help="accept this token instead of a random one")
    run.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        metavar="R",
        help="answer 429 above R requests a second",
    )
    run.add_argument(
        "--burst",
        type=int,
        default=None,
        metavar="B",
        help="requests allowed at once above --rate-limit",
    )
    run.add_argument(
        "--latency",
        type=_latency,
        default=None,
        metavar="S|LOW:HIGH",
        help="delay every answer by S seconds (or a random delay between LOW and HIGH)",
    )
    run.add_argument(
        "--error-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="share of requests answered 5xx (0 to 1)",
    )
    run.add_argument(
        "--drop-before-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="share of connections dropped before the request is handled (nothing done)",
    )
    run.add_argument(
        "--drop-after-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="share of connections dropped after it is handled (done, the answer lost)",
    )
    run.add_argument("--outage", action="store_true", help="answer 503 to everything")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve; returns the exit status (2 for bad options)."""
    parser = _parser()
    return serve_parsed(parser.parse_args(argv), prog=parser.prog)


def serve_parsed(args: argparse.Namespace, *, prog: str) -> int:
    """Serve with the options :func:`add_serve_arguments` parsed; returns the exit status."""
    try:
        serve(
            host=args.host,
            port=args.port,
            strict=args.strict,
            seed=args.seed,
            token=args.token,
            rate_limit=args.rate_limit,
            burst=args.burst,
            latency=args.latency,
            error_rate=args.error_rate,
            drop_before_rate=args.drop_before_rate,
            drop_after_rate=args.drop_after_rate,
            outage=args.outage,
            time_factor=args.time_factor,
        )
    except (ValueError, SandboxError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
