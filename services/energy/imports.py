"""Imports of the statistics form as jobs the service runs off the request.

``import_readings`` checks what can be checked at once (the file type, the archive's sizes, the
declared size, the header), stores the sheet as a queued job and answers; ``ImportRunner`` then
claims the job with a lease and runs ``run_import`` in a worker of its own, as the caller who
sent the sheet. The job's readings, its report and its status "succeeded" are one transaction:
a job that fails or is interrupted applies nothing, and one whose process died (its lease ran
out) is claimed and run again, at most ``import_max_attempts`` times.
"""
from __future__ import annotations

import base64
import binascii
import logging
import uuid
from datetime import timedelta
from functools import partial

import eventlet
from eventlet.event import Event
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint
from sqlalchemy import func, or_, select, update

from services.energy import contract, domain, repository, settings, sheets
from services.energy.models import EnergyImport
from services.energy.base import EnergyBase
from services.energy.contract import REPORTERS
from services.kit.db import Database, utcnow
from services.kit.entrypoints import finish_before_reply, rpc
from services.kit.errors import Conflict, Invalid, ServiceError, ServiceTimeout, ServiceUnavailable
from services.kit.schemas import load

log = logging.getLogger(__name__)

import_out = contract.ImportJob()
CHUNK_ROWS = 500  # rows checked and written between two progress reports
YIELD_EVERY = 200  # rows read between two pauses that let the process's other work run
WAITING = ("queued", "running")


class ClaimLost(Exception):
    """Another run holds the job now (this one outlived its lease): it applies nothing."""


def _free(now):
    return or_(EnergyImport.locked_until.is_(None), EnergyImport.locked_until < now)


def claim_next(sessionmaker, config) -> dict | None:
    """The oldest job waiting (queued, or running with its lease run out), claimed for one run:
    ``{"id", "claim", "filename", "content", "context"}``; None when there is none."""
    while True:
        now = utcnow()
        with sessionmaker.begin() as session:
            candidate = session.scalar(select(EnergyImport.id).where(EnergyImport.status.in_(WAITING), _free(now))
                                       .order_by(EnergyImport.id).limit(1))
            if candidate is None:
                return None
            claim = uuid.uuid4().hex
            taken = session.execute(
                update(EnergyImport)
                .where(EnergyImport.id == candidate, EnergyImport.status.in_(WAITING), _free(now))
                .values(status="running", claim=claim, attempts=EnergyImport.attempts + 1,
                        locked_until=now + timedelta(seconds=config.import_lease_seconds),
                        started_at=func.coalesce(EnergyImport.started_at, now))
                .execution_options(synchronize_session=False)).rowcount
            if not taken:  # another replica took it
                continue
            job = session.execute(select(EnergyImport.attempts, EnergyImport.filename, EnergyImport.content,
                                         EnergyImport.caller, EnergyImport.request_id)
                                  .where(EnergyImport.id == candidate)).one()
            if job.attempts <= config.import_max_attempts:
                return {"id": candidate, "claim": claim, "filename": job.filename, "content": job.content,
                        "context": {"caller": job.caller, "request_id": job.request_id}}
            _end(session, candidate, claim, "failed", error={
                "detail": f"the import was interrupted {job.attempts - 1} times; nothing of it was applied",
                "rule": None, "errors": {}})


def _end(session, import_id: int, claim: str, status: str, **values) -> int:
    return session.execute(
        update(EnergyImport).where(EnergyImport.id == import_id, EnergyImport.claim == claim,
                                   EnergyImport.status == "running")
        .values(status=status, claim=None, locked_until=None, content=None, finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)).rowcount


def failure_of(error: BaseException) -> dict | None:
    """What a failed job reports, or None when the failure is passing and the job is run again: the
    database or a service away, or a conflict with readings written meanwhile (another replica's job,
    the API), which the next run finds written."""
    if isinstance(error, ServiceError) and not isinstance(error, (ServiceUnavailable, ServiceTimeout, Conflict)):
        return {"detail": error.detail, "rule": getattr(error, "rule", None) or None, "errors": error.errors}
    return None


