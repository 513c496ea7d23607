"""Typed asyncio client for the Yandex Go for Business API 2.0."""
