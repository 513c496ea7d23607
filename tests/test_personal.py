"""Personal data: no repr, str, error, log line, span, report or message shows an employee's or
a manager's phone, email or name in full (a masked phone such as +7••••••4567 is fine)."""

from __future__ import annotations

import datetime
import enum
import importlib
import itertools
import logging
import re
import traceback
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yandex_b2b_async import (
    B2BClient,
    B2BError,
    ManagerCreate,
    ManagerRole,
    User,
    UserCreate,
    UserPatch,
    ValidationError,
    read_users_csv,
)
from yandex_b2b_async._personal import mask_email, mask_name, mask_phone, scrub
from yandex_b2b_async.sandbox import Reply, Sandbox


def _rendered(error: BaseException) -> str:
    """What a log or a crash report could show of ``error`` and its causes (the traceback's
    source lines aside: they would show this file's test values)."""
    parts: list[str] = []
    cause: BaseException | None = error
    while cause is not None:
        parts += [str(cause), repr(cause), *traceback.format_exception_only(cause)]
        cause = cause.__cause__ or cause.__context__
    return "\n".join(parts)


# -- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("+79001234567", "+7••••••4567"),
        ("+12025550123", "+1••••••0123"),
        ("+380441234567", "+380•••••4567"),
        ("8 900 123-45-67", "•••"),
        ("", "•••"),
    ],
)
def test_a_phone_keeps_its_country_code_and_last_four_digits(phone: str, shown: str) -> None:
    """A phone is masked to its country code and last four digits; anything else is hidden."""
    assert mask_phone(phone) == shown


def test_an_email_and_a_name_are_hidden_whole() -> None:
    """An email keeps only its shape and a name nothing; an empty name stays empty."""
    assert mask_email("ilya.ivanov@ivanov.me") == "•••@•••"
    assert mask_name("Ilya Ivanov") == "•••"
    assert mask_name("") == ""


def test_free_text_has_its_phones_and_emails_masked() -> None:
    """Phones as people write them and emails inside a message are masked; short numbers stay."""
    text = scrub("user +7 900 123-45-67 / 8 (900) 765 43 21 <a.b@example.org>, limit 12345")
    assert text == "user +7••••••4567 / •••••••4321 <•••@•••>, limit 12345"
    assert scrub("due 2026-01-02 03:04:05") == "due 2026-01-02 03:04:05"


_E164 = st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)


@given(phone=_E164)
def test_a_masked_phone_never_holds_the_number(phone: str) -> None:
    """Any E.164 phone is masked to a string of its length without it, one of ten digits or
    more to its last four digits."""
    shown = mask_phone(phone)
    assert phone not in shown
    assert len(shown) == len(phone)
    if len(phone) > 10:
        assert shown.endswith(phone[-4:])


@given(
    phone=_E164,
    before=st.text(alphabet="abc :;,<(", max_size=5),
    after=st.text(alphabet="abc :;,>)", max_size=5),
)
def test_a_phone_anywhere_in_a_message_is_masked(phone: str, before: str, after: str) -> None:
    """A phone quoted anywhere in free text does not survive scrubbing."""
    assert phone not in scrub(f"{before}{phone}{after}")


# -- every exported model ---------------------------------------------------------------------

# Fields holding a person's data, by name; and fields whose name says otherwise.
_PERSONAL_NAMES = re.compile(r"(^|_)(phone|email|fullname|full_name|yandex_login|creator|key)$")
_NOT_PERSONAL: Mapping[tuple[str, str], str] = {
    ("OrderPoint", "fullname"): "a route point's full address",
    ("RoutePoint", "fullname"): "a route point's full address",
    ("TaxiReportOrder", "source_fullname"): "the ride's address",
    ("TaxiReportOrder", "destination_fullname"): "the ride's address",
    ("RateLimit", "key"): "the shared quota's name",
    ("SyncPlan", "key"): "which field a sync matches by",
    ("BulkOperation", "key"): "the function that makes a journal key",
}


