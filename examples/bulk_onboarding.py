"""Onboard employees from an HR export, then archive leavers and bring one back.

    python examples/bulk_onboarding.py examples/employees.csv [--journal PATH]

Runs against an embedded sandbox unless YANDEX_B2B_TOKEN is set (then against the real API,
with YANDEX_B2B_CLIENT_ID when the token reaches several clients). Rows that fail validation are
printed with their line and never sent; a rerun with the same --journal skips what succeeded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator

from yandex_b2b_async import (
    B2BClient,
    BulkProgress,
    ConflictError,
    RateLimit,
    UserCreate,
    read_users_csv,
)
from yandex_b2b_async.sandbox import Sandbox


def valid_users(path: str) -> Iterator[UserCreate]:
    """The file's valid rows, lazily; invalid ones are printed with their line."""
    for row in read_users_csv(path):  # refuses a bad file (columns, encoding) right here
        if row.value is None:
            print(f"line {row.line}: skipped: {row.error}", file=sys.stderr)
        else:
            yield row.value


def show_progress(progress: BulkProgress) -> None:
    if progress.done % 5 == 0 or progress.done == progress.total:
        print(f"  {progress.done} done, {progress.failed} failed, {progress.rate:.0f}/s")


async def onboard(client: B2BClient, path: str, journal: str | None) -> None:
    report = await client.users.bulk_create(
        valid_users(path), concurrency=8, journal=journal, on_progress=show_progress
    )
    restored = sum(1 for item in report.items if item.ok and item.result and item.result.restored)
    print(f"created {report.succeeded - restored}, restored {restored}")
    for item in report.failures:
        if isinstance(item.error, ConflictError):
            print(f"  {item.input.phone}: already active as {item.error.conflict_user_id}")
        else:
            print(f"  {item.input.phone}: {item.error}")

    leavers = [item.id for item in report.items[:3] if item.ok and item.id]
    archived = await client.users.bulk_archive(leavers, concurrency=4)
    print(f"archived {archived.succeeded} of {len(leavers)}")

    # The streaming form: items as they finish, nothing kept for the whole run.
    async with contextlib.aclosing(client.users.bulk_restore_stream(leavers[:1])) as stream:
        async for outcome in stream:
            print(f"restored {outcome.input}: {'ok' if outcome.ok else outcome.error}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("file", help="a users CSV, e.g. examples/employees.csv")
    parser.add_argument("--journal", help="JSON-lines journal: a rerun skips what succeeded")
    args = parser.parse_args()
    token = os.environ.get("YANDEX_B2B_TOKEN")
    async with contextlib.AsyncExitStack() as stack:
        if token:
            client = B2BClient(
                token,
                client_id=os.environ.get("YANDEX_B2B_CLIENT_ID"),
                rate_limit=RateLimit(rate=20, adaptive=True),
            )
        else:
            sandbox = await stack.enter_async_context(Sandbox())
            client = B2BClient(sandbox.token, base_url=sandbox.url)
        await stack.enter_async_context(client)
        await onboard(client, args.file, args.journal)


if __name__ == "__main__":
    asyncio.run(main())
