"""In-memory emulator of the Yandex Go for Business API 2.0 (work in progress)."""