def _exported_classes() -> list[type]:
    """Every attrs class the package exports: its top level, its models, and the public
    modules of events, bulk runs, the HR wing and sync."""
    names = ["", ".models", ".events", ".bulk", ".hr", ".hr.sync"]
    found: dict[str, type] = {}
    for module in (importlib.import_module("yandex_b2b_async" + name) for name in names):
        for name in module.__all__:
            thing = getattr(module, name)
            if isinstance(thing, type) and attrs.has(thing):
                found[f"{thing.__module__}.{thing.__qualname__}"] = thing
    return sorted(found.values(), key=lambda cls: cls.__qualname__)


class _Builder:
    """Instances of any model with every field set to a unique value; personal ones recorded."""

    def __init__(self) -> None:
        self.counter = itertools.count(1000)
        self.personal: list[str] = []

    def phone(self) -> str:
        value = f"+7916{next(self.counter):07d}"
        self.personal.append(value)
        return value

    def email(self) -> str:
        number = next(self.counter)
        value = f"person{number}@home{number}.example"
        self.personal.append(value)
        return value

    def name(self) -> str:
        number = next(self.counter)
        value = f"Ivanova{number} Olga{number}"
        self.personal += [value, f"Ivanova{number}", f"Olga{number}"]
        return value

    def build(self, cls: type) -> Any:
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in attrs.fields(cls):
            name = field.name
            personal = (
                _PERSONAL_NAMES.search(field.name) is not None
                and (cls.__name__, field.name) not in _NOT_PERSONAL
            )
            if personal:
                values[name] = self.personal_value(field.name)
            else:
                values[name] = self.value(hints[field.name], field.name)
        if cls.__name__ == "FieldChange":  # which field changed decides what the values are
            values.update(field="phone", before=self.phone(), after=self.phone())
        # Set as they are, past validators, converters and cross-field rules: the repr of any
        # value a field can hold is what is tested.
        instance: Any = object.__new__(cls)
        for name, value in values.items():
            object.__setattr__(instance, name, value)
        return instance

    def personal_value(self, field: str) -> str:
        if field.endswith(("phone", "key")):
            return self.phone()
        if field.endswith("email"):
            return self.email()
        return self.name()

    def value(self, hint: Any, field: str) -> Any:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if isinstance(hint, TypeVar):
            return self.phone()  # a generic slot (a bulk input) may hold anything: the worst case
        if hint in (Any, object):
            return f"{field}-{next(self.counter)}"  # raw JSON of an answer
        if origin in (typing.Union, types.UnionType):
            chosen = [arg for arg in args if arg is not type(None) and arg.__name__ != "Unset"]
            return self.value(chosen[0], field) if chosen else None
        if origin is Literal:
            return args[0]
        if origin in (tuple, list, frozenset, set) or hint in (tuple, list):
            item = self.value(args[0], field) if args else self.phone()
            if origin is tuple and len(args) == 2 and args[1] is not Ellipsis:
                return (item, self.value(args[1], field))
            return origin((item,)) if origin in (frozenset, set) else origin([item])
        if origin in (dict, Mapping) or origin is typing.get_origin(Mapping[str, str]):
            return {f"k{next(self.counter)}": self.value(args[1], field)}
        if origin is not None and attrs.has(origin):
            return self.build(origin)
        if hasattr(hint, "__supertype__"):  # a NewType
            return self.value(hint.__supertype__, field)
        return self.plain(hint, field)

    def plain(self, hint: Any, field: str) -> Any:
        if hint is bool:
            return True
        if hint is int:
            return next(self.counter)
        if hint is float:
            return float(next(self.counter))
        if hint is str:
            return f"{field}-{next(self.counter)}"
        if hint is datetime.datetime:
            return datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC)
        if hint is datetime.date:
            return datetime.date(2026, 1, 2)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return next(iter(hint))
        if isinstance(hint, type) and issubclass(hint, BaseException):
            return ValueError("boom")
        if isinstance(hint, type) and attrs.has(hint):
            return self.build(hint)
        if typing.get_origin(hint) is Callable or hint is Callable:
            return lambda *_: None
        return None