class ImportRunner(Entrypoint):
    """Runs the waiting imports one at a time, each in a worker of the method it decorates, outside
    any RPC; looks for them every ``import_poll_seconds``."""

    def __init__(self, **kwargs):
        super().__init__(expected_exceptions=ServiceError, **kwargs)

    def setup(self):
        self.database = next(d for d in self.container.dependencies if isinstance(d, Database))
        self.running = False
        self.stopping = Event()
        self.loop = None

    def start(self):
        self.running = True
        self.loop = self.container.spawn_managed_thread(self._run, identifier="energy.import_runner")

    def stop(self):
        """Lets the running job finish (the container's shutdown grace bounds it)."""
        self.running = False
        if not self.stopping.ready():
            self.stopping.send()
        if self.loop is not None:
            self.loop.wait()

    def kill(self):
        if self.loop is not None:
            self.loop.kill()

    def _run(self):
        while self.running:
            job = None
            try:
                job = claim_next(self.database.sessionmaker, settings.SETTINGS)
            except Exception:  # the database may be down for a while: keep looking
                log.exception("looking for waiting imports failed")
            if job is not None:
                done = Event()
                try:
                    self.container.spawn_worker(self, (job,), {"progress": partial(self.progress, job)},
                                                context_data=job["context"],
                                                handle_result=partial(self._finished, job, done))
                except ContainerBeingKilled:
                    return
                done.wait()
                continue
            with eventlet.Timeout(settings.SETTINGS.import_poll_seconds, False):
                self.stopping.wait()

    def progress(self, job: dict, done: int, total: int, writing: bool = False) -> None:
        """Rows done of the total, committed apart from the job's transaction, with a renewed lease.
        SQLite lets one writer at a time: while the job writes there, it reports at its end only."""
        if writing and self.database.engine.dialect.name == "sqlite":
            return
        lease = utcnow() + timedelta(seconds=settings.SETTINGS.import_lease_seconds)
        with self.database.sessionmaker.begin() as session:
            session.execute(update(EnergyImport)
                            .where(EnergyImport.id == job["id"], EnergyImport.claim == job["claim"])
                            .values(rows_done=done, rows_total=total, locked_until=lease)
                            .execution_options(synchronize_session=False))

    def _finished(self, job: dict, done: Event, worker_ctx, result, exc_info):
        result, exc_info = finish_before_reply(worker_ctx, result, exc_info)  # committed, or rolled back
        log.info("import %s %s", job["id"], "succeeded" if exc_info is None else f"ended: {type(exc_info[1]).__name__}",
                 extra={"outcome": "ok" if exc_info is None else type(exc_info[1]).__name__, "import_id": job["id"]})
        try:
            if exc_info is not None and not isinstance(exc_info[1], ClaimLost):
                self._record_failure(job, exc_info[1])
        except Exception:  # the lease runs out and the job is run again
            log.exception("recording the failure of import %s failed", job["id"])
        finally:
            done.send()
        return result, exc_info

    def _record_failure(self, job: dict, error: BaseException) -> None:
        failure = failure_of(error)
        config = settings.SETTINGS
        with self.database.sessionmaker.begin() as session:
            if failure is not None:
                _end(session, job["id"], job["claim"], "failed", error=failure)
                return
            log.warning("import %s was interrupted (%s); it is run again", job["id"], type(error).__name__)
            attempts = session.scalar(select(EnergyImport.attempts).where(EnergyImport.id == job["id"]))
            session.execute(  # queued again, after a pause that grows with each attempt
                update(EnergyImport).where(EnergyImport.id == job["id"], EnergyImport.claim == job["claim"])
                .values(status="queued", claim=None,
                        locked_until=utcnow() + timedelta(seconds=config.import_poll_seconds * 5 * (attempts or 1)))
                .execution_options(synchronize_session=False))


import_job = ImportRunner.decorator


class ImportsRpc(EnergyBase):

    @rpc
    def import_readings(self, payload):
        """A statistics-form sheet, accepted as a job (status queued) once its type, size and header
        are checked; the service runs it (``run_import``) and ``get_import`` tells how it goes."""
        caller = self.call.caller
        caller.require(*REPORTERS)
        upload = load(contract.ImportUpload(), payload)
        try:
            content = base64.b64decode(upload["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise Invalid("the file content is not base64", {"content_base64": ["not base64"]}) from None
        sheets.header_of(upload["filename"], content, sheets.Limits.of(settings.SETTINGS))
        job = EnergyImport(
            filename=upload["filename"][:255], format=sheets.sheet_format(upload["filename"]),
            unit_code=caller.unit_code if caller.unit_scoped else None, status="queued", rejected=[],
            content=content, caller=caller.to_wire(), request_id=self.call.request_id, created_by=caller.name)
        self.db.session.add(job)
        self.db.session.flush()
        return import_out.dump(job)

    @rpc(reads_only=True)
    def get_import(self, import_id):
        return import_out.dump(self._one(EnergyImport, import_id, "import"))

    @rpc(reads_only=True)
    def list_imports(self, query=None):
        """A unit user sees the imports it made; staff's imports have no unit."""
        return self._page(EnergyImport, import_out, contract.PageQuery(), query, (EnergyImport.id.desc(),))

    @import_job
    def run_import(self, job, progress):
        """The sheet read through (within the limits), each row checked, the good rows' readings
        written and the bad rows reported, in one transaction; the same sheet again changes nothing."""
        caller = self.call.caller
        rows = sheets.read_rows(job["filename"], job["content"], sheets.Limits.of(settings.SETTINGS))
        first = next(rows, None)
        if first is None:
            raise Invalid("the sheet is empty", {"file": ["no header row"]})
        columns = sheets.columns_of(first[1])
        parsed = []
        for count, (number, row) in enumerate(rows, start=1):
            if not sheets.is_blank(row):
                parsed.append((number, *sheets.parse_row(row, columns)))
            if count % YIELD_EVERY == 0:
                eventlet.sleep(0)
        progress(0, len(parsed))  # before the job's transaction begins
        session = self.db.session
        registered = repository.institutions_by_unit(session, [p[1] for p in parsed if p[1]])
        own_unit = caller.unit_code if caller.unit_scoped else None
        now, seen, rejected, imported, written = utcnow(), {}, [], 0, repository.Written()
        for start in range(0, len(parsed), CHUNK_ROWS):
            chunk = parsed[start:start + CHUNK_ROWS]
            refused, accepted = domain.check_import_rows(chunk, registered, own_unit, seen, now)
            rejected += refused
            imported += len(accepted)
            inputs = [repository.ReadingInput(registered[unit_code], period, energy_type, quantity, unit)
                      for unit_code, period, readings in accepted for energy_type, quantity, unit in readings]
            written.add(repository.write_readings(session, inputs, "import", caller.name, self.db.audit, job["id"]))
            progress(start + len(chunk), len(parsed), writing=True)
        self._after_write(written)
        if not _end(session, job["id"], job["claim"], "succeeded", rows_total=len(parsed), rows_done=len(parsed),
                    rows_imported=imported, rows_rejected=len(rejected), rejected=rejected,
                    readings_created=written.created, readings_corrected=written.corrected,
                    readings_unchanged=written.unchanged):
            raise ClaimLost(f"import {job['id']} is held by another run")