def _shows(text: str, personal: list[str]) -> list[str]:
    return [value for value in personal if value in text]


EXPORTED = _exported_classes()


def test_the_walk_covers_the_models_that_hold_personal_data() -> None:
    """The classes walked include every kind that holds a person's data."""
    walked = {cls.__name__ for cls in EXPORTED}
    expected = {"User", "UserCreate", "UserPatch", "UserUpdate", "Manager", "ManagerCreate"}
    expected |= {"Performer", "TravelUser", "TaxiReportOrder", "BulkItem", "CsvRow", "SyncPlan"}
    expected |= {"SyncCreate", "SyncUpdate", "SyncRestore", "SyncArchive", "FieldChange"}
    assert expected <= walked
    assert len(walked) > 120


@pytest.mark.parametrize("cls", EXPORTED, ids=lambda cls: cls.__name__)
def test_no_exported_model_shows_personal_data_in_its_repr_or_str(cls: type) -> None:
    """An instance filled with unique values shows none of its personal values in full."""
    builder = _Builder()
    instance = builder.build(cls)
    for text in (repr(instance), str(instance)):
        assert _shows(text, builder.personal) == [], text


def test_a_sync_plan_describes_personal_data_only_when_asked() -> None:
    """describe() shows names and phones (a plan is for review); str() and hide_personal mask."""
    from yandex_b2b_async.hr.sync import build_plan

    employee = User(id="u-1", fullname="Petrov Ivan", phone="+79161112233", is_active=True)
    wanted = UserCreate(
        fullname="Petrova Anna", phone="+79161112233", is_active=True, cost_centers_id="cc"
    )
    plan = build_plan([wanted], [employee])
    assert "Petrova Anna" in plan.describe()
    for text in (str(plan), repr(plan), plan.describe(hide_personal=True)):
        assert _shows(text, ["Petrov", "Petrova", "+79161112233"]) == [], text
    assert "+7••••••2233" in str(plan)


# -- errors of bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "secret"),
    [
        (lambda: UserPatch(phone="+7 916 RARE 12"), "RARE"),
        (lambda: UserPatch(email="rare.person@@example.org"), "rare.person"),
        (
            lambda: ManagerCreate(
                fullname="Rare Manager",
                email="rare.manager@example",
                phone="+79160000000",
                yandex_login="rare-login",
                role=ManagerRole.CLIENT_MANAGER,
            ),
            "rare.manager",
        ),
        (
            lambda: ManagerCreate(
                fullname="M",
                email="m@example.org",
                phone="+79160000000",
                yandex_login="rare-login\n",
                role=ManagerRole.CLIENT_MANAGER,
            ),
            "rare-login",
        ),
    ],
    ids=["patch-phone", "patch-email", "manager-email", "manager-login"],
)
def test_a_model_refusing_personal_data_names_the_field_not_the_value(
    build: Callable[[], object], secret: str
) -> None:
    """A refused phone, email or login is named by its field and rule, never shown."""
    with pytest.raises(ValidationError) as refused:
        build()
    assert refused.value.field in str(refused.value)
    assert secret not in _rendered(refused.value)


def test_a_file_row_with_a_bad_phone_or_email_names_the_line_not_the_value(
    tmp_path: Path,
) -> None:
    """A file's bad phone and bad email fail their rows, named by line and field only."""
    source = tmp_path / "users.csv"
    source.write_text(
        "fullname,phone,email,is_active,cost_centers_id\n"
        "Sidorova Anna,+7 916 BAD 55,anna@example.org,true,cc\n"
        "Sidorov Petr,+79160000002,petr.sidorov@@example.org,true,cc\n"
    )
    rows = list(read_users_csv(source))
    assert [(row.line, row.error.field if row.error else None) for row in rows] == [
        (2, "phone"),
        (3, "email"),
    ]
    for row in rows:
        assert row.error is not None
        shown = _rendered(row.error) + repr(row)
        assert _shows(shown, ["BAD 55", "petr.sidorov", "Sidorov", "anna@"]) == [], shown


def test_a_file_without_its_header_is_refused_without_quoting_the_first_row(
    tmp_path: Path,
) -> None:
    """A file whose rows hold employees but no column names is refused without their values."""
    from yandex_b2b_async import InputFileError

    source = tmp_path / "users.csv"
    source.write_text("Sidorova Anna,+79160000001,true,cc\n")
    with pytest.raises(InputFileError) as refused:
        list(read_users_csv(source))
    assert "found no header" in str(refused.value)
    assert _shows(_rendered(refused.value), ["Sidorova", "+79160000001"]) == []


def test_a_where_condition_shows_its_value_in_no_repr_or_error(tmp_path: Path) -> None:
    """A --where value may be a cell of a person (a name, a phone): its repr and the errors
    about the condition name the column only."""
    from yandex_b2b_async import InputFileError
    from yandex_b2b_async.hr import RowFilter

    source = tmp_path / "users.csv"
    source.write_text("fullname,phone,is_active,cost_centers_id\nA B,+79160000001,true,cc\n")
    condition = RowFilter.parse("ФИО=Kuznetsova Maria")
    with pytest.raises(InputFileError) as missing:
        list(read_users_csv(source, where=[condition]))
    with pytest.raises(ValidationError) as malformed:
        RowFilter.parse("Kuznetsova Maria")
    assert "'ФИО'" in str(missing.value)
    shown = repr(condition) + _rendered(missing.value) + _rendered(malformed.value)
    assert _shows(shown, ["Kuznetsova", "Maria"]) == [], shown


def test_a_malformed_default_is_refused_without_quoting_it() -> None:
    """A --default without '=' may be the value alone (a phone): the error does not quote it."""
    from yandex_b2b_async import ColumnMap

    with pytest.raises(ValidationError) as refused:
        ColumnMap().with_defaults(["+79165550101"])
    assert "default" in str(refused.value)
    assert _shows(_rendered(refused.value), ["+79165550101", "5550101"]) == []


def test_the_sandbox_refuses_a_malformed_phone_or_email_without_quoting_it() -> None:
    """Seeding an employee with a malformed phone or email is refused naming the field only:
    a malformed value may be anything, a name included, which no scrub would find."""
    from yandex_b2b_async.sandbox import SandboxControl, SandboxError

    refusals: list[str] = []
    with Sandbox() as sandbox:
        control = SandboxControl(sandbox.url)
        for phone, email in (("Kuznetsova 8916", None), ("+79165550101", "k m")):
            with pytest.raises(SandboxError) as refused:
                control.add_user(phone=phone, email=email)
            refusals.append(_rendered(refused.value))
    assert "phone" in refusals[0]
    assert "email" in refusals[1]
    assert _shows("\n".join(refusals), ["Kuznetsova", "'k m'"]) == [], refusals


# -- log lines, events and spans against the sandbox ------------------------------------------

PERSON = {"fullname": "Kuznetsova Maria", "phone": "+79165550101", "email": "maria.k@mail.example"}
PERSONAL = [*PERSON.values(), "Kuznetsova", "Maria", "maria.k"]


def _person(sandbox: Sandbox, **changes: str) -> UserCreate:
    fields: dict[str, Any] = {**PERSON, **changes}
    return UserCreate(is_active=True, cost_centers_id=sandbox.cost_center_id, **fields)


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every line and every record attribute a log handler could write."""
    return caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_a_create_logs_no_personal_data(debug_logs: pytest.LogCaptureFixture) -> None:
    """A create, and the events its observer sees, show none of the employee's data at DEBUG."""
    seen: list[object] = []
    async with (
        Sandbox() as sandbox,
        B2BClient(sandbox.token, base_url=sandbox.url, observers=[seen.append]) as client,
    ):
        created = await client.users.create(_person(sandbox))
        user = await client.users.get(created.id)
        logging.getLogger("yandex_b2b_async").debug("got %r", user)
    assert "GET /users" in debug_logs.text or "GET /integration" in debug_logs.text
    assert _shows(_log_text(debug_logs), PERSONAL) == []
    assert _shows(repr(seen), PERSONAL) == []


async def test_a_failed_create_shows_no_personal_data(debug_logs: pytest.LogCaptureFixture) -> None:
    """A refused create whose answer quotes the phone and email: error and logs mask them."""
    async with Sandbox() as sandbox:
        quoted = f"phone {PERSON['phone']} or email {PERSON['email']} is taken"
        sandbox.faults.script(
            "POST",
            "/integration/2.0/users",
            [Reply(status=400, body={"code": "USER_EXISTS", "message": quoted})],
        )
        async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
            with pytest.raises(B2BError) as caught:
                await client.users.create(_person(sandbox))
            with pytest.raises(ValidationError) as refused:
                await client.users.create(_person(sandbox, phone="8916 555 0101"))
    assert "+7••••••0101" in str(caught.value)
    for text in (_rendered(caught.value), _rendered(refused.value), _log_text(debug_logs)):
        assert _shows(text, [*PERSONAL, "8916 555 0101"]) == [], text


async def test_a_bulk_job_logs_and_reports_no_personal_data(
    debug_logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """A bulk create with failures: its log lines, report repr, items and journal mask people."""
    journal = tmp_path / "journal.jsonl"
    people = [
        UserCreate(
            fullname=f"Smirnov{n} Oleg{n}",
            phone=f"+7916777{n:04d}",
            email=f"oleg{n}@smirnov{n}.example",
            is_active=True,
            cost_centers_id="cc",
        )
        for n in range(12)
    ]
    personal = [str(value) for user in people for value in (user.fullname, user.phone, user.email)]
    async with Sandbox(seed=7) as sandbox:
        people = [attrs.evolve(user, cost_centers_id=sandbox.cost_center_id) for user in people]
        people.append(people[0])  # a repeated phone: a conflict
        sandbox.faults.random(error_rate=0.3, drop_after_rate=0.1, seed=7)
        async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
            report = await client.users.bulk_create(people, concurrency=4, journal=journal)
    assert report.failed
    shown = [repr(report), str(report), journal.read_text(), _log_text(debug_logs)]
    shown += [_rendered(item.error) for item in report.items if item.error is not None]
    for text in shown:
        assert _shows(text, personal) == [], text


async def test_spans_and_metrics_hold_no_personal_data() -> None:
    """The OpenTelemetry spans and metrics of creates, a refused one included, and of a search
    by phone hold no personal value."""
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from yandex_b2b_async.telemetry import OpenTelemetry

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    observer = OpenTelemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)
    async with Sandbox() as sandbox:
        quoted = f"{PERSON['fullname']} {PERSON['phone']} {PERSON['email']}"
        async with B2BClient(
            sandbox.token, base_url=sandbox.url, observers=[observer], retry=None
        ) as client:
            await client.users.create(_person(sandbox))
            sandbox.faults.script(
                "POST",
                "/integration/2.0/users",
                [Reply(status=406, body={"code": "CONFLICT", "message": quoted})],
            )
            with pytest.raises(B2BError):
                await client.users.create(_person(sandbox, phone="+79165550102"))
            await client.users.find_by_phone(PERSON["phone"])
            await client.users.bulk_create([_person(sandbox, phone="+79165550103")])
    spans = exporter.get_finished_spans()
    metrics = reader.get_metrics_data()
    tracer_provider.shutdown()
    meter_provider.shutdown()
    assert len(spans) >= 8
    assert metrics is not None
    personal = [*PERSONAL, "+79165550102", "+79165550103", "79165550101"]
    for span in spans:
        assert _shows(span.to_json(), personal) == []
    assert _shows(metrics.to_json(), personal) == []


# -- the command line ---------------------------------------------------------------------------


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from yandex_b2b_async.cli import main

    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def people_file(tmp_path: Path) -> tuple[Path, list[str]]:
    """A users file with two rows on one phone, a repeated email and two bad emails."""
    rows = [
        ("Orlova Vera", "+79163330001", "vera.orlova@mail.example"),
        ("Orlov Ivan", "+79163330001", "ivan.orlov@mail.example"),  # the phone again
        ("Belova Nina", "+79163330002", "nina.belova@@mail.example"),  # a bad email
        ("Belov Pavel", "+79163330003", "pavel belov@mail.example"),  # a bad email
        ("Zaitseva Olga", "+79163330004", "vera.orlova@mail.example"),  # the email again
        ("Zaitsev Oleg", "+79163330005", ""),
    ]
    source = tmp_path / "people.csv"
    lines = [f"{name},{phone},{email},true,cc-main" for name, phone, email in rows]
    header = "fullname,phone,email,is_active,cost_centers_id\n"
    source.write_text(header + "\n".join(lines) + "\n")
    personal = [value for row in rows for value in row if value]
    personal += [part for name, _, _ in rows for part in name.split()]
    personal += ["vera.orlova", "nina.belova", "pavel belov"]
    return source, personal


def test_the_cli_names_repeated_phones_and_bad_emails_by_line(
    people_file: tuple[Path, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    """users create of a file with repeated phones and bad emails: output, logs and report name
    lines and fields, never a phone, an email or a name."""
    source, personal = people_file
    report = tmp_path / "report.jsonl"
    argv = ["--sandbox", "--log-level", "debug", "users", "create", str(source)]
    code, out, err = _cli([*argv, "--report", str(report)], capsys)
    assert code == 1
    assert "line 3: VALIDATION_ERROR: phone: the same phone is on line 2" in out + err
    assert "must be an email address like name@example.com" in out + err
    for text in (out, err, report.read_text(), _log_text(debug_logs)):
        assert _shows(text, personal) == [], text


def test_a_cli_sync_refusing_repeated_phones_names_lines_only(
    people_file: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """users sync of a file with a repeated phone is refused naming the lines, not the phone."""
    source, personal = people_file
    code, out, err = _cli(["--sandbox", "users", "sync", str(source)], capsys)
    assert code == 2
    assert _shows(out + err, personal) == [], err


def test_cli_sync_hide_personal_masks_the_plan_and_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """users sync prints names for review; --hide-personal masks them on screen and in the
    report."""
    source = tmp_path / "people.csv"
    source.write_text(
        "fullname,phone,email,is_active,cost_centers_id\n"
        "Egorova Lidia,+79164440001,lidia@egorova.example,true,cc-main\n"
        "Egorov Fedor,+79164440002,,true,cc-main\n"
    )
    personal = ["Egorova", "Lidia", "Egorov Fedor", "+79164440001", "+79164440002", "lidia@"]
    report = tmp_path / "plan.jsonl"
    code, shown, _ = _cli(["--sandbox", "users", "sync", str(source)], capsys)
    assert code == 0
    assert "Egorova Lidia" in shown
    argv = ["--sandbox", "users", "sync", str(source), "--hide-personal", "--report", str(report)]
    code, out, err = _cli(argv, capsys)
    assert code == 0
    assert "+7••••••0001" in out
    for text in (out, err, report.read_text()):
        assert _shows(text, personal) == [], text


def test_an_id_with_a_long_run_of_digits_stays_readable_in_a_message() -> None:
    """Digits inside a hexadecimal id are no phone: an error naming the id shows it whole."""
    user_id = "a1b2c3d49876543210ff00aa11bb22cc"
    assert scrub(f"user '{user_id}' not found") == f"user '{user_id}' not found"
    assert "9876543210" not in scrub("call 89876543210 now")
